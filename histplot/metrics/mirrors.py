"""A logging trap: a training series identical to its held-out twin at every epoch.

Keras 3's stock ``TruePositives``/``FalseNegatives``/... metrics on the torch backend keep one state
for fit and evaluate, so ``true_positives`` holds the validation counts, the same numbers as
``val_true_positives``. Two series of a real run never agree to the last digit at every epoch; when
they do, one of them is not what its name says, and whatever is derived from it is not either.
"""

from __future__ import annotations

import numpy as np

from ..history import History

MIN_EPOCHS = 3  # fewer common values prove nothing


def mirrored_pairs(history: History) -> list[tuple[str, str]]:
    """(training column, held-out column) pairs of the file's own series that are identical at every
    epoch where either has a value, over at least ``MIN_EPOCHS`` epochs and at least two distinct values."""
    derived = set(history.meta.get("derived", {}))
    out = []
    for cols in history.metrics().values():
        train = cols.get("train")
        if train is None or train in derived:
            continue
        a = history.frame[train].to_numpy(dtype=float)
        for split in ("val", "test"):
            held = cols.get(split)
            if held is None or held in derived:
                continue
            b = history.frame[held].to_numpy(dtype=float)
            present = ~np.isnan(a) | ~np.isnan(b)
            if present.sum() < MIN_EPOCHS or not np.array_equal(a[present], b[present], equal_nan=True):
                continue
            finite = a[present][np.isfinite(a[present])]
            if np.unique(finite).size >= 2:
                out.append((train, held))
    return out
