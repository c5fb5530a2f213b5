"""The History model: one epoch-indexed frame that every reader produces and everything else reads.

``History.build`` canonicalises raw column names with the rules of ``naming`` (DESIGN §2),
remembering the originals in ``meta["original_names"]``, and merges step series (``steps``).

A missing value and a logged non-finite value are different facts (docs/formats.md, "Missing and
non-finite values"): ``frame`` holds float64 with NaN in both cases, and ``present`` says which cells
the file wrote. Missing is ``~present``; a logged NaN/inf is ``present`` and not finite.
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
class MatrixSeries:
    """A K x K confusion matrix per epoch of one split: ``counts[i]`` belongs to ``epochs[i]`` (1-based),
    rows are the true class and columns the predicted class (scikit-learn's ``confusion_matrix``)."""

    epochs: np.ndarray  # (n,) int64
    counts: np.ndarray  # (n, K, K) float64
    name: str  # the key in the file
    classes: list[str] | None = None

    @property
    def k(self) -> int:
        return int(self.counts.shape[1])

    def at(self, epoch: int) -> np.ndarray | None:
        hit = np.flatnonzero(self.epochs == epoch)
        return self.counts[hit[0]] if hit.size else None


@dataclass
class DistributionSeries:
    """A histogram per epoch (or step) of one tag: ``buckets[i]`` is a (B, 3) array of (left edge,
    right edge, count), TensorBoard's own encoding, for ``index[i]`` on ``clock`` ("epoch" or "step")."""

    index: np.ndarray  # (n,) int64
    buckets: list[np.ndarray]
    name: str
    clock: str = "epoch"


@dataclass
class History:
    """A training history: ``frame`` (one row per 1-based epoch), optional ``steps``, and ``meta``;
    ``matrices`` (split -> confusion matrices) and ``distributions`` (tag -> histograms) when logged.

    ``present`` (and ``step_present`` for ``steps``) is a boolean frame of the same shape: True where
    the source wrote a value, finite or not. Code that builds a History from a bare frame may leave
    it out: cells it does not cover count as written where they hold a value and missing where NaN,
    since a bare frame has no other way to say which is which.
    """

    frame: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    steps: pd.DataFrame | None = None
    present: pd.DataFrame | None = None
    step_present: pd.DataFrame | None = None
    matrices: dict[str, MatrixSeries] = field(default_factory=dict)
    distributions: dict[str, DistributionSeries] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.present = aligned_mask(self.frame, self.present)
        self.step_present = None if self.steps is None else aligned_mask(self.steps, self.step_present)

    def sync(self) -> History:
        """Realign ``present``/``step_present`` after ``frame`` or ``steps`` was replaced."""
        self.__post_init__()
        return self

    # -- missing and non-finite -------------------------------------------------------------
    def _mask(self, col: str) -> tuple[pd.Series, pd.Series]:
        if self.present is None or not self.present.index.equals(self.frame.index) or col not in self.present:
            self.sync()
        return self.frame[col], self.present[col]

    def missing(self, col: str) -> list[int]:
        """Epochs at which the source wrote no value of ``col``."""
        _, present = self._mask(col)
        return [int(e) for e in present.index[~present.to_numpy()]]

    def nonfinite(self, col: str) -> list[int]:
        """Epochs at which the source logged NaN or +-inf for ``col`` (never a missing value)."""
        values, present = self._mask(col)
        bad = present.to_numpy() & ~np.isfinite(values.to_numpy(dtype=float))
        return [int(e) for e in values.index[bad]]

    def step_nonfinite(self, col: str) -> list[int | float]:
        """Steps at which the source logged NaN or +-inf for the step series ``col``."""
        if self.steps is None or col not in self.steps.columns:
            return []
        self.step_present = aligned_mask(self.steps, self.step_present)
        bad = self.step_present[col].to_numpy() & ~np.isfinite(self.steps[col].to_numpy(dtype=float))
        return self.steps.index[bad].tolist()

    def counts(self, col: str) -> dict[str, int]:
        """How many epochs hold a value of ``col`` (``present``), none (``missing``), and how many
        of the present ones are a logged NaN/inf (``nonfinite``)."""
        values, present = self._mask(col)
        p = present.to_numpy()
        bad = int(np.count_nonzero(p & ~np.isfinite(values.to_numpy(dtype=float))))
        return {"present": int(p.sum()), "missing": int((~p).sum()), "nonfinite": bad}

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
        final: Mapping[str, Any] | None = None,
        final_where: str | None = None,
        present: Mapping[str, Sequence[bool] | np.ndarray] | None = None,
        step_present: pd.DataFrame | None = None,
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

        ``final`` holds values written after training (raw name -> value), ``final_where`` says
        where they came from; they never become an epoch.

        What is missing: None, an empty string or a missing marker (``NA``, ``null``) in a column,
        and every cell where ``present`` (raw name -> booleans) says False. A float NaN or inf, or
        the text ``nan``/``inf``, is a value the source logged. ``step_present`` does the same for
        ``steps``; without it a NaN in ``steps`` is missing (step frames are usually a union of
        series logged at different steps), so readers with logged NaN steps must pass it.

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
        written: dict[str, np.ndarray] = {}
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
            converted = to_float(raw, columns[raw], source, notes)
            if converted is None:
                continue
            values, mask = converted
            if present is not None and raw in present:
                mask = mask & np.asarray(present[raw], dtype=bool)
            if not mask.any():
                notes.append(f"'{raw}' has no values: dropped")
                continue
            if infos[raw].role == META:
                kept_meta[str(raw)] = values
                continue
            if infos[raw].role == LEARNING_RATE and _same_as_kept(values, data, roles, raw, original, notes):
                continue
            name = named[raw]
            if name in data:
                if np.array_equal(data[name], values, equal_nan=True) and np.array_equal(written[name], mask):
                    continue
                alt = f"{name}__{clean_name(raw)}"
                notes.append(f"'{raw}' and '{original[name]}' both mean '{name}': '{raw}' kept as '{alt}'")
                name = alt
                if name in data:
                    continue
            data[name] = values
            written[name] = mask
            original[name] = str(raw)
            roles[name] = infos[raw]
        # Restore the file's column order: one pass over each (not a scan of data per column,
        # which made ten thousand columns take minutes).
        by_raw: dict[str, list[str]] = {}
        for k in data:
            by_raw.setdefault(original[k], []).append(k)
        order = [k for raw in columns for k in by_raw.pop(str(raw), ())]
        frame = pd.DataFrame({k: data[k] for k in order}, index=pd.Index(index, name="epoch"))
        mask_frame = pd.DataFrame({k: written[k] for k in order}, index=frame.index, dtype=bool)
        extra_meta: dict[str, Any] = {}
        step_mask = None
        if steps is not None and len(steps.columns):
            steps, step_present = _canonical_steps(steps, step_present, infos, original, roles, kept_meta)
        if steps is not None and len(steps.columns):
            frame, mask_frame, steps, step_mask, extra_meta = merge_steps(
                frame, mask_frame, steps, step_present, step_epochs, zero_based, original, notes
            )
        else:
            steps = None
        if frame.empty or not len(frame.columns):
            raise ReadError("no numeric series found: this does not look like a training history", source)
        if not np.isfinite(frame.to_numpy(dtype=float)).any():
            raise ReadError("no numeric series found with a finite value: every value is NaN or inf", source)
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
                # named as the frame's columns are: the framework's conventions (val_precision(B))
                name = _canonical(_describe(raw, framework, split_evidence))
                values[name] = num
                original.setdefault(name, str(raw))
            if values:
                full_meta["final"] = values
                full_meta["final_eval"] = {"where": final_where or "written after training", "series": list(values)}
                notes.append(
                    f"final evaluation ({final_where or 'after training'}): "
                    f"{', '.join(values)} kept apart, not an epoch"
                )
        _keep_meta_values(kept_meta, {str(k): v.why for k, v in infos.items()}, full_meta)
        return cls(frame=frame, meta=full_meta, steps=steps, present=mask_frame, step_present=step_mask)


def aligned_mask(frame: pd.DataFrame, mask: pd.DataFrame | None) -> pd.DataFrame:
    """``mask`` on ``frame``'s index and columns; cells it does not cover: written where not NaN."""
    if mask is not None and mask.index.equals(frame.index) and mask.columns.equals(frame.columns):
        return mask.astype(bool)
    default = frame.notna()
    if mask is None or mask.empty:
        return default
    # duplicate epochs (a frame concatenated by hand) cannot be aligned by label: by position then
    if mask.shape == frame.shape and (not frame.index.is_unique or not mask.index.is_unique):
        return pd.DataFrame(mask.to_numpy(dtype=bool), index=frame.index, columns=frame.columns)
    covered = mask.reindex(index=frame.index, columns=frame.columns)
    return covered.fillna(default).astype(bool)


def _num(k: Any) -> int | float:
    f = float(k)
    return int(f) if f.is_integer() else f


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


def _canonical_steps(
    steps: pd.DataFrame, step_present: pd.DataFrame | None, infos, original, roles, kept_meta
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Step series (and their mask) under their canonical names (the epoch frame's rules), meta series
    taken out."""
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
    if step_present is not None:
        step_present = step_present.drop(columns=[c for c in drop if c in step_present.columns]).rename(columns=rename)
    return steps.drop(columns=drop).rename(columns=rename), step_present


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


def to_float(raw: Any, values: Any, source: str | None, notes: list[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """(values as float64, written) for one series; None (with a note) for a series that holds no
    numbers at all.

    Not written (missing): None, "", and the missing markers ``NA``, ``null``, ``none``, ``n/a``.
    Written: every number, including a float NaN or inf, and the texts ``nan``, ``inf``,
    ``-Infinity``: a run that logged NaN wrote NaN. A series of numbers with a stray word in it is
    an error, because guessing would hide it.
    """
    if not isinstance(values, np.ndarray) and all(type(v) in (float, int) for v in values):
        # Plain lists of numbers (JSON, YAML) convert in C. Anything else (None, words, nested lists:
        # numpy would expand a YAML alias bomb) goes through the cell-by-cell loop below.
        try:
            out = np.asarray(values, dtype=np.float64)
            return out, np.ones(out.shape, dtype=bool)
        except OverflowError:  # an integer past float range
            pass
    arr = object_array(values)
    if arr.dtype.kind in "fiub":
        return arr.astype(np.float64), np.ones(arr.shape, dtype=bool)
    out = np.full(len(arr), np.nan)
    written = np.zeros(len(arr), dtype=bool)
    bad: list[tuple[int, Any]] = []
    for i, v in enumerate(arr):
        if v is None or (isinstance(v, str) and v.strip().lower() in MISSING_MARKERS):
            continue
        f = _as_number(v)
        if f is None:
            bad.append((i, v))
        else:
            out[i] = f
            written[i] = True
    if not bad:
        return out, written
    if not written.any():
        kind = type(bad[0][1]).__name__
        notes.append(f"'{raw}' is not numeric ({kind} values): skipped")
        return None
    i, v = bad[0]
    raise ReadError(f"series '{raw}' has a non-numeric value {str(v)[:40]!r} at row {i + 1}", source)


# Texts that say "no value here" (Keras CSVLogger writes NA); "nan" is a value a run logged.
MISSING_MARKERS = frozenset({"", "na", "none", "null", "n/a"})


def _as_number(v: Any) -> float | None:
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
        try:
            return float(v.strip())
        except ValueError:
            return None
    return None
