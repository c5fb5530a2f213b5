"""``info``'s table of series: per split last, best (and its epoch), min, max, present/missing/
non-finite counts and a unicode sparkline, sized to a terminal width."""

from __future__ import annotations

import math
from collections.abc import Sequence

BARS = "▁▂▃▄▅▆▇█"
MIN_SPARK = 8
MAX_SPARK = 40
MIN_NAME = 12


def sparkline(values: Sequence[float | None], width: int) -> str:
    """``values`` in ``width`` characters: each the mean of its share of the epochs, scaled between the
    finite min and max; a blank where that share has no finite value."""
    n = len(values)
    if n == 0 or width <= 0:
        return ""
    cells: list[float | None] = []
    for i in range(min(width, n)):
        lo, hi = i * n // min(width, n), (i + 1) * n // min(width, n)
        finite = [v for v in values[lo:hi] if v is not None and math.isfinite(v)]
        cells.append(sum(finite) / len(finite) if finite else None)
    finite = [c for c in cells if c is not None]
    if not finite:
        return " " * len(cells)
    low, high = min(finite), max(finite)
    span = high - low
    out = []
    for c in cells:
        if c is None:
            out.append(" ")
        else:
            k = 0 if span == 0 or not math.isfinite(span) else round((c - low) / span * (len(BARS) - 1))
            out.append(BARS[max(0, min(len(BARS) - 1, k))])
    return "".join(out)


def _num(v: float | None) -> str:
    return "–" if v is None else f"{v:.4g}"


def _short(name: str, width: int) -> str:
    if len(name) <= width:
        return name
    tail = max(3, width // 3)
    return name[: width - tail - 1] + "…" + name[-tail:]


HEAD = ("series", "split", "last", "best", "@ep", "min", "max", "n/miss/inf")


def rows_of(metrics: dict[str, dict[str, dict]], other: dict[str, dict], skip: set[str]) -> list[tuple[str, str, dict]]:
    """(name, split, summary) for each metric's splits, then the run-level series."""
    rows = []
    for base, splits in metrics.items():
        if base in skip:
            continue
        for i, (split, s) in enumerate(splits.items()):
            rows.append((base if i == 0 else "", split, s))
    rows += [(col, "-", s) for col, s in other.items()]
    return rows


def series_table(rows: list[tuple[str, str, dict]], width: int = 80, indent: int = 4) -> list[str]:
    """Aligned lines of ``rows`` fitting ``width`` columns: the name and the sparkline take what is left."""
    if not rows:
        return []
    cells = [
        [
            _num(s.get("last")),
            _num(s.get("best")),
            str(s["best_epoch"]) if s.get("best_epoch") is not None else "",
            _num(s.get("min")),
            _num(s.get("max")),
            f"{s.get('present', 0)}/{s.get('missing', 0)}/{s.get('non_finite', 0)}",
        ]
        for _, _, s in rows
    ]
    widths = [max(len(HEAD[2 + i]), *(len(c[i]) for c in cells)) for i in range(len(HEAD) - 2)]
    split_w = max(len(HEAD[1]), *(len(r[1]) for r in rows))
    fixed = indent + 2 + split_w + sum(w + 1 for w in widths) + 1
    names = max(len(HEAD[0]), *(len(r[0]) for r in rows))
    name_w = max(MIN_NAME, min(names, width - fixed - MIN_SPARK))
    spark_w = max(MIN_SPARK, min(MAX_SPARK, width - fixed - name_w))
    pad = " " * indent

    def line(name: str, split: str, values: list[str], spark: str) -> str:
        nums = " ".join(v.rjust(w) for v, w in zip(values, widths))
        return f"{pad}{_short(name, name_w):<{name_w}}  {split:<{split_w}} {nums} {spark}".rstrip()

    out = [line(HEAD[0], HEAD[1], list(HEAD[2:]), "trend")]
    for (name, split, s), values in zip(rows, cells):
        out.append(line(name, split, values, sparkline(s.get("trend") or [], spark_w)))
    return out
