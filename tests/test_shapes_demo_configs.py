"""configs/shapes_demo/: the runs that made the shipped shapes model, step by step.

The fixture tests/configs/shapes_demo_deltas.json holds, for every step, the effective config
of the run that made mmdmgan/checkpoints/shapes_demo.pth minus its paper base
(configs/damsm_shapes.py or configs/dmgan_shapes.py): the configs here must still give them.
"""
import json
import re
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from mmdmgan.models.damsm import ConvImageEncoder
from mmdmgan.registry import MODELS

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / 'configs'
DEMO = CONFIGS / 'shapes_demo'
RECIPE = REPO / 'tools' / 'shapes_demo' / 'reproduce.sh'
DELTAS = json.loads((REPO / 'tests' / 'configs' / 'shapes_demo_deltas.json').read_text())['steps']
DELETED = '<deleted>'


def plain(config: Config) -> dict:
    """The config as JSON would store it (tuples become lists)."""
    return json.loads(json.dumps(config.to_dict()))


def config_delta(config: dict, base: dict) -> dict:
    """What ``config`` sets differently from ``base``, nested dicts compared key by key."""
    delta = {}
    for key in sorted(set(config) | set(base)):
        if key not in config:
            delta[key] = DELETED
        elif key not in base:
            delta[key] = config[key]
        elif isinstance(config[key], dict) and isinstance(base[key], dict):
            nested = config_delta(config[key], base[key])
            if nested:
                delta[key] = nested
        elif config[key] != base[key]:
            delta[key] = config[key]
    return delta


def test_config_delta_names_changed_added_and_deleted_keys():
    base = dict(a=1, b=dict(c=2, d=3), e=[1])
    config = dict(a=1, b=dict(c=5), e=[1], f=4)
    assert config_delta(config, base) == dict(b=dict(c=5, d=DELETED), f=4)


def test_the_folder_holds_exactly_the_steps_of_the_shipped_model():
    assert sorted(path.stem for path in DEMO.glob('*.py')) == sorted(DELTAS)


@pytest.mark.parametrize('name', sorted(DELTAS))
def test_each_step_is_the_shipped_models_run(name):
    base = 'damsm_shapes' if name.startswith('damsm') else 'dmgan_shapes'
    config = plain(Config.fromfile(str(DEMO / f'{name}.py')))
    assert config_delta(config, plain(Config.fromfile(str(CONFIGS / f'{base}.py')))) == DELTAS[name]


def recipe_commands() -> list:
    """The commands of tools/shapes_demo/reproduce.sh, continuation lines joined."""
    text = RECIPE.read_text().replace('\\\n', ' ')
    return [' '.join(line.split()) for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith('#')]


def test_the_recipe_trains_every_config_into_the_work_dir_the_next_step_loads_from():
    commands = recipe_commands()
    trained = {}
    for command in commands:
        match = re.search(r'tools/train\.py (configs/shapes_demo/(\w+)\.py) --work-dir (\S+)',
                          command)
        if match:
            trained[match.group(2)] = match.group(3)
    assert sorted(trained) == sorted(DELTAS)
    for name, work_dir in trained.items():
        assert work_dir == f'work_dirs/{name}'
    # Every checkpoint a step loads is written by a step before it.
    written = []
    for command in commands:
        match = re.search(r'tools/train\.py configs/shapes_demo/(\w+)\.py', command)
        if match:
            config = Config.fromfile(str(DEMO / f'{match.group(1)}.py'))
            for path in (config.get('load_from'), config.get('damsm_checkpoint')):
                if path:
                    assert path in written, (match.group(1), path)
            last = (f'epoch_{config.train_cfg.max_epochs}' if config.train_cfg.by_epoch
                    else f'iter_{config.train_cfg.max_iters}')
            written.append(f'work_dirs/{match.group(1)}/{last}.pth')
        written += [word for word in command.split() if word.endswith('.pth')]


def test_every_step_holds_out_the_same_pairs():
    pairs = None
    for path in DEMO.glob('*.py'):
        config = Config.fromfile(str(path))
        dataset = config.train_dataloader.dataset
        assert dataset.heldout_pairs == config.heldout_pairs and dataset.max_objects == 1
        assert dataset.split == 'train'
        pairs = pairs or config.heldout_pairs
        assert config.heldout_pairs == pairs and len(pairs) == 5


@pytest.mark.parametrize('name, damsm_name', [
    ('dmgan_shapes_demo', 'damsm_shapes_demo_conv'),
    ('dmgan_shapes_demo_pretrained_damsm', 'damsm_shapes_demo_pretrained'),
    ('dmgan_shapes_demo_near_colour', 'damsm_shapes_demo_near_colour'),
    ('dmgan_shapes_demo_free', 'damsm_shapes_demo_free')])
def test_gan_steps_load_both_encoders_from_the_last_epoch_of_their_damsm(name, damsm_name):
    dmgan = Config.fromfile(str(DEMO / f'{name}.py'))
    damsm = Config.fromfile(str(DEMO / f'{damsm_name}.py'))
    assert dmgan.damsm_checkpoint == (f'work_dirs/{damsm_name}/'
                                      f'epoch_{damsm.train_cfg.max_epochs}.pth')
    assert dmgan.model.text_encoder_weights == dmgan.model.image_encoder_weights
    assert dmgan.model.text_encoder_weights == dmgan.damsm_checkpoint
    assert dmgan.model.image_encoder == damsm.model.image_encoder
    for key in ('vocab_size', 'embedding_dim', 'hidden_dim'):
        assert dmgan.model.text_encoder[key] == damsm.model.text_encoder[key]


def test_conv_damsm_trains_both_encoders_at_one_learning_rate():
    cfg = Config.fromfile(str(DEMO / 'damsm_shapes_demo_conv.py'))
    model = MODELS.build(cfg.model)
    assert isinstance(model.image_encoder, ConvImageEncoder)
    assert model.image_encoder.input_size == 64  # the scenes' size: no resize
    assert model.lambda_mismatch > 0
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    (group, ) = optim_wrapper.optimizer.param_groups
    assert group['lr'] == 2e-3
    assert ({id(parameter) for parameter in group['params']}
            == {id(parameter) for parameter in model.parameters()})
