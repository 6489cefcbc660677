from . import damsm, data_preprocessors, dmgan  # noqa: F401  (registration)
