"""The distributions figure: per tag, TensorBoard's distributions view (bands between the
0/7/16/50/84/93/100th percentiles over epochs) beside overlaid histograms at a few epochs (first,
best, last, or the ones asked for), and, with several tags (one per layer, say), one panel of each
tag's median absolute value over epochs: gradients fading towards the input show there.

Percentiles come from the buckets by linear interpolation within a bucket, as TensorBoard computes
its bands; a histogram's exact values are not in the file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..diagnosis.run import diagnose
from ..errors import HistplotError
from ..history import DistributionSeries, History
from .layout_once import LayoutOnce
from .style import pretty

PERCENTILES = (0, 7, 16, 50, 84, 93, 100)
MAX_TAGS = 6
MAX_LINES = 12
_BINS = 40  # display bins of an overlaid histogram
_BAND_ALPHA = ((0, 100, 0.15), (7, 93, 0.25), (16, 84, 0.4))
_EPOCH_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def percentiles(buckets: np.ndarray, qs: Sequence[float] = PERCENTILES) -> np.ndarray:
    """The ``qs`` percentiles of a (B, 3) histogram; NaN for an empty one."""
    b = buckets[np.argsort(buckets[:, 0], kind="stable")]
    counts = b[:, 2]
    total = counts.sum()
    if total <= 0:
        return np.full(len(qs), np.nan)
    cum = np.concatenate([[0.0], np.cumsum(counts)])
    nonempty = counts > 0
    out = []
    for q in qs:
        target = total * q / 100.0
        # the first non-empty bucket that reaches the target: 0 is the data's min, 100 its max
        i = int(np.flatnonzero((cum[1:] >= target * (1 - 1e-12)) & nonempty)[0])
        lo, hi, c = b[i]
        frac = (target - cum[i]) / c
        out.append(lo + min(max(frac, 0.0), 1.0) * (hi - lo))
    return np.asarray(out)


def median_abs(buckets: np.ndarray) -> float:
    """The median of |x| from a histogram: each bucket folded at 0 (its midpoint's magnitude)."""
    mid = np.abs((buckets[:, 0] + buckets[:, 1]) / 2)
    folded = np.column_stack([mid, mid, buckets[:, 2]])
    return float(percentiles(folded, (50,))[0])


def chosen_epochs(history: History, d: DistributionSeries, epochs: Sequence[int] | None = None) -> list[int]:
    """The indices to overlay: ``epochs`` present in the series, else first, best and last."""
    have = set(d.index.tolist())
    if epochs:
        picked = [int(e) for e in epochs if int(e) in have]
        if picked:
            return picked
    first, last = int(d.index[0]), int(d.index[-1])
    picks = [first]
    if d.clock == "epoch":
        try:
            best = diagnose(history, kinds=[]).first("best_epoch")
        except HistplotError:
            best = None
        if best is not None and best.epochs:
            at = d.index[d.index <= best.epochs[0]]
            if at.size:
                picks.append(int(at[-1]))
    else:
        picks.append(int(d.index[len(d.index) // 2]))
    picks.append(last)
    return list(dict.fromkeys(picks))


def distribution_figure(
    history: History, *, epochs: Sequence[int] | None = None, tags: Sequence[str] | None = None
) -> Figure:
    """Percentile bands and overlaid histograms per tag of ``history.distributions``."""
    dists = history.distributions
    if not dists:
        raise HistplotError("no distributions (histograms) in this history", history.meta.get("source"))
    names = [t for t in (tags or dists) if t in dists]
    if not names:
        raise HistplotError(f"no distribution named {', '.join(tags or [])}", history.meta.get("source"))
    shown = names[:MAX_TAGS]
    layers = layer_groups(names)
    rows = len(shown) + len(layers)
    fig = Figure(figsize=(11, 2.9 * rows + 0.7), layout=LayoutOnce())
    axes = fig.subplots(rows, 2, squeeze=False)
    for row, tag in enumerate(shown):
        d = dists[tag]
        if len(d.index) > 1:
            _bands(axes[row][0], d)
            _overlaid(axes[row][1], d, chosen_epochs(history, d, epochs))
            continue
        # one histogram (YOLOv5's label counts at step 0): no bands over time, the histogram alone
        gs = axes[row][0].get_gridspec()
        for ax in axes[row]:
            ax.remove()
        _overlaid(fig.add_subplot(gs[row, :]), d, [int(d.index[0])])
    for i, (group, members) in enumerate(layers.items()):
        row = len(shown) + i
        gs = axes[row][0].get_gridspec()
        for ax in axes[row]:
            ax.remove()
        _per_layer(fig.add_subplot(gs[row, :]), group, [dists[t] for t in members[:MAX_LINES]])
    left_out = len(names) - len(shown)
    title = f"{history.label}: distributions"
    if left_out:
        title += f" ({left_out} more tag{'s' if left_out != 1 else ''} not drawn: {', '.join(names[MAX_TAGS:][:3])}"
        title += ", ...)" if left_out > 3 else ")"
    fig.suptitle(title, fontsize=12)
    return fig


def _bands(ax, d: DistributionSeries) -> None:
    p = np.array([percentiles(b) for b in d.buckets])  # (n, 7)
    x = d.index
    col = {q: i for i, q in enumerate(PERCENTILES)}
    for lo, hi, alpha in _BAND_ALPHA:
        ax.fill_between(
            x, p[:, col[lo]], p[:, col[hi]], color="#ff7043", alpha=alpha, linewidth=0, label=f"{lo}-{hi}th"
        )
    ax.plot(x, p[:, col[50]], color="#bf360c", linewidth=1.4, label="median")
    ax.set_title(f"{pretty(d.name)}: percentiles", fontsize=10)
    ax.set_xlabel(d.clock)
    ax.legend(fontsize=7, loc="best")
    ax.grid(alpha=0.3)


def rebinned(buckets: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts of a (B, 3) histogram on ``edges``, each bucket's count shared by overlap (a bucket of
    no width, one repeated value, goes whole to the bin that holds it). Writers' buckets are uneven
    (PyTorch's grow exponentially from 0, TF1's close at DBL_MAX), and a narrow one drawn as it is
    becomes a spike of density that says nothing; TensorBoard re-bins for display too."""
    lo, hi, counts = buckets[:, 0:1], buckets[:, 1:2], buckets[:, 2]
    left, right = edges[None, :-1], edges[None, 1:]
    width = hi - lo
    overlap = np.clip(np.minimum(hi, right) - np.maximum(lo, left), 0, None)
    share = np.divide(overlap, width, out=np.zeros_like(overlap), where=width > 0)
    point = width[:, 0] <= 0
    if point.any():
        at = np.clip(np.searchsorted(edges, lo[point, 0], side="right") - 1, 0, len(edges) - 2)
        share[point] = 0.0
        share[np.flatnonzero(point), at] = 1.0
    return counts @ share


def _overlaid(ax, d: DistributionSeries, picks: list[int]) -> None:
    chosen = [d.buckets[int(np.flatnonzero(d.index == epoch)[0])] for epoch in picks]
    lo = min(float(b[:, 0].min()) for b in chosen)
    hi = max(float(b[:, 1].max()) for b in chosen)
    edges = np.linspace(lo, hi, _BINS + 1) if hi > lo else np.array([lo - 0.5, lo + 0.5])
    for i, (epoch, b) in enumerate(zip(picks, chosen)):
        color = _EPOCH_COLORS[i % len(_EPOCH_COLORS)]
        label = f"{d.clock} {epoch}"
        counts = rebinned(b, edges)
        total = counts.sum()
        if total <= 0:
            continue
        density = counts / (total * np.diff(edges))
        ax.stairs(density, edges, color=color, label=label, linewidth=1.3, baseline=None)
    ax.set_title(f"{pretty(d.name)}: histograms", fontsize=10)
    ax.set_ylabel("density")
    # Values such as -0.0075 are wide labels: at most five ticks keep them apart in a half-width panel.
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.legend(fontsize=7, loc="best")
    ax.grid(alpha=0.3)


def layer_groups(names: Sequence[str], most: int = 3) -> dict[str, list[str]]:
    """Tags that differ by layer, grouped by what they measure: ``grad/fc1``, ``grad/fc2`` share
    ``grad``; Keras' ``kernel/histogram``, ``kernel/histogram (2)`` share ``kernel``; ``fc1.weight``,
    ``fc2.weight`` share ``weight``. Groups of two or more, largest first."""
    groups: dict[str, list[str]] = {}
    for name in names:
        parts = [p for p in re.split(r"[/.]", re.sub(r" \(\d+\)$", "", name)) if p]
        if len(parts) < 2:
            continue
        # the part naming the quantity is the one that is not a layer name (no digits), first or last
        key = parts[0] if not re.search(r"\d", parts[0]) else parts[-1]
        groups.setdefault(key, []).append(name)
    ranked = sorted((g for g in groups.items() if len(g[1]) >= 2), key=lambda g: -len(g[1]))
    return dict(ranked[:most])


def _per_layer(ax, group: str, series: list[DistributionSeries]) -> None:
    positive = True
    for d in series:
        y = np.array([median_abs(b) for b in d.buckets])
        positive &= bool((y[np.isfinite(y)] > 0).all())
        ax.plot(d.index, y, marker="o", markersize=2.5, linewidth=1.2, label=pretty(d.name))
    if positive:
        ax.set_yscale("log")
    ax.set_title(f"{pretty(group)}: median |value| per layer", fontsize=10)
    ax.set_xlabel(series[0].clock)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.grid(alpha=0.3)
