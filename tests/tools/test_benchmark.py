import json
import math

import pytest

RESULT_KEYS = {'config', 'mode', 'batch', 'iters', 'warmup', 'device', 'amp', 'amp_dtype',
               'attention_impl', 'channels_last', 'compile', 'compile_mode', 's_per_iter',
               'mean_s_per_iter', 'img_per_s', 'peak_memory_mb', 'gflop_per_img',
               'achieved_tflops', 'tf32', 'versions'}
POSITIVE = ('s_per_iter', 'mean_s_per_iter', 'img_per_s', 'peak_memory_mb', 'gflop_per_img',
            'achieved_tflops')


def run_benchmark(run_tool, test_configs, *args):
    result = run_tool(['tools/benchmark.py', test_configs / 'dmgan_tiny.py', '--batch', 2,
                       '--iters', 2, '--warmup', 1, '--device', 'cpu', *args])
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout  # one JSON line, nothing else on stdout
    return json.loads(lines[0])


@pytest.mark.parametrize('mode,fast', [
    ('train', False), ('infer', False),
    pytest.param('train', True, marks=pytest.mark.slow)])  # CPU bf16 is slow: ~25 s
def test_benchmark_prints_one_json_line(run_tool, test_configs, mode, fast):
    switches = ['--amp', '--sdpa', '--channels-last'] if fast else []
    result = run_benchmark(run_tool, test_configs, '--mode', mode, *switches)
    assert set(result) == RESULT_KEYS
    assert (result['mode'], result['batch'], result['iters']) == (mode, 2, 2)
    for key in POSITIVE:
        assert math.isfinite(result[key]) and result[key] > 0, key
    assert result['versions']['torch'] and result['versions']['mmengine']
    expected = ((True, 'bfloat16', 'sdpa', True) if fast else (False, None, 'matmul', False))
    assert (result['amp'], result['amp_dtype'], result['attention_impl'],
            result['channels_last']) == expected


def test_benchmark_writes_a_profile_table(run_tool, test_configs, tmp_path):
    result = run_benchmark(run_tool, test_configs, '--mode', 'infer', '--sdpa', '--profile',
                           tmp_path / 'profile.txt')
    assert result['attention_impl'] == 'sdpa'
    table = (tmp_path / 'profile.txt').read_text()
    assert 'self_cpu_time_total' in table and 'aten::' in table


def test_benchmark_rejects_bad_arguments(run_tool, test_configs):
    with pytest.raises(AssertionError, match='--iters must be at least 1'):
        run_benchmark(run_tool, test_configs, '--iters', 0)


def test_benchmark_refuses_an_unasked_cpu_run(run_tool, test_configs, monkeypatch):
    # Without CUDA and without --device, a GPU-sized run would silently take minutes.
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '')
    with pytest.raises(AssertionError, match='pass --device cpu'):
        run_tool(['tools/benchmark.py', test_configs / 'dmgan_tiny.py', '--batch', 32])
