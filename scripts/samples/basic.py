"""The foundation's samples: Keras JSON, CSVLogger, a PyTorch pickle, and a clearly overfitting run."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from ._curves import decay, noisy, r6, write_json


def keras_classification(path: Path) -> None:
    """A CNN classifier, 40 epochs, ReduceLROnPlateau halving the LR twice; generalises fine."""
    rng = np.random.default_rng(11)
    n = 40
    loss = noisy(decay(n, 1.92, 0.31, 0.11), rng, 0.025)
    val_loss = noisy(decay(n, 1.71, 0.38, 0.10), rng, 0.045)
    acc = 1 - noisy(decay(n, 0.71, 0.095, 0.12), rng, 0.02)
    val_acc = 1 - noisy(decay(n, 0.66, 0.118, 0.11), rng, 0.04)
    lr = np.where(np.arange(n) < 18, 1e-3, np.where(np.arange(n) < 31, 5e-4, 2.5e-4))
    write_json(
        path,
        {
            "accuracy": r6(acc),
            "loss": r6(loss),
            "val_accuracy": r6(val_acc),
            "val_loss": r6(val_loss),
            "learning_rate": r6(lr),
        },
    )


def csvlogger(path: Path) -> None:
    """Keras CSVLogger output (0-based epochs, alphabetical columns, Keras 2 names) of a text model."""
    rng = np.random.default_rng(23)
    n = 30
    cols = {
        "acc": 1 - noisy(decay(n, 0.48, 0.12, 0.15), rng, 0.03),
        "loss": noisy(decay(n, 0.69, 0.27, 0.14), rng, 0.02),
        "lr": np.full(n, 0.001),
        "val_acc": 1 - noisy(decay(n, 0.45, 0.15, 0.13), rng, 0.05),
        "val_loss": noisy(decay(n, 0.66, 0.33, 0.12), rng, 0.04),
    }
    lines = ["epoch," + ",".join(cols)]
    for i in range(n):
        lines.append(f"{i}," + ",".join(f"{cols[c][i]:.6g}" for c in cols))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def pytorch_regression(path: Path) -> None:
    """A hand-written PyTorch loop's pickle: per-epoch train/test MSE as numpy float64 scalars."""
    rng = np.random.default_rng(37)
    n = 50
    train = noisy(decay(n, 14.2, 1.9, 0.09), rng, 0.03)
    test = noisy(decay(n, 13.1, 2.6, 0.08), rng, 0.05)
    history = {"train_mse": [np.float64(v) for v in r6(train)], "test_mse": [np.float64(v) for v in r6(test)]}
    path.write_bytes(pickle.dumps(history, protocol=4))


def overfitting(path: Path) -> None:
    """A run that overfits: validation loss bottoms out near epoch 14 and climbs while training falls."""
    rng = np.random.default_rng(5)
    n = 60
    t = np.arange(n)
    loss = noisy(decay(n, 2.2, 0.04, 0.09), rng, 0.02)
    val_loss = noisy(0.55 + 1.6 * np.exp(-0.22 * t) + 0.012 * np.maximum(t - 13, 0) ** 1.25, rng, 0.025)
    acc = 1 - noisy(decay(n, 0.8, 0.01, 0.09), rng, 0.02)
    val_acc = 1 - noisy(0.25 + 0.55 * np.exp(-0.2 * t) + 0.0016 * np.maximum(t - 13, 0), rng, 0.02)
    write_json(path, {"loss": r6(loss), "accuracy": r6(acc), "val_loss": r6(val_loss), "val_accuracy": r6(val_acc)})


SAMPLES = {
    "keras_classification.json": keras_classification,
    "csvlogger_training.log": csvlogger,
    "pytorch_regression.pkl": pytorch_regression,
    "overfitting_run.json": overfitting,
}
