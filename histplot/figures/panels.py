"""Figures from a History: a panel per base metric, train and held-out splits together.

Only ``matplotlib.figure.Figure`` is used, never pyplot, so nothing global is touched and
figures are freed as soon as they are dropped.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from ..diagnosis.monitor import auto_mode, is_loss_like
from ..errors import HistplotError
from ..history import History
from ..naming.runs import run_name_of
from ..readers.memory import as_history
from . import legends, yrange
from .dashboard import group_panel
from .decimation import minmax
from .display import HistplotFigure
from .layout import Layout, layout, panels, select  # noqa: F401  (panels, select: the public names)
from .layout_once import LayoutOnce
from .options import FigureOptions, style_axes, style_context, user_y
from .smoothing import ema
from .style import AUX_COLOR, SPLIT_STYLE, Panel
from .xaxis import frame_for_x, step_ticks

MAX_COLUMNS = 3
PANEL_SIZE = (5.0, 3.4)
RAW_ALPHA = 0.25  # the raw curve behind a smoothed one: there, but not competing


def render(
    history: History,
    *,
    metrics: Sequence[str] | None = None,
    title: str | None = None,
    panel_list: list[Panel] | None = None,
    x: str | None = None,
    options=None,
) -> Figure:
    """A Figure of the history, one panel per metric; ``x`` is ``epoch`` or ``step`` (None: by the data).

    ``options`` (``figures.options.FigureOptions``) adds smoothing, log axes, y limits, histplot.yaml's
    panels and the figure's look; ``metrics`` wins over its panels.
    """
    history = as_history(history)
    opts = options or FigureOptions()
    frame, _ = frame_for_x(history, x)
    plan = Layout([])
    if panel_list is not None:
        plist = panel_list
    elif metrics or not opts.panels:
        plan = layout(history, metrics, every=opts.every)
        plist = plan.panels
    else:
        plist = figure_panels(history, opts.panels)
    if not plist:
        raise HistplotError("nothing to plot", history.meta.get("source"))
    with style_context(opts):
        fig, axes = figure_grid(len(plist), opts.size)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            # Extreme but legal values (1e308) make matplotlib warn about overflow it then handles.
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)  # matplotlib's "singular limits" and the like
            for ax, panel in zip(axes, plist):
                draw_panel(ax, frame, panel, smooth=opts.smooth, monitor=plan.monitor)
                if frame.index.name == "epoch":
                    mark_final(ax, history, panel, frame)
                style_axes(ax, panel, opts)
                yrange.fit(ax, robust=opts.robust, fixed=user_y(panel, opts))
        set_title(fig, title if title is not None else _default_title(history))
        footer = plan.footer(width=int(fig.get_figwidth() * 14))
        if footer:
            fig.supxlabel(footer, fontsize=8, color="#666666")
    return fig


def mark_final(ax, history: History, panel: Panel, frame: pd.DataFrame) -> None:
    """The final evaluation (values written after training) as a diamond one step past the last epoch,
    in its split's colour: beside the curve, never on it."""
    if not history.final or not len(frame.index):
        return
    x = int(frame.index.max()) + 1
    for col, value in history.final.items():
        split, base = History.split(col), History.base(col)
        if base != panel.name or not np.isfinite(value):
            continue
        style = SPLIT_STYLE.get(split or "", {"color": AUX_COLOR, "label": col})
        ax.plot(
            [x],
            [value],
            marker="D",
            markersize=7,
            linestyle="none",
            color=style["color"],
            label=f"final {style['label']} (after training)",
        )
        legend(ax, panel)


def figure_grid(n: int, size: tuple[float, float] | None = None) -> tuple[Figure, list]:
    """A figure with ``n`` panel axes (at most ``MAX_COLUMNS`` a row; spare ones hidden)."""
    ncols = min(MAX_COLUMNS, n)
    nrows = math.ceil(n / ncols)
    width = max(PANEL_SIZE[0] * ncols, 6.4)
    fig = HistplotFigure(figsize=size or (width, PANEL_SIZE[1] * nrows + 0.6), layout=LayoutOnce())
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, list(axes[:n])


