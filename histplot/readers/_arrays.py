"""Per-epoch arrays in decoded history objects: confusion matrices and distributions.

A series whose value at an epoch is a K x K nested list (or 2-D array) under a confusion-matrix name
(``confusion_matrix``, ``val_confusion_matrix``, ``cm``, ``test_cm``, ``conf_mat``, any split spelling)
is a matrix per epoch, rows true and columns predicted, as scikit-learn and torchmetrics write them.
A series whose value is a flat list of at least ``MIN_SAMPLE`` numbers (``val_probs``: the predicted
probabilities of the epoch) is a sample per epoch, kept as a histogram; shorter vectors are separate
statistics (COCO's 12 AP/AR values) and are skipped as before. Count names (``true_positives``) are excluded:
Keras writes a vector of counts per epoch for a metric with several ``thresholds``, which is not a
sample of anything.

Arrays are bounded before any is built (a YAML alias bomb or a corrupt pickle can ask for billions
of cells): a series over the budget is skipped with a note, the scalar series still load.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..history import DistributionSeries, MatrixSeries
from ..naming import clean_name, column_name, parse_name

MAX_CLASSES = 2000
MAX_ELEMENTS = 20_000_000  # per history, over all its arrays: 160 MB of float64
HISTOGRAM_BINS = 30  # what TensorBoard's TF2 histogram summary uses
# Fewer numbers per epoch are separate statistics, not a sample: DETR's 12 COCO AP/AR values
# (``test_coco_eval_bbox``), a Keras metric's value per threshold.
MIN_SAMPLE = 20

_MATRIX_BASE = re.compile(r"^(confusion(_?matri(x|ces))?|conf_?mat(rix)?|cm|confmat)$", re.IGNORECASE)
_COUNT_WORDS = re.compile(r"^(tp|fp|tn|fn|true_positives|false_positives|true_negatives|false_negatives)(_\d+)?$")
CLASS_KEYS = ("classes", "class_names", "labels", "target_names")


def is_array_value(v: Any) -> bool:
    """An epoch's value that is a list or array of several numbers, not one number."""
    if isinstance(v, np.ndarray):
        return v.ndim >= 1 and v.size != 1
    return isinstance(v, (list, tuple))


def is_single_matrix(value: Any) -> bool:
    """A K x K matrix of numbers (K >= 2), as opposed to a list of them."""
    if isinstance(value, np.ndarray):
        return value.ndim == 2 and value.shape[0] == value.shape[1] >= 2 and value.dtype.kind in "fiu"
    if not isinstance(value, (list, tuple)) or not 2 <= len(value) <= MAX_CLASSES:
        return False
    return all(
        isinstance(row, (list, tuple))
        and len(row) == len(value)
        and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in row)
        for row in value
    )


def is_matrix_name(name: str) -> bool:
    return bool(_MATRIX_BASE.match(parse_name(clean_name(name))[1]))


def class_names(value: Any) -> list[str] | None:
    """A ``classes`` entry of a file as names; None when it is not a flat list of names."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or not 0 < len(value) <= MAX_CLASSES:
        return None
    if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        return None
    return [str(v) for v in value]


class Budget:
    """Elements left for this history's arrays."""

    def __init__(self, limit: int | None = None) -> None:
        self.left = MAX_ELEMENTS if limit is None else limit

    def take(self, n: int) -> bool:
        if n > self.left:
            return False
        self.left -= n
        return True


def split_arrays(
    arrays: dict[str, Sequence[Any]],
    epochs: np.ndarray,
    notes: list[str],
    classes: list[str] | None = None,
    budget: Budget | None = None,
) -> tuple[dict[str, MatrixSeries], dict[str, DistributionSeries]]:
    """Matrices (by split) and distributions (by canonical name) from per-row array values;
    ``epochs`` gives each row's 1-based epoch."""
    budget = budget or Budget()
    matrices: dict[str, MatrixSeries] = {}
    dists: dict[str, DistributionSeries] = {}
    for key, values in arrays.items():
        split, base = parse_name(clean_name(key))
        if _MATRIX_BASE.match(base):
            m = _matrices(key, values, epochs, notes, budget)
            if m is None:
                continue
            if split in matrices:
                notes.append(f"'{key}': a second confusion matrix for split {split}: skipped")
                continue
            if classes is not None and len(classes) == m.k:
                m.classes = list(classes)
            elif classes is not None:
                notes.append(f"{len(classes)} class names for {m.k} classes in '{key}': names not used")
            matrices[split or "train"] = m
        elif _COUNT_WORDS.match(base.lower()):
            notes.append(f"'{key}' holds a vector per epoch (one count per threshold): skipped")
        else:
            d = _distribution(key, values, epochs, notes, budget)
            if d is not None:
                dists[column_name(split, base)] = d
    return matrices, dists


