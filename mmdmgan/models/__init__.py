from . import damsm, data_preprocessors, dmgan, utils  # noqa: F401  (registration)
