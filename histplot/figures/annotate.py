"""Marks on a rendered figure from a diagnosis: best epoch, overfitting region, non-finite epochs,
divergence, spikes and the EarlyStopping point (DESIGN §6).

Panels are found by ``ax.get_label()`` (set by ``panels.draw_panel`` to the panel name), so this
module needs nothing from ``render`` but the figure. Marks are few and light: one marker with a
short label, one shaded span, one vertical line, each named once in the legend.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from ..diagnosis.findings import Diagnosis
from ..diagnosis.run import diagnose_or_none
from ..display import number
from ..history import History
from . import legends
from .layout_once import LayoutOnce

BEST_COLOR = "#2b2b2b"
OVERFIT_COLOR = "#ff7f0e"
NONFINITE_COLOR = "#d62728"
STOP_COLOR = "#6a3d9a"


def annotate_history(fig: Figure, history: History, **settings) -> Diagnosis | None:
    """Diagnose ``history`` (with ``Settings`` overrides) and mark the figure; None if it cannot be."""
    d = diagnose_or_none(history, **settings)
    if d is None:
        return None  # nothing to monitor: the figure stays as drawn
    annotate(fig, history, d)
    return d


def _panels(fig: Figure) -> dict[str, object]:
    return {ax.get_label(): ax for ax in fig.axes if ax.get_visible() and ax.get_label()}


def _panel_columns(history: History, name: str) -> list[str]:
    groups = history.metrics()
    if name in groups:
        return list(groups[name].values())
    return [name] if name in history.frame.columns else []


def annotate(fig: Figure, history: History, diagnosis: Diagnosis) -> Figure:
    """Draw the diagnosis onto ``fig`` (a figure of ``history`` from ``render``); returns ``fig``."""
    panels = _panels(fig)
    monitor = diagnosis.monitor
    mon_ax = panels.get(history.base(monitor)) if monitor else None
    if mon_ax is None and monitor:
        mon_ax = panels.get(monitor)
    touched = set()

    over = diagnosis.first("overfitting")
    if over is not None:
        onset, end = over.numbers["onset"], int(history.frame.index[-1])
        # the verdict is about the monitored series: other loss panels (a detector's box, class and
        # DFL losses) are not shaded, where flat noise would look like a finding of its own
        for ax in [mon_ax] if mon_ax is not None else []:
            ax.axvspan(
                onset,
                end,
                color=OVERFIT_COLOR,
                alpha=0.13,
                linewidth=0,
                zorder=0,
                label=f"overfitting from epoch {onset}",
            )
            touched.add(ax)

    stop = diagnosis.first("early_stopping")
    if stop is not None and mon_ax is not None:
        e = stop.numbers["stopped_epoch"]
        # where the callback would have stopped this run, had it been on: "stop" alone read as if
        # training had been stopped there
        mon_ax.axvline(
            e,
            color=STOP_COLOR,
            linestyle=":",
            linewidth=1.4,
            zorder=1,
            label=f"EarlyStopping(patience={stop.numbers['patience']}) would stop: epoch {e}",
        )
        touched.add(mon_ax)

    for name, ax in panels.items():
        bad = sorted({e for col in _panel_columns(history, name) for e in history.nonfinite(col)})
        if bad:
            _mark_nonfinite(ax, bad)
            touched.add(ax)

    for f in diagnosis.found("divergence"):
        if "onset" in f.numbers and f.numbers.get("column"):
            ax = panels.get(history.base(f.numbers["column"]))
            if ax is not None:
                ax.axvline(
                    f.numbers["onset"],
                    color=NONFINITE_COLOR,
                    linestyle="--",
                    linewidth=1.2,
                    label=f"diverged (epoch {f.numbers['onset']})",
                )
                touched.add(ax)

    for f in diagnosis.found("spike"):
        col = f.numbers.get("column")
        ax = panels.get(history.base(col)) if col else None
        if ax is not None and f.epochs:
            y = history.frame.loc[f.epochs, col].to_numpy(dtype=float)
            ax.plot(
                f.epochs,
                y,
                linestyle="none",
                marker="o",
                markersize=10,
                markerfacecolor="none",
                markeredgecolor=NONFINITE_COLOR,
                markeredgewidth=1.3,
                zorder=6,
                label="spike",
            )
            touched.add(ax)

    best = diagnosis.first("best_epoch")
    label = None
    if best is not None and mon_ax is not None:
        label = _mark_best(mon_ax, best.numbers["epoch"], best.numbers["value"], diagnosis)
        touched.add(mon_ax)

    for ax in touched:
        legends.legend(ax, loc="best", fontsize=7.5, frameon=True, framealpha=0.8, edgecolor="none")
    if label is not None:
        place_clear(fig, mon_ax, label)
    return fig


# Offsets (points) and alignment tried in turn for the best-epoch label: beside the star, then above
# or below it, then further out; the first that stays inside the axes and clear of text wins.
_PLACES = (
    (0, 12, "center", "bottom"),
    (0, -12, "center", "top"),
    (-10, 10, "right", "bottom"),
    (10, 10, "left", "bottom"),
    (-10, -10, "right", "top"),
    (10, -10, "left", "top"),
    (0, 30, "center", "bottom"),
    (0, -30, "center", "top"),
)


def place_clear(fig: Figure, ax, label) -> bool:
    """Move ``label`` (an annotation in ``ax``) to the first place inside the axes that overlaps no
    tick label, title or legend, measured on the laid-out figure; False when none is clear (it stays)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # only figures that carry a label pay

    canvas = fig.canvas if hasattr(fig.canvas, "get_renderer") else FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    # Laying the figure out is all the measuring needs (a draw would cost as much again); with
    # ``LayoutOnce`` the layout found here also serves the savefig that follows.
    # The label ends up inside the axes, so where it starts must not make the layout give it room.
    label.set_in_layout(False)
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
    texts = [ax.title, *ax.get_xticklabels(), *ax.get_yticklabels(), ax.xaxis.label, ax.yaxis.label]
    texts += [t for t in (getattr(fig, "_suptitle", None), getattr(fig, "_supxlabel", None)) if t is not None]
    boxes = [t.get_window_extent(renderer) for t in texts if t.get_visible() and t.get_text()]
    boxes += [lg.get_window_extent(renderer) for lg in [ax.get_legend()] if lg is not None]
    inside = ax.get_window_extent(renderer)
    first = (*label.get_position(), label.get_ha(), label.get_va())
    ordered = sorted(_PLACES, key=lambda p: (p[1] > 0) != (first[1] > 0))  # the preferred side first
    for dx, dy, ha, va in ordered:
        label.set_position((dx, dy))
        label.set_ha(ha)
        label.set_va(va)
        box = label.get_window_extent(renderer)
        fits = inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0 and box.y1 <= inside.y1
        if fits and not any(box.overlaps(b) for b in boxes):
            return True
    label.set_position(first[:2])
    label.set_ha(first[2])
    label.set_va(first[3])
    label.set_in_layout(True)  # it stays where it started, which may be outside: make room for it
    if isinstance(engine, LayoutOnce):
        engine.invalidate()
    return False


