"""``diagnose --rank``: runs ordered by their best monitored value (formatting lives in ``verdict``).

The direction is the monitor's mode (``min`` for losses, ``max`` for accuracy-like names, or
``--mode``). Runs that monitor different series cannot be compared, so that is an error; a run
with no finite monitored value comes last, unranked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import HistplotError
from .findings import Diagnosis


@dataclass(frozen=True)
class Ranked:
    """One run's place: ``rank`` is 1 for the best; equal values share a rank (1, 1, 3)."""

    rank: int | None
    label: str
    source: str | None
    monitor: str | None
    mode: str
    best: float | None
    best_epoch: int | None
    epochs: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def rank(diagnoses: Sequence[Diagnosis]) -> list[Ranked]:
    """The runs, best first, by the best value of their (common) monitored series."""
    monitors = sorted({(d.monitor, d.mode) for d in diagnoses}, key=str)
    if len(monitors) > 1:
        which = ", ".join(f"{d.source or d.label}: {d.monitor} ({d.mode})" for d in diagnoses)
        raise HistplotError(
            f"--rank needs the same monitored series and mode in every run ({which}); choose one with --monitor"
        )
    rows = []
    for d in diagnoses:
        best = d.first("best_epoch")
        value = best.numbers.get("value") if best is not None else None
        ok = value is not None and math.isfinite(value)
        rows.append((d, float(value) if ok else None, best.numbers.get("epoch") if ok else None))
    sign = -1.0 if diagnoses and diagnoses[0].mode == "max" else 1.0
    ranked = sorted(rows, key=lambda r: (r[1] is None, sign * r[1] if r[1] is not None else 0.0))
    out = []
    for d, value, epoch in ranked:
        place = None if value is None else 1 + sum(1 for _, v, _ in rows if v is not None and sign * v < sign * value)
        out.append(Ranked(place, d.label, d.source, d.monitor, d.mode, value, epoch, d.epochs))
    return out
