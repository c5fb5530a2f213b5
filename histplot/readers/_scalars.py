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
from ..naming import clean_name, column_name, parse_name
from ..steps import merge_steps, union_frame

# Lightning's TensorBoardLogger logs ``epoch``; Hugging Face's TensorBoardCallback ``train/epoch``
_EPOCH_NAMES = ("epoch", "epochs", "train/epoch")


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


def assemble(
    points: dict[str, pd.Series | tuple[np.ndarray, np.ndarray]],
    *,
    source: str | None,
    fmt: str,
    notes: list[str],
    meta: dict[str, Any],
    epoch_level: set[str] = frozenset(),
    zero_based_epochs: bool = False,
    walls: pd.Series | None = None,
) -> History:
    """A History from ``points`` (name -> values indexed by step, or a (steps, values) pair).

    ``epoch_level`` names series whose steps are known to be epochs (Keras ``epoch_*`` tags,
    0-based when ``zero_based_epochs``); the others are classified as the module says.
    ``walls`` gives the wall-clock time (seconds) of each step, where the store records it.
    """
    if walls is not None and len(walls):
        meta["_walls"] = walls
    points = {
        k: v if isinstance(v, pd.Series) else pd.Series(v[1], index=v[0], dtype=float)
        for k, v in points.items()
        if len(v) and len(v[1] if isinstance(v, tuple) else v)
    }
    if not points:
        raise ReadError("no scalar series found", source)
    final, where = _final_points(points)  # before the last value per step is taken: it looks for repeats
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
    meta["final_points"] = (final, where)
    meta["_step_shift"] = -1 if zero_based_epochs else 0

    def epoch_table() -> History:
        return History.build(
            cols,
            epochs=epochs,
            zero_based=zero_based_epochs,
            source=source,
            fmt=fmt,
            notes=notes,
            meta=meta,
            present=present,
        )

    if not points:
        return _with_final(epoch_table())
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
        return _with_final(
            _build(cols, present, epochs, zero_based_epochs, steps, step_mask, step_epochs, source, fmt, notes, meta)
        )
    all_steps = np.unique(np.concatenate([v.index.to_numpy(dtype=float) for v in points.values()]))
    counts_epochs = (
        not cols
        and len(all_steps) > 0
        and np.all(all_steps == np.round(all_steps))
        and (len(all_steps) == 1 or np.all(np.diff(all_steps) == 1))
    )
    if counts_epochs:
        frame, mask = union_frame(points)
        zero = bool(all_steps[0] == 0)
        meta["_step_shift"] = -1 if zero else 0
        notes.append(f"steps {int(all_steps[0])}..{int(all_steps[-1])} count epochs" + (" from 0" if zero else ""))
        return _with_final(
            History.build(
                {k: frame[k].to_numpy() for k in frame.columns},
                epochs=frame.index.to_numpy(dtype=np.int64),
                zero_based=zero,
                source=source,
                fmt=fmt,
                notes=notes,
                meta=meta,
                present={k: mask[k].to_numpy() for k in mask.columns},
            )
        )
    steps, step_mask = union_frame(points)
    if cols:
        # Keras writes batch_* series by batch next to epoch_* series by epoch: no mapping between them.
        notes.append(f"{len(steps.columns)} series logged by batch step kept as step series only")
        h = epoch_table()
        h.steps, h.step_present = _canonical_steps(steps, step_mask)
        return _with_final(h)
    rank = np.searchsorted(all_steps, steps.index.to_numpy(dtype=float)) + 1
    notes.append(
        f"steps ({_few(all_steps)}) are not epochs and no epoch is recorded: row N of the "
        "epoch table is the N-th logged step (plot --x step shows the steps)"
    )
    meta["x"] = "step"
    return _with_final(
        _build(cols, present, epochs, zero_based_epochs, steps, step_mask, rank, source, fmt, notes, meta)
    )


