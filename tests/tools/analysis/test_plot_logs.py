import json

import pytest
from PIL import Image

from tests.conftest import load_script


@pytest.fixture(scope='module')
def plot_logs():
    return load_script('tools/analysis/plot_logs.py')


def write_log(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(json.dumps(row) + '\n' for row in rows))


def gan_rows(count=20):
    rows = []
    for it in range(1, count + 1):
        rows.append(dict(lr=2e-4, loss_d0=1.0 / it, loss_d1=0.5, loss_g_adv=2.0 - it / 20,
                         loss_kl=0.1, loss=3.0, time=0.1, iter=it, step=it))
    rows.append(dict(is_score=3.0, step=count))  # a validation row: not a training curve
    return rows


def plotted(result):
    return result.stdout.strip().splitlines()[-1]


def test_plots_every_loss_of_the_newest_run(tmp_path, run_tool):
    work_dir = tmp_path / 'work'
    write_log(work_dir / '20260101_000000' / 'vis_data' / 'scalars.json', gan_rows(5))
    write_log(work_dir / '20260102_000000' / 'vis_data' / 'scalars.json', gan_rows(20))
    out = tmp_path / 'plots' / 'losses.png'
    result = run_tool(['tools/analysis/plot_logs.py', work_dir, '--out', out])
    line = plotted(result)
    assert line.startswith('5 curves (loss_d0, loss_d1, loss_g_adv, loss_kl, loss)')
    assert '20260102_000000' in line
    with Image.open(out) as image:
        assert image.format == 'PNG' and image.size[0] > 100
    assert sorted(p.name for p in out.parent.iterdir()) == ['losses.png']


def test_selected_keys_and_patterns(tmp_path, run_tool):
    log = tmp_path / 'scalars.json'
    write_log(log, gan_rows())
    out = tmp_path / 'd.png'
    result = run_tool(['tools/analysis/plot_logs.py', log, '--keys', 'loss_d*', 'loss_kl',
                       '--out', out])
    assert plotted(result).startswith('3 curves (loss_d0, loss_d1, loss_kl)')
    assert out.is_file()


def test_missing_key_is_a_clear_error(tmp_path, plot_logs):
    log = tmp_path / 'scalars.json'
    write_log(log, gan_rows())
    rows = plot_logs.read_rows(str(log))
    with pytest.raises(KeyError, match="no key matching 'loss_words'.*loss_d0"):
        plot_logs.collect_curves(rows, ['loss_words'], str(log))
    with pytest.raises(KeyError, match='has no loss keys'):
        plot_logs.collect_curves([dict(lr=1e-3, time=0.2, iter=1)], None, str(log))


def test_bad_json_line_names_the_line(tmp_path, plot_logs):
    log = tmp_path / 'scalars.json'
    log.write_text('{"loss": 1, "iter": 1}\nnot json\n')
    with pytest.raises(ValueError, match='scalars.json:2 is not a JSON object'):
        plot_logs.read_rows(str(log))


def test_work_dir_without_log_is_a_clear_error(tmp_path, plot_logs):
    with pytest.raises(FileNotFoundError, match='scalars.json'):
        plot_logs.find_log(str(tmp_path))
