"""mmdmgan: DM-GAN (Zhu et al., CVPR 2019) as an OpenMMLab plugin.

Importing the package registers every module in the ``mmdmgan`` registries and, when MMagic
is installed, mirrors them into MMagic's (see :mod:`mmdmgan.registry`).
"""
from . import apis, datasets, engine, evaluation, models, structures  # noqa: F401  (registration)
from .registry import mirror_into_mmagic
from .version import __version__

mirror_into_mmagic()

__all__ = ['__version__']
