"""Derived metrics (DESIGN §4): confusion-count metrics per split and class, macro averages, rmse,
and the user's ``histplot.yaml`` expressions.

Rules that hold everywhere here:
- a ratio whose denominator is 0 is NaN (a gap in the figure), never nudged by an epsilon, so
  "the model predicted no positives" is not drawn as "precision 0";
- a column the history already has is never replaced (the file's own value wins), which also
  makes ``derive`` idempotent;
- ``meta["derived"]`` maps every derived column to the columns it was computed from.

Macro averages are the mean over the classes whose value is defined at that epoch (a class with a
NaN precision, e.g. never predicted, is left out, as scikit-learn does with ``zero_division=nan``);
an epoch where no class is defined is NaN.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from ..config import load_config, section
from ..errors import ConfigError
from ..history import History
from ..naming import column_name, parse_name
from ..readers.memory import as_history
from . import confusion
from .expressions import compile_all, expression_steps
from .families import COUNT_KINDS, class_members, families, split_suffix
from .formulas import confusion_metrics
from .mirrors import mirrored_pairs

# Order matters only for the column order of the output: the dashboard metrics first.
COUNT_METRICS = (
    "precision",
    "recall",
    "f1",
    "mcc",
    "specificity",
    "balanced_accuracy",
    "accuracy",
    "npv",
    "fpr",
    "fnr",
    "informedness",
    "markedness",
    "jaccard",
)
# The counts each formula reads (all four must exist for a split to be derived at all).
FORMULA_INPUTS = {
    "precision": ("tp", "fp"),
    "recall": ("tp", "fn"),
    "f1": ("tp", "fp", "fn"),
    "mcc": ("tp", "fp", "tn", "fn"),
    "specificity": ("tn", "fp"),
    "balanced_accuracy": ("tp", "fp", "tn", "fn"),
    "accuracy": ("tp", "fp", "tn", "fn"),
    "npv": ("tn", "fn"),
    "fpr": ("tn", "fp"),
    "fnr": ("tp", "fn"),
    "informedness": ("tp", "fp", "tn", "fn"),
    "markedness": ("tp", "fp", "tn", "fn"),
    "jaccard": ("tp", "fp", "fn"),
}
MACRO_METRICS = ("precision", "recall", "f1")
KINDS = ("tp", "fp", "tn", "fn")


def macro(columns: list[np.ndarray]) -> np.ndarray:
    """Mean over classes of the defined values per epoch; NaN where none is defined."""
    stack = np.vstack([np.asarray(c, dtype=float) for c in columns])
    defined = np.isfinite(stack)
    n = defined.sum(axis=0)
    total = np.where(defined, stack, 0.0).sum(axis=0)
    return np.where(n > 0, total / np.maximum(n, 1), np.nan)


# -- finding the counts ----------------------------------------------------------------------------
def count_sets(history: History) -> dict[tuple[str, int | None], dict[str, str]]:
    """(split, class or None) -> {kind: column} for every split/class that has all four counts.

    Binary counts may carry a Keras uniquifier (``true_positives_1`` after a notebook re-ran
    ``compile``); the unsuffixed one wins, else the lowest suffix.
    """
    groups = history.metrics()
    members = class_members(groups)
    found: dict[tuple[str, int | None], dict[str, tuple[int, str]]] = {}
    for base, cols in groups.items():
        low = base.lower()
        if low in COUNT_KINDS:
            kind, cls, rank = COUNT_KINDS[low], None, -1
        elif base in members and members[base][0] in KINDS:
            kind, cls = members[base]
            rank = 0
        else:
            parsed = split_suffix(base)
            if not parsed or parsed[0].lower() not in COUNT_KINDS:
                continue
            kind, cls, rank = COUNT_KINDS[parsed[0].lower()], None, parsed[1]
        for split, col in cols.items():
            slot = found.setdefault((split, cls), {})
            if kind not in slot or rank < slot[kind][0]:
                slot[kind] = (rank, col)
    return {key: {k: slot[k][1] for k in KINDS} for key, slot in found.items() if all(k in slot for k in KINDS)}


# -- the plan: what can be derived from what -------------------------------------------------------
Step = tuple[str, list[str], Callable[[pd.DataFrame], np.ndarray]]


def _count_steps(history: History) -> list[Step]:
    steps: list[Step] = []
    for (split, cls), cols in count_sets(history).items():
        inputs = [cols[k] for k in KINDS]
        # Counts never change while deriving, so all 13 metrics are computed once, up front.
        values = confusion_metrics(*(history.frame[c].to_numpy(dtype=float) for c in inputs))
        for metric in COUNT_METRICS:
            name = column_name(split, metric if cls is None else f"{metric}_{cls}")
            used = [cols[k] for k in FORMULA_INPUTS[metric]]
            steps.append((name, used, lambda frame, v=values[metric]: v))
    return steps


def _matrix_steps(history: History) -> list[Step]:
    """Per-class metrics, accuracy, multiclass MCC and kappa of each split's confusion matrices."""
    steps: list[Step] = []
    n = len(history.frame)
    for split, m in history.matrices.items():
        rows = history.frame.index.get_indexer(m.epochs)
        keep = rows >= 0
        rows, counts = rows[keep], m.counts[keep]
        if not rows.size:
            continue
        for metric, values in confusion.overall(counts).items():
            v = _placed(values, rows, n)
            steps.append((column_name(split, metric), [], lambda frame, v=v: v))
        per_class = confusion.per_class(counts)
        for metric in COUNT_METRICS:
            for k in range(m.k):
                v = _placed(per_class[metric][:, k], rows, n)
                steps.append((column_name(split, f"{metric}_{k}"), [], lambda frame, v=v: v))
    return steps


