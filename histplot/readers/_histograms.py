"""TensorBoard histogram summaries as distribution series (``History.distributions``).

Two encodings reach an event file:
- ``summary.value[].histo``, a ``HistogramProto`` (TF1 ``tf.summary.histogram``, PyTorch's
  ``SummaryWriter.add_histogram``): ``bucket_limit`` holds each bucket's right edge and ``bucket``
  its count; the left edge of the first is ``min``. TF1 closes the last bucket at DBL_MAX and
  PyTorch opens with an empty bucket: edges are clamped to [min, max].
- a tensor of shape (k, 3) of (left, right, count) under the ``histograms`` plugin (TF2
  ``tf.summary.histogram``, which the Keras callback's ``histogram_freq`` writes).
Both are decoded by this package's own protobuf reader (``_tfrecord``), without the tensorboard package.
Keras 3 names a weight's histogram by the weight's short name (``kernel/histogram``), so every
layer's kernel shares one tag at one step: the n-th value of a tag within a step is the n-th
layer, kept as ``kernel/histogram (n)``.
"""

from __future__ import annotations

import numpy as np

from ..history import DistributionSeries

MAX_BUCKETS = 10_000  # TensorBoard writes 30 (TF2) to a few hundred (PyTorch): more is not a histogram
MAX_VALUES = 5_000_000  # buckets over all histograms of a file


class Collector:
    """Histogram buckets by tag and step, in the order the file wrote them."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[int, np.ndarray]]] = {}
        self._seen: dict[tuple[str, int], int] = {}
        self.buckets = 0
        self.dropped: set[str] = set()

    def add(self, tag: str, step: int, buckets: np.ndarray | None, prefix: str = "") -> None:
        """Take one histogram of ``tag`` (after ``prefix``: ``val_`` for a Keras validation writer);
        None for one that could not be decoded."""
        name = prefix + tag
        if buckets is None or self.buckets + len(buckets) > MAX_VALUES:
            self.dropped.add(name)
            return
        self.buckets += len(buckets)
        n = self._seen.get((name, step), 0) + 1
        self._seen[(name, step)] = n
        tag = name if n == 1 else f"{name} ({n})"
        self.rows.setdefault(tag, []).append((int(step), buckets))

    def series(self, epoch_of_step, clock: str) -> dict[str, DistributionSeries]:
        """Tag -> series; ``epoch_of_step`` maps a step to the index on ``clock`` (the last value
        written for an index wins, as a restarted run rewrites its steps)."""
        out: dict[str, DistributionSeries] = {}
        for tag, rows in self.rows.items():
            by_index: dict[int, np.ndarray] = {}
            for step, buckets in rows:
                by_index[int(epoch_of_step(step))] = buckets
            index = sorted(by_index)
            out[tag] = DistributionSeries(np.asarray(index, dtype=np.int64), [by_index[i] for i in index], tag, clock)
        return out


def from_proto(lo: float, hi: float, limits: np.ndarray, counts: np.ndarray) -> np.ndarray | None:
    """Buckets of a HistogramProto: right edges in ``limits``, the first left edge at ``lo``."""
    if not 0 < len(limits) == len(counts) <= MAX_BUCKETS:
        return None
    if not (np.isfinite(lo) and np.isfinite(hi) and hi >= lo):
        return None
    lefts = np.clip(np.concatenate([[lo], limits[:-1]]), lo, hi)
    rights = np.clip(limits, lo, hi)
    return _checked(np.column_stack([lefts, rights, counts]))


def from_tensor(arr: np.ndarray | None) -> np.ndarray | None:
    """Buckets of a TF2 ``histograms`` tensor: shape (k, 3) of (left, right, count)."""
    if arr is None or arr.ndim != 2 or arr.shape[1] != 3 or not 0 < arr.shape[0] <= MAX_BUCKETS:
        return None
    return _checked(arr.astype(np.float64))


def _checked(buckets: np.ndarray) -> np.ndarray | None:
    if not np.isfinite(buckets).all() or (buckets[:, 2] < 0).any():
        return None
    # PyTorch opens with an empty bucket at the minimum: no width and no count, nothing to draw
    keep = (buckets[:, 1] > buckets[:, 0]) | (buckets[:, 2] > 0)
    return buckets[keep] if keep.any() else None
