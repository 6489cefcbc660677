"""tools/generate.py: N images as PNGs + a JSON-lines index, resumable with identical output."""
import json
import sys

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from PIL import Image

from mmdmgan.apis import init_model
from mmdmgan.registry import DATASETS
from mmdmgan.utils import to_uint8
from tests.conftest import TEST_CONFIGS

sys.path.insert(0, str(TEST_CONFIGS))  # tiny_modules, imported by the tiny config


def generate(run_tool, test_configs, checkpoint, out_dir, *args):
    return run_tool(['tools/generate.py', test_configs / 'dmgan_tiny.py', checkpoint,
                     '--out-dir', out_dir, '--batch-size', '2', '--num-workers', '0', *args])


def read_lines(out_dir):
    return (out_dir / 'index.jsonl').read_text().splitlines()


@pytest.mark.slow
def test_generate_writes_indexed_pngs_and_resumes_identically(tmp_path, run_tool, test_configs,
                                                              tiny_dmgan_checkpoint):
    straight, resumed = tmp_path / 'straight', tmp_path / 'resumed'
    generate(run_tool, test_configs, tiny_dmgan_checkpoint, straight, '--num-images', '6')
    files = [f'{i:06d}.png' for i in range(6)]
    assert sorted(p.name for p in straight.glob('*.png')) == files

    # The index names each image's caption: the looped test-set plan of the config.
    init_default_scope('mmdmgan')
    cfg = Config.fromfile(str(test_configs / 'dmgan_tiny.py'))
    plan = DATASETS.build(cfg.test_dataloader.dataset)
    records = [json.loads(line) for line in read_lines(straight)]
    assert [r['index'] for r in records] == list(range(6))
    for record in records:
        image_index, caption_index = plan.sample_plan(record['index'])
        info = plan.dataset.annotation(image_index)
        assert record['file'] == files[record['index']]
        assert (record['img_key'], record['caption_index'], record['prompt']) == (
            info['img_key'], caption_index, info['prompts'][caption_index])
    images = [np.asarray(Image.open(straight / name)) for name in files]
    assert all(image.shape == (128, 128, 3) and image.dtype == np.uint8 for image in images)
    assert not np.array_equal(images[0], images[1])
    # One noise rule: image i is image i of infer with the same seed (--seed 0 by default);
    # truncated to uint8 as generate.py writes, so a rounding difference may move one level.
    model = init_model(str(test_configs / 'dmgan_tiny.py'), tiny_dmgan_checkpoint,
                       vocabulary=plan.dataset.vocabulary)
    expected = to_uint8(model.infer([record['prompt'] for record in records], seed=0,
                                    output_type='tensor').images[-1], truncate=True)
    assert np.abs(np.stack(images).astype(int) - expected).max() <= 1

    # Interrupted after 3 images, in the middle of writing: the last index line is cut and
    # image 1 was not listed yet. Resumed to 6: the same files and index records.
    generate(run_tool, test_configs, tiny_dmgan_checkpoint, resumed, '--num-images', '3')
    assert sorted(p.name for p in resumed.glob('*.png')) == files[:3]
    lines = read_lines(resumed)
    (resumed / 'index.jsonl').write_text(lines[0] + '\n' + lines[2] + '\n' + lines[1][:10])
    result = generate(run_tool, test_configs, tiny_dmgan_checkpoint, resumed, '--num-images', '6')
    assert '2 images already in' in result.stdout and 'generating 4 more' in result.stdout
    for name in files:
        assert (resumed / name).read_bytes() == (straight / name).read_bytes(), name
    # lines are in completion order
    assert sorted(read_lines(resumed)) == sorted(read_lines(straight))

    # Other settings in the same folder would mix different samples: refused.
    with pytest.raises(AssertionError, match='other settings'):
        generate(run_tool, test_configs, tiny_dmgan_checkpoint, resumed, '--num-images', '6',
                 '--seed', '1')
