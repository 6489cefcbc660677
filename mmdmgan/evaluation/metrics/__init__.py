from .fid import FID
from .inception_score import InceptionScore
from .r_precision import RPrecision

__all__ = ['FID', 'InceptionScore', 'RPrecision']