def _final_points(points: dict[str, pd.Series]) -> tuple[dict[str, float], str | None]:
    """Evaluations logged once more after training, removed from their series (FRAMEWORK_NAMES 5, 7):
    - a series whose last step is logged twice while no other step repeats (older Ultralytics writes
      the best-model validation again at the last epoch's step);
    - sparse series (evaluations) whose last point lies past the last step of every dense series
      (detectron2's evaluation at ``max_iter``; current Ultralytics at step ``epochs + 1``).
    """
    final: dict[str, float] = {}
    where = None
    for key, v in points.items():
        idx = v.index.to_numpy()
        if len(idx) >= 3 and idx[-1] == idx[-2] and len(np.unique(idx)) == len(idx) - 1:
            final[key] = float(v.iloc[-1])
            points[key] = v.iloc[:-1]
            where = f"a second point at the last step ({_few(idx[-1:])}), written after training"
    if final:
        return final, where
    ends = {k: float(v.index.max()) for k, v in points.items()}
    top = max(ends.values())
    past = [k for k, e in ends.items() if e == top]
    others_end_before = all(e == top - 1 for k, e in ends.items() if k not in past)
    # only evaluation series: a training series one step past its validation is simply the run's end
    held_out = all(parse_name(clean_name(k))[0] in ("val", "test") for k in past)
    if len(past) < len(points) and others_end_before and held_out and all(len(points[k]) >= 3 for k in past):
        # current Ultralytics: the best-model validation at step epochs + 1, one past every other series
        for k in past:
            final[k] = float(points[k].iloc[-1])
            points[k] = points[k].iloc[:-1]
        where = f"step {_few(np.array([top]))}, one past the last step of every other series, written after training"
        return final, where
    # Lightning's trainer.test()/validate() after fit(): held-out values logged once, at the final
    # global step, after every series that has a curve (FRAMEWORK_NAMES 3, summary rows)
    curves_end = max((float(v.index.max()) for v in points.values() if len(v) > 1), default=None)
    once = [k for k, v in points.items() if len(v) == 1 and parse_name(clean_name(k))[0] in ("val", "test")]
    late = [k for k in once if curves_end is not None and float(points[k].index[0]) >= curves_end]
    if late:
        step = float(points[late[0]].index[0])
        for k in late:
            final[k] = float(points.pop(k).iloc[0])
        return final, f"step {_few(np.array([step]))}: evaluated once after training (test() or validate() after fit)"
    longest = max(len(v) for v in points.values())
    dense = [v for v in points.values() if len(v) > longest / 2]
    sparse = [k for k, v in points.items() if len(v) <= longest / 2 and len(v) >= 1]
    if not dense or not sparse or len(dense) == len(points):
        return final, where
    end = max(float(v.index.max()) for v in dense)
    late = [k for k in sparse if float(points[k].index.max()) > end]
    if late and len(late) == len(sparse):
        step = float(points[late[0]].index.max())
        for k in late:
            final[k] = float(points[k].iloc[-1])
            points[k] = points[k].iloc[:-1]
        where = f"step {_few(np.array([step]))}, after the last training step ({_few(np.array([end]))})"
    return final, where


def _attach_time(h: History) -> None:
    """Elapsed wall-clock seconds per step and per epoch (an epoch at the time of its last step)."""
    walls = h.meta.pop("_walls", None)
    shift = h.meta.pop("_step_shift", 0)
    if walls is None:
        return
    walls = walls.groupby(level=0).max().sort_index()
    elapsed = walls - walls.min()
    if h.steps is not None:
        at = elapsed.reindex(h.steps.index).dropna()
        h.meta["step_time"] = {_key(k): float(v) for k, v in at.items()}
    epoch_steps = h.meta.get("epoch_steps")
    if epoch_steps:
        pairs = {e: elapsed.get(s) for e, s in epoch_steps.items()}
    else:
        pairs = {int(e): elapsed.get(int(e) + shift) for e in h.frame.index}
    h.meta["time"] = {int(e): float(v) for e, v in pairs.items() if v is not None and np.isfinite(v)}


def _key(k: Any) -> int | float:
    f = float(k)
    return int(f) if f.is_integer() else f


def _with_final(h: History) -> History:
    _attach_time(h)
    final, where = h.meta.pop("final_points", ({}, None))
    if final:
        values = {}
        for raw, v in final.items():
            name = column_name(*parse_name(clean_name(raw)))
            values[name] = v
            h.meta.setdefault("original_names", {}).setdefault(name, raw)
        h.meta["final"] = values
        h.meta["final_eval"] = {"where": where, "series": list(values)}
        h.notes.append(f"final evaluation ({where}): {', '.join(values)} kept apart, not an epoch")
    return h


def last_per_step(points: dict[str, pd.Series]) -> dict[str, pd.Series]:
    """Each series sorted by step, the last value logged at a step winning (a resumed run logs
    steps again), empty ones dropped: for all series in one sort rather than a groupby per series,
    which costs milliseconds each and minutes for ten thousand metric keys."""
    pairs = {
        k: (v.index.to_numpy(), v.to_numpy(dtype=float)) if isinstance(v, pd.Series) else v for k, v in points.items()
    }
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
        index = steps[bounds[i] : bounds[i + 1]]
        out[k] = pd.Series(
            values[bounds[i] : bounds[i + 1]], index=index.astype(dtype) if dtype.kind in "iuf" else index, dtype=float
        )
    return out


def _build(cols, present, epochs, zero_based, steps, step_mask, step_epochs, source, fmt, notes, meta) -> History:
    """``step_epochs`` are 1-based here; History.build numbers them like ``epochs``."""
    step_epochs = np.asarray(step_epochs, dtype=float) - (1 if zero_based else 0)
    return History.build(
        cols,
        epochs=epochs,
        zero_based=zero_based,
        source=source,
        fmt=fmt,
        notes=notes,
        steps=steps,
        step_epochs=step_epochs,
        meta=meta,
        present=present,
        step_present=step_mask,
    )


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
