"""Initialisation of randomly weighted Inception-v3 networks (tests and random trunks)."""
from torch import nn


def he_init_convolutions_(network: nn.Module) -> nn.Module:
    """He-initialise (fan-in, ReLU gain) every convolution of ``network``, in place.

    With eval-mode BatchNorm at its initial statistics (an identity), PyTorch's default conv
    init shrinks Inception-v3's activations to ~1e-7 by Mixed_6e, so every image gets the
    same features; He init keeps them O(1) and image-dependent (a usable random network).

    Returns:
        nn.Module: ``network``.
    """
    for module in network.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode='fan_in', nonlinearity='relu')
    return network
