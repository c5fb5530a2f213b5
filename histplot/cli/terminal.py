"""Text for the terminal: everything the command line prints passes through ``printable`` once;
colour (``--color``, ``NO_COLOR``), how much it says (``-q``/``-v``) and how wide its text may be.

File names, run labels, metric names and the messages that quote them come from files we did not
write. A terminal obeys what it is sent: ESC starts a sequence (CSI moves the cursor or recolours,
OSC sets the title or a hyperlink and ends at BEL or ST, DCS/APC/PM/SOS carry payloads), the 8-bit
C1 bytes start the same sequences without ESC, a carriage return or backspace overwrites what was
shown, and bidi controls reorder what follows. Escaping every such character as visible text
(``\\x1b``, ``\\u202e``) disarms every sequence, whatever its kind: none can begin without one.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass

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


MIN_WIDTH = 80


@dataclass(frozen=True)
class Terminal:
    """``color``: whether to write ANSI colours; ``quiet``: only warnings and errors; ``verbose``:
    also the readers' notes."""

    color: bool = False
    quiet: bool = False
    verbose: bool = False

    @property
    def width(self) -> int:
        """Columns for text: the terminal's (or $COLUMNS), never fewer than 80."""
        return max(MIN_WIDTH, shutil.get_terminal_size((MIN_WIDTH, 24)).columns)

    @property
    def wrap_width(self) -> int | None:
        """Where prose wraps: the terminal's width on a terminal (or when $COLUMNS is set); piped
        output stays one line per item, for grep."""
        if os.environ.get("COLUMNS") or sys.stdout.isatty():
            return self.width
        return None

    def style(self, text: str, **kwargs) -> str:
        return click.style(text, **kwargs) if self.color else text

    def echo(self, text: str = "", *, err: bool = False, nl: bool = True, keep: Iterable[str] = ()) -> None:
        """Output that ``-q`` keeps quiet (progress, paths written, summaries)."""
        if not self.quiet:
            click.echo(printable(text, lines=True, keep=keep), err=err, nl=nl, color=self.color)

    def note(self, text: str) -> None:
        """Said only with ``-v``."""
        if self.verbose and not self.quiet:
            click.echo(printable(f"note: {text}"), err=True, color=False)


def wants_color(choice: str, stream=None) -> bool:
    """``always`` / ``never``; ``auto``: a terminal, unless ``NO_COLOR`` is set (https://no-color.org)."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def terminal() -> Terminal:
    """The running command's Terminal (defaults when called outside the group)."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_object(Terminal) if ctx is not None else None
    return obj if obj is not None else Terminal(color=wants_color("auto"))


def global_options(f):
    """``--color``, ``-q/--quiet`` and ``-v/--verbose`` on the group, before the command name."""

    @click.option(
        "--color",
        "color",
        type=click.Choice(["auto", "always", "never"]),
        default="auto",
        show_default=True,
        help="Colour the output; auto: on a terminal unless NO_COLOR is set.",
    )
    @click.option("-q", "--quiet", is_flag=True, help="Say only warnings and errors.")
    @click.option("-v", "--verbose", is_flag=True, help="Also say what the readers noted about each file.")
    @click.pass_context
    def wrapper(ctx, *args, color="auto", quiet=False, verbose=False, **kwargs):
        ctx.obj = Terminal(color=wants_color(color), quiet=quiet, verbose=verbose)
        return ctx.invoke(f, *args, **kwargs)

    wrapper.__name__, wrapper.__doc__ = f.__name__, f.__doc__
    return wrapper
