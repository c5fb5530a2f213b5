"""From (step, value) series, as MLflow and TensorBoard store them, to a History.

Such stores record a step per value and nothing else, so what the step counts is inferred:
- a series named ``epoch`` (Lightning's TensorBoardLogger, Hugging Face's MLflowCallback) maps
  every step to its epoch, and the other series become step series summarised per epoch;
- steps that are consecutive integers (0, 1, 2, ... or 1, 2, 3, ...) count epochs;
- otherwise the steps are iterations with no epoch information: every series is kept by step, and
  row N of the epoch table is the N-th logged step (said in a note; plots default to ``--x step``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ReadError
from ..history import History
from ..steps import merge_steps, union_frame

_EPOCH_NAMES = ("epoch", "epochs")


def epoch_of(value: float) -> int:
    """The 1-based epoch a fractional epoch position falls in: 0.33 -> 1, and 1.0 (the end of
    epoch 1, where Hugging Face evaluates) -> 1; 0.0 (a log before the first optimizer step
    completed, or an epoch rounded to 2 decimals) -> 1."""
    return max(1, math.ceil(round(float(value), 9)))


def epoch_numbers(values: np.ndarray) -> np.ndarray:
    """Epoch positions as 1-based epochs: fractional ones by ``epoch_of``; whole numbers from 0
    (Lightning's 0-based counter) shifted by one; whole numbers from 1 taken as they are."""
    v = np.asarray(values, dtype=float)
    if np.any(v != np.round(v)):
        return np.array([epoch_of(x) for x in v], dtype=np.int64)
    return (v + (1 if v.min() == 0 else 0)).astype(np.int64)


def assemble(points: dict[str, pd.Series | tuple[np.ndarray, np.ndarray]], *, source: str | None, fmt: str,
             notes: list[str], meta: dict[str, Any], epoch_level: set[str] = frozenset(),
             zero_based_epochs: bool = False
             ) -> History:
    """A History from ``points`` (name -> values indexed by step, or a (steps, values) pair).

    ``epoch_level`` names series whose steps are known to be epochs (Keras ``epoch_*`` tags,
    0-based when ``zero_based_epochs``); the others are classified as the module says.
    """
    points = last_per_step(points)
    if not points:
        raise ReadError("no scalar series found", source)
    _summaries(points, notes, meta)
    epoch_key = next((k for k in points if k.lower() in _EPOCH_NAMES and k not in epoch_level), None)
    columns: dict[str, pd.Series] = {k: points.pop(k) for k in list(points) if k in epoch_level}
    present: dict[str, np.ndarray] = {}
    if columns:
        frame, mask = union_frame(columns)
        epochs = frame.index.to_numpy(dtype=np.int64)
        cols = {k: frame[k].to_numpy() for k in frame.columns}
        present = {k: mask[k].to_numpy() for k in mask.columns}
    else:
        epochs, cols = None, {}
    if not points:
        return History.build(cols, epochs=epochs, zero_based=zero_based_epochs, source=source, fmt=fmt,
                             notes=notes, meta=meta, present=present)
    if epoch_key is not None:
        ep = points.pop(epoch_key)
        ep = ep[np.isfinite(ep.to_numpy(dtype=float))]
        steps, step_mask = union_frame(points) if points else (pd.DataFrame(), None)
        if steps.empty:
            raise ReadError("only an 'epoch' series, no metrics", source)
        at = np.searchsorted(ep.index.to_numpy(), steps.index.to_numpy(), side="left")
        at = np.minimum(at, len(ep) - 1)
        step_epochs = epoch_numbers(ep.to_numpy())[at]
        notes.append(f"steps mapped to epochs by the logged '{epoch_key}' series")
        return _build(cols, present, epochs, zero_based_epochs, steps, step_mask, step_epochs, source, fmt,
                      notes, meta)
    all_steps = np.unique(np.concatenate([v.index.to_numpy(dtype=float) for v in points.values()]))
    counts_epochs = (not cols and len(all_steps) > 0 and np.all(all_steps == np.round(all_steps))
                     and (len(all_steps) == 1 or np.all(np.diff(all_steps) == 1)))
    if counts_epochs:
        frame, mask = union_frame(points)
        zero = bool(all_steps[0] == 0)
        notes.append(f"steps {int(all_steps[0])}..{int(all_steps[-1])} count epochs"
                     + (" from 0" if zero else ""))
        return History.build({k: frame[k].to_numpy() for k in frame.columns},
                             epochs=frame.index.to_numpy(dtype=np.int64), zero_based=zero, source=source,
                             fmt=fmt, notes=notes, meta=meta,
                             present={k: mask[k].to_numpy() for k in mask.columns})
    steps, step_mask = union_frame(points)
    if cols:
        # Keras writes batch_* series by batch next to epoch_* series by epoch: no mapping between them.
        notes.append(f"{len(steps.columns)} series logged by batch step kept as step series only")
        h = History.build(cols, epochs=epochs, zero_based=zero_based_epochs, source=source, fmt=fmt,
                          notes=notes, meta=meta, present=present)
        h.steps, h.step_present = _canonical_steps(steps, step_mask)
        return h
    rank = np.searchsorted(all_steps, steps.index.to_numpy(dtype=float)) + 1
    notes.append(f"steps ({_few(all_steps)}) are not epochs and no epoch is recorded: row N of the "
                 "epoch table is the N-th logged step (plot --x step shows the steps)")
    meta["x"] = "step"
    return _build(cols, present, epochs, zero_based_epochs, steps, step_mask, rank, source, fmt, notes, meta)


def last_per_step(points: dict[str, pd.Series]) -> dict[str, pd.Series]:
    """Each series sorted by step, the last value logged at a step winning (a resumed run logs
    steps again), empty ones dropped: for all series in one sort rather than a groupby per series,
    which costs milliseconds each and minutes for ten thousand metric keys."""
    pairs = {k: (v.index.to_numpy(), v.to_numpy(dtype=float)) if isinstance(v, pd.Series) else v
             for k, v in points.items()}
    keys = [k for k, (_, v) in pairs.items() if len(v)]
    if not keys:
        return {}
    lengths = np.array([len(pairs[k][1]) for k in keys])
    steps = np.concatenate([np.asarray(pairs[k][0], dtype=float) for k in keys])
    values = np.concatenate([np.asarray(pairs[k][1], dtype=float) for k in keys])
    code = np.repeat(np.arange(len(keys)), lengths)
    order = np.lexsort((np.arange(len(code)), steps, code))  # by key, step, then logging order
    code, steps, values = code[order], steps[order], values[order]
    last = np.ones(len(code), dtype=bool)
    last[:-1] = (code[1:] != code[:-1]) | (steps[1:] != steps[:-1])
    code, steps, values = code[last], steps[last], values[last]
    bounds = np.searchsorted(code, np.arange(len(keys) + 1))
    out = {}
    for i, k in enumerate(keys):
        dtype = np.asarray(pairs[k][0]).dtype
        index = steps[bounds[i]:bounds[i + 1]]
        out[k] = pd.Series(values[bounds[i]:bounds[i + 1]],
                           index=index.astype(dtype) if dtype.kind in "iuf" else index, dtype=float)
    return out


def _build(cols, present, epochs, zero_based, steps, step_mask, step_epochs, source, fmt, notes, meta) -> History:
    """``step_epochs`` are 1-based here; History.build numbers them like ``epochs``."""
    step_epochs = np.asarray(step_epochs, dtype=float) - (1 if zero_based else 0)
    return History.build(cols, epochs=epochs, zero_based=zero_based, source=source, fmt=fmt, notes=notes,
                         steps=steps, step_epochs=step_epochs, meta=meta, present=present,
                         step_present=step_mask)


def _canonical_steps(steps: pd.DataFrame, mask: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    empty = pd.DataFrame()
    _, _, out, out_mask, _ = merge_steps(empty, empty, steps, mask, None, False, {}, [])
    return out, out_mask


def _summaries(points: dict[str, pd.Series], notes: list[str], meta: dict) -> None:
    """A value logged once where other series hold many is a run summary (``final accuracy``,
    ``train_runtime``): kept in meta, not drawn as a one-point curve."""
    longest = max(len(v) for v in points.values())
    if longest < 3:
        return
    for key in [k for k, v in points.items() if len(v) == 1 and k.lower() not in _EPOCH_NAMES]:
        value = float(points.pop(key).iloc[0])
        meta.setdefault("scalars", {})[key] = value
        notes.append(f"'{key}' is logged once ({value:.6g}): a run summary, kept in meta")


def _few(steps: np.ndarray) -> str:
    shown = ", ".join(str(int(s)) if float(s).is_integer() else f"{s:g}" for s in steps[:3])
    return shown + (", ..." if len(steps) > 3 else "")
