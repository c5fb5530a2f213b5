"""TensorBoard's scalar smoothing: a debiased exponential moving average, for drawing only.

The numbers match TensorBoard's scalar dashboard for the same weight (its "classic" smoothing):
the average starts at 0 and is divided by ``1 - w**n``, n counting the finite values seen so far,
so the first smoothed point equals the first value instead of being pulled towards 0. Non-finite
values are passed through unchanged and do not advance the average; a constant series is returned
as it is (TensorBoard does the same, so that rounding never makes a flat line wobble).
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError


def check_weight(weight: float) -> float:
    """The weight as a float in [0, 1); 1 would hold the average at 0 for ever."""
    try:
        w = float(weight)
    except (TypeError, ValueError):
        raise ConfigError(f"smoothing weight must be a number in [0, 1), not {weight!r}") from None
    if not 0.0 <= w < 1.0:
        raise ConfigError(f"smoothing weight must be in [0, 1), not {weight!r}")
    return w


def ema(values, weight: float) -> np.ndarray:
    """``values`` smoothed with TensorBoard's debiased exponential moving average of ``weight``."""
    w = check_weight(weight)
    v = np.asarray(values, dtype=float)
    out = v.copy()
    if v.size == 0 or w == 0.0 or np.all(v == v[0]):
        return out
    last = 0.0
    n = 0
    for i, value in enumerate(v):
        if not np.isfinite(value):
            continue
        last = last * w + (1.0 - w) * value
        n += 1
        out[i] = last / (1.0 - w**n)
    return out
