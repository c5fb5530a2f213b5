"""``convert``: the normalised frame as CSV or JSON, for other tools."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import HistplotError
from .history import History
from .output import atomic_write, refuse_input_overwrite
from .readers.memory import as_history

CONVERT_FORMATS = ("csv", "json")


LEVELS = ("epoch", "step")


def default_level(history: History) -> str:
    """``step`` for a history with no epoch clock (its epoch rows only number the logged steps),
    else ``epoch``."""
    return "step" if history.meta.get("x") == "step" and history.steps is not None else "epoch"


def to_text(history: History, fmt: str = "csv", *, level: str | None = None) -> str:
    """The frame with its 1-based ``epoch`` index, every number at full precision; with
    ``level="step"`` the step series instead, one row per logged step with its ``epoch`` where the
    source has an epoch clock.

    A missing value is an empty cell (CSV) or null (JSON); a logged NaN/inf is the text ``nan``,
    ``inf`` or ``-inf``, in JSON as a string, since JSON has no NaN and histplot reads those strings
    back as logged values. Reading the output back gives the same ``frame`` and ``present``.
    """
    level = level or default_level(history)
    if level not in LEVELS:
        raise HistplotError(f"unknown level '{level}'; choose one of {', '.join(LEVELS)}")
    if level == "step":
        if history.steps is None or not len(history.steps.columns):
            raise HistplotError("no step-level series in this history: convert it by epoch", history.meta.get("source"))
        frame, mask = history.steps, history.step_present
        leading = {"epoch": _epochs_of_steps(history)} if history.meta.get("epoch_steps") else {}
    else:
        frame, mask, leading = history.frame, history.present, {}
    present = mask.to_numpy(dtype=bool)
    cells = [[_cell(v, p) for v, p in zip(row, prow)] for row, prow in zip(frame.to_numpy(dtype=float), present)]
    index_name = "step" if level == "step" else "epoch"
    if fmt == "csv":
        table = pd.DataFrame(cells, index=frame.index, columns=frame.columns)
        for k, (name, values) in enumerate(leading.items()):
            table.insert(k, name, values)
        table.index.name = index_name
        return table.to_csv(lineterminator="\n")
    if fmt == "json":
        records = []
        for i, (key, row) in enumerate(zip(frame.index, cells)):
            rec = {index_name: _number(key), **{name: int(values[i]) for name, values in leading.items()}}
            for col, v in zip(frame.columns, row):
                rec[col] = None if v == "" else (float(v) if math.isfinite(float(v)) else v)
            records.append(rec)
        return json.dumps(records, indent=1) + "\n"
    raise HistplotError(f"unknown output format '{fmt}'; choose one of {', '.join(CONVERT_FORMATS)}")


def _number(x) -> int | float:
    return int(x) if float(x).is_integer() else float(x)


def _epochs_of_steps(history: History) -> list[int]:
    """Each step's epoch, from the last step of every epoch the reader recorded."""
    ends = sorted((int(e), float(s)) for e, s in history.meta["epoch_steps"].items())
    epochs = np.array([e for e, _ in ends])
    last = np.array([s for _, s in ends])
    at = np.searchsorted(last, history.steps.index.to_numpy(dtype=float), side="left")
    return epochs[np.minimum(at, len(epochs) - 1)].tolist()


def _cell(value: float, written: bool) -> str:
    """One cell as text: "" when missing, else the shortest text that reads back as the same float."""
    if not written:
        return ""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(float(value))


def convert(
    history: History, output: str | os.PathLike | None = None, *, format: str | None = None, level: str | None = None
) -> str | Path:
    """Write the normalised frame (``level="step"``: the step series) to ``output`` (format from its
    suffix), or return it as text."""
    history = as_history(history)
    if output is None:
        return to_text(history, format or "csv", level=level)
    path = Path(output)
    fmt = format or path.suffix.lower().lstrip(".") or "csv"
    if fmt not in CONVERT_FORMATS:
        raise HistplotError(f"cannot tell the output format from '{path.name}'; use .csv or .json or --format", path)
    source = history.meta.get("source")
    refuse_input_overwrite([path], [source] if source else [])
    text = to_text(history, fmt, level=level)
    with atomic_write(path, "w") as fh:
        fh.write(text)
    return path
