"""``make bench-compare``: each row of a benchmark run against the same row of an earlier run.

Prints the ratio new/old of the median wall time (and of the CPU time) of every row both runs
measured, and flags a row more than 5 % slower. Rows only one run has are listed as such.
Exit status 1 when a row is flagged, 2 when a file cannot be read.

Usage: python -m benchmarks.compare [OLD.json NEW.json]  (default: results.prev.json results.json)
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from .results import DEFAULT, PREVIOUS

SLOWER = 1.05


@dataclass
class Change:
    key: tuple[str, str]
    old: float | None
    new: float | None
    cpu_ratio: float | None

    @property
    def ratio(self) -> float | None:
        if self.old is None or self.new is None or self.old <= 0:
            return None
        return self.new / self.old

    @property
    def slower(self) -> bool:
        return self.ratio is not None and self.ratio > SLOWER


def load(path: Path) -> dict[tuple[str, str], dict]:
    """Rows keyed by (case, command); a repeated key gets ``#2``, ``#3`` appended to its command."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    rows: dict[tuple[str, str], dict] = {}
    for record in doc["rows"]:
        key = (record["case"], record["command"])
        n = 2
        while key in rows:
            key = (record["case"], f"{record['command']} #{n}")
            n += 1
        rows[key] = record
    return rows


def changes(old: dict, new: dict) -> tuple[list[Change], list[tuple[str, str]], list[tuple[str, str]]]:
    """The rows both runs have, in the new run's order; then the keys only the old, only the new has."""
    both = []
    for key, row in new.items():
        if key not in old:
            continue
        before = old[key]
        cpu = None
        if before.get("cpu_s") and row.get("cpu_s") is not None:
            cpu = row["cpu_s"] / before["cpu_s"]
        both.append(Change(key, before.get("median_s"), row.get("median_s"), cpu))
    return both, [k for k in old if k not in new], [k for k in new if k not in old]


def render(both: list[Change], gone: list, added: list) -> str:
    lines = [f"{'case':<8} {'command':<60} {'old s':>9} {'new s':>9} {'new/old':>8} {'cpu':>6}"]
    for c in both:
        ratio = "n/a" if c.ratio is None else f"{c.ratio:.3f}"
        cpu = "" if c.cpu_ratio is None else f"{c.cpu_ratio:.2f}"
        old = "-" if c.old is None else f"{c.old:.3f}"
        new = "-" if c.new is None else f"{c.new:.3f}"
        flag = f"  SLOWER by {100 * (c.ratio - 1):.0f} %" if c.slower else ""
        lines.append(f"{c.key[0]:<8} {c.key[1][:60]:<60} {old:>9} {new:>9} {ratio:>8} {cpu:>6}{flag}")
    lines += [f"only in the old run: {k[0]} / {k[1]}" for k in gone]
    lines += [f"only in the new run: {k[0]} / {k[1]}" for k in added]
    flagged = sum(c.slower for c in both)
    lines.append(f"{flagged} of {len(both)} rows more than {100 * (SLOWER - 1):.0f} % slower")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", nargs="?", type=Path, default=PREVIOUS)
    parser.add_argument("new", nargs="?", type=Path, default=DEFAULT)
    args = parser.parse_args(argv)
    loaded = []
    for path in (args.old, args.new):
        try:
            loaded.append(load(path))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"{path}: cannot read benchmark results ({type(exc).__name__}: {exc})", file=sys.stderr)
            return 2
    old, new = loaded
    both, gone, added = changes(old, new)
    print(render(both, gone, added))
    return 1 if any(c.slower for c in both) else 0


if __name__ == "__main__":
    sys.exit(main())
