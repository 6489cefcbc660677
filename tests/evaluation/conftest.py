import pytest

from mmdmgan.evaluation.inception import InceptionFeatureExtractor


@pytest.fixture(scope='session')
def random_inception():
    """A random-weight TF-style Inception at 75×75 input: fast on CPU, numbers meaningless."""
    return InceptionFeatureExtractor(style='pytorch_fid', allow_random_weights=True,
                                     input_size=75)
