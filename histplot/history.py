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
from .naming import (
    LEARNING_RATE,
    META,
    METRIC,
    SPLITS,
    UNSPLIT,
    SeriesInfo,
    clean_name,
    column_name,
    describe,
    detect_framework,
)
from .steps import merge_steps

# No run has a billion epochs: a larger number is a corrupt file (or steps mistaken for epochs).
MAX_EPOCH = 1_000_000_000


class _ClassOrInstance:
    """A method that answers from the name rules on the class (``History.split("val_loss")``) and from
    the roles the reader recorded on an instance (``history.split(col)``)."""

    def __init__(self, func):
        self.func = func
        self.__doc__ = func.__doc__

    def __get__(self, obj, owner=None):
        return lambda col: self.func(obj, col)


@dataclass
class History:
    """A training history: ``frame`` (one row per 1-based epoch), optional ``steps``, and ``meta``."""

    frame: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    steps: pd.DataFrame | None = None

    # -- naming -----------------------------------------------------------------------------
    @_ClassOrInstance
    def info(self, col: str) -> SeriesInfo:
        """The ``SeriesInfo`` of a column: as the reader recorded it, else by the name rules."""
        roles = self.meta.get("roles", {}) if self is not None else {}
        return roles.get(col) or describe(col)

    @_ClassOrInstance
    def split(self, col: str) -> str | None:
        """``train``, ``val``, ``test`` or ``unsplit`` for a metric column; None for run-level series."""
        info = History.info(col) if self is None else self.info(col)
        return info.split if info.role == METRIC else None

    @_ClassOrInstance
    def base(self, col: str) -> str:
        """The metric a canonical column measures: ``val_accuracy`` -> ``accuracy``."""
        return (History.info(col) if self is None else self.info(col)).base

    @property
    def roles(self) -> dict[str, SeriesInfo]:
        """Column -> SeriesInfo for every column of the frame."""
        return {c: self.info(c) for c in self.frame.columns}

    # -- views ------------------------------------------------------------------------------
    @property
    def epochs(self) -> int:
        return len(self.frame)

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
            split = self.split(col)
            if split is not None:
                out.setdefault(self.base(col), {})[split] = col
        return out

    def aux(self) -> list[str]:
        """Run-level series (learning rate, time, grad norm)."""
        return [c for c in self.frame.columns if self.split(c) is None]

    def learning_rates(self) -> list[str]:
        """The learning-rate columns (one per parameter group or optimizer): drawn in one panel."""
        return [c for c in self.frame.columns if self.info(c).role == LEARNING_RATE]

    def unsplit(self) -> list[str]:
        """Metric columns whose split the file does not say."""
        return [c for c in self.frame.columns if self.split(c) == UNSPLIT]

    def splits(self) -> list[str]:
        present = {self.split(c) for c in self.frame.columns}
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
        framework: str | None = None,
        split_evidence: Mapping[str, str] | None = None,
    ) -> History:
        """Normalise raw, equally long columns into a History.

        ``epochs`` gives each row's epoch number (``zero_based`` when the source counts from 0);
        without it row i is epoch i + 1. Names are canonicalised, values made float64, wholly
        non-numeric and all-missing columns dropped with a note.

        ``steps`` holds step-level series (index: global step); ``step_epochs`` gives each of its
        rows' epoch, numbered like ``epochs``. Each step series fills its epoch column with the
        mean over the epoch's steps (see ``steps.merge_steps``) wherever ``columns`` has no value.

        ``framework`` names the writer when the reader knows it; otherwise it is detected from the
        names (``naming.detect_framework``). ``split_evidence`` maps raw names to the split the file
        itself shows for them (mmengine val lines, rows that hold only validation values) and wins
        over the name rules for names that carry no split of their own. Columns whose role is
        ``meta`` (an index list, a parameter count) are kept in ``meta["scalars"]`` or
        ``meta["meta_series"]``, not in the frame; learning rates of parameter groups that are
        identical to an earlier group are kept once.
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
        step_names = list(steps.columns) if steps is not None else []
        framework = detect_framework([*map(str, columns), *map(str, step_names)], framework)
        infos = {raw: _describe(raw, framework, split_evidence) for raw in [*columns, *step_names]}
        named = {raw: _canonical(infos[raw]) for raw in columns}
        roles: dict[str, SeriesInfo] = {}
        kept_meta: dict[str, Any] = {}
        # A column already spelled canonically claims its name before an alias of it does.
        order = sorted(columns, key=lambda raw: named[raw] != str(raw))
        for raw in order:
            values = _to_float(raw, columns[raw], source, notes)
            if values is None:
                continue
            if np.isnan(values).all():
                notes.append(f"'{raw}' has no values: dropped")
                continue
            if infos[raw].role == META:
                kept_meta[str(raw)] = values
                continue
            if infos[raw].role == LEARNING_RATE and _same_as_kept(values, data, roles, raw, original, notes):
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
            roles[name] = infos[raw]
        # Restore the file's column order.
        data = {k: data[k] for raw in columns for k in data if original[k] == str(raw)}
        frame = pd.DataFrame(data, index=pd.Index(index, name="epoch"))
        extra_meta: dict[str, Any] = {}
        if steps is not None and len(steps.columns):
            steps = _canonical_steps(steps, infos, original, roles, kept_meta)
        if steps is not None and len(steps.columns):
            frame, steps, extra_meta = merge_steps(frame, steps, step_epochs, zero_based, original, notes)
        else:
            steps = None
        if frame.empty or not len(frame.columns):
            raise ReadError("no numeric series found: this does not look like a training history", source)
        full_meta = {
            "source": source,
            "format": fmt,
            "framework": framework,
            "roles": roles,
            "original_names": original,
            "label": _label_from_source(source),
            "notes": notes,
        }
        full_meta.update(extra_meta)
        full_meta.update(meta or {})
        _keep_meta_values(kept_meta, {str(k): v.why for k, v in infos.items()}, full_meta)
        return cls(frame=frame, meta=full_meta, steps=steps)


def _describe(raw: Any, framework: str | None, evidence: Mapping[str, str] | None) -> SeriesInfo:
    info = describe(clean_name(raw), framework)
    seen = (evidence or {}).get(str(raw))
    # The file's own evidence settles a split the name does not state (a bare name on a val line).
    if seen and info.role == METRIC and info.why.startswith("no split marker"):
        return info._replace(split=seen, why=f"logged only where the file's {seen} values are")
    return info


def _canonical(info: SeriesInfo) -> str:
    split = info.split if info.role == METRIC else None
    return column_name(split, info.base)


def _same_as_kept(values, data, roles, raw, original, notes) -> bool:
    """A parameter group's learning rate identical to one already kept: one line, with a note."""
    for name, info in roles.items():
        if info.role == LEARNING_RATE and np.array_equal(data[name], values, equal_nan=True):
            notes.append(f"learning rate '{raw}' is identical to '{original[name]}': drawn once")
            return True
    return False


