import json

import numpy as np
import pytest
import torch

from mmdmgan.datasets.vocabulary import (
    Vocabulary,
    dropped_by_tokenize,
    fit_caption_length,
    tokenize,
)


def make_vocabulary():
    return Vocabulary.build([tokenize('a small red bird with black wings and a long tail')])


def test_tokenize_lowercases_ascii_words_and_repairs_mojibake():
    assert tokenize('This Bird, has a RED crown!') == ['this', 'bird', 'has', 'a', 'red', 'crown']
    # ftfy repairs 'naÃ¯ve' to 'naïve' (one word); unrepaired, '¯' would split it in two.
    assert tokenize('a naÃ¯ve bird') == ['a', 'nave', 'bird']
    assert tokenize('â€œredâ€\x9d wings') == ['red', 'wings']
    assert tokenize('red\ufffd\ufffdwings\r\n') == ['red', 'wings']
    assert tokenize('  ... !!') == []


def test_dropped_by_tokenize_names_non_ascii_words_and_emoji_not_punctuation():
    assert dropped_by_tokenize('a red \U0001F534 bird, caf\u00e9 \u65e5\u672c wings') == [
        '\U0001F534', 'caf\u00e9', '\u65e5\u672c']
    assert dropped_by_tokenize('a red bird \u2014 "long" tail... 3/4!') == []
    assert dropped_by_tokenize('a naÃ¯ve bird') == ['na\u00efve']  # repaired, then named


def test_vocabulary_indices_and_round_trip(tmp_path):
    vocabulary = make_vocabulary()
    assert vocabulary.ixtoword[0] == '<end>' and vocabulary.wordtoix['<end>'] == 0
    assert vocabulary.ixtoword[1] == 'a'  # words numbered by first use
    assert len(vocabulary) == 11
    for index, word in vocabulary.ixtoword.items():
        assert vocabulary.wordtoix[word] == index
    path = tmp_path / 'sub' / 'vocab.json'
    vocabulary.save(str(path))
    assert json.loads(path.read_text())['ixtoword'][:2] == ['<end>', 'a']
    assert Vocabulary.load(str(path)) == vocabulary
    ids, length = vocabulary.encode('A long tail', 6)
    assert vocabulary.decode(ids) == 'a long tail' and length == 3


def test_vocabulary_rejects_inconsistent_tables(tmp_path):
    with pytest.raises(ValueError, match='index 0'):
        Vocabulary({0: 'bird', 1: '<end>'})
    with pytest.raises(ValueError, match='without gaps'):
        Vocabulary({0: '<end>', 2: 'bird'})
    with pytest.raises(ValueError, match='disagree'):
        Vocabulary({0: '<end>', 1: 'bird'}, {'<end>': 0, 'bird': 2})
    with pytest.raises(FileNotFoundError, match='missing.json'):
        Vocabulary.load(str(tmp_path / 'missing.json'))
    (tmp_path / 'bad.json').write_text('[1, 2]')
    with pytest.raises(ValueError, match='bad.json'):
        Vocabulary.load(str(tmp_path / 'bad.json'))


def test_encode_pads_with_zeros():
    vocabulary = make_vocabulary()
    ids, length = vocabulary.encode('small red bird', 5)
    assert ids.dtype == torch.long and ids.shape == (5,)
    assert length == 3 and ids[3:].tolist() == [0, 0]
    assert vocabulary.decode(ids) == 'small red bird'


def test_encode_drops_unknown_words_with_a_warning(mmengine_logs):
    vocabulary = make_vocabulary()
    ids, length = vocabulary.encode('a purple bird', 5, mode='test')
    assert length == 2 and vocabulary.decode(ids) == 'a bird'
    assert "WARNING: caption 'a purple bird': dropped words not in the vocabulary: ['purple']" \
        in mmengine_logs.messages
    vocabulary.encode('a red \U0001F534 bird', 5, mode='test')
    assert ("WARNING: caption 'a red \U0001F534 bird': dropped words not in the vocabulary: "
            "['\U0001F534']") in mmengine_logs.messages


def test_encode_errors_on_empty_and_unknown_captions():
    vocabulary = make_vocabulary()
    with pytest.raises(ValueError, match='no words'):
        vocabulary.encode('   ', 5)
    with pytest.raises(ValueError, match='none of its words'):
        vocabulary.encode('purple elephant', 5)
    with pytest.raises(ValueError, match='mode'):
        vocabulary.encode('a bird', 5, mode='eval')


def test_long_captions_first_words_at_test_random_ordered_subset_in_training():
    ids = list(range(1, 31))
    test_ids, test_len = fit_caption_length(ids, 18, 'test')
    assert test_len == 18 and test_ids.tolist() == list(range(1, 19))
    subsets = set()
    rng = np.random.default_rng(0)
    for _ in range(20):
        train_ids, train_len = fit_caption_length(ids, 18, 'train', rng)
        values = train_ids.tolist()
        assert train_len == 18 and 0 not in values
        assert values == sorted(values) and len(set(values)) == 18  # order kept, no repeats
        subsets.add(tuple(values))
    assert len(subsets) > 1
    again, _ = fit_caption_length(ids, 18, 'train', np.random.default_rng(0))
    first, _ = fit_caption_length(ids, 18, 'train', np.random.default_rng(0))
    assert torch.equal(again, first)


def test_vocabulary_accepts_byte_words_from_bytes_decoded_pickles():
    vocabulary = Vocabulary({0: b'<end>', 1: b'na\xefve'}, {b'<end>': 0, b'na\xefve': 1})
    assert vocabulary.ixtoword[1] == 'na\xefve' and vocabulary.wordtoix['na\xefve'] == 1
