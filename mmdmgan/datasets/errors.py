"""The error raised for one unusable dataset item (missing file, corrupt image...)."""


class DataItemError(RuntimeError):
    """An item of a dataset cannot be read; the message names the file and the fix.

    Caption datasets re-raise it, or skip the item and count it when configured with
    ``skip_bad_items=True``.
    """