def _canonical_steps(steps: pd.DataFrame, infos, original, roles, kept_meta) -> pd.DataFrame:
    """Step series under their canonical names (the epoch frame's rules), meta series taken out."""
    rename: dict[Any, str] = {}
    drop = []
    for raw in steps.columns:
        info = infos[raw]
        if info.role == META:
            drop.append(raw)
            kept_meta[str(raw)] = pd.to_numeric(steps[raw], errors="coerce").to_numpy(dtype=float)
            continue
        name = _canonical(info)
        if name in rename.values():
            name = str(raw)
        rename[raw] = name
        original.setdefault(name, str(raw))
        roles.setdefault(name, info)
    return steps.drop(columns=drop).rename(columns=rename)


def _keep_meta_values(kept: Mapping[str, np.ndarray], why: Mapping[str, str], meta: dict[str, Any]) -> None:
    """Meta-role series: one value in ``scalars``, several in ``meta_series``; a note says where."""
    for raw, values in kept.items():
        finite = values[~np.isnan(values)]
        if finite.size and np.all(finite == finite[0]):
            meta.setdefault("scalars", {})[raw] = float(finite[0])
        else:
            meta.setdefault("meta_series", {})[raw] = finite.tolist()
        meta["notes"].append(f"'{raw}' is not a series over epochs ({why.get(raw) or 'meta'}): kept in meta")


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
