"""How values and names are shown to people: numbers, split names, Markdown table cells.

One rule each, so that a run's best value reads the same in a finding, a figure, `histplot info`,
summary.md and index.html.
"""

from __future__ import annotations

import math
from typing import Any

# What each split is called in legends, titles and messages.
SPLIT_NAMES = {"train": "train", "val": "validation", "test": "test", "unsplit": "split unknown"}

MISSING = "–"


def number(x: float | None) -> str:
    """A number as people read it: four significant digits (``nan``, ``inf`` as such); "–" for None."""
    return MISSING if x is None else f"{x:.4g}"


def rounded(x: Any) -> float | None:
    """A value for JSON output, to six significant digits (float noise dropped); None when not finite."""
    if x is None:
        return None
    f = float(x)
    return float(f"{f:.6g}") if math.isfinite(f) else None


def split_name(split: str) -> str:
    """``val`` -> "validation"; a name that is not a split stays as it is."""
    return SPLIT_NAMES.get(split, split)


def md_cell(text: Any) -> str:
    """Text that stays inside one Markdown table cell: pipes escaped, lines joined."""
    return str(text).replace("|", "\\|").replace("\n", " ")
