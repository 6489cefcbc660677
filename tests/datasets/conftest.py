import pytest
from data_fixtures import collect_mmengine_logs, make_fake_coco, make_fake_cub


@pytest.fixture
def cub_root(tmp_path):
    root = tmp_path / 'birds'
    make_fake_cub(str(root))
    return str(root)


@pytest.fixture
def coco_root(tmp_path):
    root = tmp_path / 'coco'
    make_fake_coco(str(root))
    return str(root)


@pytest.fixture
def mmengine_logs():
    with collect_mmengine_logs() as collector:
        yield collector
