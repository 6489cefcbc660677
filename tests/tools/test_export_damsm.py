import json

import pytest
import torch

import mmdmgan  # noqa: F401  (lets torch.load read MMEngine checkpoints safely)
from mmdmgan.datasets.shapes import shapes_vocabulary
from mmdmgan.datasets.vocabulary import Vocabulary
from mmdmgan.models.damsm import DAMSMImageEncoder, DAMSMTextEncoder


def logged_losses(work_dir):
    """Training rows of MMEngine's scalars.json (one JSON object a line)."""
    (scalars, ) = work_dir.glob('*/vis_data/scalars.json')
    rows = [json.loads(line) for line in scalars.read_text().splitlines() if line.strip()]
    return [row for row in rows if 'loss' in row]


@pytest.mark.slow
def test_tiny_damsm_trains_loss_falls_and_exports(tmp_path, run_tool, test_configs):
    work_dir = tmp_path / 'work'
    run_tool(['tools/train.py', test_configs / 'damsm_tiny.py', '--work-dir', work_dir])

    rows = logged_losses(work_dir)
    assert len(rows) == 30
    for key in ('loss_words_img2cap', 'loss_words_cap2img', 'loss_sentence_img2cap',
                'loss_sentence_cap2img'):
        assert all(key in row for row in rows)
    first = sum(row['loss'] for row in rows[:6]) / 6
    last = sum(row['loss'] for row in rows[-6:]) / 6
    assert last < 0.85 * first, (first, last)
    # The learning rate decays ×0.98 per epoch (2 iterations per epoch here).
    assert rows[0]['lr'] == pytest.approx(2e-3)
    assert rows[-1]['lr'] == pytest.approx(2e-3 * 0.98 ** 14)

    out_dir = tmp_path / 'export'
    run_tool(['tools/export_damsm.py', work_dir / 'epoch_15.pth', out_dir])
    checkpoint = torch.load(work_dir / 'epoch_15.pth', weights_only=True)['state_dict']
    text_encoder = DAMSMTextEncoder(vocab_size=45, embedding_dim=32, hidden_dim=32)
    text_encoder.load_state_dict(torch.load(out_dir / 'text_encoder.pth', weights_only=True))
    image_encoder = DAMSMImageEncoder(embedding_dim=32, allow_random_init=True, input_size=75)
    image_encoder.load_state_dict(torch.load(out_dir / 'image_encoder.pth', weights_only=True))
    for name, module in (('text_encoder', text_encoder), ('image_encoder', image_encoder)):
        for key, value in module.state_dict().items():
            torch.testing.assert_close(value, checkpoint[f'{name}.{key}'], rtol=0, atol=0)
    vocabulary = Vocabulary.load(str(out_dir / 'vocab.json'))
    assert vocabulary.ixtoword == shapes_vocabulary().ixtoword
    assert not list(out_dir.glob('.*'))  # no temporary file left behind


def test_export_rejects_a_checkpoint_without_encoders(tmp_path, run_tool):
    path = tmp_path / 'other.pth'
    torch.save({'state_dict': {'generator.weight': torch.zeros(1)}}, path)
    with pytest.raises(AssertionError, match='no "text_encoder.\\*" weights'):
        run_tool(['tools/export_damsm.py', path, tmp_path / 'out', '--no-vocab'])
    assert not (tmp_path / 'out' / 'text_encoder.pth').exists()
