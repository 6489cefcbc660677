import pytest
import torch
import torch.nn.functional as F
from torchvision.models.inception import Inception3, InceptionA

from mmdmgan.evaluation.inception import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    InceptionFeatureExtractor,
    TensorFlowInceptionA,
    TensorFlowInceptionEMaxPool,
)


@pytest.mark.parametrize('style, published', [
    ('pytorch_fid', 'pt_inception-2015-12-05-6726825d.pth'),
    ('torchvision', 'inception_v3_google-0cc3c7bd.pth'),
])
def test_missing_weights_file_names_file_and_source(tmp_path, style, published):
    missing = tmp_path / 'nowhere' / 'inception.pth'
    with pytest.raises(FileNotFoundError) as error:
        InceptionFeatureExtractor(style=style, weights=str(missing))
    message = str(error.value)
    assert str(missing) in message and published in message and 'https://' in message


def test_no_weights_without_permission_is_an_error():
    with pytest.raises(ValueError, match='pt_inception-2015-12-05-6726825d.pth'):
        InceptionFeatureExtractor(style='pytorch_fid')


def test_random_weights_are_marked_and_shapes(random_inception):
    assert random_inception.is_random and 'RANDOM' in random_inception.weights_tag
    features, logits = random_inception(torch.rand(2, 3, 40, 40) * 2 - 1)
    assert features.shape == (2, 2048) and logits.shape == (2, 1008)
    # He-initialised: image-dependent features, not the ~0 constants of the default init
    assert features.abs().mean() > 1e-3
    assert (features[0] - features[1]).abs().mean() > 1e-2 * features.abs().mean()


def test_weights_round_trip_and_wrong_file(tmp_path, random_inception):
    path = tmp_path / 'pt_inception-test.pth'
    torch.save(random_inception.network.state_dict(), path)
    loaded = InceptionFeatureExtractor(weights=str(path), input_size=75)
    assert not loaded.is_random and loaded.weights_tag == 'pytorch_fid-pt_inception-test-input75'
    images = torch.rand(2, 3, 40, 40) * 2 - 1
    for ours, theirs in zip(loaded(images), random_inception(images)):
        torch.testing.assert_close(ours, theirs)
    # A torchvision file (with the auxiliary classifier) does not fit the TF architecture.
    torchvision_path = tmp_path / 'inception_v3_google.pth'
    torch.save(Inception3(aux_logits=True, init_weights=False).state_dict(), torchvision_path)
    with pytest.raises(RuntimeError, match='does not fit'):
        InceptionFeatureExtractor(weights=str(torchvision_path))
    torchvision = InceptionFeatureExtractor('torchvision', weights=str(torchvision_path),
                                            input_size=75)
    assert not torchvision.is_random and torchvision.network.fc.out_features == 1000


def test_tensorflow_pool_branches():
    torch.manual_seed(0)
    tensorflow_block, torch_block = TensorFlowInceptionA(8, 4), InceptionA(8, 4)
    torch_block.load_state_dict(tensorflow_block.state_dict())
    tensorflow_block.eval(), torch_block.eval()
    x = torch.randn(1, 8, 6, 6)
    ours, theirs = tensorflow_block(x), torch_block(x)
    pool_channels = 4
    torch.testing.assert_close(ours[:, :-pool_channels], theirs[:, :-pool_channels])
    expected_pool = tensorflow_block.branch_pool(
        F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False))
    torch.testing.assert_close(ours[:, -pool_channels:], expected_pool)
    assert not torch.allclose(ours[:, -pool_channels:], theirs[:, -pool_channels:])
    max_block = TensorFlowInceptionEMaxPool(8).eval()
    expected_max = max_block.branch_pool(F.max_pool2d(x, 3, stride=1, padding=1))
    torch.testing.assert_close(max_block(x)[:, -192:], expected_max)


def test_preprocessing_ranges(random_inception):
    black_white = torch.stack([torch.full((3, 8, 8), -1.0), torch.full((3, 8, 8), 1.0)])
    tensorflow_input = random_inception.preprocess(black_white)
    assert tensorflow_input.shape == (2, 3, 75, 75)
    assert tensorflow_input[0].min() == -1 and tensorflow_input[1].max() == 1
    reference = InceptionFeatureExtractor('torchvision', allow_random_weights=True)
    quirk = reference.preprocess(black_white)[:, :, 0, 0]
    mean, std = torch.tensor(IMAGENET_MEAN), torch.tensor(IMAGENET_STD)
    torch.testing.assert_close(quirk[0], (mean - 0.5) / 0.5)
    torch.testing.assert_close(quirk[1], std / 0.5 + (mean - 0.5) / 0.5)
    # 8-bit quantisation: (x + 1) * 127.5 truncated, as the reference's PNG files.
    value = torch.full((1, 3, 299, 299), -1 + 1.6 / 127.5)
    assert reference.preprocess(value).unique().numel() == 3  # one level per channel
    torch.testing.assert_close(InceptionFeatureExtractor(
        'torchvision', allow_random_weights=True, reference_normalisation=False)
        .preprocess(value), torch.full_like(value, 1 / 255 * 2 - 1))
