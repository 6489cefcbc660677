import pytest
import torch
from torchvision.models import inception_v3

from mmdmgan.datasets.shapes import ShapesDataset
from mmdmgan.models.damsm import DAMSMImageEncoder
from mmdmgan.registry import MODELS


@pytest.fixture(scope='module')
def encoder():
    torch.manual_seed(0)
    return DAMSMImageEncoder(embedding_dim=16, allow_random_init=True)


def test_missing_weights_name_the_file_and_where_to_get_it(tmp_path):
    with pytest.raises(ValueError, match=r'inception_v3_google-0cc3c7bd\.pth.*download\.pytorch'):
        DAMSMImageEncoder()
    with pytest.raises(FileNotFoundError, match='inception_v3_google-0cc3c7bd.pth'):
        DAMSMImageEncoder(inception_weights=str(tmp_path / 'absent.pth'))


def test_shapes(encoder):
    regions, code = encoder(torch.rand(2, 3, 64, 64) * 2 - 1)
    assert regions.shape == (2, 16, 17, 17)
    assert code.shape == (2, 16)


def test_frozen_trunk_stays_in_eval_mode(encoder):
    encoder.train()
    trainable = {name for name, p in encoder.named_parameters() if p.requires_grad}
    assert trainable == {'region_projection.weight', 'global_projection.weight',
                         'global_projection.bias'}
    assert not encoder.region_trunk.training and not encoder.global_trunk.training
    assert encoder.region_projection.training
    statistics = encoder.region_trunk.Conv2d_1a_3x3.bn.running_mean.clone()
    images = (torch.rand(1, 3, 32, 32) * 2 - 1).requires_grad_(True)
    regions, code = encoder(images)
    torch.testing.assert_close(encoder.region_trunk.Conv2d_1a_3x3.bn.running_mean, statistics)
    (regions.square().mean() + code.square().mean()).backward()
    # Gradients reach the projections and the input image, never the trunk.
    assert images.grad.abs().sum() > 0
    for name, parameter in encoder.named_parameters():
        assert (parameter.grad is not None) == (name in trainable), name


def test_projection_init(encoder):
    assert encoder.region_projection.bias is None
    assert encoder.region_projection.weight.abs().max() <= 0.1
    assert encoder.global_projection.weight.abs().max() <= 0.1


def test_loads_torchvision_weights_from_a_local_file(tmp_path):
    torch.manual_seed(1)
    reference = inception_v3(weights=None, aux_logits=True, init_weights=False)
    state_dict = {k: v for k, v in reference.state_dict().items()
                  if not k.endswith('num_batches_tracked')}  # as in torchvision's release file
    path = tmp_path / 'inception_v3_google-0cc3c7bd.pth'
    torch.save(state_dict, path)
    encoder = MODELS.build(dict(type='DAMSMImageEncoder', inception_weights=str(path)))
    torch.testing.assert_close(encoder.region_trunk.Mixed_6e.branch1x1.conv.weight,
                               reference.Mixed_6e.branch1x1.conv.weight)
    torch.testing.assert_close(encoder.global_trunk.Mixed_7c.branch_pool.bn.running_var,
                               reference.Mixed_7c.branch_pool.bn.running_var)
    del state_dict['Mixed_7c.branch_pool.conv.weight']
    torch.save(state_dict, path)
    with pytest.raises(KeyError, match='Mixed_7c.branch_pool.conv.weight'):
        DAMSMImageEncoder(inception_weights=str(path))


def test_input_size_sets_the_region_grid_and_is_checked():
    encoder = DAMSMImageEncoder(embedding_dim=8, allow_random_init=True, input_size=139)
    regions, code = encoder(torch.rand(2, 3, 64, 64) * 2 - 1)
    assert regions.shape == (2, 8, 7, 7) and code.shape == (2, 8)
    with pytest.raises(ValueError, match='input_size must be at least 75'):
        DAMSMImageEncoder(allow_random_init=True, input_size=64)


def test_random_trunk_features_depend_on_the_image():
    # A random trunk must still tell images apart (tests and the shapes configs train on it).
    torch.manual_seed(0)
    encoder = DAMSMImageEncoder(embedding_dim=8, allow_random_init=True, input_size=75).eval()
    scenes = ShapesDataset(num_images=4, image_size=64, mismatch='batch_shift', pipeline=[])
    images = torch.stack([torch.as_tensor(scenes.get_data_info(index)['img']).permute(2, 0, 1)
                          for index in range(4)]).float() / 127.5 - 1
    with torch.no_grad():
        regions = encoder.region_trunk(torch.nn.functional.interpolate(images, size=(75, 75)))
    # PyTorch's default init gave ~1e-7 for every image here.
    assert regions.abs().mean() > 1e-2
    assert regions.std(dim=0).mean() > 0.1 * regions.abs().mean()
