"""Figures from a History: a panel per base metric, train and held-out splits together.

Only ``matplotlib.figure.Figure`` is used, never pyplot, so nothing global is touched and
figures are freed as soon as they are dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .decimate import minmax
from .errors import HistplotError
from .history import History

# One look per split, the same in every panel.
SPLIT_STYLE = {
    "train": {"color": "#1f77b4", "linestyle": "-", "label": "train"},
    "val": {"color": "#d62728", "linestyle": "--", "label": "validation"},
    "test": {"color": "#2ca02c", "linestyle": "-.", "label": "test"},
}
AUX_COLOR = "#555555"
MAX_COLUMNS = 3
PANEL_SIZE = (5.0, 3.4)


@dataclass
class Panel:
    """One axes' worth of series: a title and (column, style) pairs."""

    name: str
    title: str
    series: list[tuple[str, dict]] = field(default_factory=list)
    ylabel: str = ""
    log: bool | None = None  # None: decide from the data


def pretty(name: str) -> str:
    """A readable title for a metric name: ``val_mean_io_u`` stays, ``learning_rate`` -> learning rate."""
    return name.replace("_", " ")


def panels(history: History, metrics: Sequence[str] | None = None) -> list[Panel]:
    """The panels a figure of this history has: loss first, then metrics, then run-level series."""
    groups = history.metrics()
    order = sorted(groups, key=lambda b: (b != "loss", list(groups).index(b)))
    out: list[Panel] = []
    for base in order:
        p = Panel(name=base, title=pretty(base), ylabel=pretty(base))
        for split in ("train", "val", "test"):
            if split in groups[base]:
                p.series.append((groups[base][split], SPLIT_STYLE[split]))
        out.append(p)
    for col in history.aux():
        style = {"color": AUX_COLOR, "linestyle": "-", "label": pretty(col)}
        out.append(Panel(name=col, title=pretty(col), series=[(col, style)], ylabel=pretty(col),
                         log=True if "learning_rate" in col or col.startswith("lr") else None))
    if metrics:
        out = select(out, metrics, history)
    return out


def select(all_panels: list[Panel], metrics: Sequence[str], history: History) -> list[Panel]:
    """Keep the panels named in ``metrics`` (base names or column names), in the order given."""
    by_name = {p.name: p for p in all_panels}
    by_col = {col: p for p in all_panels for col, _ in p.series}
    chosen: list[Panel] = []
    for m in metrics:
        p = by_name.get(m) or by_col.get(m) or by_name.get(History.base(m))
        if p is None:
            known = ", ".join(by_name)
            raise HistplotError(f"no metric '{m}' in this history; it has: {known}", history.meta.get("source"))
        if p not in chosen:
            chosen.append(p)
    return chosen


def render(history: History, *, metrics: Sequence[str] | None = None, title: str | None = None,
           panel_list: list[Panel] | None = None, x: str | None = None) -> Figure:
    """A Figure of the history, one panel per metric; ``x`` is ``epoch`` or ``step`` (None: by the data)."""
    from .steps import frame_for_x

    frame, _ = frame_for_x(history, x)
    plist = panel_list if panel_list is not None else panels(history, metrics)
    if not plist:
        raise HistplotError("nothing to plot", history.meta.get("source"))
    ncols = min(MAX_COLUMNS, len(plist))
    nrows = math.ceil(len(plist) / ncols)
    fig = Figure(figsize=(PANEL_SIZE[0] * ncols, PANEL_SIZE[1] * nrows + 0.6), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, panel in zip(axes, plist):
        draw_panel(ax, frame, panel)
    for ax in axes[len(plist):]:
        ax.set_visible(False)
    fig.suptitle(title if title is not None else _default_title(history), fontsize=13)
    return fig


def _default_title(history: History) -> str:
    fmt = history.meta.get("format")
    n = history.epochs
    return f"{history.label}  ({n} epoch{'s' if n != 1 else ''}{', ' + fmt if fmt else ''})"


def draw_panel(ax, frame: pd.DataFrame, panel: Panel) -> None:
    """Draw one panel's series into ``ax``: finite points only, sparse series joined with markers."""
    ax.set_label(panel.name)
    values = []
    for col, style in panel.series:
        s = frame[col]
        finite = s[np.isfinite(s.to_numpy(dtype=float))]
        if finite.empty:
            continue
        if frame.index.name == "step":  # step frames interleave series, so gaps say nothing
            sparse = len(finite) <= 60
        else:
            sparse = len(finite) < len(s.dropna()) or s.isna().any() or len(finite) <= 30
        xs, ys = minmax(finite.index.to_numpy(), finite.to_numpy())
        ax.plot(xs, ys, color=style["color"],
                linestyle=style["linestyle"], label=style["label"], linewidth=1.6,
                marker="o" if sparse else None, markersize=3.5 if len(finite) > 1 else 6)
        values.append(finite.to_numpy())
    ax.set_title(panel.title, fontsize=11)
    ax.set_xlabel(frame.index.name or "epoch")
    ax.set_ylabel(panel.ylabel)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, alpha=0.3)
    if values and _wants_log(np.concatenate(values), panel.log):
        ax.set_yscale("log")
    if ax.lines:
        ax.legend(loc="best", fontsize=9, frameon=False)
    else:
        ax.text(0.5, 0.5, "no finite values", transform=ax.transAxes, ha="center", va="center",
                color="#888888")


def _wants_log(v: np.ndarray, hint: bool | None) -> bool:
    """Log scale for positive data that spans orders of magnitude (or when the panel asks for it)."""
    if v.size == 0 or np.any(v <= 0):
        return False
    if hint is not None:
        return hint and v.max() / v.min() > 1.0001
    return v.max() / v.min() > 1000
