"""The x axis of a figure: by epoch, or by global step (DESIGN §2, each series has its own clock)."""

from __future__ import annotations

import pandas as pd

from ..errors import HistplotError
from ..history import History

X_AXES = ("epoch", "step")


def default_x(history: History) -> str:
    """``step`` for runs whose steps are not epochs or that span fewer than 3 epochs, else ``epoch``."""
    if history.steps is None:
        return "epoch"
    if history.meta.get("x") == "step" or history.epochs < 3:
        return "step"
    return "epoch"


def frame_for_x(history: History, x: str | None = None) -> tuple[pd.DataFrame, str]:
    """The frame to draw and its x label: by epoch, or by global step (step series at their own
    steps, epoch-level series at the last step of their epoch)."""
    x = x or default_x(history)
    if x not in X_AXES:
        raise HistplotError(f"unknown x axis '{x}'; choose one of {', '.join(X_AXES)}")
    if x == "epoch":
        return history.frame, "epoch"
    epoch_steps = history.meta.get("epoch_steps") or {}
    if history.steps is None and not epoch_steps:
        raise HistplotError("this history records no steps: plot it with --x epoch", history.meta.get("source"))
    out = history.steps.copy() if history.steps is not None else pd.DataFrame()
    at = [epoch_steps.get(int(e)) for e in history.frame.index]
    placed = history.frame.loc[[a is not None for a in at]]
    placed.index = pd.Index([a for a in at if a is not None], name="step")
    placed = placed[[c for c in placed.columns if c not in out.columns]]
    placed = placed.groupby(level=0).last()
    out = placed if out.empty else out.join(placed, how="outer")
    out = out[
        [c for c in history.frame.columns if c in out.columns]
        + [c for c in out.columns if c not in history.frame.columns]
    ]
    out.index.name = "step"
    return out.sort_index(), "step"
