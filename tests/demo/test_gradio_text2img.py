"""The web demo: its callbacks, the served app through gradio_client, and a real browser."""
import io
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmdmgan.apis import SHAPES_DEMO_CHECKPOINT, SHAPES_DEMO_CONFIG, to_uint8
from mmdmgan.datasets.shapes import COLOURS, FREE_POSITION_PHRASES, SHAPES, SIZES, SYNONYMS
from mmdmgan.datasets.vocabulary import tokenize
from tests.conftest import REPO, load_script

gr = pytest.importorskip('gradio', reason='the web demo needs requirements/demo.txt')
web_demo = load_script('demo/gradio_text2img.py')
benchmark = load_script('tools/benchmark_web_demo.py')
shapes_accuracy = load_script('tools/shapes_demo/shapes_accuracy.py')

CAPTION = 'a big red circle on a blue background'


@pytest.fixture(scope='module')
def cache():
    cache = web_demo.ModelCache('cpu')
    cache.get(SHAPES_DEMO_CONFIG, SHAPES_DEMO_CHECKPOINT)
    return cache


def run(cache, caption=CAPTION, num_images=1, seed=0, stage=None):
    return web_demo.generate(cache, caption, num_images, seed, stage, SHAPES_DEMO_CONFIG,
                             SHAPES_DEMO_CHECKPOINT)


def scene_of(caption: str) -> tuple:
    """The scene a one-shape caption of the shapes captions describes (background: None when
    the caption names none; synonyms read as their fixed-grammar words) and which of size and
    position it names."""
    words = [SYNONYMS.get(word, word) for word in tokenize(caption)]
    shape = next(index for index, word in enumerate(words) if word in SHAPES)
    colour = next(word for word in reversed(words[:shape]) if word in COLOURS)
    size = next((word for word in words if word in SIZES), None)
    position = next((name for name, phrases in FREE_POSITION_PHRASES.items()
                     if any(phrase in caption.lower() for phrase in phrases)), None)
    obj = dict(shape=words[shape], size=size, colour=colour, position=position)
    backgrounds = [word for word in words if word in COLOURS and word != colour]
    named = [name for name in ('size', 'position') if obj[name] is not None]
    return dict(objects=[obj], background=backgrounds[0] if backgrounds else None), named


# ---------------------------------------------------------------- the callbacks
def test_generate_returns_the_images_of_the_pipeline(cache):
    images, stages, attention, message = run(cache, num_images=3, seed=7)
    model = cache.get(SHAPES_DEMO_CONFIG, SHAPES_DEMO_CHECKPOINT)
    expected = to_uint8(model.infer(CAPTION, num_images=3, seed=7,
                                    output_type='tensor').images[-1])
    assert [caption for _, caption in images] == ['image 1', 'image 2', 'image 3']
    for (image, _), reference in zip(images, expected):
        np.testing.assert_array_equal(image, reference)
    assert len(stages) == 3
    # one stage sheet per image: both stages side by side, labelled band on top
    assert stages[0][0].shape[1] == len(model.sizes) * model.sizes[-1]
    assert message == f'Words used: {CAPTION}'


def test_stage_selector_chooses_the_gallery_stage(cache):
    images, _, _, _ = run(cache, stage=64)
    assert images[0][0].shape == (64, 64, 3)
    images, _, _, message = run(cache, stage=256)
    assert images == [] and '256 px' in message and '64 px, 128 px' in message


def test_attention_sheet_has_a_tile_per_word(cache):
    _, _, attention, _ = run(cache, num_images=2)
    model = cache.get(SHAPES_DEMO_CONFIG, SHAPES_DEMO_CHECKPOINT)
    tile = min(model.sizes[-1], 128)
    words = len(CAPTION.split())
    assert attention.shape[1] == (1 + words) * tile  # the image, then each word
    # per image one row per refinement stage: title band, label band, tiles
    assert attention.shape[0] == 2 * (len(model.sizes) - 1) * (18 + 16 + tile)


