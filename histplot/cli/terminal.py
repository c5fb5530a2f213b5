"""How the command line talks to a terminal: colour (``--color``, ``NO_COLOR``), how much it says
(``-q``/``-v``) and how wide its text may be. The group's global options fill one ``Terminal``;
commands read it with ``terminal()``."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass

import click

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

    def echo(self, text: str = "", *, err: bool = False, nl: bool = True) -> None:
        """Output that ``-q`` keeps quiet (progress, paths written, summaries)."""
        if not self.quiet:
            click.echo(text, err=err, nl=nl, color=self.color)

    def note(self, text: str) -> None:
        """Said only with ``-v``."""
        if self.verbose and not self.quiet:
            click.echo(f"note: {text}", err=True, color=False)


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
