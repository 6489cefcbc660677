import pytest
import torch

import mmdmgan  # noqa: F401  (lets torch.load read MMEngine checkpoints safely)


def test_keeps_gan_weights_and_drops_the_encoders(tmp_path, run_tool, tiny_dmgan_checkpoint):
    out = tmp_path / 'gan_only.pth'
    run_tool(['tools/strip_encoders.py', tiny_dmgan_checkpoint, out])
    source = torch.load(tiny_dmgan_checkpoint, weights_only=True)['state_dict']
    stripped = torch.load(out, weights_only=True)
    kept = stripped['state_dict']
    assert stripped['meta']['source'] == tiny_dmgan_checkpoint.name
    assert set(kept) == {key for key in source
                         if not key.startswith(('text_encoder.', 'image_encoder.'))}
    assert any(key.startswith('discriminators.') for key in kept)
    assert all(torch.equal(kept[key], source[key]) for key in kept)


def test_rejects_a_checkpoint_without_generator(tmp_path, run_tool):
    source = tmp_path / 'encoders.pth'
    torch.save(dict(state_dict={'text_encoder.weight': torch.zeros(1)}), source)
    with pytest.raises(AssertionError, match='generator'):
        run_tool(['tools/strip_encoders.py', source, tmp_path / 'out.pth'])
    assert not (tmp_path / 'out.pth').exists()
