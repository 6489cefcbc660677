#!/usr/bin/env bash
# Train the shipped shapes demo model (mmdmgan/checkpoints/shapes_demo.pth) from nothing and
# measure it. The one place its steps are written; the configs are in configs/shapes_demo/.
#
#   bash tools/shapes_demo/reproduce.sh [OUT]     # OUT defaults to work_dirs/shapes_demo.pth
#
# About 6.6 h on 2 CPU cores with AVX512-BF16 (the time of each step below); a GPU is not
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
# that model for sampling (the live generator and the text encoder, float16): the fixed-grammar
# model, the start of the free-form steps below
run work_dirs/shapes_demo_fixed_grammar.pth \
    python tools/export_sampler.py work_dirs/dmgan_shapes_demo_near_colour/iter_1000.pth \
    work_dirs/shapes_demo_fixed_grammar.pth --sample-model orig --vocab shapes --fp16
# its text encoder grown to the 60 words of the free-form captions
run work_dirs/shapes_demo_fixed_grammar_60.pth \
    python tools/shapes_demo/extend_vocabulary.py work_dirs/shapes_demo_fixed_grammar.pth \
    work_dirs/shapes_demo_fixed_grammar_60.pth
# a shape-naming image encoder again, with that text encoder (4 min)
run work_dirs/shapes_image_encoder_free_init.pth \
    python tools/shapes_demo/pretrain_shapes_image_encoder.py \
    configs/shapes_demo/damsm_shapes_demo_free.py work_dirs/shapes_image_encoder_free_init.pth \
    --text-from work_dirs/shapes_demo_fixed_grammar_60.pth
# the DAMSM image encoder on free-form captions, the text encoder kept: 3 epochs (6 min)
run work_dirs/damsm_shapes_demo_free/epoch_3.pth \
    python tools/train.py configs/shapes_demo/damsm_shapes_demo_free.py \
    --work-dir work_dirs/damsm_shapes_demo_free
# the fixed-grammar generator alone
run work_dirs/shapes_demo_generator.pth \
    python tools/strip_encoders.py work_dirs/shapes_demo_fixed_grammar.pth \
    work_dirs/shapes_demo_generator.pth
# the GAN on free-form captions with the mode-seeking term, new discriminators: 5000
# iterations (37 min)
run work_dirs/dmgan_shapes_demo_free/iter_5000.pth \
    python tools/train.py configs/shapes_demo/dmgan_shapes_demo_free.py \
    --work-dir work_dirs/dmgan_shapes_demo_free
# the live generator and the text encoder, float16, with the 60-word vocabulary
run "$OUT" \
    python tools/export_sampler.py work_dirs/dmgan_shapes_demo_free/iter_5000.pth \
    "$OUT" --sample-model orig --vocab shapes_free --fp16
# accuracy from the pixels, held-out pairs and seen pairs, every caption form
# (docs/shapes_demo.md)
for split in heldout test; do
    for form in templated no_position no_size synonyms reordered multi_sentence free; do
        python tools/shapes_demo/shapes_accuracy.py configs/shapes_demo/dmgan_shapes_demo_free.py \
            "$OUT" --split $split --num 200 --caption-form $form --seeds 4
    done
done
