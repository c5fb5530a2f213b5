"""Keras ``CSVLogger`` files (``epoch`` column, 0-based; ``NA`` for missing; alphabetical columns),
and other per-epoch CSV tables; without an ``epoch`` column the row number is the epoch."""

from __future__ import annotations

import csv
import io
import re
from typing import BinaryIO

import numpy as np
import pandas as pd

from ..errors import ReadError
from ..history import History
from . import segments
from ._io import head_text, read_text, strip_head, text_lines

NAME = "keras_csv"
DESCRIPTION = "Keras CSVLogger or another per-epoch CSV table (any of , ; tab as separator)"

_SEPARATORS = (",", ";", "\t")
_NAME_RE = re.compile(r"^[A-Za-z_][\w\-/.:() \[\]@]*$")
_NUM_RE = re.compile(r"^\s*([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]?inf(inity)?|nan|NA|\d+:\d\d(:\d\d)?|)\s*$", re.I)
_CLOCK_RE = re.compile(r"^\s*(\d+):(\d\d)(?::(\d\d))?\s*$")


def _separator(header: str) -> str | None:
    counts = {s: header.count(s) for s in _SEPARATORS}
    sep = max(counts, key=counts.get)
    return sep if counts[sep] else None


def _looks_like_table(lines: list[str]) -> tuple[str, list[str]] | None:
    """(separator, header fields) when the first line names columns and the next holds numbers."""
    if not lines:
        return None
    sep = _separator(lines[0]) or ","
    lines = _without_trailing_separator(lines, sep)
    header = [h.strip().strip('"') for h in next(csv.reader([lines[0]], delimiter=sep))]
    if not header or not all(_NAME_RE.match(h) for h in header):
        return None
    if len(lines) > 1:
        row = next(csv.reader([lines[1]], delimiter=sep))
        if len(row) != len(header) or not all(_NUM_RE.match(c) or c.startswith("[") for c in row):
            return None
    return sep, header


def _without_trailing_separator(lines: list[str], sep: str) -> list[str]:
    """A log that ends every line with its separator (``loss\tval_loss\t``) has no empty last column."""
    if not lines or not lines[0].rstrip(" \r").endswith(sep):
        return lines
    return [ln.rstrip(" \r")[: -len(sep)] if ln.rstrip(" \r").endswith(sep) else ln for ln in lines]


def sniff(head: bytes, path: str | None) -> float:
    lines = text_lines(head_text(strip_head(head)))
    table = _looks_like_table(lines[:2])
    if table is None:
        return 0.0
    fields = [h.lower() for h in table[1]]
    if "epoch" in fields:
        return 0.5 if "step" in fields else 0.85
    return 0.4 if len(fields) > 1 or len(lines) > 1 else 0.2


def read(buf: BinaryIO, *, source: str | None = None, run: str | None = None, **_) -> History:
    notes: list[str] = []
    lines = text_lines(read_text(buf, source, notes), notes)
    if not lines:
        raise ReadError("empty file", source)
    table = _looks_like_table(lines[:2])
    if table is None:
        raise ReadError("not a CSV history: the first line does not name columns over rows of numbers", source)
    if len(lines) < 2:
        raise ReadError("CSV has a header but no rows", source)
    return from_table(parse_rows(lines[0], lines[1:], source), source=source, run=run, notes=notes)


