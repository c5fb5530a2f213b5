"""Step-level series (DESIGN §2): kept by global step, summarised into the epoch frame.

A reader hands ``History.build`` a frame of step series (index: global step) and the epoch each
row falls in. Each epoch then gets, per series, the mean over its steps (a logged training loss
is already a mean over its logging window, so the mean of those is the epoch's mean), except
held-out series: an evaluation measures the model at one moment, so the epoch's value is its
last evaluation, the one nearest the epoch's end (what Keras reports as ``val_loss``). A value
the source gives for the whole epoch always wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .naming import column_name, parse_name


def merge_steps(
    frame: pd.DataFrame,
    steps: pd.DataFrame,
    step_epochs: Sequence[float] | None,
    zero_based: bool,
    original: dict[str, str],
    notes: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, Any]]:
    """(epoch frame with step summaries merged in, canonical step frame, extra meta)."""
    steps = steps.copy(deep=False)  # a column is added below; the caller's frame stays as it was
    ep_col = "\0epoch"
    if step_epochs is not None:
        steps[ep_col] = np.asarray(step_epochs, dtype=float) + (1 if zero_based else 0)
    steps = last_per_step(steps)
    epochs = steps.pop(ep_col) if step_epochs is not None else None
    renamed: dict[str, pd.Series] = {}
    for raw in steps.columns:
        values = pd.to_numeric(steps[raw], errors="coerce").astype(np.float64)
        if values.isna().all():
            notes.append(f"step series '{raw}' has no numeric values: dropped")
            continue
        name = column_name(*parse_name(str(raw)))
        if name in renamed:
            name = str(raw)
        renamed[name] = values
        original.setdefault(name, str(raw))
    if not renamed:
        return frame, None, {}
    out = pd.DataFrame(renamed)
    idx = out.index.to_numpy()
    if idx.dtype.kind == "f" and np.all(idx == np.round(idx)):
        idx = idx.astype(np.int64)
    out.index = pd.Index(idx, name="step")
    meta: dict[str, Any] = {}
    if epochs is None:
        return frame, out, meta
    known = epochs.notna().to_numpy()
    every = bool(known.all())
    groups = Runs(epochs.to_numpy()[known].astype(np.int64))
    summary = {}
    for col in out.columns:
        v = out[col].to_numpy()
        v = v if every else v[known]
        held_out = parse_name(col)[0] in ("val", "test")
        summary[col] = groups.last(v) if held_out else groups.mean(v)
    summary = pd.DataFrame(summary, index=groups.keys)
    index = frame.index.union(summary.index).astype(np.int64)
    if len(index) and index.min() >= 1:
        # epochs without a logged step (logging every 2 epochs) still happened: rows of NaN
        index = pd.RangeIndex(1, int(index.max()) + 1)
    merged = frame.reindex(index)
    for col in summary.columns:
        s = summary[col].reindex(index)
        merged[col] = merged[col].combine_first(s) if col in merged.columns else s
    merged = merged.dropna(axis=1, how="all")
    merged.index = pd.Index(merged.index.to_numpy(dtype=np.int64), name="epoch")
    last_step = groups.max(idx if every else idx[known])
    meta["epoch_steps"] = {int(e): _num(s) for e, s in zip(groups.keys, last_step)}
    return merged, out, meta


class Runs:
    """Rows grouped by key, for reducing millions of step rows to one value per epoch.

    A log's epochs never decrease, so each group is one run of equal keys and reduces in one
    ``reduceat`` pass, with no hashing; other orders are sorted (stably) first. The reductions
    skip NaN as pandas' groupby does: ``mean`` of the values present, ``last`` value present,
    ``max``, ``min``; NaN for a group with none.
    """

    def __init__(self, keys: np.ndarray) -> None:
        keys = np.asarray(keys)
        self.order = None if keys.size < 2 or np.all(keys[1:] >= keys[:-1]) else np.argsort(keys, kind="stable")
        if self.order is not None:
            keys = keys[self.order]
        self.starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if keys.size else np.zeros(0, np.intp)
        self.keys = keys[self.starts]

    def _sorted(self, values: np.ndarray) -> np.ndarray:
        return values if self.order is None else values[self.order]

    def mean(self, values: np.ndarray) -> np.ndarray:
        if not self.keys.size:
            return np.zeros(0)
        v = self._sorted(np.asarray(values, dtype=np.float64))
        present = ~np.isnan(v)
        counts = np.add.reduceat(present, self.starts)
        sums = np.add.reduceat(np.where(present, v, 0.0), self.starts)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)

    def last(self, values: np.ndarray) -> np.ndarray:
        if not self.keys.size:
            return np.zeros(0)
        v = self._sorted(np.asarray(values, dtype=np.float64))
        at = np.maximum.reduceat(np.where(np.isnan(v), -1, np.arange(v.size)), self.starts)
        return np.where(at >= 0, v[np.maximum(at, 0)], np.nan)

    def max(self, values: np.ndarray) -> np.ndarray:
        if not self.keys.size:
            return np.zeros(0)
        return np.fmax.reduceat(self._sorted(np.asarray(values)), self.starts)

    def min(self, values: np.ndarray) -> np.ndarray:
        if not self.keys.size:
            return np.zeros(0)
        return np.fmin.reduceat(self._sorted(np.asarray(values)), self.starts)


def last_per_step(obj: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    """The last value logged at each step, in step order. The usual log's steps already increase
    strictly, and then this returns it as it is: grouping millions of rows costs more than reading them."""
    idx = obj.index.to_numpy()
    if idx.dtype.kind in "fiu" and np.all(idx[1:] > idx[:-1]):
        return obj
    return obj.sort_index(kind="stable").groupby(level=0, sort=True).last()


def _num(s: Any) -> int | float:
    f = float(s)
    return int(f) if f.is_integer() else f
