"""``convert``: the normalised frame as CSV or JSON, for other tools."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pandas as pd

from .errors import HistplotError
from .history import History
from .output import atomic_write, refuse_input_overwrite
from .readers.memory import as_history

CONVERT_FORMATS = ("csv", "json")


def to_text(history: History, fmt: str = "csv") -> str:
    """The frame with its 1-based ``epoch`` index, every number at full precision.

    A missing value is an empty cell (CSV) or null (JSON); a logged NaN/inf is the text ``nan``,
    ``inf`` or ``-inf``, in JSON as a string, since JSON has no NaN and histplot reads those strings
    back as logged values. Reading the output back gives the same ``frame`` and ``present``.
    """
    frame = history.frame
    present = history.present.to_numpy(dtype=bool)
    cells = [[_cell(v, p) for v, p in zip(row, prow)] for row, prow in zip(frame.to_numpy(dtype=float), present)]
    if fmt == "csv":
        table = pd.DataFrame(cells, index=frame.index, columns=frame.columns)
        return table.to_csv(lineterminator="\n")
    if fmt == "json":
        records = []
        for epoch, row in zip(frame.index, cells):
            rec = {"epoch": int(epoch)}
            for col, v in zip(frame.columns, row):
                rec[col] = None if v == "" else (float(v) if math.isfinite(float(v)) else v)
            records.append(rec)
        return json.dumps(records, indent=1) + "\n"
    raise HistplotError(f"unknown output format '{fmt}'; choose one of {', '.join(CONVERT_FORMATS)}")


def _cell(value: float, written: bool) -> str:
    """One cell as text: "" when missing, else the shortest text that reads back as the same float."""
    if not written:
        return ""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(float(value))


def convert(history: History, output: str | os.PathLike | None = None, *, format: str | None = None) -> str | Path:
    """Write the normalised frame to ``output`` (format from its suffix), or return it as text."""
    history = as_history(history)
    if output is None:
        return to_text(history, format or "csv")
    path = Path(output)
    fmt = format or path.suffix.lower().lstrip(".") or "csv"
    if fmt not in CONVERT_FORMATS:
        raise HistplotError(f"cannot tell the output format from '{path.name}'; use .csv or .json or --format", path)
    source = history.meta.get("source")
    refuse_input_overwrite([path], [source] if source else [])
    text = to_text(history, fmt)
    with atomic_write(path, "w") as fh:
        fh.write(text)
    return path
