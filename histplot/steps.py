"""Step-level series (DESIGN §2): kept by global step, summarised into the epoch frame.

A reader hands ``History.build`` a frame of step series (index: global step) and the epoch each
row falls in. Each epoch then gets, per series, the mean over its steps (a logged training loss
is already a mean over its logging window, so the mean of those is the epoch's mean), except
held-out series: an evaluation measures the model at one moment, so the epoch's value is its
last evaluation, the one nearest the epoch's end (what Keras reports as ``val_loss``). A value
the source gives for the whole epoch always wins.

Missing and logged values stay apart here too: an epoch has a value when any of its steps has
one; the mean is over the steps with a value, and a logged NaN/inf in any of them makes the epoch's
value non-finite too (a NaN batch loss makes Keras' epoch mean NaN).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .naming import column_name, parse_name


def merge_steps(
    frame: pd.DataFrame,
    present: pd.DataFrame,
    steps: pd.DataFrame,
    step_present: pd.DataFrame | None,
    step_epochs: Sequence[float] | None,
    zero_based: bool,
    original: dict[str, str],
    notes: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None, dict[str, Any]]:
    """(epoch frame with step summaries merged in, its ``present`` mask, canonical step frame, its
    mask, extra meta). ``step_present`` None: a NaN step cell is missing (see ``History.build``)."""
    steps = steps.copy(deep=False)  # a column is added below; the caller's frame stays as it was
    ep_col = "\0epoch"
    mask = steps.notna() if step_present is None else step_present.reindex_like(steps).fillna(False).astype(bool)
    if step_epochs is not None:
        steps[ep_col] = np.asarray(step_epochs, dtype=float) + (1 if zero_based else 0)
        mask[ep_col] = steps[ep_col].notna()
    steps, mask = last_per_step(steps, mask)
    epochs = steps.pop(ep_col) if step_epochs is not None else None
    renamed: dict[str, pd.Series] = {}
    written: dict[str, np.ndarray] = {}
    for raw in steps.columns:
        values = pd.to_numeric(steps[raw], errors="coerce").astype(np.float64)
        m = mask[raw].to_numpy(dtype=bool)
        if not m.any():
            notes.append(f"step series '{raw}' has no numeric values: dropped")
            continue
        name = column_name(*parse_name(str(raw)))
        if name in renamed:
            name = str(raw)
        renamed[name] = values
        written[name] = m
        original.setdefault(name, str(raw))
    if not renamed:
        return frame, present, None, None, {}
    out = pd.DataFrame(renamed, copy=False)  # each column is a new array already (astype above)
    idx = out.index.to_numpy()
    if idx.dtype.kind == "f":  # steps parsed as floats: integers where every one is whole
        with np.errstate(invalid="ignore"):
            whole = idx.astype(np.int64)
        if np.array_equal(whole, idx):
            idx = whole
    out.index = pd.Index(idx, name="step", copy=False)
    out_mask = pd.DataFrame(written, index=out.index)
    meta: dict[str, Any] = {}
    if epochs is None:
        return frame, present, out, out_mask, meta
    known = epochs.notna().to_numpy()
    every = bool(known.all())
    e = epochs.to_numpy()
    groups = Runs((e if every else e[known]).astype(np.int64))  # a fractional epoch counts as its whole epoch
    summary, summary_mask = {}, {}
    for col in out.columns:
        v, m = out[col].to_numpy(), written[col]
        v, m = (v, m) if every else (v[known], m[known])
        held_out = parse_name(col)[0] in ("val", "test")
        summary[col] = groups.last(v, m) if held_out else groups.mean(v, m)
        summary_mask[col] = groups.any(m)
    summary = pd.DataFrame(summary, index=groups.keys)
    summary_mask = pd.DataFrame(summary_mask, index=groups.keys)
    index = frame.index.union(summary.index).astype(np.int64)
    if len(index) and index.min() >= 1:
        # epochs without a logged step (logging every 2 epochs) still happened: rows of missing values
        index = pd.RangeIndex(1, int(index.max()) + 1)
    merged = frame.reindex(index)
    merged_mask = present.reindex(index, fill_value=False).astype(bool)
    for col in summary.columns:
        s = summary[col].reindex(index)
        sm = summary_mask[col].reindex(index, fill_value=False).astype(bool)
        if col in merged.columns:
            # a value the source gives for the whole epoch wins over the mean of its steps
            own = merged_mask[col]
            merged[col] = merged[col].where(own, s)
            merged_mask[col] = own | sm
        else:
            merged[col], merged_mask[col] = s, sm
    keep = merged_mask.any(axis=0)
    merged, merged_mask = merged.loc[:, keep], merged_mask.loc[:, keep]
    merged.index = pd.Index(merged.index.to_numpy(dtype=np.int64), name="epoch")
    merged_mask.index = merged.index
    last_step = groups.max(idx if every else idx[known])
    meta["epoch_steps"] = {int(e): _num(s) for e, s in zip(groups.keys, last_step)}
    return merged, merged_mask, out, out_mask, meta


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

    def mean(self, values: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
        """Mean over the written values of each group (``present``; default: those not NaN). A
        written NaN/inf propagates, as it does in the frameworks' own epoch means; a group with no
        written value is NaN (and ``any`` says it is missing)."""
        if not self.keys.size:
            return np.zeros(0)
        v = self._sorted(np.asarray(values, dtype=np.float64))
        p = ~np.isnan(v) if present is None else self._sorted(np.asarray(present, dtype=bool))
        counts = np.add.reduceat(p, self.starts)
        with np.errstate(invalid="ignore", over="ignore"):
            sums = np.add.reduceat(np.where(p, v, 0.0), self.starts)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)

    def last(self, values: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
        """The last written value of each group (default: the last not NaN)."""
        if not self.keys.size:
            return np.zeros(0)
        v = self._sorted(np.asarray(values, dtype=np.float64))
        p = ~np.isnan(v) if present is None else self._sorted(np.asarray(present, dtype=bool))
        at = np.maximum.reduceat(np.where(p, np.arange(v.size), -1), self.starts)
        return np.where(at >= 0, v[np.maximum(at, 0)], np.nan)

    def any(self, present: np.ndarray) -> np.ndarray:
        """Whether each group holds a written value."""
        if not self.keys.size:
            return np.zeros(0, dtype=bool)
        return np.logical_or.reduceat(self._sorted(np.asarray(present, dtype=bool)), self.starts)

    def max(self, values: np.ndarray) -> np.ndarray:
        if not self.keys.size:
            return np.zeros(0)
        return np.fmax.reduceat(self._sorted(np.asarray(values)), self.starts)

    def min(self, values: np.ndarray) -> np.ndarray:
        if not self.keys.size:
            return np.zeros(0)
        return np.fmin.reduceat(self._sorted(np.asarray(values)), self.starts)


def last_per_step(obj, mask: pd.DataFrame | None = None):
    """The last value logged at each step, in step order. The usual log's steps already increase
    strictly, and then this returns it as it is: grouping millions of rows costs more than reading them.
    With ``mask`` (cells written), returns (values, mask), the last written value per step and cell."""
    idx = obj.index.to_numpy()
    if idx.dtype.kind in "fiu" and np.all(idx[1:] > idx[:-1]):
        return obj if mask is None else (obj, mask)
    if mask is None:
        return obj.sort_index(kind="stable").groupby(level=0, sort=True).last()
    order = np.argsort(idx, kind="stable")
    obj, mask = obj.iloc[order], mask.iloc[order]
    keys = pd.Index(obj.index.unique(), name=obj.index.name)
    values, seen = {}, {}
    for col in obj.columns:
        m = mask[col].to_numpy(dtype=bool)
        written = obj[col][m]
        written = written[~written.index.duplicated(keep="last")]
        values[col] = written.reindex(keys)
        seen[col] = keys.isin(written.index)
    return pd.DataFrame(values, index=keys), pd.DataFrame(seen, index=keys)


def _num(s: Any) -> int | float:
    f = float(s)
    return int(f) if f.is_integer() else f


def union_frame(series: dict[str, pd.Series]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Series that each hold only what the source wrote (a NaN in one is a logged NaN), side by side
    on the union of their indexes, with the mask of written cells: the cells the union adds are missing."""
    frame = pd.DataFrame(series)
    mask = {}
    for k, v in series.items():
        if v.index.equals(frame.index):
            mask[k] = np.ones(len(frame), dtype=bool)
        else:
            m = np.zeros(len(frame), dtype=bool)
            m[frame.index.get_indexer(v.index)] = True
            mask[k] = m
    return frame, pd.DataFrame(mask, index=frame.index)


def last_written(series: pd.Series) -> pd.Series:
    """The last value written at each index label, in order, a logged NaN included (``groupby.last``
    would skip a NaN, and so lose the one value a run logged at that step)."""
    idx = series.index.to_numpy()
    if idx.dtype.kind in "fiu" and np.all(idx[1:] > idx[:-1]):
        return series
    series = series.sort_index(kind="stable")
    return series[~series.index.duplicated(keep="last")]
