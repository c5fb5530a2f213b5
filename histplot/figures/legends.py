"""Legends that answer the first question: each line's last value, and for the monitored series its
best value and where ("validation 0.214 (best 0.198 @ 16)"), as plot_keras_history does.

Lines keep their plain labels (``train``, a class number), so that code finding a line by its label
still does; the values live on the axes (``VALUES``) and are added when the legend is made, by
whoever makes it (the panel, then the annotations that add their own entries).
"""

from __future__ import annotations

import numpy as np

from ..display import number
from .xaxis import engineering

VALUES = "_histplot_values"  # axes attribute: line label -> text added to it in the legend


def remember(ax, label: str, x: np.ndarray, y: np.ndarray, *, best: str | None = None, x_name: str = "epoch") -> None:
    """Note the value text of the line labelled ``label``: its last finite value, and its best
    (``best`` is ``min`` or ``max``) with the x where it was reached."""
    if label.startswith("_"):
        return
    ok = np.isfinite(y)
    if not ok.any():
        return
    xs, ys = x[ok], y[ok]
    text = number(float(ys[-1]))
    if best in ("min", "max") and ys.size > 1:
        i = int(np.argmin(ys) if best == "min" else np.argmax(ys))
        at = xs[i]
        where = f"{int(at)}" if float(at).is_integer() else number(float(at))
        if x_name == "step":
            where = engineering(float(at))
        text += f" (best {number(float(ys[i]))} @ {where})"
    values = getattr(ax, VALUES, None)
    if values is None:
        values = {}
        setattr(ax, VALUES, values)
    values[label] = text


def legend(ax, **kwargs) -> None:
    """``ax.legend`` with each remembered line's value text after its label."""
    values = getattr(ax, VALUES, {})
    if "handles" in kwargs:
        handles = kwargs.pop("handles")
        labels = [h.get_label() for h in handles]
    else:
        handles, labels = ax.get_legend_handles_labels()
    # a class or index label (3) needs a colon before its value (3: 0.91), a word does not
    labels = [f"{lab}{':' if lab.isdigit() else ''} {values[lab]}" if lab in values else lab for lab in labels]
    ax.legend(handles, labels, **kwargs)
