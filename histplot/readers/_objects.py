"""Turn the Python objects a history is saved as (dict of lists, per-epoch records, nested
split dicts, tuples of lists) into equally long columns for ``History.build``.

JSON, pickle, ``torch.save`` and YAML readers all decode to such objects; the layout rules
(``validation_freq`` placement, explicit epoch lists, run wrappers) are applied here once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ReadError
from ..history import History, object_array, to_float
from ..naming import SPLIT_WORDS, SPLITS, column_name, parse_name
from . import _budget, segments
from ._arrays import CLASS_KEYS, class_names, is_array_value, is_matrix_name, is_single_matrix, split_arrays
from ._scalars import epoch_numbers

_EPOCH_KEYS = ("epoch", "epochs")
_STEP_KEYS = ("step", "steps", "global_step", "iteration", "iter")


@dataclass
class Columns:
    """What a reader hands to ``History.build``."""

    columns: dict[str, np.ndarray]
    epochs: np.ndarray | None = None
    zero_based: bool = False
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)  # per-row lists: matrices, samples


def from_object(obj: Any, source: str | None, *, validation_freq: int | None = None) -> Columns:
    """Columns from a decoded history object, whatever its common layout."""
    notes: list[str] = []
    meta: dict[str, Any] = {}
    obj = _unwrap_runs(obj, notes, meta)
    obj = _nested_history(obj, notes, meta)
    if isinstance(obj, dict):
        obj = _take_classes(obj, meta)
        series = _flatten_dict(obj, notes, meta)
    elif _is_records(obj):
        series = _records_to_lists(obj)
    elif isinstance(obj, (list, tuple, np.ndarray)) and len(obj) and all(_is_sequence(v) for v in obj):
        series = _parallel_lists(obj, notes)
    elif isinstance(obj, (list, tuple, np.ndarray)) and len(obj) and all(_is_scalar(v) for v in obj):
        series = {"loss": list(obj)}
        notes.append("a bare list of numbers: read as the training loss")
    else:
        raise ReadError(f"not a training history (a {type(obj).__name__} of no known layout)", source)
    if not series:
        raise ReadError("not a training history: no per-epoch lists found", source)
    return _align(series, source, validation_freq, notes, meta)


def _take_classes(obj: dict, meta: dict) -> dict:
    """A ``classes``/``labels`` list of names beside the series names the confusion matrix's classes."""
    for key in obj:
        if str(key).lower() in CLASS_KEYS:
            names = class_names(obj[key])
            if names is not None:
                meta["classes"] = names
                return {k: v for k, v in obj.items() if k != key}
    return obj


def _is_scalar(v: Any) -> bool:
    if isinstance(v, np.ndarray):
        return v.ndim == 0
    return v is None or isinstance(v, (int, float, str, np.generic))


def _is_sequence(v: Any) -> bool:
    return isinstance(v, (list, tuple)) or (isinstance(v, np.ndarray) and v.ndim >= 1)


def _is_records(obj: Any) -> bool:
    return isinstance(obj, (list, tuple)) and len(obj) > 0 and all(isinstance(r, dict) for r in obj)


def _unwrap_runs(obj: Any, notes: list[str], meta: dict) -> Any:
    """``{"0": {"acc": [...]}}`` wraps one run under an id: unwrap it and keep the id as the label.
    ``[{"loss": [...], ...}]`` (a list or tuple holding one history dict of lists) is unwrapped too; a
    pickled Keras ``History`` object gives its ``history`` dict, with ``epoch`` and ``params`` in meta."""
    if hasattr(obj, "keras_history"):
        obj, extra = obj.keras_history()
        meta.update(extra)
        notes.append("a pickled Keras History object: read its history dict as data (no keras code run)")
    if (
        isinstance(obj, (list, tuple))
        and len(obj) == 1
        and isinstance(obj[0], dict)
        and obj[0]
        and all(_is_sequence(v) for v in obj[0].values())
    ):
        notes.append(f"a {type(obj).__name__} wrapping one history dict: unwrapped")
        obj = obj[0]
    while (
        isinstance(obj, dict)
        and len(obj) == 1
        and isinstance(next(iter(obj.values())), dict)
        and next(iter(obj)).lower() not in SPLIT_WORDS
    ):
        key = next(iter(obj))
        notes.append(f"history nested under key '{key}': unwrapped")
        meta["run"] = str(key)
        obj = obj[key]
    return obj


