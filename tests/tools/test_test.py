"""tools/test.py and tools/dist_test.sh evaluate a trained tiny DM-GAN with IS, FID and
R-precision (random-weight Inception: the IS/FID keys say so)."""
import json
import math

import pytest

METRIC_KEYS = {'IS/is_RANDOM_INCEPTION', 'IS/is_std_RANDOM_INCEPTION',
               'FID/fid_RANDOM_INCEPTION', 'RPrecision/r_precision',
               'RPrecision/r_precision_std'}


def read_metrics(path):
    metrics = json.loads(path.read_text())
    assert set(metrics) == METRIC_KEYS
    assert all(math.isfinite(value) for value in metrics.values())
    assert metrics['IS/is_RANDOM_INCEPTION'] >= 1 - 1e-6
    assert metrics['FID/fid_RANDOM_INCEPTION'] > 0  # untrained G: fakes differ from the reals
    assert 0 <= metrics['RPrecision/r_precision'] <= 1
    return metrics


def test_test_tool_writes_finite_metrics(tmp_path, run_tool, test_configs,
                                         tiny_dmgan_checkpoint):
    out = tmp_path / 'results' / 'metrics.json'
    result = run_tool(['tools/test.py', test_configs / 'dmgan_tiny.py', tiny_dmgan_checkpoint,
                       '--work-dir', tmp_path / 'work', '--out', out])
    assert f'metrics written to {out}' in result.stdout
    read_metrics(out)
    log = result.stdout + result.stderr
    assert 'Load checkpoint from' in log and 'RANDOM weights' in log
    assert 'Iter(test) [2/2]' in log  # 8 samples (6 test scenes looped), batch 4


@pytest.mark.slow
def test_dist_test_two_cpu_processes_give_the_same_keys(tmp_path, run_tool, test_configs,
                                                        tiny_dmgan_checkpoint):
    out = tmp_path / 'metrics.json'
    result = run_tool(['tools/dist_test.sh', test_configs / 'dmgan_tiny.py',
                       tiny_dmgan_checkpoint, '2', '--work-dir', tmp_path / 'work',
                       '--out', out], timeout=600)
    read_metrics(out)
    assert 'Iter(test) [1/1]' in result.stdout + result.stderr  # 4 samples per process

