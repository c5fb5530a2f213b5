"""A panel's y range: the bulk of its values, not its one outlier (TensorBoard's "ignore outliers").

A single validation spike of 7.4, or a first epoch at 3-4, would otherwise flatten curves that live
between 0.2 and 0.6, hiding the rise ``diagnose`` reports. The range follows the 5th-95th
percentiles with a margin when the full range is several times wider than that bulk; points
outside are drawn as small triangles on the panel's edge and counted in its corner, so nothing is
hidden silently. A loss that falls by orders of magnitude gets a log axis instead. ``--ylim``,
``--log-y`` and ``--no-robust`` win over all of this (``options.style_axes`` runs first).
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter, NullLocator
from matplotlib.transforms import blended_transform_factory

from ..display import number

QUANTILES = (5.0, 95.0)
MARGIN = 0.12  # of the bulk's span, on each side
WIDER = 3.0  # the full range must be this many times the bulk's for the bulk to win
EDGE_LABEL = "_outside"  # the triangles' label: not in legends


ALL_VALUES = "_histplot_y"  # axes attribute: per run drawn, every finite value of its series, before decimation


def runs_values(ax) -> list[np.ndarray]:
    """The finite y values of the curves in ``ax``, one array per run drawn into it: the panels' own
    record (a decimated line keeps each bucket's extremes, whose percentiles are not the series'),
    else the drawn lines' (marks such as triangles excluded)."""
    kept = getattr(ax, ALL_VALUES, None)
    return list(kept) if kept else [curve_values(ax)]


def curve_values(ax) -> np.ndarray:
    """Every finite y value of the lines drawn in ``ax`` (marks such as triangles excluded)."""
    parts = []
    for line in ax.lines:
        if line.get_label() == EDGE_LABEL or line.get_transform() is not ax.transData:
            continue
        y = np.asarray(line.get_ydata(), dtype=float)
        parts.append(y[np.isfinite(y)])
    return np.concatenate(parts) if parts else np.array([])


def robust_limits(v: np.ndarray) -> tuple[float, float] | None:
    """(low, high) around the bulk of ``v``, or None when the full range is not much wider than it."""
    if v.size < 8:
        return None
    lo, hi = np.percentile(v, QUANTILES)
    vmin, vmax = float(v.min()), float(v.max())
    span = hi - lo
    if not np.isfinite(span) or span <= 0 or (vmax - vmin) <= WIDER * span * (1 + 2 * MARGIN):
        return None
    m = span * MARGIN
    low = lo - m if vmin < lo - m else vmin - m
    high = hi + m if vmax > hi + m else vmax + m
    return float(low), float(high)


def falls_by_orders(v_in_order: np.ndarray) -> bool:
    """A positive series whose last third lies orders of magnitude below its first (2071 down to 4.5)."""
    v = v_in_order[np.isfinite(v_in_order)]
    if v.size < 6 or np.any(v <= 0) or v.max() / v.min() < 100:
        return False
    third = v.size // 3
    return bool(np.median(v[:third]) > 30 * np.median(v[-third:]))


def fit(ax, *, robust: bool = True, fixed: bool = False) -> None:
    """Set ``ax``'s y range from its curves: one tick for a constant series, the bulk when robust.
    ``fixed``: the user gave limits or a log scale, which stand."""
    _fit_range(ax, robust=robust, fixed=fixed)
    if ax.get_yscale() == "linear" and not isinstance(ax.yaxis.get_major_formatter(), FuncFormatter):
        _own_values(ax)


def _own_values(ax) -> None:
    """No "+1" or "1e-6" above the axis: every tick says its own value (5e-06, not 5.0 x 1e-6), in the
    range drawn too (the bulk of a series with outliers, limits the user gave). panels.draw_panel
    counts on it: no offset text for the title to clear."""
    lo, hi = ax.get_ylim()
    if _beyond_plain(max(abs(lo), abs(hi))):
        _label_values(ax)
    else:  # where matplotlib would write no multiplier anyway: "plain" only makes sure
        ax.ticklabel_format(axis="y", useOffset=False, style="plain")


def _beyond_plain(big: float) -> bool:
    """Whether numbers up to ``big`` need an exponent to be read (0.0001 ..., 100000 ...)."""
    return 0 < big < 1e-3 or big >= 1e5


