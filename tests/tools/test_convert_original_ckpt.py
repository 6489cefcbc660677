"""Round trip of reference-shaped state dicts through the converter.

The ``Reference*`` modules below restate the original DM-GAN networks (code/model.py,
code/spectral.py of MinfengZhu/DM-GAN) and AttnGAN's refinement stage (code/model.py,
code/GlobalAttention.py of taoxugit/AttnGAN): the same attribute names, so their state dicts
have exactly the release's key names and shapes, and the same forward math (including the
padding-mask tiling and the SpectralNorm wrapper) so the converted modules can be compared.
On CPU the converted generator and image encoder reproduce them bit for bit in fp32.
"""
import runpy
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from mmengine.runner import load_checkpoint
from torch import nn
from torchvision.models import inception_v3

from mmdmgan.models.damsm import DAMSMImageEncoder, DAMSMTextEncoder, padding_mask
from mmdmgan.models.damsm.image_encoder import GLOBAL_LAYERS, REGION_LAYERS
from mmdmgan.models.dmgan import DMGANDiscriminator
from mmdmgan.models.utils import (
    convert_discriminator,
    convert_generator,
    convert_original_checkpoints,
    convert_text_encoder,
)
from mmdmgan.registry import MODELS

TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'convert_original_ckpt.py'
GF, TEXT, CONDITION, NOISE, DF = 4, 16, 6, 5, 4


class ReferenceGLU(nn.Module):

    def forward(self, x):
        half = x.size(1) // 2
        return x[:, :half] * torch.sigmoid(x[:, half:])


def reference_conv3x3(c_in, c_out, bias=False):
    return nn.Conv2d(c_in, c_out, 3, 1, 1, bias=bias)


def reference_up_block(c_in, c_out):
    return nn.Sequential(nn.Upsample(scale_factor=2, mode='nearest'),
                         reference_conv3x3(c_in, c_out * 2), nn.BatchNorm2d(c_out * 2),
                         ReferenceGLU())


class ReferenceResBlock(nn.Module):

    def __init__(self, channels):
        super().__init__()
        self.block = nn.Sequential(reference_conv3x3(channels, channels * 2),
                                   nn.BatchNorm2d(channels * 2), ReferenceGLU(),
                                   reference_conv3x3(channels, channels),
                                   nn.BatchNorm2d(channels))

    def forward(self, x):
        return self.block(x) + x


class ReferenceCA(nn.Module):

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(TEXT, CONDITION * 4)

    def forward(self, sentence, epsilon):
        x = ReferenceGLU()(self.fc(sentence))
        mu, logvar = x[:, :CONDITION], x[:, CONDITION:]
        return epsilon * logvar.mul(0.5).exp() + mu, mu, logvar


