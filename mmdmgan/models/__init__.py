from . import damsm, dmgan, utils  # noqa: F401  (registration)
