import math

import pytest
import torch

from mmdmgan.models.damsm import DAMSMLoss, mismatch_sentence_loss, sentence_loss, words_loss
from mmdmgan.registry import MODELS


def reference_words_scores(regions, words, lengths, gamma1, gamma2, gamma3):
    """Element-by-element restatement of the reference's words_loss score matrix."""
    batch, dim = regions.shape[:2]
    regions = regions.reshape(batch, dim, -1)
    scores = torch.zeros(batch, batch, dtype=torch.float64)
    for i, length in enumerate(lengths):
        caption = words[i, :, :length]  # D×L
        for j in range(batch):
            raw = regions[j].t() @ caption  # N×L
            over_words = torch.exp(raw) / torch.exp(raw).sum(1, keepdim=True)
            sharpened = torch.exp(gamma1 * over_words.t())  # L×N
            attention = sharpened / sharpened.sum(1, keepdim=True)
            context = regions[j] @ attention.t()  # D×L
            cosine = (caption * context).sum(0) / (caption.norm(dim=0) * context.norm(dim=0))
            scores[j, i] = gamma3 * math.log(torch.exp(gamma2 * cosine).sum())
    return scores


def two_way(scores, mask=None):
    if mask is not None:
        scores = scores.masked_fill(mask, float('-inf'))
    labels = torch.arange(scores.size(0))
    return (torch.nn.functional.cross_entropy(scores, labels),
            torch.nn.functional.cross_entropy(scores.t(), labels))


@pytest.fixture
def features():
    generator = torch.Generator().manual_seed(0)
    regions = torch.randn(4, 8, 3, 3, generator=generator, dtype=torch.float64) * 0.3
    words = torch.randn(4, 8, 5, generator=generator, dtype=torch.float64) * 0.3
    lengths = torch.tensor([5, 2, 4, 3])
    return regions, words, lengths


def test_words_loss_matches_reference_math(features):
    regions, words, lengths = features
    loss_images, loss_captions, attention = words_loss(regions, words, lengths, None, 4, 5, 10)
    scores = reference_words_scores(regions, words, lengths.tolist(), 4, 5, 10)
    expected = two_way(scores)
    torch.testing.assert_close(loss_images, expected[0])
    torch.testing.assert_close(loss_captions, expected[1])
    assert [tuple(a.shape) for a in attention] == [(1, n, 3, 3) for n in lengths.tolist()]
    for a in attention:
        torch.testing.assert_close(a.flatten(2).sum(2), torch.ones_like(a[:, :, 0, 0]))


def test_class_ids_mask_same_class_pairs(features):
    regions, words, lengths = features
    class_ids = torch.tensor([7, 3, 7, 1])
    mask = torch.zeros(4, 4, dtype=torch.bool)
    mask[0, 2] = mask[2, 0] = True
    scores = reference_words_scores(regions, words, lengths.tolist(), 4, 5, 10)
    result = words_loss(regions, words, lengths, class_ids)[:2]
    torch.testing.assert_close(result, two_way(scores, mask))
    assert not torch.allclose(result[0], words_loss(regions, words, lengths)[0])

    image_code, sentence = regions.mean((2, 3)), words.mean(2)
    cosine = torch.nn.functional.cosine_similarity(image_code[:, None], sentence[None], dim=2)
    torch.testing.assert_close(sentence_loss(image_code, sentence, class_ids),
                               two_way(cosine * 10, mask))


def test_matching_pairs_give_lower_loss():
    torch.manual_seed(0)
    codes = torch.randn(6, 16)
    matched = sum(sentence_loss(codes, codes))
    shuffled = sum(sentence_loss(codes, codes[torch.randperm(6)]))
    assert matched < shuffled


def test_mismatch_sentence_loss_is_the_two_way_softmax_of_true_against_wrong():
    torch.manual_seed(0)
    codes, sentences, wrong = torch.randn(3, 5, 8, dtype=torch.float64)
    loss = mismatch_sentence_loss(codes, sentences, wrong, gamma3=10.0)
    expected = []
    for code, true_caption, wrong_caption in zip(codes, sentences, wrong):
        scores = torch.stack([torch.dot(code, caption) / (code.norm() * caption.norm())
                              for caption in (true_caption, wrong_caption)]) * 10.0
        expected.append(-torch.log_softmax(scores, 0)[0])
    torch.testing.assert_close(loss, torch.stack(expected).mean())
    # an image that matches its caption and not the wrong one costs almost nothing
    assert mismatch_sentence_loss(sentences, sentences, -sentences) < 1e-8
    assert mismatch_sentence_loss(sentences, sentences, sentences) == pytest.approx(math.log(2))
    assert mismatch_sentence_loss(wrong, sentences, wrong) > 10 * math.log(2)


def test_module_sums_both_directions_and_passes_gradients(features):
    regions, words, lengths = (t.float() if t.is_floating_point() else t for t in features)
    regions.requires_grad_(True)
    image_code = regions.mean((2, 3))
    sentence = words.mean(2).requires_grad_(True)
    loss = MODELS.build(dict(type='DAMSMLoss', loss_weight=2.0))
    assert isinstance(loss, DAMSMLoss) and (loss.gamma1, loss.gamma2, loss.gamma3) == (4, 5, 10)
    losses = loss(regions, image_code, words, sentence, lengths)
    expected_words = sum(words_loss(regions, words, lengths)[:2]) * 2
    expected_sentence = sum(sentence_loss(image_code, sentence)) * 2
    torch.testing.assert_close(losses['loss_words'], expected_words)
    torch.testing.assert_close(losses['loss_sentence'], expected_sentence)
    (losses['loss_words'] + losses['loss_sentence']).backward()
    assert regions.grad.abs().sum() > 0 and sentence.grad.abs().sum() > 0


def test_class_ids_length_is_checked(features):
    regions, words, lengths = features
    with pytest.raises(ValueError, match='class_ids'):
        words_loss(regions, words, lengths, torch.tensor([1, 2]))


@pytest.mark.parametrize('class_ids', [None, torch.tensor([1, 2, 1, 3])])
def test_batched_words_loss_equals_the_per_caption_loop(features, class_ids):
    regions, words, lengths = features
    regions, words = regions.float().requires_grad_(), words.float().requires_grad_()
    looped = words_loss(regions, words, lengths, class_ids)
    batched = words_loss(regions, words, lengths, class_ids, return_attention=False)
    assert batched[2] == []
    for expected, actual in zip(looped[:2], batched[:2]):
        assert (actual - expected).abs() <= 1e-5
    expected_grads = torch.autograd.grad(sum(looped[:2]), (regions, words))
    actual_grads = torch.autograd.grad(sum(batched[:2]), (regions, words))
    for expected, actual in zip(expected_grads, actual_grads):
        assert (actual - expected).abs().max() <= 1e-5