def _nested_history(obj: Any, notes: list[str], meta: dict) -> Any:
    """``{"config": {...}, "metrics": {...}, "history": {"train_loss": [...]}}``: a results file whose
    only per-epoch lists sit in one section. That section is the history; the single numbers of the
    other sections are kept in meta."""
    if not isinstance(obj, dict) or any(_is_sequence(v) for v in obj.values()):
        return obj
    holders = [
        k for k, v in obj.items() if isinstance(v, dict) and str(k).lower() not in SPLIT_WORDS and _lists_of_numbers(v)
    ]
    if len(holders) != 1 or len(obj) == 1:
        return obj
    key = holders[0]
    for section, value in obj.items():
        if section != key and isinstance(value, dict):
            for k, v in value.items():
                if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
                    meta.setdefault("scalars", {})[f"{section}.{k}"] = float(v)
    notes.append(f"the per-epoch lists are under '{key}': read from there (other sections' numbers kept in meta)")
    return obj[key]


def _lists_of_numbers(section: dict) -> bool:
    """Two or more equally long lists of numbers: per-epoch series (a config's ``image_size: [224, 224]``
    is one list among settings)."""
    lists = [x for x in section.values() if _is_sequence(x)]
    return (
        len(lists) >= 2
        and len({len(x) for x in lists}) == 1
        and len(lists[0]) > 0
        and all(all(_is_scalar(i) for i in x) for x in lists)
    )


def _records_to_lists(records: list[dict]) -> dict[str, list]:
    keys: dict[Any, None] = {}  # insertion-ordered set: first appearance decides the order
    for r in records:
        keys.update(dict.fromkeys(r))
    _budget.charge(len(keys) * len(records), 8, f"{len(records):,} records of {len(keys):,} keys")
    return {str(k): [r.get(k) for r in records] for k in keys}


