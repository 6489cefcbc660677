"""MMagic's own Text2ImageInferencer drives our model (full install only)."""
import copy
import os
import subprocess
import sys
import textwrap

import pytest
import torch
from mmengine.config import Config
from PIL import Image

from mmdmgan.datasets.shapes import shapes_vocabulary
from mmdmgan.registry import MODELS
from tests.conftest import REPO, TEST_CONFIGS

sys.path.insert(0, str(TEST_CONFIGS))  # tiny_modules, imported by the tiny config

# mmdmgan first: the inferencer then registers MMagic's modules (register_all_modules) after
# ours, which must not collide.
SCRIPT = textwrap.dedent('''
    import sys
    import mmdmgan  # noqa: F401
    from mmagic.apis.inferencers import Text2ImageInferencer
    config, checkpoint, out = sys.argv[1:]
    inferencer = Text2ImageInferencer(config, checkpoint, device='cpu')
    results, image = inferencer(text='a large red circle on a blue background',
                                result_out_dir=out)
    print(type(image).__name__, image.size)
''')


@pytest.mark.mmagic
@pytest.mark.slow  # a subprocess that imports MMagic: ~35 s on 2 CPU cores
def test_mmagic_text2image_inferencer(tmp_path):
    cfg = Config.fromfile(str(TEST_CONFIGS / 'dmgan_tiny.py'))
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.update(image_encoder=None, damsm_loss=None, ema_config=None)  # as shapes_demo.py
    model_cfg.pop('custom_imports', None)
    model = MODELS.build(model_cfg)
    # What tools/export_sampler.py writes: only the parts sampling needs.
    sampler = {key: value for key, value in model.state_dict().items()
               if key.startswith(('generator.', 'text_encoder.'))}
    torch.save(dict(state_dict=sampler), tmp_path / 'tiny.pth')
    shapes_vocabulary().save(str(tmp_path / 'vocab.json'))
    model_cfg.vocabulary = str(tmp_path / 'vocab.json')
    Config(dict(model=model_cfg, default_scope='mmdmgan')).dump(str(tmp_path / 'config.py'))

    result = subprocess.run(
        [sys.executable, '-c', SCRIPT, str(tmp_path / 'config.py'), str(tmp_path / 'tiny.pth'),
         str(tmp_path / 'out.png')], cwd=REPO, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=str(REPO)))
    if 'ModuleNotFoundError' in result.stderr and 'mmagic' in result.stderr:
        pytest.skip('MMagic inferencers cannot be imported here: '
                    + result.stderr.strip().splitlines()[-1])
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'Image (128, 128)' in result.stdout
    assert 'missing keys' not in result.stdout + result.stderr  # no discriminator weights
    with Image.open(tmp_path / 'out.png') as image:
        assert image.size == (128, 128)
