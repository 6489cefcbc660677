"""Our FID path against pytorch-fid itself, both networks holding the same random weights.

pytorch-fid downloads its weights when its network is built; the tests hand it the state dict
of our random-weight port instead (no network access), so any difference comes from the
architecture, the input path or the formula.
"""
import numpy as np
import pytest
import torch
import torchvision.transforms.functional as TF
from PIL import Image
from pytorch_fid import inception as pytorch_fid_inception
from pytorch_fid.fid_score import calculate_frechet_distance

from mmdmgan.evaluation.inception import InceptionFeatureExtractor
from mmdmgan.evaluation.metrics import DMGANFID
from mmdmgan.evaluation.metrics.sample_fields import stack_images

SIZE = 75  # the smallest input Inception-v3 takes: the images are fed at the network's size


@pytest.fixture(scope='module')
def ours():
    torch.manual_seed(0)
    return InceptionFeatureExtractor(style='pytorch_fid', allow_random_weights=True,
                                     input_size=SIZE)


def pytorch_fid_network(ours, monkeypatch, output_block=3, resize_input=True):
    """pytorch-fid's InceptionV3 with ``ours``'s weights instead of the downloaded ones."""
    state_dict = ours.network.state_dict()
    monkeypatch.setattr(pytorch_fid_inception, 'load_state_dict_from_url',
                        lambda *args, **kwargs: state_dict)
    return pytorch_fid_inception.InceptionV3([output_block], resize_input=resize_input).eval()


def as_pytorch_fid_reads(image: torch.Tensor) -> torch.Tensor:
    """A uint8 3×H×W image written as PNG-like PIL image and read back as pytorch-fid's
    ImagePathDataset does (``TF.to_tensor``)."""
    return TF.to_tensor(Image.fromarray(image.permute(1, 2, 0).numpy()))


def test_every_uint8_level_reaches_inception_as_pytorch_fid_reads_it(ours, monkeypatch):
    levels = torch.arange(256, dtype=torch.uint8).view(16, 16)
    image = torch.stack([levels, levels.flip(0), levels.t()])  # every level in each channel
    theirs = pytorch_fid_network(ours, monkeypatch, output_block=0)
    seen = {}
    theirs.blocks[0].register_forward_pre_hook(lambda module, args: seen.update(x=args[0]))
    with torch.no_grad():
        theirs(as_pytorch_fid_reads(image)[None])
    # The metric path at 299: a uint8 field and the same image after the data preprocessor.
    at_299 = InceptionFeatureExtractor(style='pytorch_fid', allow_random_weights=True)
    for field in (image, image.float() / 127.5 - 1):
        network_input = at_299.preprocess(stack_images([{'gt_img': field}], 'gt_img', 'FID'))
        assert torch.equal(network_input, seen['x'])
    # Before resizing: all 256 levels, none moved (a plain floor lost 63 of them).
    small = InceptionFeatureExtractor(style='pytorch_fid', allow_random_weights=True,
                                      input_size=80)
    padded = torch.zeros(3, 80, 80, dtype=torch.uint8)
    padded[:, :16, :16] = image
    unit = (small.preprocess(stack_images([{'gt_img': padded}], 'gt_img', 'FID'))[0] + 1) / 2
    assert torch.equal(torch.round(unit[:, :16, :16] * 255).to(torch.uint8), image)


def images_and_their_features(ours, monkeypatch):
    """8 real uint8 images, 8 generated [-1, 1] ones, and pytorch-fid's pool features."""
    generator = torch.Generator().manual_seed(1)
    shape = (8, 3, SIZE, SIZE)
    reals = torch.randint(0, 256, shape, generator=generator, dtype=torch.uint8)
    fake_levels = torch.randint(0, 256, shape, generator=generator, dtype=torch.uint8)
    fakes = fake_levels.float() / 127.5 - 1  # as the model gives them, read back from PNG
    theirs = pytorch_fid_network(ours, monkeypatch, resize_input=False)  # already SIZE
    with torch.no_grad():
        features = [theirs(torch.stack([as_pytorch_fid_reads(x) for x in images]))[0]
                    .flatten(1).numpy() for images in (reals, fake_levels)]
    return reals, fakes, features


def test_pool_features_agree_with_pytorch_fid(ours, monkeypatch):
    reals, fakes, (their_real, their_fake) = images_and_their_features(ours, monkeypatch)
    our_real = ours(stack_images([{'gt_img': x} for x in reals], 'gt_img', 'FID'))[0].numpy()
    our_fake = ours(stack_images([{'fake_img': x} for x in fakes], 'fake_img', 'FID'))[0]
    np.testing.assert_allclose(our_real, their_real, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(our_fake.numpy(), their_fake, rtol=1e-5, atol=1e-7)


@pytest.mark.slow  # scipy's sqrtm of a 2048×2048 matrix in pytorch-fid: ~30 s of CPU
def test_fid_metric_agrees_with_pytorch_fid(ours, monkeypatch):
    reals, fakes, (their_real, their_fake) = images_and_their_features(ours, monkeypatch)
    metric = DMGANFID(inception=ours, cache_dir=None)
    metric.process({}, [{'fake_img': fake, 'gt_img': real} for fake, real in zip(fakes, reals)])
    value = metric.evaluate(size=len(reals))['FID/fid_RANDOM_INCEPTION']
    their_value = calculate_frechet_distance(
        their_fake.mean(0), np.cov(their_fake, rowvar=False),
        their_real.mean(0), np.cov(their_real, rowvar=False))
    assert value == pytest.approx(their_value, rel=1e-6)  # measured: 8e-8