class ReferenceInitStage(nn.Module):

    def __init__(self, ngf):
        super().__init__()
        self.ngf = ngf
        self.fc = nn.Sequential(nn.Linear(NOISE + CONDITION, ngf * 4 * 4 * 2, bias=False),
                                nn.BatchNorm1d(ngf * 4 * 4 * 2), ReferenceGLU())
        for k in range(1, 5):
            setattr(self, f'upsample{k}', reference_up_block(ngf // 2**(k - 1), ngf // 2**k))

    def forward(self, noise, condition):
        x = self.fc(torch.cat((condition, noise), 1)).view(-1, self.ngf, 4, 4)
        for k in range(1, 5):
            x = getattr(self, f'upsample{k}')(x)
        return x


def conv1d_relu(c_in, c_out):
    return nn.Sequential(nn.Conv1d(c_in, c_out, 1), nn.ReLU())


class ReferenceNextStage(nn.Module):

    def __init__(self, num_residual):
        super().__init__()
        self.A = nn.Linear(TEXT, 1, bias=False)
        self.B = nn.Linear(GF, 1, bias=False)
        self.M_r = conv1d_relu(GF, GF * 2)
        self.M_w = conv1d_relu(TEXT, GF * 2)
        self.key = conv1d_relu(GF * 2, GF)
        self.value = conv1d_relu(GF * 2, GF)
        self.response_gate = nn.Sequential(nn.Conv2d(GF * 2, 1, 1), nn.Sigmoid())
        self.residual = nn.Sequential(*[ReferenceResBlock(GF * 2) for _ in range(num_residual)])
        self.upsample = reference_up_block(GF * 2, GF)

    def forward(self, h, words, mask):
        batch, channels, height, width = h.shape
        steps, positions = words.size(2), height * width
        h_avg = F.avg_pool2d(h, kernel_size=height).detach().squeeze(3)  # B×C×1
        gate = torch.sigmoid(self.A(words.transpose(1, 2)).transpose(1, 2)
                             + self.B(h_avg.transpose(1, 2)).repeat(1, 1, steps))
        memory = (self.M_w(words) * gate
                  + self.M_r(h_avg.repeat(1, 1, steps)) * (1 - gate))
        key, value = self.key(memory), self.value(memory)
        weight = torch.bmm(h.view(batch, -1, positions).transpose(1, 2), key)
        weight = weight.view(batch * positions, steps)
        weight = weight.masked_fill(mask.repeat(positions, 1), -float('inf')).softmax(1)
        weight = weight.view(batch, positions, steps).transpose(1, 2)
        out = torch.bmm(value, weight).view(batch, -1, height, width)
        response = self.response_gate(torch.cat((h, out), 1))
        h_new = h * (1 - response) + response * out
        h_new = self.residual(torch.cat((h_new, h_new), 1))
        return self.upsample(h_new), weight.reshape(batch, -1, height, width)


class ReferenceAttentionStage(nn.Module):
    """AttnGAN's NEXT_STAGE_G with GlobalAttentionGeneral (ATT_NET)."""

    def __init__(self, num_residual):
        super().__init__()
        self.att = nn.Module()
        self.att.conv_context = nn.Conv2d(TEXT, GF, 1, bias=False)
        self.residual = nn.Sequential(*[ReferenceResBlock(GF * 2) for _ in range(num_residual)])
        self.upsample = reference_up_block(GF * 2, GF)

    def forward(self, h, words, mask):
        batch, _, height, width = h.shape
        steps, positions = words.size(2), height * width
        source = self.att.conv_context(words.unsqueeze(3)).squeeze(3)
        weight = torch.bmm(h.view(batch, -1, positions).transpose(1, 2), source)
        weight = weight.view(batch * positions, steps)
        weight = weight.masked_fill(mask.repeat(positions, 1), -float('inf')).softmax(1)
        weight = weight.view(batch, positions, steps).transpose(1, 2)
        context = torch.bmm(source, weight).view(batch, -1, height, width)
        h_c = self.residual(torch.cat((h, context), 1))
        return self.upsample(h_c), weight.reshape(batch, -1, height, width)


class ReferenceImage(nn.Module):

    def __init__(self):
        super().__init__()
        self.img = nn.Sequential(reference_conv3x3(GF, 3), nn.Tanh())

    def forward(self, h):
        return self.img(h)


class ReferenceGenerator(nn.Module):
    """G_NET with BRANCH_NUM = 3."""

    def __init__(self, num_residual, stage=ReferenceNextStage):
        super().__init__()
        self.ca_net = ReferenceCA()
        self.h_net1 = ReferenceInitStage(GF * 16)
        self.img_net1 = ReferenceImage()
        self.h_net2 = stage(num_residual)
        self.img_net2 = ReferenceImage()
        self.h_net3 = stage(num_residual)
        self.img_net3 = ReferenceImage()

    def forward(self, noise, sentence, words, mask, epsilon):
        condition, mu, logvar = self.ca_net(sentence, epsilon)
        h1 = self.h_net1(noise, condition)
        h2, attention1 = self.h_net2(h1, words, mask)
        h3, attention2 = self.h_net3(h2, words, mask)
        return ([self.img_net1(h1), self.img_net2(h2), self.img_net3(h3)],
                [attention1, attention2], mu, logvar)


class ReferenceSpectralNorm(nn.Module):
    """code/spectral.py: the conv keeps weight_u, weight_v, weight_bar; one power step/call."""

    def __init__(self, conv):
        super().__init__()
        self.module = conv
        weight = conv.weight.data
        height = weight.size(0)
        u = F.normalize(torch.randn(height), dim=0, eps=1e-12)
        v = F.normalize(torch.randn(weight[0].numel()), dim=0, eps=1e-12)
        del conv._parameters['weight']
        conv.register_parameter('weight_u', nn.Parameter(u, requires_grad=False))
        conv.register_parameter('weight_v', nn.Parameter(v, requires_grad=False))
        conv.register_parameter('weight_bar', nn.Parameter(weight))

    def forward(self, x):
        conv = self.module
        matrix = conv.weight_bar.view(conv.weight_bar.size(0), -1)
        v = matrix.data.t().mv(conv.weight_u.data)
        conv.weight_v.data = v / (v.norm() + 1e-12)
        u = matrix.data.mv(conv.weight_v.data)
        conv.weight_u.data = u / (u.norm() + 1e-12)
        sigma = conv.weight_u.dot(matrix.mv(conv.weight_v))
        return F.conv2d(x, conv.weight_bar / sigma, conv.bias, conv.stride, conv.padding)


def sn_down(c_in, c_out):
    return [ReferenceSpectralNorm(nn.Conv2d(c_in, c_out, 4, 2, 1)), nn.LeakyReLU(0.2)]


def sn_3x3(c_in, c_out):
    return nn.Sequential(ReferenceSpectralNorm(reference_conv3x3(c_in, c_out, bias=True)),
                         nn.LeakyReLU(0.2))


class ReferenceLogits(nn.Module):

    def __init__(self, condition):
        super().__init__()
        if condition:
            self.jointConv = sn_3x3(DF * 8 + TEXT, DF * 8)
        self.outlogits = nn.Sequential(nn.Conv2d(DF * 8, 1, 4, 4), nn.Sigmoid())

    def forward(self, h, sentence=None):
        if sentence is not None:
            h = self.jointConv(torch.cat((h, sentence[:, :, None, None].repeat(1, 1, 4, 4)), 1))
        return self.outlogits(h).view(-1)


class ReferenceDiscriminator(nn.Module):
    """D_NET64 / D_NET128 / D_NET256."""

    def __init__(self, image_size):
        super().__init__()
        self.image_size = image_size
        self.img_code_s16 = nn.Sequential(*sn_down(3, DF), *sn_down(DF, DF * 2),
                                          *sn_down(DF * 2, DF * 4), *sn_down(DF * 4, DF * 8))
        if image_size >= 128:
            self.img_code_s32 = nn.Sequential(*sn_down(DF * 8, DF * 16))
        if image_size == 128:
            self.img_code_s32_1 = sn_3x3(DF * 16, DF * 8)
        if image_size == 256:
            self.img_code_s64 = nn.Sequential(*sn_down(DF * 16, DF * 32))
            self.img_code_s64_1 = sn_3x3(DF * 32, DF * 16)
            self.img_code_s64_2 = sn_3x3(DF * 16, DF * 8)
        self.UNCOND_DNET = ReferenceLogits(False)
        self.COND_DNET = ReferenceLogits(True)

    def forward(self, x):
        x = self.img_code_s16(x)
        if self.image_size == 128:
            x = self.img_code_s32_1(self.img_code_s32(x))
        elif self.image_size == 256:
            x = self.img_code_s64_2(self.img_code_s64_1(self.img_code_s64(self.img_code_s32(x))))
        return x


class ReferenceTextEncoder(nn.Module):
    """RNN_ENCODER: callers sort captions by decreasing length."""

    def __init__(self, vocab_size):
        super().__init__()
        self.encoder = nn.Embedding(vocab_size, 12)
        self.rnn = nn.LSTM(12, TEXT // 2, 1, batch_first=True, bidirectional=True)

    def forward(self, captions, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.encoder(captions), lengths.tolist(),
                                                   batch_first=True)
        output, hidden = self.rnn(packed)
        words = nn.utils.rnn.pad_packed_sequence(output, batch_first=True)[0].transpose(1, 2)
        return words, hidden[0].transpose(0, 1).contiguous().view(-1, TEXT)


class ReferenceImageEncoder(nn.Module):
    """CNN_ENCODER: the Inception-v3 layers as direct attributes + the two projections."""

    def __init__(self):
        super().__init__()
        inception = inception_v3(weights=None, aux_logits=False, init_weights=False)
        for name in REGION_LAYERS + GLOBAL_LAYERS:
            if not name.startswith('maxpool'):
                setattr(self, name, getattr(inception, name))
        self.emb_features = nn.Conv2d(768, TEXT, 1, bias=False)
        self.emb_cnn_code = nn.Linear(2048, TEXT)

    def forward(self, x):
        x = F.interpolate(x, size=(299, 299), mode='bilinear', align_corners=True)
        for name in REGION_LAYERS:
            x = (F.max_pool2d(x, kernel_size=3, stride=2) if name.startswith('maxpool')
                 else getattr(self, name)(x))
        features = x
        for name in GLOBAL_LAYERS:
            x = getattr(self, name)(x)
        x = F.avg_pool2d(x, kernel_size=8).view(x.size(0), -1)
        return self.emb_features(features), self.emb_cnn_code(x)


def randomise(module, seed):
    """Random values for every float entry (BN statistics kept positive where needed)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in module.state_dict().items():
            if not tensor.is_floating_point():
                continue
            if name.endswith(('running_var', 'weight_u', 'weight_v')) or '.bn.' in name:
                tensor.copy_(torch.rand(tensor.shape, generator=generator) * 0.5 + 0.75)
            else:
                tensor.copy_(torch.randn(tensor.shape, generator=generator) * 0.3)
    return module


def strip(state_dict, prefix):
    return {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}


def generator_inputs(lengths=(6, 2, 4), seed=0):
    generator = torch.Generator().manual_seed(seed)
    batch, steps = len(lengths), max(lengths)
    mask = padding_mask(torch.tensor(lengths), steps)
    words = torch.randn(batch, TEXT, steps, generator=generator).masked_fill(mask[:, None], 0)
    return (torch.randn(batch, NOISE, generator=generator),
            torch.randn(batch, TEXT, generator=generator), words, mask,
            torch.randn(batch, CONDITION, generator=generator))


def convert_and_compare(reference, path, dtype):
    """Convert ``reference``'s weights from a file, run both in ``dtype`` on the same inputs,
    and return the converted config and the largest |Δ| of every output."""
    torch.save(reference.state_dict(), path)
    checkpoint = convert_original_checkpoints(generator=str(path))
    cfg = dict(checkpoint['meta']['model_cfgs']['generator'])
    ours = MODELS.build(cfg).eval()
    ours.load_state_dict(strip(checkpoint['state_dict'], 'generator.'), strict=True)
    reference, ours = reference.to(dtype), ours.to(dtype)
    noise, sentence, words, mask, epsilon = (
        tensor.to(dtype) if tensor.is_floating_point() else tensor
        for tensor in generator_inputs())
    with torch.no_grad():
        expected = reference(noise, sentence, words, mask, epsilon)
        output = ours(noise, sentence, words, mask, ca_epsilon=epsilon)
    errors = [(mine - theirs).abs().max().item() for mine, theirs in zip(
        output.images + output.attention_maps + [output.mu, output.logvar],
        expected[0] + expected[1] + [expected[2], expected[3]])]
    return cfg, ours, expected, errors


@pytest.mark.parametrize('stage', [ReferenceNextStage, ReferenceAttentionStage])
@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_generator_round_trip_reproduces_reference_bit_for_bit_in_fp32(stage, dtype, tmp_path):
    """The reference's pooling and summation orders: fp32 outputs identical on CPU; fp64
    runs too (no hard fp32 cast) and agrees to rounding."""
    torch.manual_seed(0)
    reference = randomise(ReferenceGenerator(2, stage), seed=1).eval()
    cfg, _, _, errors = convert_and_compare(reference, tmp_path / 'netG.pth', dtype)
    expected_cfg = dict(type='DMGANGenerator', text_dim=TEXT, condition_dim=CONDITION,
                        noise_dim=NOISE, gf_dim=GF, num_stages=3, num_residual=2,
                        reference_mask_bug=True)
    if stage is ReferenceNextStage:
        expected_cfg['memory_dim'] = GF * 2
    else:
        expected_cfg['memory'] = dict(type='WordContextAttention')
    assert cfg == expected_cfg
    assert max(errors) == 0 if dtype == torch.float32 else max(errors) <= 1e-12, errors


@pytest.mark.parametrize('num_residual', [2, 3])
def test_generator_round_trip_reproduces_reference(num_residual, tmp_path):
    torch.manual_seed(0)
    reference = randomise(ReferenceGenerator(num_residual), seed=1).eval()
    cfg, ours, expected, errors = convert_and_compare(reference, tmp_path / 'netG_epoch_600.pth',
                                                      torch.float32)
    assert cfg['num_residual'] == num_residual
    assert max(errors) <= 1e-5
    noise, sentence, words, mask, epsilon = generator_inputs()
    # The correct mask gives different images for this batch of mixed lengths.
    ours.refinement_stages[0].memory.reference_mask_bug = False
    ours.refinement_stages[1].memory.reference_mask_bug = False
    with torch.no_grad():
        fixed = ours(noise, sentence, words, mask, ca_epsilon=epsilon)
    assert (fixed.images[-1] - expected[0][-1]).abs().max() > 1e-3


def converge_power_iteration(module):
    """Set every reference SpectralNorm's u, v to the exact top singular vectors of its weight."""
    for wrapper in module.modules():
        if isinstance(wrapper, ReferenceSpectralNorm):
            conv = wrapper.module
            matrix = conv.weight_bar.data.flatten(1)
            left, _, right = torch.linalg.svd(matrix, full_matrices=False)
            conv.weight_u.data.copy_(left[:, 0])
            conv.weight_v.data.copy_(right[0])


@pytest.mark.parametrize('image_size', [64, 128, 256])
def test_discriminator_round_trip(image_size):
    torch.manual_seed(0)
    reference = randomise(ReferenceDiscriminator(image_size), seed=2)
    converted, cfg = convert_discriminator(reference.state_dict())
    assert cfg == dict(type='DMGANDiscriminator', image_size=image_size, df_dim=DF,
                       text_dim=TEXT)
    ours = DMGANDiscriminator(image_size, DF, TEXT)
    ours.load_state_dict(converted, strict=True)
    first = ours.backbone[0][0].parametrizations.weight
    torch.testing.assert_close(first.original, reference.img_code_s16[0].module.weight_bar)
    torch.testing.assert_close(first[0]._u, reference.img_code_s16[0].module.weight_u)
    torch.testing.assert_close(first[0]._v, reference.img_code_s16[0].module.weight_v)

    # PyTorch's power step updates u then v, the reference's v then u: the logits agree
    # exactly once the power iteration has converged (as in a trained release).
    converge_power_iteration(reference)
    ours.load_state_dict(convert_discriminator(reference.state_dict())[0], strict=True)
    images = torch.randn(2, 3, image_size, image_size)
    sentence = torch.randn(2, TEXT)
    for mode in (True, False):
        ours.train(mode)
        with torch.no_grad():
            theirs = reference(images)
            mine = ours(images)
            pairs = [(ours.logits(mine), reference.UNCOND_DNET(theirs)),
                     (ours.logits(mine, sentence), reference.COND_DNET(theirs, sentence))]
        assert (mine - theirs).abs().max() <= 1e-4
        for logits, probabilities in pairs:
            assert (torch.sigmoid(logits) - probabilities).abs().max() <= 1e-4


def test_text_encoder_round_trip_with_unsorted_captions():
    torch.manual_seed(0)
    reference = randomise(ReferenceTextEncoder(40), seed=3).eval()
    converted, cfg = convert_text_encoder(reference.state_dict())
    assert cfg == dict(type='DAMSMTextEncoder', vocab_size=40, embedding_dim=12,
                       hidden_dim=TEXT)
    ours = DAMSMTextEncoder(40, 12, TEXT).eval()
    ours.load_state_dict(converted, strict=True)
    lengths = torch.tensor([7, 5, 3])  # sorted, as the reference needs
    ids = torch.randint(1, 40, (3, 7)).masked_fill(padding_mask(lengths, 7), 0)
    with torch.no_grad():
        expected_words, expected_sentence = reference(ids, lengths)
        order = torch.tensor([2, 0, 1])
        words, sentence = ours(ids[order], lengths[order])
    assert (words - expected_words[order]).abs().max() <= 1e-5
    assert (sentence - expected_sentence[order]).abs().max() <= 1e-5


def test_image_encoder_round_trip(tmp_path):
    torch.manual_seed(0)
    reference = randomise(ReferenceImageEncoder(), seed=4).eval()
    path = tmp_path / 'image_encoder200.pth'
    state_dict = reference.state_dict()
    # The release predates BatchNorm's num_batches_tracked counter.
    torch.save({k: v for k, v in state_dict.items() if 'num_batches_tracked' not in k}, path)
    checkpoint = convert_original_checkpoints(image_encoder=str(path))
    ours = DAMSMImageEncoder(TEXT, allow_random_init=True).eval()
    ours.load_state_dict(strip(checkpoint['state_dict'], 'image_encoder.'), strict=True)
    images = torch.rand(1, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        expected = reference(images)
        output = ours(images)
    for mine, theirs in zip(output, expected):
        # The reference's avg_pool2d(kernel_size=8): identical on CPU in fp32.
        assert torch.equal(mine, theirs)


def test_attngan_discriminator_is_a_clear_error():
    """AttnGAN's D_NET has BatchNorm and no spectral norm: no counterpart to convert to."""
    state_dict = {'img_code_s16.0.weight': torch.zeros(DF, 3, 4, 4),
                  'img_code_s16.3.running_mean': torch.zeros(DF * 2)}
    with pytest.raises(ValueError, match='BatchNorm'):
        convert_discriminator(state_dict, source='netD0.pth')


def test_bad_keys_are_errors_naming_the_key():
    torch.manual_seed(0)
    state_dict = ReferenceGenerator(2).state_dict()
    unknown = dict(state_dict, **{'h_net2.extra.weight': torch.zeros(1)})
    with pytest.raises(KeyError, match='h_net2.extra.weight'):
        convert_generator(unknown)
    missing = {k: v for k, v in state_dict.items() if k != 'h_net3.M_w.0.bias'}
    with pytest.raises(KeyError, match='refinement_stages.1.memory.word_to_memory.0.bias'):
        convert_generator(missing)
    misshaped = dict(state_dict, **{'h_net2.key.0.weight': torch.zeros(3, 8, 1)})
    with pytest.raises(ValueError, match='h_net2.key.0.weight'):
        convert_generator(misshaped)
    with pytest.raises(KeyError, match='not a DM-GAN generator'):
        convert_generator({'encoder.weight': torch.zeros(2, 2)})


def test_cli_writes_one_checkpoint_atomically(tmp_path):
    torch.manual_seed(0)
    paths = {}
    for name, module in [('netG_epoch_1.pth', ReferenceGenerator(2)),
                         ('text_encoder1.pth', ReferenceTextEncoder(40)),
                         ('netD0.pth', ReferenceDiscriminator(64)),
                         ('netD1.pth', ReferenceDiscriminator(128)),
                         ('netD2.pth', ReferenceDiscriminator(256))]:
        paths[name] = tmp_path / name
        # DataParallel prefixes are accepted too.
        prefix = 'module.' if name == 'netD1.pth' else ''
        torch.save({prefix + k: v for k, v in module.state_dict().items()}, paths[name])
    out = tmp_path / 'out' / 'converted.pth'
    main = runpy.run_path(str(TOOL))['main']
    main(['--generator', str(paths['netG_epoch_1.pth']),
          '--text-encoder', str(paths['text_encoder1.pth']),
          '--discriminators', str(paths['netD0.pth']), str(paths['netD1.pth']),
          str(paths['netD2.pth']), '--out', str(out)])
    assert [p.name for p in out.parent.iterdir()] == ['converted.pth']  # no temp file left
    checkpoint = torch.load(out, weights_only=True)
    assert set(checkpoint) == {'meta', 'state_dict'}
    prefixes = {key.split('.')[0] for key in checkpoint['state_dict']}
    assert prefixes == {'generator', 'text_encoder', 'discriminators'}
    assert {key.split('.')[1] for key in checkpoint['state_dict']
            if key.startswith('discriminators.')} == {'0', '1', '2'}
    assert checkpoint['meta']['model_cfgs']['discriminators.2']['image_size'] == 256

    # The meta configs build the modules, and MMEngine loads the checkpoint into a model
    # with the documented attribute names.
    cfgs = checkpoint['meta']['model_cfgs']
    model = nn.Module()
    model.generator = MODELS.build(cfgs['generator'])
    model.text_encoder = MODELS.build(cfgs['text_encoder'])
    model.discriminators = nn.ModuleList(MODELS.build(cfgs[f'discriminators.{k}'])
                                         for k in range(3))
    load_checkpoint(model, str(out), map_location='cpu', strict=True)
    torch.testing.assert_close(model.text_encoder.word_embedding.weight,
                               checkpoint['state_dict']['text_encoder.word_embedding.weight'])
    with pytest.raises(ValueError, match='order'):
        main(['--discriminators', str(paths['netD1.pth']), '--out', str(out)])
    with pytest.raises(FileNotFoundError, match='absent.pth'):
        main(['--generator', str(tmp_path / 'absent.pth'), '--out', str(out)])
