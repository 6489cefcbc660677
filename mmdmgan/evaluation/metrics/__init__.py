from .fid import DMGANFID
from .inception_score import DMGANInceptionScore
from .r_precision import RPrecision

__all__ = ['DMGANFID', 'DMGANInceptionScore', 'RPrecision']
