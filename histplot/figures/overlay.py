"""Several runs in one figure (``histplot plot --overlay``): a panel per metric, a colour per run.

Train is solid, validation dashed and test dash-dot, as in single-run figures; one legend under the
figure keys the runs by colour and the splits by line style. With ``band=True`` the runs are taken
as seeds of one configuration: per split, the mean across runs and a band of ±1 sample standard
deviation (ddof=1), aligned on epoch. Where runs have different lengths, each epoch's statistics
use the runs that reached it, and the figure says how many that was.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import PurePath

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..errors import HistplotError
from ..history import History
from ..readers.memory import as_history
from . import yrange
from .options import FigureOptions, style_axes, style_context, user_y
from .panels import draw_panel, figure_grid, panels, set_title
from .style import AUX_COLOR, SPLIT_STYLE, Panel, pretty
from .xaxis import frame_for_x

SPLITS = ("train", "val", "test")
BAND_ALPHA = 0.2


def run_colors(n: int) -> list:
    """A qualitative colour per run (tab10, tab20 beyond ten runs, repeating beyond twenty)."""
    import matplotlib

    palette = matplotlib.colormaps["tab10" if n <= 10 else "tab20"].colors
    return [palette[i % len(palette)] for i in range(n)]


def run_labels(histories: Sequence[History], labels: Sequence[str] | None = None) -> list[str]:
    """``labels`` when given (one per run), else the runs' labels made unique with their folders."""
    if labels:
        if len(labels) != len(histories):
            raise HistplotError(f"{len(labels)} label(s) given for {len(histories)} runs")
        return [str(x) for x in labels]
    base = [h.label for h in histories]
    parts = [PurePath(h.meta.get("source") or h.label).parent.parts for h in histories]

    def named(i: int, depth: int) -> str:
        return "/".join([*parts[i][len(parts[i]) - depth :], base[i]])

    out: list[str] = []
    for i in range(len(histories)):
        # seed1/metrics and seed2/metrics: as many folders as it takes to tell them apart.
        depth = 0
        while depth < len(parts[i]) and sum(named(j, depth) == named(i, depth) for j in range(len(base))) > 1:
            depth += 1
        label = first = named(i, depth)
        k = 2
        while label in out:
            label, k = f"{first} #{k}", k + 1
        out.append(label)
    return out


def overlay(
    histories: Sequence[History],
    *,
    labels: Sequence[str] | None = None,
    band: bool = False,
    metrics: Sequence[str] | None = None,
    options: FigureOptions | None = None,
    title: str | None = None,
    x: str | None = None,
) -> Figure:
    """One figure comparing ``histories``: every run's curves (or, with ``band``, their mean ± std)."""
    if not histories:
        raise HistplotError("no runs to overlay")
    histories = [as_history(h) for h in histories]
    opts = options or FigureOptions()
    names = run_labels(histories, labels)
    x = x or "epoch"
    frames = [frame_for_x(h, x)[0] for h in histories]
    wanted = metrics or [n for group in opts.panels for n in group] or None
    bases = panel_names(histories, wanted)
    with style_context(opts), np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fig, axes = figure_grid(len(bases), opts.size)
        notes: dict[str, list[str]] = {}  # runs-per-epoch text -> the panels it applies to
        for ax, base in zip(axes, bases):
            if band:
                note = _draw_band(ax, histories, frames, base, opts)
                if note:
                    notes.setdefault(note, []).append(pretty(base))
            else:
                _draw_runs(ax, histories, frames, base, names, opts)
            shown = Panel(base, pretty(base), _columns_of(histories, base))
            style_axes(ax, shown, opts)
            yrange.fit(ax, robust=opts.robust, fixed=user_y(shown, opts))
            if ax.get_legend() is not None:
                ax.get_legend().remove()
        note = None
        if notes:
            note = (
                f"mean and std over the runs present at each {frames[0].index.name or 'epoch'} "
                "(no band where one is left): " + "; ".join(f"{', '.join(p)}: {t}" for t, p in notes.items())
            )
        _legend(fig, histories, bases, names, band, note=note)
        default = (
            (f"mean ± 1 std of {len(histories)} runs" if band else f"{len(histories)} runs") + ": " + ", ".join(names)
        )
        set_title(fig, title if title is not None else default)
    return fig


def panel_names(histories: Sequence[History], metrics: Sequence[str] | None = None) -> list[str]:
    """The metrics drawn: those named, else every run's default single-metric panels, loss first."""
    known: dict[str, None] = {}
    for h in histories:
        for col in h.frame.columns:
            known.setdefault(History.base(col) if History.split(col) else col)
    if metrics:
        out = []
        for m in metrics:
            name = m if m in known else History.base(m)
            if name not in known:
                raise HistplotError(f"no metric '{m}' in any of the runs; they have: {', '.join(known)}")
            if name not in out:
                out.append(name)
        return out
    shown: dict[str, None] = {}
    for h in histories:
        for p in panels(h):
            # Panels that group metrics or classes colour by metric or class; here colour is the run.
            # The learning-rate panel is named for all its groups; here its first group stands for it.
            name = p.name if p.name in known else next((a for a in p.aliases if a in known), None)
            if name is not None and (p.kind in ("metric", "lr", "aux")):
                shown.setdefault(name)
    return sorted(shown, key=lambda b: b != "loss")


def _log_hint(histories: Sequence[History], base: str) -> bool | None:
    """The single-run panel's log hint (the learning rate is drawn on a log axis)."""
    return next((p.log for h in histories for p in panels(h) if p.name == base), None)


