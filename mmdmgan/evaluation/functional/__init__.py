"""Metric formulas as pure numpy functions, checked independently of any network."""
from .fid import feature_statistics, frechet_distance
from .inception_score import inception_score
from .r_precision import draw_mismatched_indices, fold_mean_std, r_precision, r_precision_hits

__all__ = [
    'draw_mismatched_indices', 'feature_statistics', 'fold_mean_std', 'frechet_distance',
    'inception_score', 'r_precision', 'r_precision_hits'
]
