"""Metrics of a K x K confusion matrix (rows true, columns predicted) and of one-vs-rest count sums.

Per class k the matrix gives exact one-vs-rest counts: tp = C[k, k], fp = column k minus tp,
fn = row k minus tp, tn = the rest; every DESIGN §4 metric follows per class. Over all classes:
accuracy = trace / total; multiclass MCC is Gorodkin's R_K (what scikit-learn's
``matthews_corrcoef`` computes), Cohen's kappa the chance-corrected agreement. Both need only
c = correct, s = total, p_k = predicted as k, t_k = truly k:

    R_K   = (c·s − Σ p_k t_k) / sqrt((s² − Σ p_k²)(s² − Σ t_k²))
    kappa = (c·s − Σ p_k t_k) / (s² − Σ p_k t_k)

so per-class one-vs-rest counts give them too (c = Σ tp_k, s = tp_k + fp_k + fn_k + tn_k,
p_k = tp_k + fp_k, t_k = tp_k + fn_k), provided the classes are exclusive: every sample has one
true and one predicted class, i.e. Σ t_k = Σ p_k = s. Multi-label counts are not, and get no
multiclass value. A zero denominator is NaN (scikit-learn returns 0 there), never a fudge.
"""

from __future__ import annotations

import numpy as np

from .formulas import confusion_metrics, ratio


def one_vs_rest(counts: np.ndarray) -> dict[str, np.ndarray]:
    """(n, K, K) matrices -> {"tp", "fp", "fn", "tn"}: each (n, K), per epoch and class."""
    c = np.asarray(counts, dtype=np.float64)
    tp = np.diagonal(c, axis1=1, axis2=2)
    predicted = c.sum(axis=1)
    true = c.sum(axis=2)
    total = c.sum(axis=(1, 2))[:, None]
    fp, fn = predicted - tp, true - tp
    return {"tp": tp, "fp": fp, "fn": fn, "tn": total - tp - fp - fn}


def per_class(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Every DESIGN §4 metric per epoch and class: metric -> (n, K)."""
    ovr = one_vs_rest(counts)
    return confusion_metrics(ovr["tp"], ovr["fp"], ovr["tn"], ovr["fn"])


def from_sums(correct, total, predicted, true) -> dict[str, np.ndarray]:
    """accuracy, mcc (Gorodkin's R_K) and kappa from the sums; ``predicted``/``true`` are (n, K)."""
    c = np.asarray(correct, dtype=np.float64)
    s = np.asarray(total, dtype=np.float64)
    p = np.asarray(predicted, dtype=np.float64)
    t = np.asarray(true, dtype=np.float64)
    chance = (p * t).sum(axis=-1)
    with np.errstate(invalid="ignore", over="ignore"):
        mcc_den = np.sqrt((s * s - (p * p).sum(axis=-1)) * (s * s - (t * t).sum(axis=-1)))
    return {
        "accuracy": ratio(c, s),
        "mcc": ratio(c * s - chance, mcc_den),
        "kappa": ratio(c * s - chance, s * s - chance),
    }


def overall(counts: np.ndarray) -> dict[str, np.ndarray]:
    """accuracy, mcc and kappa per epoch of (n, K, K) matrices."""
    c = np.asarray(counts, dtype=np.float64)
    return from_sums(np.trace(c, axis1=1, axis2=2), c.sum(axis=(1, 2)), c.sum(axis=1), c.sum(axis=2))


def sums_from_counts(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, tn: np.ndarray) -> dict[str, np.ndarray] | None:
    """accuracy, mcc and kappa from per-class one-vs-rest counts, each (n, K); None when the counts are
    not of exclusive classes (multi-label, or a class left out), where no multiclass value exists."""
    tp, fp, fn, tn = (np.asarray(v, dtype=np.float64) for v in (tp, fp, fn, tn))
    totals = tp + fp + fn + tn
    total = totals[:, 0]
    predicted, true = tp + fp, tp + fn
    rows = np.isfinite(totals).all(axis=1) & np.isfinite(predicted).all(axis=1)
    if not rows.any():
        return None
    same_total = np.allclose(totals[rows], total[rows, None])
    exclusive = np.allclose(predicted[rows].sum(axis=1), total[rows]) and np.allclose(
        true[rows].sum(axis=1), total[rows]
    )
    if not (same_total and exclusive):
        return None
    return from_sums(tp.sum(axis=1), total, predicted, true)
