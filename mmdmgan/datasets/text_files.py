"""Reading the text files of a dataset (captions, split lists) as strict UTF-8 lines.

Bytes that are not UTF-8 are an error naming the file and line, never silently replaced:
like MMEngine's own file readers (strict ``utf-8``) and the reference, which decodes its
caption files with ``decode('utf8')``. Valid UTF-8 that shows mojibake (``'naÃ¯ve'``) is
still repaired by the tokenizer. A UTF-8 byte-order mark is ignored; line ends may be LF,
CRLF or CR.
"""
from typing import List, Tuple

NOT_UTF8_FIX = ('re-save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8 IN > OUT` for '
                'Latin-1 text)')


def split_utf8_lines(data: bytes) -> Tuple[List[str], List[int]]:
    """Decode ``data`` line by line.

    Args:
        data (bytes): A text file's content.

    Returns:
        tuple[list[str], list[int]]: The lines without their line ends (a line that is not
        valid UTF-8 is decoded with U+FFFD replacements, for reporting only), and the
        1-based numbers of those lines.
    """
    if data.startswith(b'\xef\xbb\xbf'):
        data = data[3:]
    lines, bad = [], []
    for number, raw in enumerate(data.splitlines(), start=1):
        try:
            lines.append(raw.decode('utf-8'))
        except UnicodeDecodeError:
            lines.append(raw.decode('utf-8', errors='replace'))
            bad.append(number)
    return lines, bad


def not_utf8_message(path: str, numbers: List[int]) -> str:
    """The error text for the non-UTF-8 lines ``numbers`` of ``path``."""
    shown = ', '.join(map(str, numbers[:10])) + (', ...' if len(numbers) > 10 else '')
    return (f'{path} line {shown}: not UTF-8 ({len(numbers)} line'
            f'{"s" if len(numbers) > 1 else ""}); {NOT_UTF8_FIX}')


def read_utf8_lines(path: str) -> List[str]:
    """The lines of a UTF-8 text file.

    Raises:
        ValueError: Naming the file and its non-UTF-8 lines, or when it cannot be read.
    """
    try:
        with open(path, 'rb') as file:
            data = file.read()
    except OSError as error:
        raise ValueError(f'cannot read {path} ({error})') from error
    lines, bad = split_utf8_lines(data)
    if bad:
        raise ValueError(not_utf8_message(path, bad))
    return lines
