"""TensorBoard histogram summaries as distribution series (``History.distributions``).

Two encodings reach an event file:
- ``summary.value[].histo``, a ``HistogramProto`` (TF1 ``tf.summary.histogram``, PyTorch's
  ``SummaryWriter.add_histogram``): ``bucket_limit`` holds each bucket's right edge and ``bucket``
  its count; the left edge of the first is ``min``. TF1 closes the last bucket at DBL_MAX and
  PyTorch opens with an empty bucket: edges are clamped to [min, max].
- a tensor of shape (k, 3) of (left, right, count) under the ``histograms`` plugin (TF2
  ``tf.summary.histogram``, which the Keras callback's ``histogram_freq`` writes).
Keras 3 names a weight's histogram by the weight's short name (``kernel/histogram``), so every
layer's kernel shares one tag at one step: the n-th value of a tag within a step is the n-th
layer, kept as ``kernel/histogram (n)``.
"""

from __future__ import annotations

from typing import Any

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

    def add(self, value: Any, step: int, prefix: str = "") -> bool:
        """Take ``value`` (a ``Summary.Value``) when it is a histogram, its tag after ``prefix``
        (``val_`` for a Keras validation writer); whether it was one."""
        if value.HasField("histo"):
            buckets = from_proto(value.histo)
        elif value.metadata.plugin_data.plugin_name == "histograms" and value.HasField("tensor"):
            buckets = from_tensor(value.tensor)
        else:
            return False
        if buckets is None or self.buckets + len(buckets) > MAX_VALUES:
            self.dropped.add(prefix + value.tag)
            return True
        self.buckets += len(buckets)
        name = prefix + value.tag
        n = self._seen.get((name, step), 0) + 1
        self._seen[(name, step)] = n
        tag = name if n == 1 else f"{name} ({n})"
        self.rows.setdefault(tag, []).append((int(step), buckets))
        return True

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


def from_proto(h: Any) -> np.ndarray | None:
    limits = np.asarray(h.bucket_limit, dtype=np.float64)
    counts = np.asarray(h.bucket, dtype=np.float64)
    if not 0 < len(limits) == len(counts) <= MAX_BUCKETS:
        return None
    lo, hi = float(h.min), float(h.max)
    if not (np.isfinite(lo) and np.isfinite(hi) and hi >= lo):
        return None
    lefts = np.clip(np.concatenate([[lo], limits[:-1]]), lo, hi)
    rights = np.clip(limits, lo, hi)
    return _checked(np.column_stack([lefts, rights, counts]))


def from_tensor(tensor: Any) -> np.ndarray | None:
    from tensorboard.util import tensor_util

    shape = [d.size for d in tensor.tensor_shape.dim]
    if len(shape) != 2 or shape[1] != 3 or not 0 < shape[0] <= MAX_BUCKETS:
        return None
    arr = tensor_util.make_ndarray(tensor)
    if arr.dtype.kind not in "fiu":
        return None
    return _checked(arr.astype(np.float64))


def _checked(buckets: np.ndarray) -> np.ndarray | None:
    if not np.isfinite(buckets).all() or (buckets[:, 2] < 0).any():
        return None
    return buckets
