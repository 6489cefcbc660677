import pytest
import torch

from mmdmgan.datasets.shapes import shapes_vocabulary


def _checkpoint(path, vocab_size):
    torch.save(dict(state_dict={'generator.weight': torch.ones(2),
                                'discriminators.0.weight': torch.ones(1),
                                'text_encoder.word_embedding.weight': torch.ones(vocab_size, 3)},
                    meta=dict(iter=7)), path)
    return path


def test_shapes_free_vocabulary_is_exported_with_the_weights(tmp_path, run_tool):
    source = _checkpoint(tmp_path / 'iter_7.pth', 60)
    out = tmp_path / 'sampler.pth'
    run_tool(['tools/export_sampler.py', source, out, '--sample-model', 'orig', '--vocab',
              'shapes_free', '--fp16'])
    exported = torch.load(out, weights_only=True)
    words = shapes_vocabulary(free_form=True).ixtoword
    assert exported['meta']['vocabulary'] == [words[index] for index in range(60)]
    assert exported['meta']['iteration'] == 7
    assert set(exported['state_dict']) == {'generator.weight',
                                           'text_encoder.word_embedding.weight'}
    assert exported['state_dict']['generator.weight'].dtype == torch.float16
    assert (tmp_path / 'sampler_vocab.json').is_file()


def test_a_vocabulary_of_another_size_is_refused(tmp_path, run_tool):
    source = _checkpoint(tmp_path / 'iter_7.pth', 60)
    with pytest.raises(AssertionError, match='--vocab shapes has 45 words but the text encoder '
                                             '.* embeds 60'):
        run_tool(['tools/export_sampler.py', source, tmp_path / 'out.pth', '--sample-model',
                  'orig', '--vocab', 'shapes'])
    assert not (tmp_path / 'out.pth').exists()
