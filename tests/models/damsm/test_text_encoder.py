import pytest
import torch

from mmdmgan.models.damsm import DAMSMTextEncoder, padding_mask
from mmdmgan.registry import MODELS


def make_captions(lengths, max_len, vocab_size=30, seed=0):
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(1, vocab_size, (len(lengths), max_len), generator=generator)
    lengths = torch.tensor(lengths)
    return ids.masked_fill(padding_mask(lengths, max_len), 0), lengths


def build(**kwargs):
    torch.manual_seed(0)
    return DAMSMTextEncoder(vocab_size=30, embedding_dim=12, hidden_dim=16, **kwargs)


def test_shapes_and_zeros_at_padding():
    encoder = build().eval()
    ids, lengths = make_captions([3, 7, 5], max_len=8)
    words, sentence = encoder(ids, lengths)
    assert words.shape == (3, 16, 8)
    assert sentence.shape == (3, 16)
    mask = padding_mask(lengths, 8)
    assert words.transpose(1, 2)[mask].abs().max() == 0
    assert (words.transpose(1, 2)[~mask].abs().sum(1) > 0).all()


def test_sentence_is_final_forward_and_backward_states():
    encoder = build().eval()
    ids, lengths = make_captions([4, 6], max_len=6)
    words, sentence = encoder(ids, lengths)
    half = 8
    for i, length in enumerate(lengths.tolist()):
        torch.testing.assert_close(sentence[i, :half], words[i, :half, length - 1])
        torch.testing.assert_close(sentence[i, half:], words[i, half:, 0])


def test_unsorted_lengths_match_sorted_batch_and_single_captions():
    encoder = build().eval()
    ids, lengths = make_captions([2, 6, 4], max_len=6)
    words, sentence = encoder(ids, lengths)
    order = lengths.argsort(descending=True)
    sorted_words, sorted_sentence = encoder(ids[order], lengths[order])
    torch.testing.assert_close(words[order], sorted_words)
    torch.testing.assert_close(sentence[order], sorted_sentence)
    single_words, single_sentence = encoder(ids[:1, :2], lengths[:1])
    torch.testing.assert_close(words[:1, :, :2], single_words)
    torch.testing.assert_close(sentence[:1], single_sentence)


def test_init_and_gradients():
    encoder = build()
    assert encoder.word_embedding.weight.abs().max() <= 0.1
    ids, lengths = make_captions([3, 5], max_len=5)
    words, sentence = encoder(ids, lengths)
    (words.square().mean() + sentence.square().mean()).backward()
    for name, parameter in encoder.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def test_dropout_only_in_training_mode():
    encoder = build(dropout=0.5)
    ids, lengths = make_captions([3, 5], max_len=5)
    encoder.eval()
    torch.testing.assert_close(encoder(ids, lengths), encoder(ids, lengths))
    encoder.train()
    assert not torch.allclose(encoder(ids, lengths)[1], encoder(ids, lengths)[1])


def test_bad_lengths_are_clear_errors():
    encoder = build()
    ids, _ = make_captions([3, 5], max_len=5)
    with pytest.raises(ValueError, match='caption_len'):
        encoder(ids, torch.tensor([3, 6]))
    with pytest.raises(ValueError, match='caption_len'):
        encoder(ids, torch.tensor([0, 5]))
    with pytest.raises(ValueError, match='caption_len'):
        encoder(ids, torch.tensor([3]))


def test_registry_build():
    encoder = MODELS.build(dict(type='DAMSMTextEncoder', vocab_size=10))
    assert encoder.lstm.hidden_size == 128 and encoder.lstm.bidirectional
    assert encoder.word_embedding.embedding_dim == 300
