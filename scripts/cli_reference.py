"""Write docs/cli.md, the CLI reference, from ``--help``: ``python scripts/cli_reference.py [--check]``.

The whole file is generated from every command's help, so the reference cannot drift from the
code; ``--check`` writes nothing and exits 1 when docs/cli.md is stale (a test runs it).
"""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

from histplot.cli import cli

TARGET = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
HEADER = """\
# CLI reference

Generated from `--help` by `make docs` (`scripts/cli_reference.py`); a test fails when this file is
stale, so edit the commands' help in the code, not this file. Exit codes: [README](../README.md#exit-codes).
"""


def reference() -> str:
    runner = CliRunner()
    parts = [HEADER]
    for name in [None, *sorted(cli.commands)]:
        args = ["--help"] if name is None else [name, "--help"]
        out = runner.invoke(cli, args, prog_name="histplot", terminal_width=100).output
        title = "histplot" if name is None else f"histplot {name}"
        parts.append(f"## `{title}`\n\n```\n{out.rstrip()}\n```\n")
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    new = reference()
    if "--check" in argv:
        old = TARGET.read_text(encoding="utf-8") if TARGET.is_file() else ""
        if new != old:
            print("docs/cli.md is stale: run `make docs`", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