def _matrices(
    key: str, values: Sequence[Any], epochs: np.ndarray, notes: list[str], budget: Budget
) -> MatrixSeries | None:
    rows = [(int(e), v) for e, v in zip(epochs, values) if v is not None]
    if not rows:
        return None
    first = rows[0][1]
    k = len(first)
    if not 0 < k <= MAX_CLASSES:
        notes.append(f"'{key}' has {k} classes, more than {MAX_CLASSES}: skipped")
        return None
    if not budget.take(k * k * len(rows)):
        notes.append(f"'{key}' ({len(rows)} matrices of {k} x {k}) is over the memory budget: skipped")
        return None
    out = np.empty((len(rows), k, k), dtype=np.float64)
    for i, (epoch, v) in enumerate(rows):
        if len(v) != k or any(not is_array_value(r) or len(r) != k for r in v):
            notes.append(f"'{key}' at epoch {epoch} is not a {k} x {k} matrix: skipped")
            return None
        try:
            out[i] = np.asarray([np.asarray(r, dtype=np.float64) for r in v])
        except (TypeError, ValueError, OverflowError):
            notes.append(f"'{key}' at epoch {epoch} holds values that are not numbers: skipped")
            return None
    if not np.isfinite(out).all() or (out < 0).any():
        notes.append(f"'{key}' holds negative or non-finite counts: not a confusion matrix, skipped")
        return None
    return MatrixSeries(np.array([e for e, _ in rows], dtype=np.int64), out, name=key)


def _distribution(
    key: str, values: Sequence[Any], epochs: np.ndarray, notes: list[str], budget: Budget
) -> DistributionSeries | None:
    rows = [(int(e), v) for e, v in zip(epochs, values) if v is not None]
    if not rows:
        return None
    if any(len(v) and is_array_value(v[0]) for _, v in rows):
        notes.append(f"'{key}' holds nested lists that are not a confusion matrix: skipped")
        return None
    longest = max(len(v) for _, v in rows)
    if longest < MIN_SAMPLE:
        notes.append(f"'{key}' holds {longest} numbers per epoch: separate statistics, not a sample: skipped")
        return None
    if not budget.take(sum(len(v) for _, v in rows)):
        notes.append(f"'{key}' is over the memory budget: skipped")
        return None
    try:
        samples = [np.asarray(v, dtype=np.float64).ravel() for _, v in rows]
    except (TypeError, ValueError):
        notes.append(f"'{key}' holds lists that are not numbers: skipped")
        return None
    return samples_to_distribution(key, [e for e, _ in rows], samples)


def samples_to_distribution(
    name: str, index: Sequence[int], samples: Sequence[np.ndarray], clock: str = "epoch"
) -> DistributionSeries:
    """Raw samples per epoch as histograms on one set of edges (the range of all finite values),
    so that the epochs' histograms compare bucket for bucket."""
    finite = [s[np.isfinite(s)] for s in samples]
    nonempty = [s for s in finite if s.size]
    lo = min((float(s.min()) for s in nonempty), default=0.0)
    hi = max((float(s.max()) for s in nonempty), default=0.0)
    if hi == lo:
        edges = np.array([lo, hi])
    else:
        edges = np.linspace(lo, hi, HISTOGRAM_BINS + 1)
    buckets = []
    for s in finite:
        if edges.size == 2 and edges[0] == edges[1]:
            counts = np.array([float(s.size)])
        else:
            counts = np.histogram(s, bins=edges)[0].astype(np.float64)
        buckets.append(np.column_stack([edges[:-1], edges[1:], counts]))
    return DistributionSeries(np.asarray(index, dtype=np.int64), buckets, name=name, clock=clock)
