"""Evaluation of text-to-image generators: IS, FID and R-precision as MMEngine metrics."""
from .functional import (
    draw_mismatched_indices,
    feature_statistics,
    fold_mean_std,
    frechet_distance,
    inception_score,
    r_precision,
    r_precision_hits,
)
from .inception import InceptionFeatureExtractor
from .metrics import DMGANFID, DMGANInceptionScore, RPrecision

__all__ = [
    'DMGANFID', 'DMGANInceptionScore', 'InceptionFeatureExtractor', 'RPrecision',
    'draw_mismatched_indices', 'feature_statistics', 'fold_mean_std', 'frechet_distance',
    'inception_score', 'r_precision', 'r_precision_hits'
]
