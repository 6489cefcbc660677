"""The shipped shapes model (mmdmgan/checkpoints): plain tensors, loads, samples."""
import importlib.util

import numpy as np
import torch

from mmdmgan.apis import SHAPES_DEMO_CHECKPOINT, SHAPES_DEMO_CONFIG, init_model
from mmdmgan.datasets.shapes import shapes_vocabulary
from tests.conftest import REPO


def test_shipped_checkpoint_is_plain_tensors():
    checkpoint = torch.load(SHAPES_DEMO_CHECKPOINT, map_location='cpu', weights_only=True)
    weights = checkpoint['state_dict']
    assert weights and all(isinstance(value, torch.Tensor) for value in weights.values())
    assert {key.split('.')[0] for key in weights} == {'generator', 'text_encoder'}
    assert checkpoint['meta']['vocabulary'] == [shapes_vocabulary().ixtoword[i]
                                                for i in range(len(shapes_vocabulary()))]


def test_shipped_model_samples():
    model = init_model(SHAPES_DEMO_CONFIG, SHAPES_DEMO_CHECKPOINT)
    assert model.vocabulary == shapes_vocabulary()
    assert model.image_encoder is None
    output = model.infer('a large red circle on a blue background', num_images=2, seed=0,
                         output_type='uint8')
    assert output.images[-1].shape == (2, 128, 128, 3)
    assert not np.array_equal(output.images[-1][0], output.images[-1][1])


def test_demo_defaults_to_the_shipped_model():
    spec = importlib.util.spec_from_file_location('text2img', REPO / 'demo' / 'text2img.py')
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    args = demo.parse_args(['--text', 'a small blue square'])
    assert (args.config, args.checkpoint) == (SHAPES_DEMO_CONFIG, SHAPES_DEMO_CHECKPOINT)
