"""Text for the terminal: everything the command line prints passes through ``printable`` once.

File names, run labels, metric names and the messages that quote them come from files we did not
write. A terminal obeys what it is sent: ESC starts a sequence (CSI moves the cursor or recolours,
OSC sets the title or a hyperlink and ends at BEL or ST, DCS/APC/PM/SOS carry payloads), the 8-bit
C1 bytes start the same sequences without ESC, a carriage return or backspace overwrites what was
shown, and bidi controls reorder what follows. Escaping every such character as visible text
(``\\x1b``, ``\\u202e``) disarms every sequence, whatever its kind: none can begin without one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import click

# C0 (tab and newline too, unless ``lines=True`` keeps them), DEL and C1; the bidi embeddings, overrides,
# isolates and marks; the line and paragraph separators (they end a line in some terminals);
# lone surrogates, which stand for the undecodable bytes of a file name.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")
_UNSAFE_KEEP_LINES = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]"
)


def _escape(match: re.Match) -> str:
    ch = match.group()
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the byte the file name really has
        return f"\\x{code - 0xDC00:02x}"
    if ch == "\t":
        return "\\t"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, *, lines: bool = False, keep: Iterable[str] = ()) -> str:
    """``text`` with every control, escape and bidi character shown as a visible escape.

    One line unless ``lines``: then newlines (and tabs) stay, for multi-line output such as ``info``.
    ``keep`` are exact substrings passed through as they are: styled text this module made (``styler``).
    """
    text = str(text)
    pattern = _UNSAFE_KEEP_LINES if lines else _UNSAFE
    keep = sorted(set(keep), key=len, reverse=True)
    if not keep:
        return pattern.sub(_escape, text)
    parts = re.split("(" + "|".join(map(re.escape, keep)) + ")", text)
    return "".join(p if i % 2 else pattern.sub(_escape, p) for i, p in enumerate(parts))


def say(
    text: object = "", *, err: bool = False, nl: bool = True, lines: bool = False, keep: Iterable[str] = ()
) -> None:
    """Print ``text`` made ``printable``: on stdout, or on stderr with ``err``."""
    click.echo(printable(text, lines=lines, keep=keep), err=err, nl=nl)


def error_line(message: object) -> None:
    """The one ``Error: ...`` line of a failure, on stderr."""
    say(f"Error: {message}", err=True)


class Styler:
    """``click.style`` for library renderers on a TTY: the styled text is made printable first, and
    remembered, so that ``say(..., keep=styler.made)`` lets exactly these escape sequences through."""

    def __init__(self) -> None:
        self.made: set[str] = set()

    def __call__(self, text: str, **styles) -> str:
        styled = click.style(printable(text, lines=True), **styles)
        self.made.add(styled)
        return styled
