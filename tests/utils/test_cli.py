"""mmdmgan.utils.cli: user errors as one line, tracebacks only with --debug."""
import subprocess
import sys

import pytest

from mmdmgan.utils.cli import run_cli
from tests.conftest import REPO


def missing_file():
    raise FileNotFoundError('config not found: configs/nope.py')


def test_a_user_error_is_one_line_and_exit_status_1(capsys):
    with pytest.raises(SystemExit) as exit_info:
        run_cli(missing_file, ['tool.py'])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0] == 'tool.py: FileNotFoundError: config not found: configs/nope.py'
    assert 'Traceback' not in err and '--debug' in err


def test_debug_keeps_the_traceback_and_is_removed_from_argv():
    seen = []

    def main():
        seen.append(list(sys.argv))
        raise KeyError('model.vocabulary')

    with pytest.raises(KeyError):
        run_cli(main, ['tool.py', '--debug', 'x'])
    assert seen == [['tool.py', 'x']]


def test_a_key_error_loses_its_quotes(capsys):
    def main():
        raise KeyError('no such key')

    with pytest.raises(SystemExit):
        run_cli(main, ['tool.py'])
    assert 'KeyError: no such key\n' in capsys.readouterr().err


def test_other_errors_and_exit_codes_pass_through():
    with pytest.raises(RuntimeError):
        run_cli(lambda: (_ for _ in ()).throw(RuntimeError('a bug')), ['tool.py'])
    with pytest.raises(SystemExit) as exit_info:
        run_cli(lambda: 3, ['tool.py'])
    assert exit_info.value.code == 3
    run_cli(lambda: None, ['tool.py'])  # returns normally


@pytest.mark.slow
def test_train_names_a_missing_config_in_one_line():
    result = subprocess.run([sys.executable, 'tools/train.py', 'configs/no_such_config.py'],
                            cwd=REPO, capture_output=True, text=True, timeout=120,
                            env={'PYTHONPATH': str(REPO), 'PATH': '/usr/bin:/bin'})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-2].startswith('train.py: FileNotFoundError:') and 'no_such_config' in lines[-2]
    assert 'Traceback' not in result.stderr
