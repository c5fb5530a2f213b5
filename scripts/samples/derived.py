"""Samples with confusion counts: an imbalanced binary classifier and a 10-class per-class run.

Counts are made from a confusion matrix per epoch (recall and false-positive curves turned into whole
samples), so every split's tp + fp + tn + fn equals its size, as Keras's counting metrics give.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._curves import decay, noisy, r6, write_json


def _binary_counts(recall: np.ndarray, fpr: np.ndarray, positives: int, negatives: int) -> dict:
    tp = np.clip(np.round(recall * positives), 0, positives)
    fp = np.clip(np.round(fpr * negatives), 0, negatives)
    return {"tp": tp, "fp": fp, "tn": negatives - fp, "fn": positives - tp}


def imbalanced_binary(path: Path) -> None:
    """Fraud-style detector, 5% positives, 40 epochs (Keras TruePositives(name="tp") etc.).

    Accuracy starts at 0.95 while the model flags nothing (epoch 1: no positive predicted, so
    precision and MCC are undefined); recall climbs slowly, validation recall levels off near 0.7
    and validation false positives creep up at the end.
    """
    rng = np.random.default_rng(101)
    n = 40
    t = np.arange(n)
    pos, neg = 1200, 22800
    vpos, vneg = 300, 5700
    recall = np.clip(0.88 - 0.88 * np.exp(-0.11 * t) + rng.normal(0, 0.012, n), 0, 1)
    recall[0] = 0.0
    fpr = noisy(decay(n, 0.0065, 0.0016, 0.08), rng, 0.06)
    fpr[0] = 0.0
    val_recall = np.clip(0.70 - 0.66 * np.exp(-0.13 * t) + rng.normal(0, 0.02, n), 0, 1)
    val_fpr = noisy(0.0035 + 0.005 * np.exp(-0.15 * t) + 0.00008 * np.maximum(t - 25, 0) ** 1.3, rng, 0.08)
    train = _binary_counts(recall, fpr, pos, neg)
    val = _binary_counts(val_recall, val_fpr, vpos, vneg)
    loss = noisy(decay(n, 0.245, 0.052, 0.09), rng, 0.02)
    val_loss = noisy(0.094 + 0.12 * np.exp(-0.14 * t), rng, 0.02)
    out: dict[str, list[float]] = {
        "loss": r6(loss),
        "accuracy": r6((train["tp"] + train["tn"]) / (pos + neg)),
    }
    out.update({k: r6(v) for k, v in train.items()})
    out["val_loss"] = r6(val_loss)
    out["val_accuracy"] = r6((val["tp"] + val["tn"]) / (vpos + vneg))
    out.update({f"val_{k}": r6(v) for k, v in val.items()})
    write_json(path, out)


# CIFAR-10 order: airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck.
_FINAL_RECALL = np.array([0.86, 0.93, 0.74, 0.55, 0.80, 0.66, 0.88, 0.86, 0.91, 0.90])
_CONFUSED = [(3, 5, 6.0), (1, 9, 5.0), (0, 8, 4.0), (2, 4, 3.0), (4, 7, 3.0), (2, 6, 2.0), (5, 7, 2.0)]


def _confusion(recall: np.ndarray, support: np.ndarray, affinity: np.ndarray) -> np.ndarray:
    """Integer matrix C[true, predicted] with the given per-class recall and error affinities."""
    k = len(support)
    c = np.zeros((k, k))
    for i in range(k):
        hit = round(recall[i] * support[i])
        c[i, i] = hit
        w = affinity[i].copy()
        w[i] = 0.0
        share = (support[i] - hit) * w / w.sum()
        base = np.floor(share)
        extra = int(support[i] - hit - base.sum())  # largest remainders get the leftover samples
        base[np.argsort(-(share - base))[:extra]] += 1
        c[i] += base
    return c


def multiclass_10(path: Path) -> None:
    """CIFAR-10-like classifier logging per-class counts tp_0..tp_9 (and fp/tn/fn, val_ too), 40 epochs.

    Cat (3) and dog (5) are confused with each other and lag far behind; the model never predicts
    cat in epoch 1 (its precision is undefined there); validation loss levels off (it generalises;
    overfitting_run.json is the run that overfits).
    """
    rng = np.random.default_rng(202)
    n, k = 40, 10
    t = np.arange(n)[:, None]
    support = np.array([5000, 5000, 5000, 4200, 5000, 4600, 5000, 5000, 5000, 5000])
    val_support = np.array([1000, 1000, 1000, 900, 1000, 950, 1000, 1000, 1000, 1000])
    rate = np.array([0.14, 0.18, 0.10, 0.07, 0.11, 0.08, 0.13, 0.12, 0.16, 0.15])
    val_final = _FINAL_RECALL
    train_final = np.minimum(0.99, _FINAL_RECALL + 0.09)
    start = 0.12
    train_recall = train_final - (train_final - start) * np.exp(-rate * t)
    val_recall = val_final - (val_final - start) * np.exp(-rate * 1.1 * t)
    train_recall = np.clip(train_recall + rng.normal(0, 0.008, (n, k)), 0, 1)
    val_recall = np.clip(val_recall + rng.normal(0, 0.015, (n, k)), 0, 1)
    train_recall[0, 3] = val_recall[0, 3] = 0.0
    affinity = np.ones((k, k))
    for a, b, w in _CONFUSED:
        affinity[a, b] = affinity[b, a] = w
    out: dict[str, list[float]] = {}
    columns: dict[str, dict[str, list[float]]] = {"": {}, "val_": {}}
    acc: dict[str, list[float]] = {"": [], "val_": []}
    for epoch in range(n):
        aff = affinity.copy()
        if epoch == 0:
            aff[:, 3] = 0.0  # nothing is called a cat yet
        for prefix, rec, sup in (("", train_recall, support), ("val_", val_recall, val_support)):
            c = _confusion(rec[epoch], sup, aff)
            tp = np.diag(c)
            fp = c.sum(axis=0) - tp
            fn = sup - tp
            tn = sup.sum() - tp - fp - fn
            for name, v in (("tp", tp), ("fp", fp), ("tn", tn), ("fn", fn)):
                for cls in range(k):
                    columns[prefix].setdefault(f"{prefix}{name}_{cls}", []).append(float(v[cls]))
            acc[prefix].append(tp.sum() / sup.sum())
    loss = noisy(decay(n, 1.95, 0.33, 0.08), rng, 0.015)
    tt = np.arange(n)
    val_loss = noisy(0.62 + 1.05 * np.exp(-0.12 * tt), rng, 0.02)
    out["loss"] = r6(loss)
    out["accuracy"] = r6(acc[""])
    out.update(columns[""])
    out["val_loss"] = r6(val_loss)
    out["val_accuracy"] = r6(acc["val_"])
    out.update(columns["val_"])
    write_json(path, out)


SAMPLES = {
    "imbalanced_binary.json": imbalanced_binary,
    "multiclass_10.json": multiclass_10,
}
