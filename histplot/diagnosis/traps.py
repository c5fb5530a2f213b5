"""Findings about how a run was logged rather than how it trained (see ``metrics.mirrors``)."""

from __future__ import annotations

from ..history import History
from ..metrics.mirrors import mirrored_pairs
from .findings import Finding


def mirrored(history: History) -> list[Finding]:
    """A warning per training series identical to its held-out twin at every epoch."""
    out = []
    for train, held in mirrored_pairs(history):
        epochs = history.frame.index[history.frame[train].notna()].tolist()
        msg = (
            f"'{train}' is identical to '{held}' at every epoch: one of them is not what its name says "
            "(Keras 3's stock TruePositives/FalseNegatives/... metrics on the torch backend log the "
            "validation counts under the training names); do not compare them, or log the metric per split"
        )
        out.append(
            Finding(
                "mirrored_series",
                "warning",
                [int(epochs[0]), int(epochs[-1])] if epochs else [],
                {"train": train, "held_out": held, "epochs": len(epochs)},
                msg,
            )
        )
    return out
