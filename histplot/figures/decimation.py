"""Thin long series for drawing without losing their envelope (DESIGN §6).

A 200,000-step loss drawn point by point is slow and no sharper than the screen; plain striding
would drop exactly the spikes a reader looks for. Each bucket keeps its minimum and its maximum,
in x order, so the drawn curve spans the same band as the full one.
"""

from __future__ import annotations

import numpy as np

MAX_POINTS = 4000


def minmax(x: np.ndarray, y: np.ndarray, max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """At most about ``max_points`` points of (x, y), keeping each bucket's min and max and the ends."""
    x = np.asarray(x)
    y = np.asarray(y, dtype=float)
    n = len(y)
    if n <= max_points or max_points < 4:
        return x, y
    buckets = max(1, (max_points - 2) // 2)
    edges = np.linspace(0, n, buckets + 1).astype(np.int64)
    keep = [0, n - 1]
    for lo, hi in zip(edges[:-1], edges[1:]):
        if hi <= lo:
            continue
        seg = y[lo:hi]
        keep.append(lo + int(np.nanargmin(seg)) if np.isfinite(seg).any() else lo)
        keep.append(lo + int(np.nanargmax(seg)) if np.isfinite(seg).any() else hi - 1)
    idx = np.unique(np.asarray(keep, dtype=np.int64))
    return x[idx], y[idx]