def test_dropped_and_unknown_words_are_reported(cache):
    images, _, _, message = run(cache, 'a gigantic red circle in the centre')
    assert len(images) == 1
    assert 'Words used: a red circle in the centre' in message
    assert "dropped: ['gigantic']" in message
    images, stages, attention, message = run(cache, 'hello world')
    assert images == stages == [] and attention is None
    assert 'Nothing drawn' in message and 'no word of the model vocabulary' in message
    assert run(cache, '   ')[3] == '**Type a caption first.**'


@pytest.mark.parametrize('num_images', [0, 9, 2.5])
def test_number_of_images_is_checked(cache, num_images):
    images, _, _, message = run(cache, num_images=num_images)
    assert images == [] and 'from 1 to 8' in message and str(num_images) in message


def test_models_load_once_per_process(cache, monkeypatch):
    model = cache.get(SHAPES_DEMO_CONFIG, SHAPES_DEMO_CHECKPOINT)
    calls = []
    monkeypatch.setattr(web_demo, 'init_model',
                        lambda *args, **kwargs: calls.append((args, kwargs)) or model)
    fresh = web_demo.ModelCache('cpu')
    run(fresh)
    run(fresh, num_images=2)
    web_demo.load_model(fresh, f' {SHAPES_DEMO_CONFIG} ', SHAPES_DEMO_CHECKPOINT)
    assert calls == [((SHAPES_DEMO_CONFIG, SHAPES_DEMO_CHECKPOINT), dict(device='cpu'))]
    assert len(fresh) == 1


def test_model_picker(cache, tmp_path):
    message, update = web_demo.load_model(cache, SHAPES_DEMO_CONFIG, SHAPES_DEMO_CHECKPOINT)
    assert 'stages 64 px, 128 px' in message
    assert update['choices'] == [('64 px', 64), ('128 px', 128)] and update['value'] == 128
    missing = str(tmp_path / 'missing.py')
    message, update = web_demo.load_model(cache, missing, SHAPES_DEMO_CHECKPOINT)
    assert message.startswith('**Could not load the model:**') and missing in message
    images, _, _, message = web_demo.generate(cache, CAPTION, 1, 0, None, missing,
                                              SHAPES_DEMO_CHECKPOINT)
    assert images == [] and missing in message


def test_examples_are_drawn_right(cache):
    """Every example caption's image (seed 0) shows the captioned shape, colours and place."""
    for caption in web_demo.EXAMPLES:
        images, _, _, message = run(cache, caption)
        assert message == f'Words used: {" ".join(tokenize(caption))}'  # no dropped word
        scene, named = scene_of(caption)
        scores = shapes_accuracy.score_image(images[0][0], dict(
            scene, background=scene['background'] or 'black'), named)
        if scene['background'] is None:
            del scores['background_colour']
        assert all(scores.values()), (caption, scores)


@pytest.mark.slow  # a fresh interpreter imports torch
def test_core_does_not_import_gradio():
    code = ('import sys, mmdmgan, mmdmgan.apis, mmdmgan.models, mmdmgan.datasets; '
            "assert 'gradio' not in sys.modules")
    subprocess.run([sys.executable, '-c', code], check=True, cwd=REPO)


def test_command_line_defaults():
    args = web_demo.parse_args([])
    assert (args.host, args.port, args.share) == ('127.0.0.1', 7860, False)
    assert not args.no_model_picker
    assert (args.config, args.checkpoint) == (SHAPES_DEMO_CONFIG, SHAPES_DEMO_CHECKPOINT)
    with pytest.raises(SystemExit):
        web_demo.parse_args(['other_config.py'])


def test_without_model_picker_only_the_given_model_is_served(cache):
    app = web_demo.build_app(cache, model_picker=False)
    elem_ids = {component.elem_id for component in app.blocks.values()}
    assert {'caption', 'generate'} <= elem_ids and not {'config', 'checkpoint'} & elem_ids
    api = app.get_api_info()['named_endpoints']
    assert list(api) == ['/generate']
    assert [parameter['label'] for parameter in api['/generate']['parameters']] == [
        'Caption', 'Number of images', 'Seed (same seed, same images; empty: random)',
        'Stage shown in the gallery']
    picker = web_demo.build_app(cache).get_api_info()['named_endpoints']
    assert set(picker) == {'/generate', '/load_model'}
    assert len(picker['/generate']['parameters']) == 6


