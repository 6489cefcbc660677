import pytest
import torch

from mmdmgan.models.dmgan import DynamicMemory
from mmdmgan.registry import MODELS

IMAGE_DIM, WORD_DIM, MEMORY_DIM = 6, 10, 8


def make_inputs(lengths=(2, 6), max_len=6, size=3, seed=0):
    generator = torch.Generator().manual_seed(seed)
    batch = len(lengths)
    image = torch.randn(batch, IMAGE_DIM, size, size, generator=generator)
    words = torch.randn(batch, WORD_DIM, max_len, generator=generator)
    mask = torch.arange(max_len)[None] >= torch.tensor(lengths)[:, None]
    words = words.masked_fill(mask[:, None], 0)
    return image, words, mask


def build(**kwargs):
    torch.manual_seed(0)
    return DynamicMemory(IMAGE_DIM, WORD_DIM, MEMORY_DIM, **kwargs)


def test_shapes_and_attention_over_real_words_only():
    memory = build()
    image, words, mask = make_inputs(lengths=(2, 6, 4))
    new, attention = memory(image, words, mask)
    assert new.shape == image.shape
    assert attention.shape == (3, 6, 3, 3)
    torch.testing.assert_close(attention.sum(1), torch.ones(3, 3, 3))
    padded = mask[:, :, None, None].expand_as(attention)
    assert attention[padded].abs().max() == 0
    assert (attention[~padded] > 0).all()


def test_gates_lie_strictly_between_zero_and_one():
    memory = build()
    image, words, mask = make_inputs()
    stored, writing_gate = memory.memory_writing(image, words)
    assert stored.shape == (2, MEMORY_DIM, 6)
    assert writing_gate.shape == (2, 1, 6)
    output = torch.randn_like(image)
    response_gate = memory.response_gate(image, output)
    assert response_gate.shape == (2, 1, 3, 3)
    for gate in (writing_gate, response_gate):
        assert ((gate > 0) & (gate < 1)).all()


def reference_masked_attention(image, key, mask):
    """The reference's key addressing: mask tiled with .repeat(N, 1) over batch-major rows."""
    batch, channels, height, width = image.shape
    positions = height * width
    scores = torch.bmm(image.view(batch, channels, positions).transpose(1, 2), key)
    scores = scores.reshape(batch * positions, -1)
    scores = scores.masked_fill(mask.repeat(positions, 1), float('-inf')).softmax(dim=1)
    return scores.view(batch, positions, -1)


def test_reference_mask_bug_switch_reproduces_reference_and_differs_from_correct_mask():
    correct, buggy = build(), build(reference_mask_bug=True)
    buggy.load_state_dict(correct.state_dict())
    image, words, mask = make_inputs(lengths=(2, 6))  # a short caption next to a long one
    _, attention_correct = correct(image, words, mask)
    new_buggy, attention_buggy = buggy(image, words, mask)

    stored, _ = buggy.memory_writing(image, words)
    expected = reference_masked_attention(image, buggy.memory_key(stored), mask)
    torch.testing.assert_close(attention_buggy.flatten(2).transpose(1, 2), expected)
    # With the bug, the short caption attends to padding at every other position ...
    assert attention_buggy[0, 2:].sum() > 0
    assert attention_correct[0, 2:].abs().max() == 0
    # ... and the long caption ignores its last words there.
    assert (attention_buggy[1, 2:].flatten(1) == 0).any()
    assert (attention_correct[1] > 0).all()
    new_correct, _ = correct(image, words, mask)
    assert not torch.allclose(new_buggy, new_correct)


def test_equal_lengths_make_the_bug_harmless():
    correct, buggy = build(), build(reference_mask_bug=True)
    buggy.load_state_dict(correct.state_dict())
    image, words, mask = make_inputs(lengths=(4, 4))
    torch.testing.assert_close(correct(image, words, mask), buggy(image, words, mask))


def test_gradients_reach_every_parameter_and_the_image():
    memory = build()
    image, words, mask = make_inputs()
    image.requires_grad_(True)
    new, attention = memory(image, words, mask)
    (new.square().mean() + attention.square().mean()).backward()
    for name, parameter in memory.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name
    assert image.grad.abs().sum() > 0


def test_reference_init_is_orthogonal():
    memory = build()
    weight = memory.memory_key[0].weight.flatten(1)  # 6×8: orthonormal rows
    torch.testing.assert_close(weight @ weight.t(), torch.eye(IMAGE_DIM), atol=1e-5, rtol=0)
    gate = memory.word_writing_gate.weight
    torch.testing.assert_close(gate.norm(), torch.tensor(1.0))


