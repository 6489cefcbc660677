import subprocess
import sys
import textwrap

import pytest
from mmengine.registry import DATASETS as ROOT_DATASETS
from mmengine.registry import MODELS as ROOT_MODELS
from mmengine.registry import DefaultScope

import mmdmgan  # noqa: F401  (registration)
from mmdmgan.models.dmgan import DMGANGenerator
from mmdmgan.registry import ALL_REGISTRIES, MODELS


def test_modules_registered_under_our_scope():
    assert MODELS.scope == 'mmdmgan'
    for name in ('DMGANGenerator', 'DMGANDiscriminator', 'DynamicMemory', 'DAMSMTextEncoder',
                 'DAMSMImageEncoder', 'DMGANDataPreprocessor'):
        assert MODELS.get(name) is not None, name


def test_default_scope_mmdmgan_builds_by_plain_name_from_mmengine_roots():
    with DefaultScope.overwrite_default_scope('mmdmgan'):
        generator = ROOT_MODELS.build(dict(type='DMGANGenerator', gf_dim=4, num_stages=1))
        dataset = ROOT_DATASETS.build(dict(type='ShapesDataset', num_images=2))
    assert isinstance(generator, DMGANGenerator)
    assert len(dataset) == 2


MMAGIC_CONFIG = textwrap.dedent('''
    default_scope = 'mmagic'
    custom_imports = dict(imports=['mmdmgan'], allow_failed_imports=False)
    model = dict(type='DMGANGenerator', gf_dim=4, num_stages=2)
    dataset = dict(type='ShapesDataset', num_images=3)
''')

MMAGIC_SCRIPT = textwrap.dedent('''
    import sys
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmagic.registry import DATASETS, MODELS
    from mmagic.utils import register_all_modules

    cfg = Config.fromfile(sys.argv[1])  # custom_imports imports mmdmgan here
    register_all_modules()  # as an MMagic project does, also AFTER mmdmgan is imported
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
        dataset = DATASETS.build(cfg.dataset)
    print(type(model).__module__, type(model).__name__, len(dataset))

    import mmdmgan.registry as ours
    import mmagic.registry as theirs
    for attribute, registry in ours.ALL_REGISTRIES.items():
        mmagic_registry = getattr(theirs, attribute, None)
        for name in registry.module_dict if mmagic_registry is not None else ():
            assert mmagic_registry.get(name) is not None, (attribute, name)
    print('ALL MIRRORED')
''')


@pytest.mark.mmagic
def test_mmagic_config_builds_our_modules_by_plain_name(tmp_path):
    config = tmp_path / 'mmagic_project.py'
    config.write_text(MMAGIC_CONFIG)
    result = subprocess.run([sys.executable, '-c', MMAGIC_SCRIPT, str(config)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    assert 'mmdmgan.models.dmgan.generator DMGANGenerator 3' in result.stdout
    assert 'ALL MIRRORED' in result.stdout


def test_every_registry_is_a_child_of_mmengine_root():
    for attribute, registry in ALL_REGISTRIES.items():
        assert registry.parent is not None and registry.parent.scope == 'mmengine', attribute