def _label_values(ax) -> None:
    """Each y tick labelled with its value as histplot writes numbers (5e-06, 0.25, 1.2e+05)."""
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: number(y)))


def _fit_range(ax, *, robust: bool, fixed: bool) -> None:
    runs = [r for r in runs_values(ax) if r.size]
    if not runs:
        return
    v = np.concatenate(runs)
    if ax.get_yscale() == "log":
        # minor ticks labelled 2x10^-4, 3x10^-4 ... crowd the axis; within two decades 1-2-5 steps
        # keep a few labels where decades alone would leave one
        ax.yaxis.set_minor_formatter(NullFormatter())
        positive = v[v > 0]
        if positive.size and positive.max() / positive.min() < 100:
            ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            _label_values(ax)
    elif ax.get_yscale() == "linear" and _beyond_plain(float(np.max(np.abs(v)))):
        _label_values(ax)
    if not fixed:
        flat = _flat_value(v, robust)
        if flat is not None:
            _constant(ax, flat)
            if np.ptp(v) > 0:
                pad = abs(flat) * 0.2 or 1.0
                mark_outside(ax, flat - pad, flat + pad)
            return
    if fixed or not robust or ax.get_yscale() != "linear":
        return
    # runs compared in one panel: each run's bulk is kept (another run's level is not an outlier)
    each = [robust_limits(r) or (float(r.min()), float(r.max())) for r in runs]
    limits = (min(lo for lo, _ in each), max(hi for _, hi in each))
    if len(runs) > 1 and limits[0] <= v.min() and limits[1] >= v.max():
        return
    if len(runs) == 1 and robust_limits(v) is None:
        return
    ax.set_ylim(*limits)
    mark_outside(ax, *limits)


def _flat_value(v: np.ndarray, robust: bool) -> float | None:
    """The value of a constant series (or, when robust, of one whose bulk does not move by a thousandth
    of its size: an accuracy at 1.0 but for one epoch), else None."""
    scale = max(abs(float(np.median(v))), 1e-300)
    if np.ptp(v) <= 1e-12 * scale:
        return float(v[0])
    if robust and v.size >= 8:
        lo, hi = np.percentile(v, QUANTILES)
        if hi - lo <= 1e-3 * scale:
            return float(np.median(v))
    return None


def _constant(ax, value: float) -> None:
    """A flat line with its value as the only tick: no 0.00096 ... 0.00104 ladder around it."""
    if ax.get_yscale() != "linear":
        ax.set_yscale("linear")
    pad = abs(value) * 0.2 or 1.0
    ax.set_ylim(value - pad, value + pad)
    ax.yaxis.set_major_locator(FixedLocator([value]))
    ax.yaxis.set_minor_locator(NullLocator())
    _label_values(ax)


def mark_outside(ax, low: float, high: float) -> int:
    """Triangles on the top/bottom edge at the x of every curve point outside (low, high); the count."""
    trans = blended_transform_factory(ax.transData, ax.transAxes)
    above = below = 0
    for line in list(ax.lines):
        if line.get_label() == EDGE_LABEL or line.get_transform() is not ax.transData:
            continue
        x = np.asarray(line.get_xdata(), dtype=float)
        y = np.asarray(line.get_ydata(), dtype=float)
        for mask, edge, marker in ((y > high, 0.985, "^"), (y < low, 0.015, "v")):
            if mask.any():
                ax.plot(
                    x[mask],
                    np.full(int(mask.sum()), edge),
                    transform=trans,
                    linestyle="none",
                    marker=marker,
                    markersize=5,
                    color=line.get_color(),
                    clip_on=False,
                    zorder=7,
                    label=EDGE_LABEL,
                )
        above += int((y > high).sum())
        below += int((y < low).sum())
    parts = [f"▲ {above} above" if above else "", f"▼ {below} below" if below else ""]
    text = ", ".join(p for p in parts if p)
    if text:
        ax.text(
            0.99, 0.03, f"{text} the range", transform=ax.transAxes, ha="right", va="bottom",
            fontsize=7, color="#666666", zorder=8,
        )  # fmt: skip
    return above + below
