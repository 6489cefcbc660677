"""Convert the original DM-GAN or AttnGAN release files into one MMEngine checkpoint.

Example::

    python tools/convert_original_ckpt.py \
        --generator models/bird_DMGAN.pth \
        --text-encoder DAMSMencoders/bird/text_encoder200.pth \
        --image-encoder DAMSMencoders/bird/image_encoder200.pth \
        --out work_dirs/dmgan_cub_original.pth

The output holds ``{'meta': ..., 'state_dict': ...}`` with keys prefixed ``generator.``,
``text_encoder.``, ``image_encoder.`` and ``discriminators.<k>.``. Run converted generators with
``reference_mask_bug=True`` to reproduce the original images exactly. An AttnGAN generator
(``--generator models/bird_AttnGAN2.pth``) is recognised by its keys and converts to the
generator of ``configs/attngan_cub.py`` (``WordContextAttention`` blocks); AttnGAN's
discriminators (BatchNorm) do not convert.
"""
import argparse

from mmdmgan.models.utils import convert_original_checkpoints, save_checkpoint_atomic
from mmdmgan.utils.cli import run_cli


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--generator',
                        help='netG_epoch_*.pth (DM-GAN or AttnGAN G_NET state dict)')
    parser.add_argument('--text-encoder', help='DAMSM text_encoder*.pth')
    parser.add_argument('--image-encoder', help='DAMSM image_encoder*.pth')
    parser.add_argument('--discriminators', nargs='*', default=[],
                        help='netD0.pth netD1.pth netD2.pth, in this order (64, 128, 256)')
    parser.add_argument('--out', required=True, help='output checkpoint path')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    checkpoint = convert_original_checkpoints(generator=args.generator,
                                              text_encoder=args.text_encoder,
                                              image_encoder=args.image_encoder,
                                              discriminators=args.discriminators)
    save_checkpoint_atomic(checkpoint, args.out)
    parts = ', '.join(checkpoint['meta']['model_cfgs'])
    print(f'wrote {args.out} ({len(checkpoint["state_dict"])} tensors: {parts})')


if __name__ == '__main__':
    run_cli(main)
