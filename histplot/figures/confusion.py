"""The confusion-matrix figure: the held-out matrix at the best epoch and at the last, as counts and
row-normalised (each row divided by its true-class total: the diagonal is the class's recall).

One colour scale per kind, shared by both epochs, so the two rows compare by colour; the diagonal
cells are outlined so they stay findable in a 40-class matrix; numbers are written in the cells only
when there are few enough classes to read them (``ANNOTATE_MAX``).
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..diagnosis.run import diagnose
from ..errors import HistplotError
from ..history import History, MatrixSeries
from .layout_once import LayoutOnce

ANNOTATE_MAX = 12
MAX_TICK_LABELS = 40
HELD_OUT = ("val", "test", "train")


def held_out(history: History) -> tuple[str, MatrixSeries] | None:
    """The split whose matrices a figure shows: validation, else test, else training."""
    for split in HELD_OUT:
        if split in history.matrices:
            return split, history.matrices[split]
    return None


def best_epoch(history: History, m: MatrixSeries) -> tuple[int, str]:
    """The epoch to show as best, and why: the diagnosis's best epoch when a matrix was logged then,
    else the epoch whose matrix has the highest accuracy."""
    try:
        d = diagnose(history, kinds=[])
        best = d.first("best_epoch")
    except HistplotError:
        best, d = None, None
    if best is not None and best.epochs and m.at(best.epochs[0]) is not None:
        return int(best.epochs[0]), f"best {d.monitor}"
    acc = np.trace(m.counts, axis1=1, axis2=2) / np.maximum(m.counts.sum(axis=(1, 2)), 1)
    return int(m.epochs[int(np.argmax(acc))]), "best accuracy of the matrix"


def row_normalised(counts: np.ndarray) -> np.ndarray:
    """Each row over its total (recall on the diagonal); a class with no samples stays NaN."""
    totals = counts.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, counts / totals, np.nan)


def class_labels(m: MatrixSeries) -> list[str]:
    return list(m.classes) if m.classes else [str(k) for k in range(m.k)]


def confusion_figure(history: History, *, split: str | None = None, title: str | None = None) -> Figure:
    """The heatmaps of ``history``'s held-out confusion matrices (or ``split``'s)."""
    if split is not None:
        if split not in history.matrices:
            raise HistplotError(f"no confusion matrix for split '{split}'", history.meta.get("source"))
        m = history.matrices[split]
    else:
        found = held_out(history)
        if found is None:
            raise HistplotError("no confusion matrices in this history", history.meta.get("source"))
        split, m = found
    best, why = best_epoch(history, m)
    last = int(m.epochs[-1])
    epochs = [(best, f"epoch {best} ({why})")]
    if last != best:
        epochs.append((last, f"epoch {last} (last)"))
    counts = [m.at(e) for e, _ in epochs]
    names = class_labels(m)
    k = m.k
    cell = 0.42 if k <= ANNOTATE_MAX else max(0.12, 6.0 / k)
    side = min(max(cell * k + 1.6, 4.2), 9.0)
    fig = Figure(figsize=(2 * side + 1.2, len(epochs) * side + 0.8), layout=LayoutOnce())
    axes = fig.subplots(len(epochs), 2, squeeze=False)
    count_norm = Normalize(0, max(float(c.max()) for c in counts) or 1.0)
    rate_norm = Normalize(0.0, 1.0)
    for row, ((_, label), c) in enumerate(zip(epochs, counts)):
        images = []
        for col, (values, norm, kind) in enumerate(
            ((c, count_norm, "counts"), (row_normalised(c), rate_norm, "row-normalised (recall)"))
        ):
            ax = axes[row][col]
            images.append(ax.imshow(values, cmap="Blues", norm=norm, interpolation="nearest"))
            _outline_diagonal(ax, k)
            if k <= ANNOTATE_MAX:
                _annotate(ax, values, norm, integer=col == 0)
            _ticks(ax, names)
            ax.set_title(f"{label}: {kind}", fontsize=10)
            ax.set_xlabel("predicted")
            ax.set_ylabel("true")
        if row == len(epochs) - 1:
            fig.colorbar(images[0], ax=axes[:, 0].tolist(), shrink=0.8, label="samples")
            fig.colorbar(images[1], ax=axes[:, 1].tolist(), shrink=0.8, label="share of the true class")
    split_name = {"val": "validation", "test": "test", "train": "training"}[split]
    fig.suptitle(title or f"{history.label}: {split_name} confusion matrix ({k} classes)", fontsize=12)
    return fig


def _outline_diagonal(ax, k: int) -> None:
    width = 1.2 if k <= ANNOTATE_MAX else 0.6
    for i in range(k):
        ax.add_patch(Rectangle((i - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#e6550d", linewidth=width))


def _annotate(ax, values: np.ndarray, norm: Normalize, *, integer: bool) -> None:
    for (i, j), v in np.ndenumerate(values):
        if not np.isfinite(v):
            text, color = "–", "#777777"
        else:
            text = f"{v:.0f}" if integer else f"{v:.2f}"
            color = "white" if norm(v) > 0.6 else "black"
        ax.text(j, i, text, ha="center", va="center", fontsize=8, color=color)


def _ticks(ax, names: list[str]) -> None:
    k = len(names)
    step = max(1, int(np.ceil(k / MAX_TICK_LABELS)))
    ticks = list(range(0, k, step))
    size = 8 if k <= ANNOTATE_MAX else max(4, 8 - k // 10)
    short = [n if len(n) <= 14 else n[:13] + "…" for n in names]
    ax.set_xticks(
        ticks, [short[t] for t in ticks], rotation=90 if k > 6 else 45, fontsize=size, ha="center" if k > 6 else "right"
    )
    ax.set_yticks(ticks, [short[t] for t in ticks], fontsize=size)
