"""extend_word_embedding: a trained text encoder grown to a vocabulary with appended words."""
import pytest
import torch

from mmdmgan.datasets.shapes import SYNONYMS, shapes_vocabulary
from mmdmgan.datasets.vocabulary import Vocabulary
from mmdmgan.models.damsm import DAMSMTextEncoder, extend_word_embedding


def encode(encoder, vocabulary, caption):
    ids, length = vocabulary.encode(caption, 12)
    return encoder(ids[None], torch.tensor([length]))


def test_old_words_keep_their_rows_and_synonyms_start_from_theirs():
    torch.manual_seed(0)
    old, new = shapes_vocabulary(), shapes_vocabulary(free_form=True)
    encoder = DAMSMTextEncoder(len(old), embedding_dim=16, hidden_dim=8).eval()
    before = encoder.word_embedding.weight.detach().clone()
    words_before, sentence_before = encode(encoder, old, 'a large red circle on the left')
    without_synonym = extend_word_embedding(encoder, old, new, SYNONYMS)
    weight = encoder.word_embedding.weight
    assert weight.shape == (len(new), 16) and encoder.vocab_size == len(new)
    assert torch.equal(weight[:len(old)], before)
    assert weight.requires_grad
    assert torch.equal(weight[new.wordtoix['big']], before[old.wordtoix['large']])
    assert torch.equal(weight[new.wordtoix['tiny']], before[old.wordtoix['small']])
    mean_row = before[1:].mean(0)
    assert without_synonym and all(word not in SYNONYMS for word in without_synonym)
    for word in without_synonym:
        assert torch.allclose(weight[new.wordtoix[word]], mean_row)
    # old captions read exactly as before; a synonym reads as the word it came from
    words_after, sentence_after = encode(encoder, new, 'a large red circle on the left')
    assert torch.equal(words_after, words_before) and torch.equal(sentence_after, sentence_before)
    _, sentence_big = encode(encoder, new, 'a big red circle on the left')
    assert torch.equal(sentence_big, sentence_before)


def test_refuses_a_vocabulary_that_moves_old_words():
    old = shapes_vocabulary()
    encoder = DAMSMTextEncoder(len(old), embedding_dim=8, hidden_dim=8)
    words = [old.ixtoword[index] for index in range(len(old))]
    moved = Vocabulary(dict(enumerate([words[0], words[2], words[1]] + words[3:] + ['big'])))
    with pytest.raises(ValueError, match='keep every old word id and only append'):
        extend_word_embedding(encoder, old, moved)
    with pytest.raises(ValueError, match='embeds 45 words but the old vocabulary has 60'):
        extend_word_embedding(encoder, shapes_vocabulary(free_form=True), old)