def set_title(fig: Figure, text: str) -> None:
    # Long run names would run off a narrow figure: wrap at about the characters that fit.
    fig.suptitle(wrap(text, int(fig.get_figwidth() * 8.5)), fontsize=13)


def wrap(text: str, width: int) -> str:
    """``text`` in lines of at most ``width`` characters, broken after spaces, underscores, slashes
    and hyphens (file and run names have no spaces), a word longer than a line cut as a last resort."""
    lines: list[str] = []
    line = ""
    for token in re.findall(r"[^\s_/\-]*[\s_/\-]*", text):
        if not token:
            continue
        if line and len(line) + len(token.rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        while len(token) > width:
            lines.append(token[:width])
            token = token[width:]
        line += token
    if line.strip():
        lines.append(line.rstrip())
    return "\n".join(lines)


def _default_title(history: History) -> str:
    fmt = history.meta.get("format")
    n = history.epochs
    # a run logged by step only has rows, not epochs
    count = f"{n} epoch{'s' if n != 1 else ''}" if history.epoch_clock else f"{n} logged row{'s' if n != 1 else ''}"
    return f"{run_title(history)}  ({count}{', ' + fmt if fmt else ''})"


def run_title(history: History) -> str:
    """The run's own name (TensorBoard run folder, MLflow runName, Trainer output folder, Lightning
    experiment/version_N), else the label its reader gave, else the file name."""
    return run_name_of(history.meta) or history.label


def draw_panel(ax, frame: pd.DataFrame, panel: Panel, smooth: float | None = None, monitor: str | None = None) -> None:
    """Draw one panel's series into ``ax``: finite points only, sparse series joined with markers.

    ``smooth`` draws each metric's curve smoothed (``smoothing.ema``) in front of a faint copy of the raw
    one; run-level series (learning rate, time) are drawn as they are.
    """
    ax.set_label(panel.name)
    values = []
    for col, style in panel.series:
        s = frame[col]
        finite = s[np.isfinite(s.to_numpy(dtype=float))]
        if finite.empty:
            continue
        if frame.index.name != "epoch":  # step and time frames interleave series, so gaps say nothing
            sparse = len(finite) <= 60
        else:
            sparse = len(finite) < len(s.dropna()) or s.isna().any() or len(finite) <= 30
        x, y = finite.index.to_numpy(), finite.to_numpy()
        # the legend's numbers: the raw values (smoothing only changes the drawing)
        best = auto_mode(col) if col == monitor else None
        legends.remember(ax, style["label"], x, y.astype(float), best=best, x_name=str(frame.index.name))
        if style.get("defined_by"):
            # A derived value that is NaN although its inputs exist is undefined (0/0): leave a gap
            # there rather than join across it. Epochs without inputs are still joined over.
            rows = frame[list(style["defined_by"])].notna().all(axis=1).to_numpy()
            v = s.to_numpy(dtype=float)[rows]
            x, y = s.index.to_numpy()[rows], np.where(np.isfinite(v), v, np.nan)
            sparse = rows.sum() < len(s) or rows.sum() <= 30
        if smooth and History.split(col) is not None:  # a learning-rate schedule is not noise
            ax.plot(
                *minmax(x, y),
                color=style["color"],
                linestyle=style["linestyle"],
                alpha=RAW_ALPHA,
                linewidth=1.0,
                label="_raw",
            )
            y = ema(y, smooth)
        x, y = minmax(x, y)
        ax.plot(
            x,
            y,
            color=style["color"],
            linestyle=style["linestyle"],
            label=style["label"],
            linewidth=style.get("linewidth", 1.6),
            marker="o" if sparse else None,
            markersize=3.5 if len(finite) > 1 else 6,
        )
        values.append(finite.to_numpy())
    # y given: matplotlib then does not measure the y axis again at every draw to lift the title over
    # an offset text ("1e-6" above the axis), which ``yrange.fit`` never lets a panel have, nor top
    # ticks: a tenth of a report's CPU time.
    ax.set_title(panel.title, fontsize=11, y=1.0)
    ax.set_xlabel(frame.index.name or "epoch")
    ax.set_ylabel(panel.ylabel)
    by_time = str(frame.index.name).startswith("time")  # elapsed time is continuous: no integer ticks
    if frame.index.name == "step":
        step_ticks(ax)
    elif not by_time:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if not by_time and len(frame.index) and frame.index[-1] - frame.index[0] < 2:
        # Autoscaling a run of one or two epochs would show fractional epochs.
        ax.set_xlim(frame.index[0] - 0.5, frame.index[-1] + 0.5)
        ax.set_xticks(list(frame.index))
    ax.grid(True, alpha=0.3)
    if values:
        v = np.concatenate(values)
        # an overlay draws each run into the same axes: one record per run
        setattr(ax, yrange.ALL_VALUES, [*getattr(ax, yrange.ALL_VALUES, []), v.astype(float)])
        falls = is_loss_like(panel.name) and any(yrange.falls_by_orders(part) for part in values)
        if _wants_log(v, panel.log) or (panel.log is None and falls):
            ax.set_yscale("log")
        elif _needs_symlog(v):
            ax.set_yscale("symlog", linthresh=max(float(np.min(np.abs(v[v != 0]), initial=1.0)), 1e-300))
    if ax.lines:
        legend(ax, panel)
    else:
        ax.text(0.5, 0.5, "no finite values", transform=ax.transAxes, ha="center", va="center", color="#888888")


def legend(ax, panel: Panel) -> None:
    """The panel's legend: its own keyword arguments (a key of (colour, style, label) triples) or the default."""
    kwargs = dict(panel.legend or {"loc": "best", "fontsize": 9, "frameon": False})
    if "handles" in kwargs:
        kwargs["handles"] = [Line2D([], [], color=c, lw=2, linestyle=ls, label=lab) for c, ls, lab in kwargs["handles"]]
    legends.legend(ax, **kwargs)


def _needs_symlog(v: np.ndarray) -> bool:
    """Values of both signs over many orders of magnitude, or a range too wide for a float (±1e308)."""
    with np.errstate(over="ignore"):
        span = float(v.max()) - float(v.min())
    big = np.abs(v).max()
    return not np.isfinite(span) or (v.min() < 0 < v.max() and big > 1e12)


def _wants_log(v: np.ndarray, hint: bool | None) -> bool:
    """Log scale for positive data that spans orders of magnitude (or when the panel asks for it)."""
    if v.size == 0 or np.any(v <= 0):
        return False
    if hint is not None:
        # a schedule within less than one order of magnitude reads better on a linear axis (no 4.7e-5 ladder)
        return hint and v.max() / v.min() > 9.99
    return v.max() / v.min() > 1000


def figure_panels(history, spec: Sequence[Sequence[str]]) -> list:
    """The panels histplot.yaml's ``plot.panels`` asks for: one name draws that metric's usual panel,
    several names share one panel (colour per metric, line style per split). Names this history
    lacks are skipped, since one config serves many runs; with none left, the default layout."""
    groups = history.metrics()
    out = []
    for names in spec:
        present = list(dict.fromkeys(history.base(n) for n in names if history.base(n) in groups))
        if len(names) > 1 and len(present) > 1:
            out.append(
                group_panel("+".join(present), " / ".join(n.replace("_", " ") for n in present), present, groups)
            )
            continue
        for name in present or names:
            try:
                [p] = panels(history, [name])
            except HistplotError:
                continue
            if p not in out:
                out.append(p)
    return out or panels(history)
