"""The History model: one epoch-indexed frame that every reader produces and everything else reads.

``History.build`` canonicalises raw column names with the rules of ``naming`` (DESIGN §2),
remembering the originals in ``meta["original_names"]``, and merges step series (``steps``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import ReadError
from .naming import SPLITS, clean_name, column_name, parse_name
from .steps import merge_steps

# No run has a billion epochs: a larger number is a corrupt file (or steps mistaken for epochs).
MAX_EPOCH = 1_000_000_000


@dataclass
class History:
    """A training history: ``frame`` (one row per 1-based epoch), optional ``steps``, and ``meta``."""

    frame: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    steps: pd.DataFrame | None = None

    # -- naming -----------------------------------------------------------------------------
    @staticmethod
    def split(col: str) -> str | None:
        """``train``, ``val`` or ``test`` for a canonical column; None for run-level series."""
        return parse_name(col)[0]

    @staticmethod
    def base(col: str) -> str:
        """The metric a canonical column measures: ``val_accuracy`` -> ``accuracy``."""
        return parse_name(col)[1]

    # -- views ------------------------------------------------------------------------------
    @property
    def epochs(self) -> int:
        return len(self.frame)

    @property
    def epoch_clock(self) -> bool:
        """Whether the rows are epochs. A source that logs by step only (detectron2, an iteration-based
        mmengine run, a step log without an epoch field) has no epoch clock: its rows are the logged
        steps in order (``meta["x"] == "step"``) and ``info`` reports no epoch count."""
        return self.meta.get("x") != "step"

    @property
    def clocks(self) -> dict[str, str]:
        """Column -> ``"epoch"`` (logged per epoch), ``"epoch from steps"`` (a per-step series
        summarised per epoch) or ``"step"`` (rows are logged steps); step series are ``"step"``."""
        return self.meta.setdefault("clocks", {})

    @property
    def final(self) -> dict[str, float]:
        """A final evaluation written after training (``trainer.test()`` after ``fit()``, detectron2's
        evaluation at ``max_iter``, YOLOv5's closing row): canonical series -> value. Never an epoch;
        ``meta["final_eval"]`` says where it came from."""
        return self.meta.get("final", {})

    @property
    def time(self) -> pd.Series | None:
        """Wall-clock seconds elapsed at each epoch, where the source records time; else None."""
        t = self.meta.get("time")
        if not t:
            return None
        return pd.Series({int(k): float(v) for k, v in t.items()}, name="time", dtype=float).rename_axis("epoch")

    @property
    def step_time(self) -> pd.Series | None:
        """Wall-clock seconds elapsed at each logged step, where the source records time; else None."""
        t = self.meta.get("step_time")
        if not t:
            return None
        return pd.Series({_num(k): float(v) for k, v in t.items()}, name="time", dtype=float).rename_axis("step")

    @property
    def label(self) -> str:
        return str(self.meta.get("label") or self.meta.get("source") or "history")

    @property
    def notes(self) -> list[str]:
        return self.meta.setdefault("notes", [])

    def metrics(self) -> dict[str, dict[str, str]]:
        """Base metric -> {split: column}, in column order; run-level series excluded."""
        out: dict[str, dict[str, str]] = {}
        for col in self.frame.columns:
            split, base = parse_name(col)
            if split is not None:
                out.setdefault(base, {})[split] = col
        return out

    def aux(self) -> list[str]:
        """Run-level series (learning rate, time, grad norm)."""
        return [c for c in self.frame.columns if parse_name(c)[0] is None]

    def splits(self) -> list[str]:
        present = {parse_name(c)[0] for c in self.frame.columns}
        return [s for s in SPLITS if s in present]

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        columns: Mapping[str, Sequence[Any] | np.ndarray],
        *,
        epochs: Sequence[int] | np.ndarray | None = None,
        zero_based: bool = False,
        source: str | None = None,
        fmt: str | None = None,
        notes: Sequence[str] = (),
        steps: pd.DataFrame | None = None,
        step_epochs: Sequence[float] | np.ndarray | None = None,
        meta: Mapping[str, Any] | None = None,
        final: Mapping[str, Any] | None = None,
        final_where: str | None = None,
    ) -> History:
        """Normalise raw, equally long columns into a History.

        ``epochs`` gives each row's epoch number (``zero_based`` when the source counts from 0);
        without it row i is epoch i + 1. Names are canonicalised, values made float64, wholly
        non-numeric and all-missing columns dropped with a note.

        ``steps`` holds step-level series (index: global step); ``step_epochs`` gives each of its
        rows' epoch, numbered like ``epochs``. Each step series fills its epoch column with the
        mean over the epoch's steps (see ``steps.merge_steps``) wherever ``columns`` has no value.

        ``final`` holds values written after training (raw name -> value), ``final_where`` says
        where they came from; they never become an epoch.
        """
        notes = list(notes)
        lengths = {len(v) for v in columns.values()}
        if len(lengths) > 1:
            raise ReadError(f"series have different lengths {sorted(lengths)}", source)
        n = lengths.pop() if lengths else 0
        if epochs is None:
            index = np.arange(1, n + 1, dtype=np.int64)
        else:
            raw_epochs = np.asarray(epochs, dtype=np.float64)
            if raw_epochs.size and not (
                np.all(np.isfinite(raw_epochs)) and raw_epochs.min() >= -1 and raw_epochs.max() < MAX_EPOCH
            ):
                raise ReadError(
                    f"epoch numbers out of range ({raw_epochs.min():.6g} to {raw_epochs.max():.6g})", source
                )
            index = raw_epochs.astype(np.int64) + (1 if zero_based else 0)
        data: dict[str, np.ndarray] = {}
        original: dict[str, str] = {}
        named = {raw: column_name(*parse_name(clean_name(raw))) for raw in columns}
        # A column already spelled canonically claims its name before an alias of it does.
        order = sorted(columns, key=lambda raw: named[raw] != str(raw))
        for raw in order:
            values = _to_float(raw, columns[raw], source, notes)
            if values is None:
                continue
            if np.isnan(values).all():
                notes.append(f"'{raw}' has no values: dropped")
                continue
            name = named[raw]
            if name in data:
                if np.array_equal(data[name], values, equal_nan=True):
                    continue
                alt = f"{name}__{clean_name(raw)}"
                notes.append(f"'{raw}' and '{original[name]}' both mean '{name}': '{raw}' kept as '{alt}'")
                name = alt
                if name in data:
                    continue
            data[name] = values
            original[name] = str(raw)
        # Restore the file's column order: one pass over each (not a scan of data per column,
        # which made ten thousand columns take minutes).
        by_raw: dict[str, list[str]] = {}
        for k in data:
            by_raw.setdefault(original[k], []).append(k)
        data = {k: data[k] for raw in columns for k in by_raw.pop(str(raw), ())}
        frame = pd.DataFrame(data, index=pd.Index(index, name="epoch"))
        extra_meta: dict[str, Any] = {}
        if steps is not None and len(steps.columns):
            frame, steps, extra_meta = merge_steps(frame, steps, step_epochs, zero_based, original, notes)
        else:
            steps = None
        if frame.empty or not len(frame.columns):
            raise ReadError("no numeric series found: this does not look like a training history", source)
        full_meta = {
            "source": source,
            "format": fmt,
            "original_names": original,
            "label": _label_from_source(source),
            "notes": notes,
        }
        full_meta.update(extra_meta)
        full_meta.update(meta or {})
        step_only = full_meta.get("x") == "step"
        clocks = {c: "step" if step_only else "epoch" for c in frame.columns}
        if steps is not None:
            for c in steps.columns:
                if c in frame.columns and not step_only:
                    # the epoch value is the step summary wherever the source gave none per epoch
                    clocks[c] = "epoch" if c in data else "epoch from steps"
            full_meta["step_clocks"] = {c: "step" for c in steps.columns}
        full_meta["clocks"] = clocks
        if final:
            values = {}
            for raw, v in final.items():
                num = _as_number(v)
                if num is None or np.isnan(num) and v is None:
                    continue
                values[column_name(*parse_name(clean_name(raw)))] = num
                original.setdefault(column_name(*parse_name(clean_name(raw))), str(raw))
            if values:
                full_meta["final"] = values
                full_meta["final_eval"] = {"where": final_where or "written after training", "series": list(values)}
                notes.append(
                    f"final evaluation ({final_where or 'after training'}): "
                    f"{', '.join(values)} kept apart, not an epoch"
                )
        return cls(frame=frame, meta=full_meta, steps=steps)


def _num(k: Any) -> int | float:
    f = float(k)
    return int(f) if f.is_integer() else f


def _label_from_source(source: str | None) -> str | None:
    if not source or source == "-":
        return "stdin" if source == "-" else None
    from pathlib import PurePath

    p = PurePath(source)
    return p.stem if p.suffix else p.name


def object_array(values: Any) -> np.ndarray:
    """A 1-D object array of ``values`` as they are: numpy would turn nested lists into a
    many-dimensional array (a YAML alias bomb asks for billions of cells)."""
    if isinstance(values, np.ndarray) and values.ndim == 1:
        return values
    seq = list(values)
    out = np.empty(len(seq), dtype=object)
    for i, v in enumerate(seq):
        out[i] = v
    return out


def _to_float(raw: Any, values: Any, source: str | None, notes: list[str]) -> np.ndarray | None:
    """Values as float64; None (with a note) for a series that holds no numbers at all.

    Missing cells (None, "", "NA", "nan") become NaN and "inf" stays infinite: those are data.
    A series of numbers with a stray word in it is an error, because guessing would hide it.
    """
    if not isinstance(values, np.ndarray) and all(type(v) in (float, int) for v in values):
        # Plain lists of numbers (JSON, YAML) convert in C. Anything else (None, words, nested lists:
        # numpy would expand a YAML alias bomb) goes through the cell-by-cell loop below.
        try:
            return np.asarray(values, dtype=np.float64)
        except OverflowError:  # an integer past float range
            pass
    arr = object_array(values)
    if arr.dtype.kind in "fiub":
        return arr.astype(np.float64)
    out = np.full(len(arr), np.nan)
    bad: list[tuple[int, Any]] = []
    numeric = 0
    for i, v in enumerate(arr):
        f = _as_number(v)
        if f is None:
            bad.append((i, v))
        else:
            out[i] = f
            numeric += not (v is None or (isinstance(v, str) and v.strip().lower() in _MISSING))
    if not bad:
        return out
    if numeric == 0:
        kind = type(bad[0][1]).__name__
        notes.append(f"'{raw}' is not numeric ({kind} values): skipped")
        return None
    i, v = bad[0]
    raise ReadError(f"series '{raw}' has a non-numeric value {str(v)[:40]!r} at row {i + 1}", source)


_MISSING = {"", "na", "nan", "none", "null", "n/a"}


def _as_number(v: Any) -> float | None:
    if v is None:
        return np.nan
    if isinstance(v, (bool, np.bool_)):
        return float(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        try:
            return float(v)
        except OverflowError:  # an integer past float range: as large as a float can say
            return float("inf") if v > 0 else float("-inf")
    if isinstance(v, np.ndarray) and v.size == 1 and v.dtype.kind in "fiub":
        return float(v.reshape(()))
    if isinstance(v, str):
        s = v.strip()
        if s.lower() in _MISSING:
            return np.nan
        try:
            return float(s)
        except ValueError:
            return None
    return None
