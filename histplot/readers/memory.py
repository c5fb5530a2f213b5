"""Histories that are already in memory: what a notebook user has at hand after training.

``as_history`` accepts a ``History``, a dict of lists (Keras ``history.history``), a Keras
``History`` callback (duck-typed: a ``.history`` dict and an ``.epoch`` list; Keras is never
imported), a list of per-epoch dicts, a pandas DataFrame and a ``histplot.Live`` (duck-typed: its
``.history`` is a History). Anything else is one ``HistplotError`` line, never a raw TypeError.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import HistplotError, ReadError
from ..history import History
from ._objects import build_history, from_object

FORMAT = "object"
ACCEPTED = "a file path, a dict of lists, a Keras History, a list of per-epoch dicts, a DataFrame or a Live"


def is_in_memory(obj: Any) -> bool:
    """Whether ``obj`` is a history object rather than a path or an open file."""
    import os

    return not isinstance(obj, (str, bytes, os.PathLike)) and not hasattr(obj, "read")


def as_history(obj: Any, *, label: str | None = None) -> History:
    """``obj`` as a History (a History is returned as it is)."""
    if isinstance(obj, History):
        return obj
    inner = getattr(obj, "history", None)
    if isinstance(inner, History):  # histplot.Live
        return inner
    if inner is None and type(obj).__name__ == "Live" and hasattr(obj, "update"):
        raise HistplotError("this Live has no epochs yet: call live.update(...) first")
    if isinstance(inner, Mapping) and not isinstance(obj, Mapping):  # keras.callbacks.History
        return _from_keras(obj, inner, label)
    if isinstance(obj, pd.DataFrame):
        return _from_frame(obj, label)
    if isinstance(obj, Mapping):
        return _build(obj, label)
    if isinstance(obj, (list, tuple)) and obj and all(isinstance(r, Mapping) for r in obj):
        return _build([dict(r) for r in obj], label)
    if isinstance(obj, (list, tuple)) and not obj:
        raise HistplotError("an empty list is not a history: it has no epochs")
    raise HistplotError(f"cannot read a history from a {type(obj).__name__}; give {ACCEPTED}")


def _build(obj: Any, label: str | None, epochs: Any = None) -> History:
    try:
        cols = from_object(dict(obj) if isinstance(obj, Mapping) else obj, None)
        if epochs is not None:
            n = len(next(iter(cols.columns.values()), []))
            if len(epochs) == n:
                cols.epochs, cols.zero_based = np.asarray(epochs, dtype=float), True
        h = build_history(cols, source=None, fmt=FORMAT)
    except ReadError as exc:
        raise HistplotError(_not_history(exc.message)) from None
    except (TypeError, ValueError) as exc:
        raise HistplotError(f"not a training history: {exc}") from None
    h.meta["format"] = FORMAT
    if label:
        h.meta["label"] = label
    return h


def _from_keras(obj: Any, history: Mapping, label: str | None) -> History:
    # Keras numbers epochs from 0 in ``.epoch``; after fit(initial_epoch=k) the list starts at k.
    epoch = getattr(obj, "epoch", None)
    epochs = list(epoch) if isinstance(epoch, (list, tuple)) and epoch else None
    return _build(history, label, epochs)


def _from_frame(frame: pd.DataFrame, label: str | None) -> History:
    df = frame.copy()
    epochs = None
    lower = {str(c).lower(): c for c in df.columns}
    if "epoch" in lower:
        epochs = df.pop(lower["epoch"]).to_numpy()
    elif pd.api.types.is_integer_dtype(df.index.dtype) and not isinstance(df.index, pd.RangeIndex):
        epochs = df.index.to_numpy()
    elif isinstance(df.index, pd.RangeIndex) and df.index.start != 0:
        epochs = df.index.to_numpy()  # an index that starts at 1 (or later) is the epoch number
    if df.empty or not len(df.columns):
        raise HistplotError("the DataFrame has no metric columns")
    columns = {str(c): df[c].to_numpy() for c in df.columns}
    # A 0 among the epochs means the numbering counts from 0 (Keras CSVLogger, ``range(n)`` loops).
    zero_based = epochs is not None and len(epochs) > 0 and float(np.nanmin(epochs.astype(float))) == 0
    try:
        h = History.build(columns, epochs=epochs, zero_based=zero_based, fmt=FORMAT, meta={"format": FORMAT})
    except ReadError as exc:
        raise HistplotError(_not_history(exc.message)) from None
    h.meta["format"] = FORMAT
    if label:
        h.meta["label"] = label
    return h


def _not_history(message: str) -> str:
    return message if message.startswith("not a training history") else f"not a training history: {message}"