@pytest.mark.slow  # a fresh interpreter imports torch and gradio
def test_command_serves_the_page_on_the_given_port():
    port = benchmark.free_port()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(REPO)] + [p for p in [os.environ.get('PYTHONPATH')] if p]))
    server = subprocess.Popen([sys.executable, 'demo/gradio_text2img.py', '--port', str(port)],
                              cwd=REPO, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stdout.read()
            try:
                with urllib.request.urlopen(f'http://127.0.0.1:{port}/config', timeout=5) as page:
                    config = json.load(page)
                break
            except OSError:
                assert time.monotonic() < deadline, 'the page did not come up in 120 s'
                time.sleep(0.5)
        assert any(component.get('props', {}).get('elem_id') == 'generate'
                   for component in config['components'])
    finally:
        server.terminate()
        server.wait(timeout=30)


# ---------------------------------------------------------------- the served app
@pytest.fixture(scope='module')
def served(cache):
    app = web_demo.build_app(cache)
    url = benchmark.start_app(app)
    yield url
    app.close()


def test_app_through_gradio_client(served):
    from gradio_client import Client

    client = Client(served, verbose=False)
    images, stages, attention, message = client.predict(
        CAPTION, 2, 0, 128, SHAPES_DEMO_CONFIG, SHAPES_DEMO_CHECKPOINT, api_name='/generate')
    assert [item['caption'] for item in images] == ['image 1', 'image 2']
    first = np.asarray(Image.open(images[0]['image']))
    assert first.shape == (128, 128, 3) and first.std() > 10
    assert len(stages) == 2
    assert np.asarray(Image.open(attention)).shape[0] == 2 * (18 + 16 + 128)
    assert message == f'Words used: {CAPTION}'
    images, _, _, message = client.predict(
        'hello world', 1, 0, 128, SHAPES_DEMO_CONFIG, SHAPES_DEMO_CHECKPOINT,
        api_name='/generate')
    assert images == [] and 'no word of the model vocabulary' in message


@pytest.mark.slow
@pytest.mark.skipif(benchmark.browser_missing() is not None,
                    reason=f'no headless browser: {benchmark.browser_missing()}')
def test_page_in_a_real_browser(served, tmp_path):
    """Chromium types a caption, clicks Generate and sees four non-blank images; then the
    messages for a dropped word and for a caption without a known word."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = benchmark.open_browser()
    try:
        seconds, sources = benchmark.generate_in_page(driver, served, CAPTION, num_images=4)
        assert len(sources) == 4 and all(sources)
        with urllib.request.urlopen(sources[0], timeout=30) as response:
            image = np.asarray(Image.open(io.BytesIO(response.read())).convert('RGB'))
        assert image.shape == (128, 128, 3) and image.std() > 10  # not a blank image
        screenshots = [tmp_path / 'web_demo.png']
        if os.environ.get('MMDMGAN_ARTIFACTS'):
            screenshots.append(Path(os.environ['MMDMGAN_ARTIFACTS']) / 'web_demo.png')
        for path in screenshots:
            path.parent.mkdir(parents=True, exist_ok=True)
            assert driver.save_screenshot(str(path)), path
            assert Image.open(path).size[0] > 0
        message = driver.find_element(By.ID, 'message').text
        assert CAPTION in message
        attention = driver.find_element(By.CSS_SELECTOR, '#attention img')
        assert attention.get_attribute('src')
        for caption, expected in (('a gigantic red circle in the centre', "dropped: ['gigantic']"),
                                  ('hello world', 'no word of the model vocabulary')):
            benchmark.type_caption(driver, caption)
            driver.find_element(By.ID, 'generate').click()
            WebDriverWait(driver, 60, poll_frequency=0.05).until(
                lambda d, expected=expected: expected in d.find_element(By.ID, 'message').text)
    finally:
        driver.quit()
