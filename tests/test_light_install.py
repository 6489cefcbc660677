"""The core must run without MMagic and without mmcv's compiled ops (the light install)."""
import subprocess
import sys
import textwrap

BLOCKED = ('mmagic', 'mmcv.ops', 'mmcv._ext', 'diffusers', 'transformers')

SCRIPT = textwrap.dedent(f'''
    import importlib.abc, sys

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if any(name == b or name.startswith(b + '.') for b in {BLOCKED!r}):
                raise ImportError(f'{{name}} is blocked to emulate the light install')
            return None

    sys.meta_path.insert(0, Block())

    import torch
    import mmdmgan
    from mmdmgan.registry import DATASETS, MODELS

    pipeline = [dict(type='SampleCaption', words_num=22), dict(type='PackCaptionInputs')]
    dataset = DATASETS.build(dict(type='ShapesDataset', num_images=4, image_size=64, seed=0,
                                  pipeline=pipeline))
    batch = [dataset[0], dataset[1]]
    preprocessor = MODELS.build(dict(type='DMGANDataPreprocessor', pyramid_sizes=(64, 128)))
    inputs = preprocessor(dict(inputs=[b['inputs'] for b in batch],
                               data_samples=[b['data_samples'] for b in batch]))['inputs']
    text_encoder = MODELS.build(dict(type='DAMSMTextEncoder',
                                     vocab_size=len(dataset.vocabulary)))
    words, sentence = text_encoder(inputs['caption_ids'], inputs['caption_len'])
    generator = MODELS.build(dict(type='DMGANGenerator', gf_dim=4, num_stages=2))
    mask = inputs['caption_ids'] == 0
    output = generator(torch.randn(2, 100), sentence, words, mask)
    assert [tuple(i.shape) for i in output.images] == [(2, 3, 64, 64), (2, 3, 128, 128)]
    leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('mmagic', 'diffusers',
                    'transformers') or m.startswith(('mmcv.ops', 'mmcv._ext')))
    assert not leaked, leaked
    print('LIGHT OK')
''')


def test_core_runs_without_mmagic_and_mmcv_ops():
    result = subprocess.run([sys.executable, '-c', SCRIPT], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    assert 'LIGHT OK' in result.stdout
