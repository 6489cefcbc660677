from .dmgan_data_preprocessor import DMGANDataPreprocessor

__all__ = ['DMGANDataPreprocessor']
