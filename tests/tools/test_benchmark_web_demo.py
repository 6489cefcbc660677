import json

import pytest

from tests.conftest import load_script

pytest.importorskip('gradio', reason='the web demo needs requirements/demo.txt')
benchmark = load_script('tools/benchmark_web_demo.py')


@pytest.mark.slow  # loads the model and serves the page
def test_callback_latency_lines(capsys):
    benchmark.main(['--no-browser', '--repeats', '2', '--num-images', '1', '2'])
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()
               if line.startswith('{')]
    assert [record['num_images'] for record in records] == [1, 2]
    for record in records:
        assert len(record['callback_s']['runs']) == len(record['client_s']['runs']) == 2
        assert record['client_s']['median'] > 0
        assert record['callback_s']['median'] > 0 and record['page_s'] is None
        assert record['config'].endswith('shapes_demo.py') and record['load_average'] >= 0


def test_bad_arguments():
    with pytest.raises(SystemExit):
        benchmark.main(['--no-browser', '--repeats', '0'])