def _mark_best(ax, epoch: int, value: float, d: Diagnosis):
    ax.plot(
        [epoch],
        [value],
        linestyle="none",
        marker="*",
        markersize=13,
        color="#ffd700",
        markeredgecolor=BEST_COLOR,
        markeredgewidth=0.9,
        zorder=7,
        label="_best",
    )
    # The label goes inside the bend of the curve, where there is room: above a minimum, below a
    # maximum (training curves usually lie on the other side).
    below = d.mode == "max"
    return ax.annotate(
        f"best {number(value)}\nepoch {epoch}",
        xy=(epoch, value),
        xytext=(0, -12 if below else 12),
        textcoords="offset points",
        ha="center",
        va="top" if below else "bottom",
        fontsize=8,
        color=BEST_COLOR,
        zorder=8,
        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
    )


def _mark_nonfinite(ax, epochs: list[int]) -> None:
    """Shade each run of non-finite epochs and put an x per epoch along the bottom edge."""
    runs: list[list[int]] = []
    for e in epochs:
        if runs and e == runs[-1][-1] + 1:
            runs[-1].append(e)
        else:
            runs.append([e])
    for i, run in enumerate(runs):
        ax.axvspan(
            run[0] - 0.5,
            run[-1] + 0.5,
            color=NONFINITE_COLOR,
            alpha=0.10,
            linewidth=0,
            zorder=0,
            label=f"NaN/inf from epoch {epochs[0]}" if i == 0 else None,
        )
    trans = blended_transform_factory(ax.transData, ax.transAxes)
    xs = np.asarray(epochs)
    ax.plot(
        xs,
        np.full(xs.shape, 0.03),
        transform=trans,
        linestyle="none",
        marker="x",
        markersize=5,
        color=NONFINITE_COLOR,
        zorder=6,
        clip_on=False,
    )