def _flatten_dict(obj: dict, notes: list[str], meta: dict, prefix: str = "") -> dict[str, Any]:
    """Keep per-epoch lists; flatten split dicts (``{"train": {"loss": [...]}}``); note the rest."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        key = str(key)
        split = SPLIT_WORDS.get(key.lower())
        if isinstance(value, dict):
            if split and not prefix:
                sub = _flatten_dict(value, notes, meta, prefix=f"{key}_")
                out.update(sub)
            else:
                notes.append(f"'{prefix}{key}' is a mapping, not a series: skipped")
        elif _is_records(value) and split and not prefix:
            for k, v in _records_to_lists(value).items():
                if k.lower() in ("phase",):
                    continue
                out[k if k.lower() in _EPOCH_KEYS else f"{key}_{k}"] = v
        elif is_matrix_name(prefix + key) and is_single_matrix(value):
            # One matrix for the whole run (a test set after training), not one per epoch.
            meta.setdefault("final_matrices", {})[prefix + key] = [[float(x) for x in row] for row in value]
            notes.append(f"'{prefix}{key}' is one confusion matrix, not one per epoch: kept in meta (final_matrices)")
        elif _is_sequence(value):
            out[prefix + key] = value
        elif _is_scalar(value) and not isinstance(value, str) and value is not None:
            meta.setdefault("scalars", {})[prefix + key] = float(np.asarray(value, dtype=float))
            notes.append(f"'{prefix}{key}' is a single value ({value:.6g}), not a series: kept in meta")
        else:
            notes.append(f"'{prefix}{key}' is not a series: skipped")
    # {"train": [records], "val": [records]} yields one epoch list per split; keep one.
    return out


def _parallel_lists(obj: Any, notes: list[str]) -> dict[str, Any]:
    rows = list(obj)
    _budget.charge(sum(_cells(r) for r in rows), 8, f"{len(rows):,} unnamed series")
    if all(len(r) == len(rows[0]) for r in rows) and len(rows) > len(rows[0]) and len(rows[0]) <= 8:
        # Many short tuples (e.g. per-batch (d_loss, g_loss)): rows, not columns.
        cols = list(zip(*rows))
    else:
        cols = rows
    notes.append(f"{len(cols)} unnamed series: named series_1..series_{len(cols)}")
    return {f"series_{i + 1}": list(c) for i, c in enumerate(cols)}


def _values(v: Any) -> list | np.ndarray:
    if isinstance(v, np.ndarray):
        if v.ndim == 1 and v.dtype.kind in "fiub":
            return v.astype(np.float64)  # numbers already: no per-element Python objects
        if v.ndim > 1:
            return [row for row in v]
        return list(v)
    return list(v)


def _cells(v: Any) -> int:
    if isinstance(v, np.ndarray):
        return _budget.viewed_elements(v.shape)
    return len(v)


def _align(
    series: dict[str, Any], source: str | None, validation_freq: int | None, notes: list[str], meta: dict
) -> Columns:
    # Every key becomes its own column, so a list shared by a thousand keys (a YAML alias, a
    # pickle memo reference) costs a thousand copies: charged per use, before any is made.
    _budget.charge(sum(_cells(v) for v in series.values()), 8, f"{len(series):,} series")
    series = {k: _values(v) for k, v in series.items()}
    epochs = None
    zero_based = False
    for key in list(series):
        if key.lower() in _EPOCH_KEYS:
            epochs = series.pop(key)
        elif key.lower() in _STEP_KEYS:
            meta["steps_of_rows"] = series.pop(key)
    for key in [k for k, v in series.items() if len(v) == 0]:
        notes.append(f"'{key}' is an empty list: skipped")
        del series[key]
    if not series:
        raise ReadError("not a training history: every list is empty", source)
    _per_batch(series, notes, meta)
    n = max(len(v) for v in series.values())
    columns: dict[str, np.ndarray] = {}
    train_lengths = {parse_name(k)[1]: len(v) for k, v in series.items() if parse_name(k)[0] == "train"}
    for key, values in series.items():
        split, base = parse_name(key)
        # A held-out list as long as its training twin is a phase of its own (Keras multi-output
        # `fine_tune_val_accuracy` next to `fine_tune_accuracy`), not a sparse validation; a shorter list
        # is placed on its epochs, and the epochs it has no value for are missing (None).
        phase = split in ("val", "test") and train_lengths.get(base) == len(values)
        columns[key] = _place(key, values, n, source, None if phase else validation_freq, notes, phase)
    arrays = {k: columns.pop(k) for k in list(columns) if any(is_array_value(v) for v in columns[k])}
    if epochs is not None:
        try:
            ep = np.asarray([float(e) for e in epochs], dtype=float)
        except (TypeError, ValueError):
            ep = None
        if (
            ep is not None
            and len(ep) == n
            and np.all(np.isfinite(ep))
            and np.all(ep == np.round(ep))
            and len(np.unique(ep)) < n
            and "steps_of_rows" not in meta
        ):
            # concatenated histories (a restarted or resumed fit appended): the shared segments rule
            rows, warns, more, segs = segments.pick(ep, None, source, shift=1 if ep.min() == 0 else 0)
            notes.extend(warns + more)
            meta["warnings"] = warns
            meta["runs"] = segs
            columns = {k: v[rows] for k, v in columns.items()}
            ep = ep[rows]
            n = len(ep)
        if (
            ep is not None
            and len(ep) == n
            and np.all(np.isfinite(ep))
            and np.all(ep == np.round(ep))
            and len(np.unique(ep)) == n
        ):
            zero_based = bool(ep[0] == 0)
            epochs = ep.astype(np.int64)
        elif "steps_of_rows" in meta and ep is not None and len(ep) == n:
            meta["epochs_of_rows"] = ep  # one row per step: build_history maps steps to epochs
            epochs = None
        else:
            notes.append("the 'epoch' list is not a clean epoch count: rows numbered 1..n instead")
            epochs = None
    return Columns(columns, epochs, zero_based, notes, meta, arrays)


# names a per-batch list goes by: batch_losses, train_loss_step, iter_loss, iteration_losses
_PER_BATCH = re.compile(r"^(batch|iter)|_(step|steps|batch|batches|iter|iters)$", re.I)
_STEPS_PER_EPOCH = ("steps_per_epoch", "batches_per_epoch", "iters_per_epoch", "num_batches")


def _per_batch(series: dict[str, list], notes: list[str], meta: dict) -> None:
    """Per-batch lists (``batch_losses``: one value per step) beside per-epoch lists are step series,
    never epochs. They are mapped to epochs only where the file says how: a ``steps_per_epoch`` value
    that matches, or a length that is an exact multiple of the epoch count."""
    per_epoch = [len(v) for k, v in series.items() if not _PER_BATCH.search(k)]
    if not per_epoch:
        return
    n = max(per_epoch)
    batch = [k for k, v in series.items() if _PER_BATCH.search(k) and len(v) > n]
    if not batch:
        return
    scalars = meta.get("scalars", {})
    given = next((int(scalars[k]) for k in _STEPS_PER_EPOCH if k in scalars and float(scalars[k]).is_integer()), None)
    for key in batch:
        values = series.pop(key)
        m = len(values)
        k = given if given and m == given * n else (m // n if m % n == 0 else None)
        meta.setdefault("step_series", {})[key] = (values, k)
        how = (
            f"{k} per epoch ({'steps_per_epoch' if k == given else 'an exact multiple of the epoch count'})"
            if k
            else "not mapped to epochs (its length is no multiple of the epoch count)"
        )
        notes.append(f"'{key}' has {m} values, one per batch: a step series, {how}")


def _place(
    key: str,
    values: list,
    n: int,
    source: str | None,
    validation_freq: int | None,
    notes: list[str],
    phase: bool = False,
) -> np.ndarray:
    """A list as n per-epoch values: held-out lists of a validation_freq run land on their epochs."""
    if not isinstance(values, np.ndarray):
        values = [_item(v) for v in values]
    if len(values) == n:
        return _numbers(values)
    out = np.full(n, None, dtype=object)
    split = parse_name(key)[0]
    if split in ("val", "test") and not phase:
        k = validation_freq
        if k is None:
            if n % len(values):
                raise ReadError(
                    f"'{key}' has {len(values)} values for {n} epochs, which is no regular "
                    "validation_freq: say which epochs were validated with --validation-freq K",
                    source,
                )
            k = n // len(values)
        if len(values) * k > n:
            raise ReadError(
                f"'{key}' has {len(values)} values, too many for {n} epochs with --validation-freq {k}",
                source,
            )
        for i, v in enumerate(values):
            out[k - 1 + i * k] = v
        notes.append(f"'{key}' has {len(values)} values for {n} epochs: placed every {k} epochs")
    else:
        for i, v in enumerate(values):
            out[i] = v
        notes.append(f"'{key}' has {len(values)} values for {n} epochs: placed at epochs 1-{len(values)}")
    return out


def _numbers(values: list | np.ndarray) -> np.ndarray:
    """float64 when every value is a plain number (converted in C, not cell by cell), else the
    values as they are, for ``History.build`` to judge."""
    if isinstance(values, np.ndarray):
        return values
    if all(type(v) is float or type(v) is int for v in values):
        try:
            return np.asarray(values, dtype=np.float64)
        except OverflowError:  # an integer past float range
            pass
    return object_array(values)


def _item(v: Any) -> Any:
    """A numpy scalar or 0-d array as a plain number; anything else as it is."""
    if isinstance(v, np.ndarray) and v.size == 1 and v.ndim <= 1:  # tensor(0.5) or tensor([0.5])
        return v.reshape(()).item()
    if isinstance(v, np.generic):
        return v.item()
    return v


def _matrix_accuracy(cols: Columns) -> None:
    """A file that holds only confusion matrices (a callback's dump of torchmetrics' ConfusionMatrix
    per epoch): each split's accuracy, the share of its matrix on the diagonal, becomes its curve, so
    that the run has a series to show and diagnose; every other metric is derived from the matrices."""
    n = max(len(v) for v in cols.arrays.values())
    rows = np.arange(1, n + 1) if cols.epochs is None else np.asarray(cols.epochs)
    matrices, _ = split_arrays(cols.arrays, rows, [])
    for split, m in matrices.items():
        at = {int(e): c for e, c in zip(m.epochs, m.counts)}
        values = [
            float(np.trace(at[int(e)]) / at[int(e)].sum()) if int(e) in at and at[int(e)].sum() else None for e in rows
        ]
        name = column_name(split, "accuracy")
        cols.columns[name] = object_array(values)
        cols.notes.append(f"only confusion matrices in the file: {name} is their diagonal share")


def build_history(
    cols: Columns,
    *,
    source: str | None,
    fmt: str,
    final: dict | None = None,
    final_where: str | None = None,
    split_evidence: dict[str, str] | None = None,
) -> History:
    """``History.build`` for decoded objects; rows that carry a step (``step``, ``iteration``)
    become step series, mapped to epochs by an ``epoch`` field when there is one."""
    steps = _row_steps(cols)
    if steps is None and "step_series" in cols.meta:
        return _with_batches(cols, source, fmt, final, final_where)
    if steps is None:
        if cols.arrays and not cols.columns:
            _matrix_accuracy(cols)
        h = History.build(
            cols.columns,
            epochs=cols.epochs,
            zero_based=cols.zero_based,
            source=source,
            fmt=fmt,
            notes=cols.notes,
            meta=cols.meta,
            final=final,
            final_where=final_where,
            split_evidence=split_evidence,
        )
        if cols.arrays:
            h.matrices, h.distributions = split_arrays(
                cols.arrays, h.frame.index.to_numpy(), h.notes, classes=h.meta.get("classes")
            )
        return h
    if cols.arrays:
        cols.notes.append(f"per-step arrays ({', '.join(list(cols.arrays)[:3])}) are not read: no epoch clock")
    meta = {k: v for k, v in cols.meta.items() if k not in ("steps_of_rows", "epochs_of_rows")}
    values, written = {}, {}
    for key, column in cols.columns.items():
        converted = to_float(key, column, source, cols.notes)
        if converted is not None:
            values[key], written[key] = converted
    frame = pd.DataFrame(values, index=steps)
    present = pd.DataFrame(written, index=steps)
    raw_epochs = cols.meta.get("epochs_of_rows")
    if raw_epochs is not None:
        step_epochs = epoch_numbers(raw_epochs)
        cols.notes.append("one row per logged step: steps mapped to epochs by the 'epoch' field")
    else:
        step_epochs = np.searchsorted(np.unique(steps), steps) + 1
        shown = ", ".join(f"{s:g}" for s in steps[:3])
        cols.notes.append(
            f"rows are logged at steps {shown}, ... with no epoch: row N of the epoch "
            "table is the N-th logged step (plot --x step shows the steps)"
        )
        meta["x"] = "step"
    return History.build(
        {},
        source=source,
        fmt=fmt,
        notes=cols.notes,
        steps=frame,
        step_epochs=step_epochs,
        meta=meta,
        step_present=present,
        final=final,
        final_where=final_where,
        split_evidence=split_evidence,
    )


def _with_batches(cols: Columns, source: str | None, fmt: str, final: dict | None, final_where: str | None) -> History:
    """Epoch columns plus per-batch series on a global step counted from 1."""
    meta = {k: v for k, v in cols.meta.items() if k != "step_series"}
    frames, step_epochs = [], None
    batches = cols.meta["step_series"]
    mapped = {k for k, (_, per) in batches.items() if per}
    for key, (values, _) in batches.items():
        s = pd.Series([_item(v) for v in values], index=np.arange(1, len(values) + 1, dtype=np.int64), name=key)
        frames.append(pd.to_numeric(s, errors="coerce"))
    steps = pd.concat(frames, axis=1)
    if len(mapped) == len(batches) and len({per for _, per in batches.values()}) == 1:
        per = next(iter(batches.values()))[1]
        first = int(cols.epochs[0]) if cols.epochs is not None and len(cols.epochs) else (0 if cols.zero_based else 1)
        step_epochs = (np.arange(len(steps)) // per) + first
    h = History.build(
        cols.columns,
        epochs=cols.epochs,
        zero_based=cols.zero_based,
        source=source,
        fmt=fmt,
        notes=cols.notes,
        meta=meta,
        steps=steps,
        step_epochs=step_epochs,
        final=final,
        final_where=final_where,
    )
    return h


def _row_steps(cols: Columns) -> np.ndarray | None:
    raw = cols.meta.get("steps_of_rows")
    if raw is None or cols.epochs is not None:
        return None
    try:
        steps = np.asarray([float(s) for s in raw], dtype=float)
    except (TypeError, ValueError):
        return None
    n = len(next(iter(cols.columns.values()), []))
    if len(steps) != n or not np.all(np.isfinite(steps)) or np.any(np.diff(steps) < 0):
        return None
    return steps


__all__ = ["Columns", "from_object", "build_history", "SPLITS"]
