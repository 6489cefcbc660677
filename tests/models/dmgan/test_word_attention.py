"""AttnGAN's word-context attention block (WordContextAttention)."""
import pytest
import torch

from mmdmgan.models.dmgan import WordContextAttention
from mmdmgan.registry import MODELS

IMAGE_DIM, WORD_DIM = 6, 10


def make_inputs(lengths=(2, 6, 4), max_len=6, size=3, seed=0):
    generator = torch.Generator().manual_seed(seed)
    batch = len(lengths)
    image = torch.randn(batch, IMAGE_DIM, size, size, generator=generator)
    words = torch.randn(batch, WORD_DIM, max_len, generator=generator)
    mask = torch.arange(max_len)[None] >= torch.tensor(lengths)[:, None]
    return image, words.masked_fill(mask[:, None], 0), mask


def build(**kwargs):
    torch.manual_seed(0)
    return WordContextAttention(IMAGE_DIM, WORD_DIM, **kwargs)


def test_returns_features_and_word_context():
    """[h, c] with c_j = Σ_i β_ji U e_i and β_j a softmax over the real words of h_jᵀ U e_i."""
    block = build()
    assert block.out_channels == 2 * IMAGE_DIM
    image, words, mask = make_inputs()
    output, attention = block(image, words, mask)
    assert output.shape == (3, 2 * IMAGE_DIM, 3, 3) and attention.shape == (3, 6, 3, 3)
    torch.testing.assert_close(output[:, :IMAGE_DIM], image, atol=0, rtol=0)
    projected = torch.einsum('cd,bdt->bct', block.word_projection.weight[:, :, 0, 0], words)
    for b, length in enumerate((2, 6, 4)):
        scores = torch.einsum('chw,ct->thw', image[b], projected[b, :, :length])
        beta = scores.softmax(dim=0)
        torch.testing.assert_close(attention[b, :length], beta)
        assert (attention[b, length:] == 0).all()
        torch.testing.assert_close(output[b, IMAGE_DIM:],
                                   torch.einsum('ct,thw->chw', projected[b, :, :length], beta))


def test_reference_mask_bug_tiles_the_mask_like_the_reference():
    correct, buggy = build(), build(reference_mask_bug=True)
    buggy.load_state_dict(correct.state_dict())
    image, words, mask = make_inputs(lengths=(2, 6))
    _, attention = buggy(image, words, mask)
    assert attention[0, 2:].sum() > 0  # the short caption attends to padding somewhere
    _, correct_attention = correct(image, words, mask)
    assert correct_attention[0, 2:].abs().max() == 0


def test_sdpa_equals_matmul_without_maps():
    matmul, sdpa = build(), build(attention_impl='sdpa')
    image, words, mask = make_inputs()
    expected, _ = matmul(image, words, mask, return_attention=False)
    output, attention = sdpa(image, words, mask, return_attention=False)
    assert attention is None
    torch.testing.assert_close(output, expected, atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match='attention_impl'):
        build(attention_impl='flash')


def test_float64_and_registry():
    block = MODELS.build(dict(type='WordContextAttention', image_dim=IMAGE_DIM,
                              word_dim=WORD_DIM)).double()
    image, words, mask = (t.double() if t.is_floating_point() else t for t in make_inputs())
    output, attention = block(image, words, mask)
    assert output.dtype == attention.dtype == torch.float64
