"""One-line errors for command-line tools.

A missing file, a bad value or an unknown key given on the command line is the user's to fix:
the tool prints ``<tool>: <ErrorType>: <message>`` and exits with status 1 instead of showing
a traceback. ``--debug`` anywhere on the command line keeps the full traceback.
"""
import os.path as osp
import sys
from typing import Callable, Optional, Sequence

#: Errors that name what the user gave wrongly (a path, a value, a config key).
USER_ERRORS = (FileNotFoundError, IsADirectoryError, NotADirectoryError, ValueError, KeyError)


def error_message(error: BaseException) -> str:
    """``error``'s text; a KeyError's single argument without the quotes ``str`` adds."""
    if isinstance(error, KeyError) and len(error.args) == 1:
        return str(error.args[0])
    return str(error)


def run_cli(main: Callable[[], object], argv: Optional[Sequence[str]] = None) -> None:
    """Run a tool's ``main()`` with one-line errors for :data:`USER_ERRORS`.

    Args:
        main (callable): The tool's entry point; it parses ``sys.argv`` itself.
        argv (Sequence[str], optional): The command line to check for ``--debug`` (removed
            before ``main`` runs). Defaults to ``sys.argv``.

    Raises:
        SystemExit: 1 after printing the one-line error; ``main``'s own exit status otherwise.
    """
    args = sys.argv if argv is None else list(argv)
    debug = '--debug' in args[1:]
    if debug:
        args = [args[0]] + [arg for arg in args[1:] if arg != '--debug']
    sys.argv = args
    try:
        result = main()
    except USER_ERRORS as error:
        if debug:
            raise
        tool = osp.basename(args[0]) if args else 'tool'
        print(f'{tool}: {type(error).__name__}: {error_message(error)}\n'
              f'(run again with --debug for the full traceback)', file=sys.stderr)
        raise SystemExit(1) from None
    if isinstance(result, int):
        raise SystemExit(result)
