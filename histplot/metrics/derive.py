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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config import load_config, section
from ..history import History
from ..naming import column_name, parse_name
from ..readers.memory import as_history
from .expressions import compile_all, expression_steps
from .families import COUNT_KINDS, class_members, families, split_suffix

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


def ratio(num, den) -> np.ndarray:
    """num / den with NaN where den is 0 (and where either is NaN)."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    return np.where(den == 0, np.nan, out)


def confusion_metrics(tp, fp, tn, fn) -> dict[str, np.ndarray]:
    """Every DESIGN §4 metric from the four counts (arrays or scalars), NaN for a zero denominator."""
    tp, fp, tn, fn = (np.asarray(v, dtype=float) for v in (tp, fp, tn, fn))
    precision = ratio(tp, tp + fp)
    recall = ratio(tp, tp + fn)
    specificity = ratio(tn, tn + fp)
    npv = ratio(tn, tn + fn)
    with np.errstate(invalid="ignore", over="ignore"):
        mcc_den = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return {
        "precision": precision,
        "recall": recall,
        "f1": ratio(2 * tp, 2 * tp + fp + fn),
        "mcc": ratio(tp * tn - fp * fn, mcc_den),
        "specificity": specificity,
        "balanced_accuracy": (recall + specificity) / 2,
        "accuracy": ratio(tp + tn, tp + fp + tn + fn),
        "npv": npv,
        "fpr": ratio(fp, fp + tn),
        "fnr": ratio(fn, fn + tp),
        "informedness": recall + specificity - 1,
        "markedness": precision + npv - 1,
        "jaccard": ratio(tp, tp + fp + fn),
    }


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

    apply(_count_steps(history))
    apply(_rmse_steps(history))
    apply(_macro_steps(list(frame.columns)))
    if expressions:
        compiled = compile_all(expressions, config_path)
        for expr in compiled:
            apply(expression_steps(expr, list(frame.columns), history.meta.get("source")))
    meta = {**history.meta, "derived": derived, "derive_kept": kept}
    return History(frame=frame, meta=meta, steps=history.steps, present=present, step_present=history.step_present)


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

    def __call__(self, history: History) -> History:
        if not self.enabled:
            return history
        return derive(history, expressions=dict(self.expressions), config_path=self.config_path)


def deriver(
    *, enabled: bool = True, config: Mapping[str, Any] | None = None, config_path: str | os.PathLike | None = None
) -> Deriver:
    """``derive`` with histplot.yaml's ``derive:`` expressions, from a loaded ``config`` (or its path).

    The expressions are checked here, before any input is read, so a bad expression fails fast even
    when a history would not use it.
    """
    if config is None:
        config = load_config(config_path) if (enabled or config_path is not None) else {}
    if not enabled:
        return Deriver(enabled=False)
    expressions = section(config, "derive")
    path = config.get("_path")
    compile_all(expressions, path)
    return Deriver(True, tuple(expressions.items()), path)


def summary(history: History) -> dict[str, Any]:
    """For ``info``: the derived columns (with inputs), or what could be derived when none were."""
    derived = history.meta.get("derived", {})
    return {
        "derived": dict(derived),
        "derivable": {} if derived else derivable(history),
        "kept": list(history.meta.get("derive_kept", [])),
    }
