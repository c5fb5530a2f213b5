"""The DESIGN §4 formulas on arrays of counts, shared by count columns and confusion matrices."""

from __future__ import annotations

import numpy as np


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
