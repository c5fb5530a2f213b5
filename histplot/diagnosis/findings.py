"""What a diagnosis found: ``Finding`` (one thing, with its evidence) and ``Diagnosis`` (one run)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .settings import KINDS, Settings, parse_kinds


@dataclass
class Finding:
    """One thing found: ``epochs`` are the 1-based epochs it is about, ``numbers`` the evidence."""

    kind: str
    severity: str
    epochs: list[int]
    numbers: dict[str, Any]
    message: str
    steps: list[int] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {
            "kind": self.kind,
            "severity": self.severity,
            "epochs": list(self.epochs),
            "numbers": {k: _jsonable(v) for k, v in self.numbers.items()},
            "message": self.message,
        }
        if self.steps is not None:
            d["steps"] = list(self.steps)
        return d


@dataclass
class Diagnosis:
    """Findings for one history, the series monitored, and what could not be assessed (notes)."""

    source: str | None
    label: str
    epochs: int
    monitor: str | None
    mode: str
    kinds: list[str]
    settings: Settings
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # values written after training (History.final): reported, never an epoch nor the best epoch
    final: dict[str, float] = field(default_factory=dict)
    final_where: str | None = None

    def found(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def first(self, kind: str) -> Finding | None:
        hits = self.found(kind)
        return hits[0] if hits else None

    def failing(self, fail_on: Iterable[str]) -> list[str]:
        """The kinds of ``fail_on`` that were found, in ``KINDS`` order."""
        wanted = set(parse_kinds(list(fail_on)))
        return [k for k in KINDS if k in wanted and self.found(k)]

    def return_code(self, fail_on: Iterable[str]) -> int:
        """0, or 1 when a kind named in ``fail_on`` was found (black's ``Report.return_code``)."""
        return 1 if self.failing(fail_on) else 0

    def to_dict(self, fail_on: Iterable[str] = ()) -> dict[str, Any]:
        failing = self.failing(fail_on)
        return {
            "source": self.source,
            "label": self.label,
            "epochs": self.epochs,
            "monitor": self.monitor,
            "mode": self.mode,
            "kinds": list(self.kinds),
            "settings": {k: _jsonable(v) for k, v in asdict(self.settings).items()},
            "findings": [f.to_dict() for f in self.findings],
            "notes": list(self.notes),
            "final_eval": (
                {"where": self.final_where, "values": {k: _jsonable(v) for k, v in self.final.items()}}
                if self.final
                else None
            ),
            "failed": bool(failing),
            "failing_kinds": failing,
        }


def _jsonable(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return float(f"{f:.6g}") if math.isfinite(f) else None
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v