def parse_rows(header: str, lines: list[str], source: str | None = None) -> pd.DataFrame:
    """Rows under a header line as a table of strings, for ``from_table``: every cell as written
    (``NA``, ``nan`` and empty cells told apart later), NaN only where a row has no such field.

    ``histplot watch`` calls it on each batch of appended lines, so the file is parsed once.
    """
    sep = _separator(header) or ","
    header, *lines = _without_trailing_separator([header, *lines], sep)
    try:
        df = pd.read_csv(
            io.StringIO("\n".join([header, *lines])), sep=sep, na_filter=False, skipinitialspace=True, dtype=str
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise ReadError(f"malformed CSV: {str(exc).splitlines()[0]}", source) from exc
    df.columns = [str(c).strip() for c in df.columns]
    _absent_fields(df, lines, sep)
    return df


def _absent_fields(df: pd.DataFrame, lines: list[str], sep: str) -> None:
    """pandas fills the fields a short row lacks with "" as it does an empty field; they are not the
    same (a writer that left a metric out writes "2,nan,", a summary row under a longer header
    stops early), so absent fields become NaN."""
    if len(df) != len(lines) or not len(df.columns):
        return
    counts = np.fromiter((ln.count(sep) + 1 for ln in lines), dtype=np.int64, count=len(lines))
    for row in np.flatnonzero(counts < len(df.columns)).tolist():
        df.iloc[row, int(counts[row]) :] = np.nan


def from_table(
    df: pd.DataFrame, *, source: str | None = None, run: str | None = None, notes: list[str] | None = None, **_
) -> History:
    """A History from the string table ``parse_rows`` gives (one or more batches concatenated)."""
    notes = list(notes or [])
    warnings: list[str] = []
    meta: dict = {}
    final: dict = {}
    zero_based = False
    epoch_col = next((c for c in df.columns if c.lower() == "epoch"), None)
    epochs = None
    if epoch_col is not None:
        df = df.copy()
        ep = pd.to_numeric(df.pop(epoch_col), errors="coerce")
        if ep.isna().any() or (ep != ep.round()).any():
            raise ReadError(f"the '{epoch_col}' column holds values that are not whole epochs", source)
        ep = ep.to_numpy(dtype=np.int64)
        # CSVLogger counts from 0, and a resumed run appended to its file still holds that 0; a column
        # starting at 1 is 1-based already (hand-written loggers, Ultralytics, histplot convert).
        zero_based = len(ep) > 0 and ep.min() == 0
        df, ep = _pick_run(df, ep, run, source, warnings, notes, meta)
        df, ep = _closing_row(df, ep, final)
        epochs = ep
    else:
        notes.append("no 'epoch' column: row N is epoch N")
    columns = {c: _clock_to_seconds(_cells(df[c]), c, notes) for c in df.columns}
    h = History.build(
        columns,
        epochs=epochs,
        zero_based=zero_based,
        source=source,
        fmt=NAME,
        notes=notes + warnings,
        meta=meta,
        final=final.get("values"),
        final_where=final.get("where"),
    )
    h.meta["warnings"] = warnings
    _elapsed(h, df)
    return h


def _cells(col: pd.Series) -> np.ndarray:
    """A column's cells as written; None where the row has no such field (a missing value, like
    an empty cell or CSVLogger's ``NA``; the text ``nan`` is a logged NaN)."""
    values = col.to_numpy(dtype=object, copy=True)
    values[pd.isna(values)] = None
    return values


def _clock_to_seconds(values: np.ndarray, name: str, notes: list[str]) -> np.ndarray:
    """fastai writes epoch time as ``mm:ss`` (or ``h:mm:ss``): seconds, so it can be drawn."""
    cells = [v for v in values if isinstance(v, str) and v.strip()]
    if not cells or not all(_CLOCK_RE.match(v) for v in cells):
        return values
    out = np.full(len(values), None, dtype=object)
    for i, v in enumerate(values):
        m = _CLOCK_RE.match(v) if isinstance(v, str) else None
        if m:
            a, b, c = int(m[1]), int(m[2]), m[3]
            out[i] = a * 3600 + b * 60 + int(c) if c is not None else a * 60 + b
    notes.append(f"'{name}' is a clock time (mm:ss): read as seconds")
    return out


def _pick_run(
    df: pd.DataFrame,
    ep: np.ndarray,
    run: str | None,
    source: str | None,
    warnings: list[str],
    notes: list[str],
    meta: dict,
) -> tuple[pd.DataFrame, np.ndarray]:
    """CSVLogger(append=True) writes every fit() under one header: keep one run (``segments``)."""
    shift = 1 if len(ep) and ep.min() == 0 else 0
    rows, warn, note, segs = segments.pick(ep, run, source, shift=shift)
    warnings.extend(warn)
    notes.extend(note)
    if segs is not None:
        meta["runs"] = segs
    return df.iloc[rows].reset_index(drop=True), ep[rows]


def _closing_row(df: pd.DataFrame, ep: np.ndarray, final: dict) -> tuple[pd.DataFrame, np.ndarray]:
    """YOLOv5's segment trainer closes results.csv with one row at ``epoch = epochs`` (one past the last
    0-based epoch) holding only the best model's evaluation, left-shifted under the header
    (FRAMEWORK_NAMES 6). A last row one past the run that fills only the leading cells of a table
    whose other rows are full is such a summary: a final evaluation, never an epoch."""
    if len(ep) < 3 or ep[-1] != ep[-2] + 1:
        return df, ep
    # A row is short when fields are absent (parse_rows leaves those NaN); an empty field ("2,nan,")
    # is a value the writer left out of a full row, as any logger writes a missing metric.
    filled = df.notna().to_numpy()
    if not filled[:-1].all() or filled[-1].all():
        return df, ep
    k = int(filled[-1].sum())
    if k == 0 or not filled[-1][:k].all():
        return df, ep
    values = [df.iloc[-1, i] for i in range(k)]
    # its values belong to the evaluation columns (neither train/* nor learning rates), in header order
    evals = [c for c in df.columns if not c.lower().startswith("train") and "lr" not in c.lower()]
    names = evals[:k] if len(evals) >= k else [f"final_{i + 1}" for i in range(k)]
    final["values"] = dict(zip(names, values))
    final["where"] = f"closing row at epoch {int(ep[-1])}, written after training ({k} values under a longer header)"
    return df.iloc[:-1], ep[:-1]


_TIME_NAMES = ("time", "elapsed", "elapsed_time", "wall_time")


def _elapsed(h: History, df: pd.DataFrame) -> None:
    """A ``time`` column is the epoch's wall-clock position: cumulative as Ultralytics writes it
    (seconds since training start), summed when it is a per-epoch duration (fastai's ``mm:ss``)."""
    col = next((c for c in df.columns if c.strip().lower() in _TIME_NAMES), None)
    canon = next((k for k, v in h.meta.get("original_names", {}).items() if v == col), None)
    if canon is None or canon not in h.frame.columns:
        return
    t = h.frame[canon].dropna()
    if len(t) < 2 or (t < 0).any():
        return
    cumulative = bool(np.all(np.diff(t.to_numpy()) > 0)) and t.iloc[-1] > 2 * t.iloc[0]
    elapsed = t if cumulative else t.cumsum()
    h.meta["time"] = {int(e): float(v) for e, v in elapsed.items()}
