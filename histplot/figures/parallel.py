"""Parallel-coordinates figures: every epoch (or every run) as one line across all metric axes.

Each axis keeps its own units: a line is drawn in coordinates normalised per axis, and every axis
is a twin y axis whose limits (and ticks) are the real values, log-scaled where the data spans
orders of magnitude. NaN leaves a gap in a line rather than a false point.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from ..errors import HistplotError
from ..history import History
from ..readers.memory import as_history
from .display import HistplotFigure
from .layout_once import LayoutOnce

_MAX_NAME = re.compile(
    r"(acc|auc|precision|recall|f1|mcc|iou|dice|jaccard|top_?\d|map|ssim|psnr|r2|score)", re.IGNORECASE
)


def higher_is_better(column: str) -> bool:
    """Accuracy-like names improve upward; losses and errors downward."""
    base = History.base(column)
    return bool(_MAX_NAME.search(base)) and not re.search(r"(loss|error|err)", base, re.IGNORECASE)


@dataclass
class Axis:
    name: str
    values: np.ndarray  # real values, one per line
    log: bool = False
    categories: list[str] | None = None  # for text-valued hyperparameters

    def normalise(self) -> np.ndarray:
        v = self.transformed(self.values)
        lo, hi = self.limits_t()
        return (v - lo) / (hi - lo)

    def transformed(self, v: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(v) if self.log else v.astype(float)

    def limits_t(self) -> tuple[float, float]:
        t = self.transformed(self.values)
        t = t[np.isfinite(t)]
        if t.size == 0:
            return 0.0, 1.0
        lo, hi = float(t.min()), float(t.max())
        if hi - lo < 1e-12:
            pad = abs(lo) * 0.05 or 0.5
            return lo - pad, hi + pad
        return lo, hi

    def limits(self) -> tuple[float, float]:
        lo, hi = self.limits_t()
        return (10**lo, 10**hi) if self.log else (lo, hi)


def _axis(name: str, values: Sequence) -> Axis:
    arr = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").to_numpy(dtype=float, copy=True)
    texts = [v for v in values if isinstance(v, str)]
    if texts and np.isnan(arr).all():
        cats = sorted(set(texts))
        codes = np.array([cats.index(v) if isinstance(v, str) else np.nan for v in values], dtype=float)
        return Axis(name, codes, categories=cats)
    arr[~np.isfinite(arr)] = np.nan
    finite = arr[np.isfinite(arr)]
    log = bool(finite.size and finite.min() > 0 and finite.max() / finite.min() >= 100)
    return Axis(name, arr, log=log)


def epoch_axes(history: History, metrics: Sequence[str] | None = None) -> list[Axis]:
    """One axis per series of one run (all splits and run-level series), one value per epoch."""
    cols = list(metrics) if metrics else list(history.frame.columns)
    missing = [c for c in cols if c not in history.frame.columns]
    if missing:
        raise HistplotError(
            f"no series {', '.join(missing)}; it has: {', '.join(history.frame.columns)}", history.meta.get("source")
        )
    return [_axis(c, history.frame[c].to_numpy()) for c in cols]


def run_axes(histories: Sequence[History], metrics: Sequence[str] | None = None) -> list[Axis]:
    """One line per run: best value of each metric, final training loss, epochs, hyperparameters."""
    columns: dict[str, list] = {}

    def put(name: str, i: int, value) -> None:
        columns.setdefault(name, [None] * len(histories))[i] = value

    for i, h in enumerate(histories):
        put("epochs", i, h.epochs)
        for col in h.frame.columns:
            if History.split(col) is None or (metrics and col not in metrics):
                continue
            s = h.frame[col].to_numpy(dtype=float)
            s = s[np.isfinite(s)]
            if s.size:
                put(f"best {col}", i, s.max() if higher_is_better(col) else s.min())
        for key, value in (h.meta.get("params") or {}).items():
            put(str(key), i, value)

    # Best values first (loss first, each metric's splits side by side), then hyperparameters, then epochs.
    def key(n: str) -> tuple:
        if not n.startswith("best "):
            return (1 + (n == "epochs"), n, 0)
        col = n[5:]
        base = History.base(col)
        return (0, (base != "loss", base), ("train", "val", "test", "unsplit").index(History.split(col) or "unsplit"))

    order = sorted(columns, key=key)
    return [_axis(n, columns[n]) for n in order if any(v is not None for v in columns[n])]


def draw(
    axes_spec: list[Axis], colour_values: np.ndarray, colour_label: str, *, labels: Sequence[str] = (), title: str = ""
) -> Figure:
    """The figure: a twin y axis per variable, lines coloured by ``colour_values``."""
    if len(axes_spec) < 2:
        raise HistplotError("a parallel-coordinates plot needs at least two series")
    n = len(axes_spec)
    fig = HistplotFigure(figsize=(max(7.0, 1.5 * n + 2), 5.2), layout=LayoutOnce())
    host = fig.add_subplot()
    host.set_xlim(-0.05, n - 1 + 0.05)
    host.set_ylim(-0.02, 1.02)
    host.set_yticks([])
    host.set_xticks(range(n))
    host.set_xticklabels([_wrap(a.name) for a in axes_spec], fontsize=9)
    for side in ("top", "right", "left", "bottom"):
        host.spines[side].set_visible(False)
    for i, a in enumerate(axes_spec):
        twin = host.twinx()
        twin.set_label(a.name)
        twin.spines["right"].set_position(("data", i))
        for side in ("top", "left", "bottom"):
            twin.spines[side].set_visible(False)
        if a.log:
            twin.set_yscale("log")
        lo, hi = a.limits()
        pad = (hi / lo) ** 0.02 if a.log else (hi - lo) * 0.02
        twin.set_ylim((lo / pad, hi * pad) if a.log else (lo - pad, hi + pad))
        if a.categories:
            twin.set_yticks(range(len(a.categories)), a.categories)
        twin.tick_params(axis="y", labelsize=8)
    cmap = colormaps["viridis"]
    finite = colour_values[np.isfinite(colour_values)]
    norm = Normalize(finite.min(), finite.max()) if finite.size else Normalize(0, 1)
    ys = np.vstack([a.normalise() for a in axes_spec]).T
    # The host spans -0.02..1.02 and every twin pads its range by 2 %: normalised values line up as is.
    xs = np.arange(n)
    order = np.argsort(np.nan_to_num(colour_values, nan=-np.inf))
    for j in order:
        c = colour_values[j]
        host.plot(xs, ys[j], color=cmap(norm(c)) if np.isfinite(c) else "#bbbbbb", linewidth=1.3, alpha=0.8)
    if labels and len(labels) == len(ys) and len(labels) <= 20:
        # Colour encodes the metric, so a legend below names the run behind each colour.
        for line, j in zip(host.lines, order):
            text = labels[j]
            line.set_label(text if len(text) <= 40 else text[:18] + "…" + text[-21:])
        fig.legend(loc="outside lower center", ncol=min(2, len(labels)), fontsize=8, frameon=False)
    sm = _scalar_mappable(cmap, norm)
    fig.colorbar(sm, ax=host, label=colour_label, pad=0.08, fraction=0.04)
    if title:
        fig.suptitle(title, fontsize=12)
    return fig


def _scalar_mappable(cmap, norm):
    from matplotlib.cm import ScalarMappable

    sm = ScalarMappable(norm=norm, cmap=cmap)
    sm.set_array([])
    return sm


def _wrap(name: str) -> str:
    return name.replace("_", " ").replace(" ", "\n", 1) if len(name) > 12 else name.replace("_", " ")


def parallel(
    histories: Sequence[History], *, by: str = "epoch", color: str | None = None, metrics: Sequence[str] | None = None
) -> Figure:
    """A parallel-coordinates Figure: ``by="epoch"`` for one run, ``by="run"`` across runs."""
    histories = [as_history(h) for h in histories]
    if by == "epoch":
        if len(histories) != 1:
            raise HistplotError("--by epoch draws one run; give one file (or use --by run)")
        h = histories[0]
        spec = epoch_axes(h, metrics)
        if color:
            if color not in h.frame.columns:
                raise HistplotError(
                    f"--color {color}: no such series; it has: {', '.join(h.frame.columns)}", h.meta.get("source")
                )
            cvals, clabel = h.frame[color].to_numpy(dtype=float), color
        else:
            cvals, clabel = h.frame.index.to_numpy(dtype=float), "epoch"
        return draw(spec, cvals, clabel, title=f"{h.label}: {h.epochs} epochs across {len(spec)} series")
    if by == "run":
        spec = run_axes(histories, metrics)
        names = [a.name for a in spec]
        key = color or next((n for n in names if n.startswith("best val_")), None) or names[0]
        if key not in names and f"best {key}" in names:
            key = f"best {key}"
        if key not in names:
            raise HistplotError(f"--color {color}: no such axis; axes are: {', '.join(names)}")
        cvals = spec[names.index(key)].values.astype(float)
        return draw(
            spec,
            cvals,
            key,
            labels=[h.label for h in histories],
            title=f"{len(histories)} runs across {len(spec)} axes",
        )
    raise HistplotError(f"--by must be epoch or run, not {by!r}")
