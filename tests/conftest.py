import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from data_fixtures import coco_root, cub_root, mmengine_logs  # noqa: F401  (fixtures)


def pytest_collection_modifyitems(config, items):
    skip_gpu = pytest.mark.skip(reason='needs CUDA')
    has_mmagic = importlib.util.find_spec('mmagic') is not None
    skip_mmagic = pytest.mark.skip(reason='needs the full install (MMagic)')
    for item in items:
        # Markers, not item.keywords: keywords also hold the names of the parent folders
        # (a checkout in a folder named "mmagic" would skip every test).
        if item.get_closest_marker('gpu') and not torch.cuda.is_available():
            item.add_marker(skip_gpu)
        if item.get_closest_marker('mmagic') and not has_mmagic:
            item.add_marker(skip_mmagic)


REPO = Path(__file__).resolve().parents[1]
TEST_CONFIGS = REPO / 'tests' / 'configs'


def load_script(relative_path: str):
    """Import a repository script that is not in a package (tools/..., demo/...) by path."""
    path = REPO / relative_path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def run_tool():
    """Run the repository's tools in subprocesses, as a user would from the repo root."""
    return _run_tool


@pytest.fixture
def test_configs() -> Path:
    return TEST_CONFIGS


def _run_tool(args: list, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``args`` (a python tool path or a shell script and its arguments) from the repo root.

    ``tests/configs`` is put on ``PYTHONPATH`` for the stand-in modules of the test configs.
    Fails the test with the tool's output when it exits non-zero.
    """
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [str(REPO), str(TEST_CONFIGS)] + [p for p in [env.get('PYTHONPATH')] if p])
    command = (['bash'] if str(args[0]).endswith('.sh') else [sys.executable]) + [
        str(a) for a in args]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f'{" ".join(command)} exited {result.returncode}\n'
                             f'--- stdout ---\n{result.stdout[-5000:]}\n'
                             f'--- stderr ---\n{result.stderr[-5000:]}')
    return result
