"""Regenerate the README's CLI reference from ``--help``: ``python scripts/cli_reference.py [--check]``.

The block between the ``<!-- cli-reference -->`` markers is replaced with every command's help, so the
docs cannot drift from the code; ``--check`` exits 1 when the README is stale (a test runs it).
"""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

from histplot.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- cli-reference:start -->", "<!-- cli-reference:end -->"


def reference() -> str:
    runner = CliRunner()
    parts = []
    for name in [None, *sorted(cli.commands)]:
        args = ["--help"] if name is None else [name, "--help"]
        out = runner.invoke(cli, args, prog_name="histplot", terminal_width=100).output
        title = "histplot" if name is None else f"histplot {name}"
        parts.append(f"### `{title}`\n\n```\n{out.rstrip()}\n```\n")
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{reference()}{END}{tail}"
    if "--check" in argv:
        if new != text:
            print("README.md CLI reference is stale: run `make docs`", file=sys.stderr)
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
