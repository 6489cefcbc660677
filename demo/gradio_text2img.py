"""A web page that draws images from captions with a DM-GAN (Gradio).

    python demo/gradio_text2img.py                       # shipped shapes model, on 127.0.0.1:7860
    python demo/gradio_text2img.py CONFIG CKPT --device cuda --host 0.0.0.0 --port 8080 \
        --no-model-picker

The page has a caption box, the number of images, a seed and a stage selector; it shows the
images of the chosen stage, every image's stages side by side and, per image, the memory
attention of each word in each refinement stage (labelled with the word). A model picker
loads another config + checkpoint (``--no-model-picker`` removes it: configs are executed
Python, so do so when others can reach the page); models are loaded once per process and
kept. Captions with
words outside the model's vocabulary get a message naming the dropped words; a caption with
no known word gets a message instead of images. Needs ``pip install -r requirements/demo.txt``.
"""
import argparse
import functools
import os.path as osp
import threading
import warnings
from typing import Any, Dict, List, Optional, Sequence, Tuple

import gradio as gr
import numpy as np
from torch import nn

from mmdmgan.apis import (
    SHAPES_DEMO_CHECKPOINT,
    SHAPES_DEMO_CONFIG,
    attention_sheet,
    init_model,
    stage_sheet,
    to_uint8,
)

MAX_IMAGES = 8
#: Captions as people write them (position and size words optional, synonyms, two
#: sentences); the first two name held-out colour/shape pairs (red circle, purple diamond),
#: never seen in training. Each is drawn right with seed 0.
EXAMPLES = (
    'a big red circle on a blue background',
    'a purple rhombus to the right. It is on yellow.',
    'a tiny green box near the bottom against a black backdrop',
    'on pink, a huge orange triangle',
    'a little cyan star up top on a yellow background',
)
#: One gallery item: an H×W×3 uint8 image and its caption.
GalleryItem = Tuple[np.ndarray, str]
#: What :func:`generate` returns: two galleries, the attention picture and the message.
PageOutputs = Tuple[List[GalleryItem], List[GalleryItem], Optional[np.ndarray], str]


class ModelCache:
    """Models by (config, checkpoint, device), each built once per process.

    Gradio runs callbacks in worker threads, so building is serialised by a lock.
    """

    def __init__(self, device: str = 'cpu') -> None:
        self.device = device
        self._models: Dict[Tuple[str, str, str], nn.Module] = {}
        self._lock = threading.Lock()

    def get(self, config: str, checkpoint: str) -> nn.Module:
        key = (osp.abspath(config), osp.abspath(checkpoint), self.device)
        with self._lock:
            if key not in self._models:
                self._models[key] = init_model(config, checkpoint, device=self.device)
            return self._models[key]

    def __len__(self) -> int:
        return len(self._models)


def stage_label(size: int) -> str:
    return f'{size} px'


def stage_choices(model: nn.Module) -> List[Tuple[str, int]]:
    """The stage selector's (label, value) choices: the model's image sizes."""
    return [(stage_label(size), size) for size in model.sizes]


def describe_model(model: nn.Module, config: str, checkpoint: str) -> str:
    return (f'Loaded `{config}` + `{checkpoint}`: stages '
            f"{', '.join(stage_label(size) for size in model.sizes)}, "
            f'{len(model.vocabulary)} vocabulary words.')


def load_model(cache: ModelCache, config: str, checkpoint: str) -> Tuple[str, Any]:
    """The model picker's callback: (message, update of the stage selector)."""
    try:
        model = cache.get(config.strip(), checkpoint.strip())
    except (OSError, KeyError, ValueError, RuntimeError, TypeError) as error:
        return f'**Could not load the model:** {error}', gr.update()
    return (describe_model(model, config, checkpoint),
            gr.update(choices=stage_choices(model), value=model.sizes[-1]))


def generate(cache: ModelCache, caption: str, num_images: float, seed: Optional[float],
             stage_size: Optional[float], config: str, checkpoint: str) -> PageOutputs:
    """The Generate button's callback.

    Returns:
        tuple: the images of the chosen stage, each image's stage sheet, the word attention
        of every image (their attention sheets top to bottom: per image one row per
        refinement stage, its image then one tile per word, labelled with the word; ``None``
        when nothing was drawn) and a Markdown message: the words used and the dropped ones,
        or why nothing was drawn.
    """
    nothing: PageOutputs = ([], [], None, '')
    try:
        model = cache.get(config.strip(), checkpoint.strip())
    except (OSError, KeyError, ValueError, RuntimeError, TypeError) as error:
        return nothing[:3] + (f'**Could not load the model:** {error}', )
    stage_size = model.sizes[-1] if stage_size is None else int(stage_size)
    if stage_size not in model.sizes:
        return nothing[:3] + (f'**This model has no {stage_label(stage_size)} stage;** choose '
                              f"one of {', '.join(map(stage_label, model.sizes))}.", )
    if not caption or not caption.strip():
        return nothing[:3] + ('**Type a caption first.**', )
    if not 1 <= num_images <= MAX_IMAGES or num_images != int(num_images):
        return nothing[:3] + (f'**The number of images must be a whole number from 1 to '
                              f'{MAX_IMAGES}**, got {num_images}.', )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        try:
            output = model.infer(caption.strip(), num_images=int(num_images),
                                 seed=None if seed is None else int(seed),
                                 return_attention=True, output_type='tensor')
        except (ValueError, TypeError) as error:
            return nothing[:3] + (f'**Nothing drawn:** {error}', )
    stage = model.sizes.index(stage_size)
    images = [(image, f'image {i + 1}')
              for i, image in enumerate(to_uint8(output.images[stage]))]
    stages, attention_sheets = [], []
    final_size = model.sizes[-1]
    for i in range(len(output.words)):
        per_stage = [stage_images[i] for stage_images in output.images]
        stages.append((stage_sheet(per_stage, final_size), f'image {i + 1}: every stage'))
        if output.attention_maps[i]:
            attention_sheets.append(attention_sheet(per_stage, output.attention_maps[i],
                                                    output.words[i],
                                                    tile_size=min(final_size, 128)))
    # One caption per call, so every sheet has the same words and width.
    attention = np.concatenate(attention_sheets) if attention_sheets else None
    lines = [f"Words used: {' '.join(output.words[0])}"]
    lines += [f'**Warning:** {warning.message}' for warning in caught
              if issubclass(warning.category, UserWarning)]
    return images, stages, attention, '\n\n'.join(lines)


