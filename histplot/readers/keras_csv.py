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
from ._io import read_text, strip_head, text_lines

NAME = "keras_csv"
DESCRIPTION = "Keras CSVLogger or another per-epoch CSV table (any of , ; tab as separator)"

_SEPARATORS = (",", ";", "\t")
_NAME_RE = re.compile(r"^[A-Za-z_][\w\-/.:() \[\]@]*$")
_NUM_RE = re.compile(r"^\s*([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]?inf(inity)?|nan|NA|\d+:\d\d(:\d\d)?|)\s*$",
                     re.I)
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
    lines = text_lines(strip_head(head).decode("utf-8", "replace"))
    table = _looks_like_table(lines[:2])
    if table is None:
        return 0.0
    fields = [h.lower() for h in table[1]]
    if "epoch" in fields:
        return 0.5 if "step" in fields else 0.85
    return 0.4 if len(fields) > 1 or len(lines) > 1 else 0.2


def read(buf: BinaryIO, *, source: str | None = None, run: str | None = None, **_) -> History:
    notes: list[str] = []
    lines = text_lines(read_text(buf, source), notes)
    if not lines:
        raise ReadError("empty file", source)
    table = _looks_like_table(lines[:2])
    if table is None:
        raise ReadError("not a CSV history: the first line does not name columns over rows of numbers",
                        source)
    if len(lines) < 2:
        raise ReadError("CSV has a header but no rows", source)
    return from_table(parse_rows(lines[0], lines[1:], source), source=source, run=run, notes=notes)


def parse_rows(header: str, lines: list[str], source: str | None = None) -> pd.DataFrame:
    """Rows under a header line as a table of strings (missing cells NaN), for ``from_table``.

    ``histplot watch`` calls it on each batch of appended lines, so the file is parsed once.
    """
    header, *lines = _without_trailing_separator([header, *lines], _separator(header) or ",")
    try:
        df = pd.read_csv(io.StringIO("\n".join([header, *lines])), sep=_separator(header) or ",",
                         na_values=["NA", "nan", "NaN", ""], keep_default_na=True, skipinitialspace=True,
                         dtype=str)
    except (pd.errors.ParserError, ValueError) as exc:
        raise ReadError(f"malformed CSV: {str(exc).splitlines()[0]}", source) from exc
    df.columns = [str(c).strip() for c in df.columns]
    return df


def from_table(df: pd.DataFrame, *, source: str | None = None, run: str | None = None,
               notes: list[str] | None = None, **_) -> History:
    """A History from the string table ``parse_rows`` gives (one or more batches concatenated)."""
    notes = list(notes or [])
    warnings: list[str] = []
    epoch_col = next((c for c in df.columns if c.lower() == "epoch"), None)
    epochs = None
    if epoch_col is not None:
        df = df.copy()
        ep = pd.to_numeric(df.pop(epoch_col), errors="coerce")
        if ep.isna().any() or (ep != ep.round()).any():
            raise ReadError(f"the '{epoch_col}' column holds values that are not whole epochs", source)
        ep = ep.to_numpy(dtype=np.int64)
        df, ep = _pick_run(df, ep, run, source, warnings)
        epochs = ep
    else:
        notes.append("no 'epoch' column: row N is epoch N")
    columns = {c: _clock_to_seconds(df[c], c, notes) for c in df.columns}
    # CSVLogger counts from 0, and a resumed run appended to its file still holds that 0; a column
    # starting at 1 is 1-based already (hand-written loggers, Ultralytics, histplot convert).
    zero_based = epochs is not None and len(epochs) > 0 and epochs.min() == 0
    h = History.build(columns, epochs=epochs, zero_based=zero_based, source=source, fmt=NAME,
                      notes=notes + warnings)
    h.meta["warnings"] = warnings
    return h


def _clock_to_seconds(col: pd.Series, name: str, notes: list[str]) -> np.ndarray:
    """fastai writes epoch time as ``mm:ss`` (or ``h:mm:ss``): seconds, so it can be drawn."""
    values = col.to_numpy(dtype=object)
    cells = [v for v in values if isinstance(v, str) and v.strip()]
    if not cells or not all(_CLOCK_RE.match(v) for v in cells):
        return values
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        m = _CLOCK_RE.match(v) if isinstance(v, str) else None
        if m:
            a, b, c = int(m[1]), int(m[2]), m[3]
            out[i] = a * 3600 + b * 60 + int(c) if c is not None else a * 60 + b
    notes.append(f"'{name}' is a clock time (mm:ss): read as seconds")
    return out


def _pick_run(df: pd.DataFrame, ep: np.ndarray, run: str | None, source: str | None,
              warnings: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """CSVLogger(append=True) restarts the epoch count for every resumed or new run: keep one."""
    starts = [0] + [i for i in range(1, len(ep)) if ep[i] <= ep[i - 1]]
    if len(starts) == 1:
        return df, ep
    bounds = list(zip(starts, starts[1:] + [len(ep)]))
    if run in (None, "last"):
        k = len(bounds)
    elif run == "first":
        k = 1
    else:
        try:
            k = int(run)
        except ValueError:
            raise ReadError(f"--run for a CSV is a run number 1-{len(bounds)}, first or last; "
                            f"got {run!r}", source) from None
        if not 1 <= k <= len(bounds):
            raise ReadError(f"--run {k}: the file holds {len(bounds)} runs", source)
    lo, hi = bounds[k - 1]
    if run is None:
        warnings.append(f"the epoch count restarts {len(bounds) - 1} time(s) (CSVLogger append=True): "
                        f"{len(bounds)} runs in one file; kept the last (epochs {ep[lo] + 1}-{ep[hi - 1] + 1}),"
                        " choose another with --run N")
    return df.iloc[lo:hi].reset_index(drop=True), ep[lo:hi]
