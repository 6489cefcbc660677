from . import damsm, dmgan  # noqa: F401  (registration)
