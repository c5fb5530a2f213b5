"""``convert``: the normalised frame as CSV or JSON, for other tools."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from .errors import HistplotError
from .history import History
from .output import atomic_write, refuse_input_overwrite
from .readers.memory import as_history

CONVERT_FORMATS = ("csv", "json")


def to_text(history: History, fmt: str = "csv") -> str:
    """The frame with its 1-based ``epoch`` index: CSV (empty cells for missing) or JSON records."""
    frame = history.frame
    if fmt == "csv":
        return frame.to_csv(lineterminator="\n", float_format="%.10g")
    if fmt == "json":
        records = []
        for epoch, row in frame.iterrows():
            rec = {"epoch": int(epoch)}
            for col, v in row.items():
                rec[col] = None if math.isnan(v) else (str(v) if math.isinf(v) else float(v))
            records.append(rec)
        return json.dumps(records, indent=1) + "\n"
    raise HistplotError(f"unknown output format '{fmt}'; choose one of {', '.join(CONVERT_FORMATS)}")


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
