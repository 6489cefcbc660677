"""tools/shapes_demo/extend_vocabulary.py: a 45-word shapes text encoder grown to the
free-form vocabulary in a checkpoint, every other key unchanged."""
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdmgan.datasets.shapes import SYNONYMS, shapes_vocabulary
from mmdmgan.engine.checkpoint import load_checkpoint_file
from mmdmgan.models.damsm import DAMSMTextEncoder
from mmdmgan.registry import MODELS
from tests.conftest import load_script

TOOL = 'tools/shapes_demo/extend_vocabulary.py'
OLD, NEW = shapes_vocabulary(), shapes_vocabulary(free_form=True)
OLD_SIZE = len(OLD)


def tiny_text_encoder(test_configs, vocab_size=OLD_SIZE):
    """The text encoder of the tiny DM-GAN test config (embedding 16, hidden 32)."""
    encoder_cfg = dict(Config.fromfile(str(test_configs / 'dmgan_tiny.py'),
                                 import_custom_modules=False).model.text_encoder)
    encoder_cfg.pop('type')
    encoder_cfg['vocab_size'] = vocab_size
    return DAMSMTextEncoder(**encoder_cfg)


def write_checkpoint(path, test_configs, vocabulary=True):
    torch.manual_seed(0)
    state = {f'text_encoder.{key}': value
             for key, value in tiny_text_encoder(test_configs).state_dict().items()}
    state['generator.fc.weight'] = torch.randn(3, 4)
    state['image_encoder.conv.weight'] = torch.randn(2, 3, 1, 1)
    meta = dict(iter=7, note='tiny')
    if vocabulary:
        meta['vocabulary'] = [OLD.ixtoword[index] for index in range(len(OLD))]
    torch.save(dict(state_dict=state, meta=meta, message_hub=dict(step=7)), path)
    return load_checkpoint_file(path)


def test_grows_the_embedding_and_keeps_every_other_key(tmp_path, test_configs, monkeypatch):
    source, out = tmp_path / 'in.pth', tmp_path / 'out.pth'
    before = write_checkpoint(source, test_configs)
    assert load_script(TOOL).main([str(source), str(out)]) == 0
    after = load_checkpoint_file(out)
    old_state, new_state = before['state_dict'], after['state_dict']
    assert set(new_state) == set(old_state)
    old_rows = old_state['text_encoder.word_embedding.weight']
    rows = new_state['text_encoder.word_embedding.weight']
    assert rows.shape == (len(NEW), 16) and len(NEW) == 60
    assert torch.equal(rows[:len(OLD)], old_rows)
    assert torch.equal(rows[NEW.wordtoix['big']], old_rows[OLD.wordtoix[SYNONYMS['big']]])
    for key, value in old_state.items():
        if key != 'text_encoder.word_embedding.weight':
            assert torch.equal(new_state[key], value), key
            assert new_state[key].dtype == value.dtype
    assert after['message_hub'] == before['message_hub']
    assert after['meta']['iter'] == 7 and after['meta']['note'] == 'tiny'
    assert after['meta']['vocabulary'] == [NEW.ixtoword[index] for index in range(len(NEW))]
    # The tiny DM-GAN config with text_encoder vocab_size=60 loads the text encoder strictly.
    monkeypatch.syspath_prepend(str(test_configs))
    init_default_scope('mmdmgan')
    cfg = Config.fromfile(str(test_configs / 'dmgan_tiny.py'))
    cfg.model.text_encoder.vocab_size = len(NEW)
    model = MODELS.build(cfg.model)
    model.text_encoder.load_state_dict(
        {key[len('text_encoder.'):]: value for key, value in new_state.items()
         if key.startswith('text_encoder.')}, strict=True)
    assert torch.equal(model.text_encoder.word_embedding.weight, rows)
    # The input file is left as it was.
    assert torch.equal(load_checkpoint_file(source)['state_dict'][
        'text_encoder.word_embedding.weight'], old_rows)


def test_bare_state_and_no_vocabulary(tmp_path, test_configs):
    source, out = tmp_path / 'in.pth', tmp_path / 'out.pth'
    torch.save(tiny_text_encoder(test_configs).state_dict(), source)
    assert load_script(TOOL).main([str(source), str(out), '--text-encoder-prefix', '']) == 0
    assert load_checkpoint_file(out)['word_embedding.weight'].shape == (len(NEW), 16)
    write_checkpoint(source, test_configs, vocabulary=False)
    assert load_script(TOOL).main([str(source), str(out)]) == 0
    assert 'vocabulary' not in load_checkpoint_file(out)['meta']


def test_refusals(tmp_path, test_configs):
    tool = load_script(TOOL)
    source, out = tmp_path / 'in.pth', tmp_path / 'out.pth'
    write_checkpoint(source, test_configs)
    with pytest.raises(ValueError, match='must differ'):
        tool.main([str(source), str(source)])
    assert tool.main([str(source), str(out)]) == 0
    with pytest.raises(ValueError, match='already extended'):
        tool.main([str(out), str(tmp_path / 'again.pth')])
    with pytest.raises(KeyError, match='no text encoder weights'):
        tool.main([str(source), str(out), '--text-encoder-prefix', 'encoder'])
    torch.save(dict(state_dict={f'text_encoder.{key}': value for key, value in
                                tiny_text_encoder(test_configs, 50).state_dict().items()}),
               source)
    with pytest.raises(ValueError, match='embeds 50 words, not the 45'):
        tool.main([str(source), str(out)])
    assert not (tmp_path / 'again.pth').exists()
