import importlib.util

import pytest
import torch


def pytest_collection_modifyitems(config, items):
    skip_gpu = pytest.mark.skip(reason='needs CUDA')
    has_mmagic = importlib.util.find_spec('mmagic') is not None
    skip_mmagic = pytest.mark.skip(reason='needs the full install (MMagic)')
    for item in items:
        if 'gpu' in item.keywords and not torch.cuda.is_available():
            item.add_marker(skip_gpu)
        if 'mmagic' in item.keywords and not has_mmagic:
            item.add_marker(skip_mmagic)
