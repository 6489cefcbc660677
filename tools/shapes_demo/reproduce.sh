#!/usr/bin/env bash
# Train the shipped shapes demo model (mmdmgan/checkpoints/shapes_demo.pth) from nothing and
# measure it. The one place its steps are written; the configs are in configs/shapes_demo/.
#
#   bash tools/shapes_demo/reproduce.sh [OUT]     # OUT defaults to work_dirs/shapes_demo.pth
#
# About 5.7 h on 2 CPU cores with AVX512-BF16 (the time of each step below); a GPU is not
# needed. A step whose output already exists is skipped, so an interrupted recipe goes on
# where it stopped (remove a step's work dir to run it again). Every run uses seed 0.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-work_dirs/shapes_demo.pth}

# run OUTPUT COMMAND...: run COMMAND unless OUTPUT exists.
run() {
    local output=$1
    shift
    if [[ -e $output ]]; then
        echo "[reproduce] $output exists: skipping $*"
    else
        echo "[reproduce] $*"
        "$@"
    fi
}

# DAMSM encoders, random frozen Inception trunk: 3 epochs of 10,000 one-shape scenes (11.6 min)
run work_dirs/damsm_shapes_demo/epoch_3.pth \
    python tools/train.py configs/shapes_demo/damsm_shapes_demo.py \
    --work-dir work_dirs/damsm_shapes_demo
# DAMSM encoders that see the shape's colour, shape and size: a ConvImageEncoder and one-word
# hard negatives, 3 epochs (9 min)
run work_dirs/damsm_shapes_demo_conv/epoch_3.pth \
    python tools/train.py configs/shapes_demo/damsm_shapes_demo_conv.py \
    --work-dir work_dirs/damsm_shapes_demo_conv
# DM-GAN on those encoders, one-word negatives: 16000 iterations of 16, bf16 autocast (2.7 h)
run work_dirs/dmgan_shapes_demo/iter_16000.pth \
    python tools/train.py configs/shapes_demo/dmgan_shapes_demo.py \
    --work-dir work_dirs/dmgan_shapes_demo
# the GAN trained on with negatives that differ in the shape word only: 7000 iterations (1.2 h)
run work_dirs/dmgan_shapes_demo_shape/iter_7000.pth \
    python tools/train.py configs/shapes_demo/dmgan_shapes_demo_shape.py \
    --work-dir work_dirs/dmgan_shapes_demo_shape
# an image encoder pretrained to name the shape, plus the text encoder above (5.6 min)
run work_dirs/shapes_image_encoder_init.pth \
    python tools/shapes_demo/pretrain_shapes_image_encoder.py \
    configs/shapes_demo/damsm_shapes_demo_conv.py work_dirs/shapes_image_encoder_init.pth \
    --text-from work_dirs/damsm_shapes_demo_conv/epoch_3.pth
# DAMSM encoders from there, shape-only negatives: 2 epochs (6 min)
run work_dirs/damsm_shapes_demo_pretrained/epoch_2.pth \
    python tools/train.py configs/shapes_demo/damsm_shapes_demo_pretrained.py \
    --work-dir work_dirs/damsm_shapes_demo_pretrained
# the GAN without its encoders (load_from would bring them back)
run work_dirs/dmgan_shapes_demo_shape/gan_only.pth \
    python tools/strip_encoders.py work_dirs/dmgan_shapes_demo_shape/iter_7000.pth \
    work_dirs/dmgan_shapes_demo_shape/gan_only.pth
# the GAN on the new encoders: 5000 iterations (42 min)
run work_dirs/dmgan_shapes_demo_pretrained_damsm/iter_5000.pth \
    python tools/train.py configs/shapes_demo/dmgan_shapes_demo_pretrained_damsm.py \
    --work-dir work_dirs/dmgan_shapes_demo_pretrained_damsm
# resumed to 9000 with colour or shape negatives (35 min)
run work_dirs/dmgan_shapes_demo_pretrained_colour/iter_9000.pth \
    python tools/train.py configs/shapes_demo/dmgan_shapes_demo_pretrained_colour.py \
    --work-dir work_dirs/dmgan_shapes_demo_pretrained_colour
# DAMSM encoders with near-colour negatives: 1 epoch (4 min)
run work_dirs/damsm_shapes_demo_near_colour/epoch_1.pth \
    python tools/train.py configs/shapes_demo/damsm_shapes_demo_near_colour.py \
    --work-dir work_dirs/damsm_shapes_demo_near_colour
run work_dirs/dmgan_shapes_demo_pretrained_colour/gan_only.pth \
    python tools/strip_encoders.py work_dirs/dmgan_shapes_demo_pretrained_colour/iter_9000.pth \
    work_dirs/dmgan_shapes_demo_pretrained_colour/gan_only.pth
# the GAN on those encoders with near-colour negatives: 1000 iterations (9 min)
run work_dirs/dmgan_shapes_demo_near_colour/iter_1000.pth \
    python tools/train.py configs/shapes_demo/dmgan_shapes_demo_near_colour.py \
    --work-dir work_dirs/dmgan_shapes_demo_near_colour
# the live generator (not the EMA one) and the text encoder, float16, with the vocabulary
run "$OUT" \
    python tools/export_sampler.py work_dirs/dmgan_shapes_demo_near_colour/iter_1000.pth \
    "$OUT" --sample-model orig --vocab shapes --fp16
# accuracy from the pixels, held-out pairs and seen pairs (docs/shapes_demo.md)
python tools/shapes_demo/shapes_accuracy.py configs/shapes_demo/dmgan_shapes_demo.py "$OUT" \
    --split heldout --num 200
python tools/shapes_demo/shapes_accuracy.py configs/shapes_demo/dmgan_shapes_demo.py "$OUT" \
    --split test --num 200
