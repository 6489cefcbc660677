"""Fixtures of fake CUB / COCO folders (see tests/data_fixtures.py)."""
from data_fixtures import coco_root, cub_root, mmengine_logs  # noqa: F401  (fixtures)