def build_app(cache: ModelCache, config: str = SHAPES_DEMO_CONFIG,
              checkpoint: str = SHAPES_DEMO_CHECKPOINT, examples: Sequence[str] = EXAMPLES,
              model_picker: bool = True) -> gr.Blocks:
    """The page, with ``config`` + ``checkpoint`` loaded (into ``cache``) as its model.

    With ``model_picker=False`` the page (and its API) can use only that model: the paths
    are kept on the server, so visitors cannot make it load other files (configs are Python
    files that MMEngine executes).
    """
    model = cache.get(config, checkpoint)
    with gr.Blocks(title='DM-GAN text-to-image', analytics_enabled=False) as app:
        gr.Markdown('# DM-GAN: text to image\nType a caption and press **Generate**. '
                    'Words outside the model vocabulary are dropped.')
        with gr.Row():
            with gr.Column(scale=1):
                caption = gr.Textbox(label='Caption', value=examples[0] if examples else '',
                                     lines=2, elem_id='caption')
                num_images = gr.Slider(1, MAX_IMAGES, value=1, step=1,
                                       label='Number of images', elem_id='num-images')
                seed = gr.Number(value=0, precision=0, minimum=0,
                                 label='Seed (same seed, same images; empty: random)',
                                 elem_id='seed')
                stage = gr.Radio(stage_choices(model), value=model.sizes[-1],
                                 label='Stage shown in the gallery', elem_id='stage')
                button = gr.Button('Generate', variant='primary', elem_id='generate')
                message = gr.Markdown(elem_id='message')
                if examples:
                    gr.Examples([[text] for text in examples], inputs=[caption],
                                label='Example captions')
                if model_picker:
                    with gr.Accordion('Model', open=False):
                        config_box = gr.Textbox(value=config, label='Config',
                                                elem_id='config')
                        checkpoint_box = gr.Textbox(value=checkpoint, label='Checkpoint',
                                                    elem_id='checkpoint')
                        load_button = gr.Button('Load model', elem_id='load')
                        model_message = gr.Markdown(describe_model(model, config, checkpoint))
                else:
                    config_box, checkpoint_box = gr.State(config), gr.State(checkpoint)
            with gr.Column(scale=2):
                images = gr.Gallery(label='Images', columns=4, height=220, format='png',
                                    object_fit='contain', elem_id='images')
                stages = gr.Gallery(label='Stages', columns=4, height=200, format='png',
                                    object_fit='contain', elem_id='stages')
                attention = gr.Image(label='Word attention of each image (top to bottom), '
                                     'per refinement stage: blue low, red high',
                                     type='numpy', format='png', interactive=False,
                                     elem_id='attention')
        inputs = [caption, num_images, seed, stage, config_box, checkpoint_box]
        outputs = [images, stages, attention, message]
        button.click(functools.partial(generate, cache), inputs, outputs, api_name='generate')
        caption.submit(functools.partial(generate, cache), inputs, outputs, api_name=False)
        if model_picker:
            load_button.click(functools.partial(load_model, cache),
                              [config_box, checkpoint_box], [model_message, stage],
                              api_name='load_model')
    return app


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', nargs='?', default=SHAPES_DEMO_CONFIG,
                        help='model config (default: the shipped shapes model)')
    parser.add_argument('checkpoint', nargs='?', default=SHAPES_DEMO_CHECKPOINT,
                        help='checkpoint (with CONFIG)')
    parser.add_argument('--device', default='cpu', help='cpu, cuda, cuda:1, ...')
    parser.add_argument('--host', default='127.0.0.1',
                        help='address to listen on (0.0.0.0: every interface)')
    parser.add_argument('--port', type=int, default=7860)
    parser.add_argument('--share', action='store_true',
                        help="also publish the page through a temporary gradio.live link")
    parser.add_argument('--no-model-picker', action='store_true',
                        help='serve only CONFIG + CKPT: visitors cannot load other files (use '
                             'it when the page is reachable by others: --host, --share)')
    args = parser.parse_args(argv)
    if (args.config == SHAPES_DEMO_CONFIG) != (args.checkpoint == SHAPES_DEMO_CHECKPOINT):
        parser.error('give both CONFIG and CKPT, or neither (the shipped shapes model)')
    return args


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    app = build_app(ModelCache(args.device), args.config, args.checkpoint,
                    model_picker=not args.no_model_picker)
    app.queue().launch(server_name=args.host, server_port=args.port, share=args.share)


if __name__ == '__main__':
    main()
