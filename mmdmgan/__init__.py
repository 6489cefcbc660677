"""mmdmgan: DM-GAN (Zhu et al., CVPR 2019) as an OpenMMLab plugin.

Importing the package registers every module in the ``mmdmgan`` registries and, when MMagic
is installed, under the same names in MMagic's (see :mod:`mmdmgan.registry`).
"""
from . import apis, datasets, engine, evaluation, models, structures  # noqa: F401  (registration)
from .version import __version__

__all__ = ['__version__']
