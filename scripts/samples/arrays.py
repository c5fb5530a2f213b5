"""Samples with per-epoch arrays: a 10-class run that logged its validation confusion matrix every
epoch, and a TensorBoard run with per-layer gradient histograms and predicted probabilities.

The matrices come from per-class recall curves, with the errors of a class going mostly to the
classes it is known to be confused with (Fashion-MNIST: shirts taken for T-shirts, pullovers and
coats), so accuracy and the matrix agree exactly. The event file is written record by record with
a fixed wall time and file name, as PyTorch's ``SummaryWriter.add_histogram`` lays it out, so
``make samples`` reproduces it byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._curves import decay, noisy, r6, write_json

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
# class -> the classes its errors mostly go to
CONFUSED = {0: [6, 3, 2], 1: [3], 2: [4, 6], 3: [0, 4], 4: [2, 6], 5: [7, 9], 6: [0, 2, 4], 7: [9, 5], 8: [0], 9: [7]}
PER_CLASS = 200  # validation samples per class


def fashion_confusion(path: Path) -> None:
    """20 epochs; validation loss is lowest at epoch 13, then rises while training keeps improving."""
    rng = np.random.default_rng(1701)
    n, k = 20, len(CLASSES)
    t = np.arange(n)
    hard = np.array([0.78, 0.97, 0.80, 0.88, 0.80, 0.96, 0.62, 0.95, 0.97, 0.95])  # final recall per class
    matrices = []
    for e in range(n):
        m = np.zeros((k, k), dtype=int)
        for c in range(k):
            recall = hard[c] - (hard[c] - 0.35) * np.exp(-0.35 * e) - 0.004 * max(e - 12, 0)
            right = int(rng.binomial(PER_CLASS, min(max(recall, 0.0), 1.0)))
            wrong = PER_CLASS - right
            weights = np.full(k, 0.15)
            weights[CONFUSED[c]] = 3.0
            weights[c] = 0.0
            m[c] = rng.multinomial(wrong, weights / weights.sum())
            m[c, c] = right
        matrices.append(m)
    val_acc = [np.trace(m) / m.sum() for m in matrices]
    loss = noisy(decay(n, 0.95, 0.18, 0.22), rng, 0.02)
    val_loss = noisy(0.36 + 0.55 * np.exp(-0.3 * t) + 0.004 * np.maximum(t - 12, 0) ** 1.6, rng, 0.01)
    write_json(
        path,
        {
            "classes": CLASSES,
            "loss": r6(loss),
            "accuracy": r6(1 - 0.9 * loss / loss[0] * 0.72),
            "val_loss": r6(val_loss),
            "val_accuracy": r6(val_acc),
            "val_confusion_matrix": [m.tolist() for m in matrices],
        },
    )


def _record(fh, event) -> None:
    from tensorboard.summary.writer.record_writer import RecordWriter

    RecordWriter(fh).write(event.SerializeToString())


def _histogram(values: np.ndarray, bins: int = 30):
    """A HistogramProto as ``torch.utils.tensorboard`` makes it: right edges, an empty bucket first."""
    from tensorboard.compat.proto import summary_pb2

    counts, limits = np.histogram(values, bins=bins)
    return summary_pb2.HistogramProto(
        min=float(values.min()),
        max=float(values.max()),
        num=float(values.size),
        sum=float(values.sum()),
        sum_squares=float((values**2).sum()),
        bucket_limit=[float(x) for x in limits],
        bucket=[0.0, *(float(c) for c in counts)],
    )


def tensorboard_histograms(path: Path) -> None:
    """12 epochs of an MLP: scalars Loss/train and Loss/val, gradient histograms of four layers that
    shrink towards the input (vanishing gradients), and the validation set's predicted probability of
    the true class, which moves from 0.5 towards 1 as the model learns."""
    from tensorboard.compat.proto import event_pb2, summary_pb2

    rng = np.random.default_rng(1702)
    n = 12
    path.mkdir(parents=True, exist_ok=True)
    wall = 1_700_000_000.0
    loss = noisy(decay(n, 0.69, 0.12, 0.3), rng, 0.02)
    val_loss = noisy(decay(n, 0.70, 0.21, 0.28), rng, 0.02)
    with open(path / "events.out.tfevents.1700000000.histplot-sample", "wb") as fh:
        _record(fh, event_pb2.Event(wall_time=wall, file_version="brain.Event:2"))
        for e in range(n):
            values = [
                summary_pb2.Summary.Value(tag="Loss/train", simple_value=float(r6([loss[e]])[0])),
                summary_pb2.Summary.Value(tag="Loss/val", simple_value=float(r6([val_loss[e]])[0])),
            ]
            for layer in range(1, 5):  # fc4 is next to the output; fc1 gets the faded gradient
                # Rounded: exp's last bit differs between CPUs (numpy picks a SIMD kernel per
                # machine), and every sample drawn from this scale would differ with it.
                scale = float(f"{0.02 * 0.35 ** (4 - layer) * np.exp(-0.08 * e):.9g}")
                values.append(
                    summary_pb2.Summary.Value(tag=f"grad/fc{layer}", histo=_histogram(rng.normal(0, scale, 2000)))
                )
            probs = rng.beta(1.2 + 0.9 * e, 1.2, 1000)
            values.append(summary_pb2.Summary.Value(tag="val/prob_true_class", histo=_histogram(probs)))
            _record(
                fh, event_pb2.Event(wall_time=wall + 60 * (e + 1), step=e, summary=summary_pb2.Summary(value=values))
            )


SAMPLES = {"fashion_confusion.json": fashion_confusion, "tensorboard_histograms": tensorboard_histograms}