def test_bad_mask_is_a_clear_error():
    memory = build()
    image, words, mask = make_inputs()
    with pytest.raises(ValueError, match='word_mask'):
        memory(image, words, mask.long())
    with pytest.raises(ValueError, match='word_mask'):
        memory(image, words, mask[:, :3])


def test_registry_build():
    memory = MODELS.build(dict(type='DynamicMemory', image_dim=4, word_dim=8, memory_dim=8))
    assert isinstance(memory, DynamicMemory)


def test_sdpa_read_equals_matmul_read_with_short_and_long_captions():
    matmul, sdpa = build(), build(attention_impl='sdpa')
    sdpa.load_state_dict(matmul.state_dict())
    image, words, mask = make_inputs(lengths=(1, 6, 3, 5), max_len=6, size=8, seed=3)
    expected, maps = matmul(image, words, mask)
    fused, no_maps = sdpa(image, words, mask, return_attention=False)
    assert no_maps is None
    assert (fused - expected).abs().max() <= 1e-5
    # Asking for the maps takes the materialised path: identical features and maps.
    with_maps, sdpa_maps = sdpa(image, words, mask)
    torch.testing.assert_close(with_maps, expected, rtol=0, atol=0)
    torch.testing.assert_close(sdpa_maps, maps, rtol=0, atol=0)


def test_sdpa_read_gradients_match_matmul():
    matmul, sdpa = build(), build(attention_impl='sdpa')
    sdpa.load_state_dict(matmul.state_dict())
    image, words, mask = make_inputs(lengths=(2, 6), size=4)
    matmul(image, words, mask)[0].square().sum().backward()
    sdpa(image, words, mask, return_attention=False)[0].square().sum().backward()
    for (name, expected), actual in zip(matmul.named_parameters(), sdpa.parameters()):
        assert (actual.grad - expected.grad).abs().max() <= 1e-5, name


def test_sdpa_keeps_the_reference_mask_bug_path_exact():
    reference = build(reference_mask_bug=True)
    sdpa = build(reference_mask_bug=True, attention_impl='sdpa')
    sdpa.load_state_dict(reference.state_dict())
    image, words, mask = make_inputs(lengths=(2, 6, 4))
    expected, _ = reference(image, words, mask)
    actual, _ = sdpa(image, words, mask, return_attention=False)
    torch.testing.assert_close(actual, expected, rtol=0, atol=0)


def test_unknown_attention_impl_is_rejected():
    with pytest.raises(ValueError, match='attention_impl'):
        build(attention_impl='flash')


def test_writing_gate_off_writes_the_words_alone():
    memory = build(writing_gate=False)
    names = {name.split('.')[0] for name, _ in memory.named_parameters()}
    assert not names & {'word_writing_gate', 'image_writing_gate', 'image_to_memory'}
    image, words, mask = make_inputs()
    stored, gate = memory.memory_writing(image, words)
    assert gate is None
    torch.testing.assert_close(stored, memory.word_to_memory(words))
    # The memory, and so the output, no longer depends on the image mean: features that
    # differ only by a constant per channel read the same memory values.
    shifted = image + torch.randn(1, IMAGE_DIM, 1, 1)
    torch.testing.assert_close(memory.memory_writing(shifted, words)[0], stored)


def test_response_gate_off_adds_the_memory_output():
    gated, ungated = build(), build(response_gate=False)
    assert not hasattr(ungated, 'response_gate_conv')
    ungated.load_state_dict({key: value for key, value in gated.state_dict().items()
                             if not key.startswith('response_gate_conv')})
    image, words, mask = make_inputs()
    new, attention = ungated(image, words, mask)
    stored, _ = ungated.memory_writing(image, words)
    output = ungated.value_reading(stored, ungated.key_addressing(image, stored, mask))
    torch.testing.assert_close(new, image + output.view_as(image))
    torch.testing.assert_close(attention, gated(image, words, mask)[1])


@pytest.mark.parametrize('dtype', [torch.float64, torch.float32])
def test_memory_keeps_the_input_precision(dtype):
    """No hard fp32 cast: fp64 in, fp64 out (the attention too); within rounding of fp32."""
    memory = build(reference_mask_bug=True).to(dtype)
    image, words, mask = (t.to(dtype) if t.is_floating_point() else t for t in make_inputs())
    new, attention = memory(image, words, mask)
    assert new.dtype == attention.dtype == dtype


def test_bf16_autocast_softmax_runs_in_fp32():
    memory = build()
    image, words, mask = make_inputs()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        stored, _ = memory.memory_writing(image, words)
        attention = memory.key_addressing(image, stored, mask)
        new, _ = memory(image, words, mask)
    assert attention.dtype == torch.float32
    torch.testing.assert_close(new.float(), memory(image, words, mask)[0], atol=0.1, rtol=0)
