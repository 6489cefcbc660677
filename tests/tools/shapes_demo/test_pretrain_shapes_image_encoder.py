"""tools/shapes_demo/pretrain_shapes_image_encoder.py: what it trains and what it writes."""
import json

import pytest
import torch
from mmengine.registry import init_default_scope

from mmdmgan.registry import MODELS
from tests.conftest import REPO, load_script

TOOL = 'tools/shapes_demo/pretrain_shapes_image_encoder.py'
DEMO_DAMSM = 'configs/shapes_demo/damsm_shapes_demo.py'

DATASET = dict(num_images=64, image_size=64, seed=0, max_objects=1,
               heldout_pairs=[('red', 'circle')])


def test_pretraining_trains_the_image_encoder_only_on_training_scenes(monkeypatch):
    tool = load_script(TOOL)
    init_default_scope('mmdmgan')
    seen = []
    sample_scene = tool.sample_scene

    def record(seed, split, index, heldout_pairs, **kwargs):
        scene = sample_scene(seed, split, index, heldout_pairs, **kwargs)
        seen.append((split, scene))
        return scene

    monkeypatch.setattr(tool, 'sample_scene', record)
    encoder = MODELS.build(dict(type='ConvImageEncoder', embedding_dim=16, base_channels=4))
    before = {key: value.clone() for key, value in encoder.state_dict().items()}
    accuracy = tool.pretrain(encoder, DATASET, steps=3, batch_size=8, lr=1e-3, seed=0)
    assert 0 <= accuracy <= 1
    assert any(not torch.equal(before[key], value) for key, value in encoder.state_dict().items())
    train = [scene for split, scene in seen if split == 'train']
    assert len(train) == DATASET['num_images']
    assert all(len(scene['objects']) == 1 for _, scene in seen)
    assert not any((obj['colour'], obj['shape']) == ('red', 'circle')
                   for scene in train for obj in scene['objects'])


def test_tool_writes_a_load_from_checkpoint(run_tool, tmp_path):
    config = tmp_path / 'small.py'
    base = REPO / 'configs' / 'shapes_demo' / 'damsm_shapes_demo_conv.py'
    config.write_text(f"_base_ = ['{base}']\n"
                      'train_dataloader = dict(dataset=dict(num_images=32))\n')
    text = tmp_path / 'text.pth'
    torch.save(dict(state_dict={'text_encoder.weight': torch.ones(2),
                                'image_encoder.stale': torch.zeros(1)}), text)
    out = tmp_path / 'init.pth'
    result = run_tool([TOOL, config, out, '--steps', '2',
                       '--batch-size', '4', '--text-from', text])
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report['out'] == str(out) and 0 <= report['test_shape_accuracy'] <= 1
    state_dict = torch.load(out, weights_only=True)['state_dict']
    assert torch.equal(state_dict['text_encoder.weight'], torch.ones(2))
    assert 'image_encoder.stale' not in state_dict
    assert 'image_encoder.global_projection.weight' in state_dict


def test_tool_refuses_a_frozen_inception_encoder(run_tool, tmp_path):
    with pytest.raises(AssertionError, match='must be a ConvImageEncoder'):
        run_tool([TOOL, DEMO_DAMSM,
                  tmp_path / 'out.pth'])
    assert not (tmp_path / 'out.pth').exists()
