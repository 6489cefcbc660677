"""model-index.yml and the metafiles it imports (MMagic's format) name files that exist."""
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


def metafiles():
    index = yaml.safe_load((REPO / 'model-index.yml').read_text())
    return [REPO / path for path in index['Import']]


def test_every_config_folder_has_a_metafile_and_a_readme():
    folders = {path.parent for path in REPO.glob('configs/**/*.py') if '_base_' not in path.parts}
    assert {path.parent for path in metafiles()} == folders
    for folder in folders:
        assert (folder / 'README.md').is_file()


@pytest.mark.parametrize('metafile', metafiles(), ids=lambda path: path.parent.name)
def test_metafile_entries_name_existing_files(metafile):
    meta = yaml.safe_load(metafile.read_text())
    (collection, ) = meta['Collections']
    assert (REPO / collection['README']).is_file()
    for model in meta['Models']:
        assert model['In Collection'] == collection['Name']
        assert (REPO / model['Config']).is_file(), model['Config']
        assert model['Weights'] is None or (REPO / model['Weights']).is_file()
        assert {result['Task'] for result in model['Results']} == {'Text2Image'}