def _placed(values: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """Values of some epochs in a column of all ``n``; the epochs without a matrix are NaN."""
    out = np.full(n, np.nan)
    out[rows] = values
    return out


def _sum_steps(history: History, notes: list[str]) -> list[Step]:
    """Multiclass accuracy, MCC and kappa from per-class one-vs-rest counts (see ``confusion``)."""
    by_split: dict[str, dict[int, dict[str, str]]] = {}
    for (split, cls), cols in count_sets(history).items():
        if cls is not None:
            by_split.setdefault(split, {})[cls] = cols
    steps: list[Step] = []
    for split, classes in by_split.items():
        if len(classes) < 2:
            continue
        order = sorted(classes)
        counts = {
            k: np.column_stack([history.frame[classes[c][k]].to_numpy(dtype=float) for c in order]) for k in KINDS
        }
        values = confusion.sums_from_counts(counts["tp"], counts["fp"], counts["fn"], counts["tn"])
        if values is None:
            notes.append(
                f"per-class counts of split '{split}' are not of exclusive classes (multi-label, or a class "
                "missing): no multiclass accuracy, MCC or kappa"
            )
            continue
        inputs = [classes[c][k] for c in order for k in KINDS]
        for metric, v in values.items():
            steps.append((column_name(split, metric), inputs, lambda frame, v=v: v))
    return steps


def _rmse_steps(history: History) -> list[Step]:
    steps: list[Step] = []
    for split, col in history.metrics().get("mse", {}).items():

        def sqrt(frame, col=col):
            with np.errstate(invalid="ignore"):
                return np.sqrt(frame[col].to_numpy(dtype=float))

        steps.append((column_name(split, "rmse"), [col], sqrt))
    return steps


def _macro_steps(columns: list[str]) -> list[Step]:
    """Macro averages over the per-class precision/recall/F1 the frame has (or will have)."""
    by_split: dict[str, list[str]] = {}
    for col in columns:
        split, base = parse_name(col)
        if split is not None:
            by_split.setdefault(split, []).append(base)
    steps: list[Step] = []
    for split, bases in by_split.items():
        fams = families(bases)
        for metric in MACRO_METRICS:
            members = fams.get(metric, [])
            if len(members) < 2:
                continue
            inputs = [column_name(split, b) for _, b in members]
            steps.append(
                (
                    column_name(split, f"macro_{metric}"),
                    inputs,
                    lambda frame, inputs=inputs: macro([frame[c].to_numpy() for c in inputs]),
                )
            )
    return steps


def derive(
    history: History, *, expressions: Mapping[str, str] | None = None, config_path: str | os.PathLike | None = None
) -> History:
    """A new History with the derived columns added (the input is left as it is).

    ``expressions`` maps new metric names to arithmetic over column base names, evaluated per
    split (see ``histplot.expressions``); ``config_path`` names the file they came from, for errors.
    """
    history = as_history(history)
    frame = history.frame.copy()
    present = history.present.copy()
    derived: dict[str, list[str]] = dict(history.meta.get("derived", {}))
    kept: list[str] = list(history.meta.get("derive_kept", []))

    def apply(steps: list[Step]) -> None:
        nonlocal frame, present
        # One concat per batch: steps of a batch never read each other's output, and inserting
        # hundreds of per-class columns one by one fragments the frame.
        new: dict[str, np.ndarray] = {}
        written: dict[str, np.ndarray] = {}
        for name, inputs, fn in steps:
            if name in frame.columns or name in new:
                if name in frame.columns and name not in derived and name not in kept:
                    kept.append(name)
                continue
            new[name] = np.asarray(fn(frame), dtype=float)
            written[name] = derived_present(frame, present, list(inputs), new[name])
            derived[name] = list(inputs)
        if new:
            frame = pd.concat([frame, pd.DataFrame(new, index=frame.index)], axis=1)
            present = pd.concat([present, pd.DataFrame(written, index=frame.index)], axis=1)

    notes = list(history.meta.get("notes", []))
    apply(_count_steps(history))
    apply(_sum_steps(history, notes) if not history.meta.get("derived") else [])
    apply(_matrix_steps(history))
    apply(_rmse_steps(history))
    apply(_macro_steps(list(frame.columns)))
    if expressions:
        compiled = compile_all(expressions, config_path)
        for expr in compiled:
            apply(expression_steps(expr, list(frame.columns), history.meta.get("source")))
    _mirror_notes(history, derived, notes)
    meta = {**history.meta, "derived": derived, "derive_kept": kept, "notes": notes}
    return replace(history, frame=frame, meta=meta, present=present)


def _mirror_notes(history: History, derived: dict[str, list[str]], notes: list[str]) -> None:
    """Derived columns resting on a training series that mirrors its held-out twin say so (one note)."""
    mirrored = dict(mirrored_pairs(history))
    if not mirrored:
        return
    resting = [col for col, inputs in derived.items() if any(c in mirrored for c in inputs)]
    if not resting:
        return
    shown = ", ".join(f"'{c}'" for c in resting[:6]) + (f" and {len(resting) - 6} more" if len(resting) > 6 else "")
    twins = ", ".join(f"'{a}' = '{b}'" for a, b in mirrored.items())
    note = (
        f"derived {shown} rest on training series identical to their held-out twins at every epoch ({twins}): "
        "probably held-out values logged under training names"
    )
    if note not in notes:
        notes.append(note)


def derived_present(frame: pd.DataFrame, present: pd.DataFrame, inputs: list[str], values: np.ndarray) -> np.ndarray:
    """Where a derived value exists: every input was written, and either the value is finite (0/0
    is undefined: a gap, not a NaN the run logged) or an input was itself a logged NaN/inf,
    which the derived value carries on."""
    cols = [c for c in inputs if c in frame.columns]
    if not cols:
        return np.isfinite(values)
    p = present[cols].to_numpy(dtype=bool)
    all_written = p.all(axis=1)
    logged_bad = (p & ~np.isfinite(frame[cols].to_numpy(dtype=float))).any(axis=1)
    return all_written & (np.isfinite(values) | logged_bad)


def derivable(
    history: History, *, expressions: Mapping[str, str] | None = None, config_path: str | os.PathLike | None = None
) -> dict[str, list[str]]:
    """Column -> input columns, for every metric ``derive`` would add to this history."""
    before = set(history.meta.get("derived", {}))
    after = derive(history, expressions=expressions, config_path=config_path).meta["derived"]
    return {k: v for k, v in after.items() if k not in before}


@dataclass(frozen=True)
class Deriver:
    """The derive step the CLI applies to each loaded history (picklable, for report's workers)."""

    enabled: bool = True
    expressions: tuple[tuple[str, str], ...] = ()
    config_path: str | None = None
    classes: tuple[str, ...] = ()  # histplot.yaml ``classes:``, for matrices whose file names none

    def __call__(self, history: History) -> History:
        history = with_class_names(history, self.classes)
        if not self.enabled:
            return history
        return derive(history, expressions=dict(self.expressions), config_path=self.config_path)


def with_class_names(history: History, classes: Sequence[str]) -> History:
    """``classes`` on the history's confusion matrices that have no names of their own and as many classes."""
    if not classes or not history.matrices:
        return history
    named = {
        split: replace(m, classes=list(classes)) if m.classes is None and m.k == len(classes) else m
        for split, m in history.matrices.items()
    }
    notes = list(history.meta.get("notes", []))
    for split, m in history.matrices.items():
        if m.classes is None and m.k != len(classes):
            notes.append(f"histplot.yaml names {len(classes)} classes, the {split} matrices have {m.k}: not used")
    return replace(history, matrices=named, meta={**history.meta, "notes": notes})


def deriver(
    *, enabled: bool = True, config: Mapping[str, Any] | None = None, config_path: str | os.PathLike | None = None
) -> Deriver:
    """``derive`` with histplot.yaml's ``derive:`` expressions, from a loaded ``config`` (or its path).

    The expressions are checked here, before any input is read, so a bad expression fails fast even
    when a history would not use it.
    """
    if config is None:
        config = load_config(config_path) if (enabled or config_path is not None) else {}
    path = config.get("_path")
    classes = config.get("classes") or []
    if not all(isinstance(c, (str, int)) and not isinstance(c, bool) for c in classes):
        raise ConfigError("classes must be a list of class names", path)
    classes = tuple(str(c) for c in classes)
    if not enabled:
        return Deriver(enabled=False, classes=classes)
    expressions = section(config, "derive")
    compile_all(expressions, path)
    return Deriver(True, tuple(expressions.items()), path, classes)


def summary(history: History) -> dict[str, Any]:
    """For ``info``: the derived columns (with inputs), or what could be derived when none were."""
    derived = history.meta.get("derived", {})
    return {
        "derived": dict(derived),
        "derivable": {} if derived else derivable(history),
        "kept": list(history.meta.get("derive_kept", [])),
    }