def _columns_of(histories: Sequence[History], base: str) -> list[tuple[str, dict]]:
    cols = {c for h in histories for c in h.frame.columns if c == base or History.base(c) == base}
    return [(c, {}) for c in sorted(cols)]


def _run_series(history: History, base: str) -> list[tuple[str, str | None]]:
    """(column, split) of ``base`` in one run; split None for a run-level series."""
    groups = history.metrics()
    if base in groups:
        return [(groups[base][s], s) for s in SPLITS if s in groups[base]]
    return [(base, None)] if base in history.frame.columns else []


def _draw_runs(ax, histories, frames, base, labels, opts: FigureOptions) -> None:
    for h, frame, label, color in zip(histories, frames, labels, run_colors(len(histories))):
        series = []
        for col, split in _run_series(h, base):
            if col not in frame.columns:
                continue
            style = SPLIT_STYLE.get(split, {"linestyle": "-", "label": ""})
            series.append(
                (
                    col,
                    {
                        "color": color,
                        "linestyle": style["linestyle"],
                        "label": f"{label} ({style['label']})" if split else label,
                    },
                )
            )
        if series:
            draw_panel(
                ax,
                frame,
                Panel(base, pretty(base), series, ylabel=pretty(base), log=_log_hint([h], base)),
                smooth=opts.smooth,
            )
    _drop_empty_text(ax)


def band_stats(series: Sequence[pd.Series]) -> pd.DataFrame:
    """Per index value (epoch): ``mean``, ``std`` (ddof=1) and ``n``, over the series that have a finite
    value there; runs of different lengths are aligned on the index."""
    table = pd.concat([s.replace([np.inf, -np.inf], np.nan) for s in series], axis=1, join="outer").sort_index()
    table = table.astype(float)
    return pd.DataFrame(
        {
            "mean": table.mean(axis=1, skipna=True),
            "std": table.std(axis=1, ddof=1, skipna=True),
            "n": table.notna().sum(axis=1),
        }
    )


def _draw_band(ax, histories, frames, base, opts: FigureOptions) -> str | None:
    """Mean line and ±1 std band per split; returns a note when the number of runs varies."""
    note = None
    by_split: dict[str | None, list[pd.Series]] = {}
    for h, frame in zip(histories, frames):
        for col, split in _run_series(h, base):
            if col in frame.columns:
                by_split.setdefault(split, []).append(frame[col])
    for split, series in by_split.items():
        stats = band_stats(series)
        stats = stats[stats["n"] > 0]
        style = SPLIT_STYLE.get(split, {"color": AUX_COLOR, "linestyle": "-", "label": pretty(base)})
        col = str(series[0].name)
        mean = stats[["mean"]].rename(columns={"mean": col})
        mean.index.name = frames[0].index.name
        panel = Panel(
            base,
            pretty(base),
            [(col, {**style, "label": f"{style['label']} mean"})],
            ylabel=pretty(base),
            log=_log_hint(histories, base),
        )
        draw_panel(ax, mean, panel, smooth=opts.smooth)
        idx = stats.index.to_numpy()
        lo, hi = (stats["mean"] - stats["std"]).to_numpy(), (stats["mean"] + stats["std"]).to_numpy()
        ax.fill_between(
            idx, lo, hi, color=style["color"], alpha=BAND_ALPHA, linewidth=0, label=f"{style['label']} ±1 std"
        )
        note = note or _count_note(stats["n"], len(series))
    _drop_empty_text(ax)
    return note


def _count_note(n: pd.Series, total: int) -> str | None:
    """'3 of 3 runs at 1-30, 2 at 31-40' when not every run covers every epoch, else None."""
    if n.empty or (n == total).all():
        return None
    spans: list[list] = []
    for at, count in n.items():
        if spans and spans[-1][0] == count:
            spans[-1][2] = at
        else:
            spans.append([int(count), at, at])
    text = ", ".join(f"{c} at {a}" if a == b else f"{c} at {a}-{b}" for c, a, b in spans)
    return f"{text} (of {total} runs)"


def _drop_empty_text(ax) -> None:
    # draw_panel marks an axes with no finite values; a later run may have filled it.
    if ax.lines:
        for t in list(ax.texts):
            if t.get_text() == "no finite values":
                t.remove()


def _legend(fig: Figure, histories, bases, labels, band: bool, note: str | None = None) -> None:
    """One key for the whole figure: runs by colour (or splits, with a band) and splits by line style."""
    present = [s for s in SPLITS if any(s in h.metrics().get(b, {}) for h in histories for b in bases)]
    if band:
        handles = []
        for s in present or [None]:
            st = SPLIT_STYLE.get(s, {"color": AUX_COLOR, "linestyle": "-", "label": "value"})
            handles += [
                Line2D([], [], color=st["color"], linestyle=st["linestyle"], lw=1.8, label=f"{st['label']} mean"),
                Patch(color=st["color"], alpha=BAND_ALPHA + 0.1, label=f"{st['label']} ±1 std"),
            ]
    else:
        handles = [Line2D([], [], color=c, lw=2.4, label=lab) for c, lab in zip(run_colors(len(labels)), labels)]
        if len(present) > 1:
            handles += [
                Line2D(
                    [],
                    [],
                    color="#555555",
                    lw=1.4,
                    linestyle=SPLIT_STYLE[s]["linestyle"],
                    label=SPLIT_STYLE[s]["label"],
                )
                for s in present
            ]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=len(handles) if len(handles) <= 6 else 4,
        fontsize=9,
        frameon=False,
        title=note,
        title_fontsize=8.5,
    )
