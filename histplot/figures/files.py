"""``plot``: history file(s) in, figure file(s) out."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ..diagnosis.run import diagnose
from ..errors import HistplotError
from ..history import History
from ..output import FIGURE_FORMATS, refuse_input_overwrite, save_figure
from .xaxis import default_x


def figure_paths(
    sources: Sequence[str], labels: Sequence[str], output: str | os.PathLike | None, fmt: str | None
) -> tuple[list[Path], str]:
    """Where each input's figure goes, and the format, from ``-o`` and ``--format``.

    ``output`` may name a file (one input only) or a directory; without it, figures go to the
    current directory as ``<stem>.<format>``. No figure may replace one of the inputs.
    """
    out = Path(output) if output is not None else None
    as_file = out is not None and out.suffix.lower().lstrip(".") in FIGURE_FORMATS and not out.is_dir()
    if as_file:
        suffix = out.suffix.lower().lstrip(".")
        if fmt and fmt != suffix:
            raise HistplotError(f"-o {out} does not match --format {fmt}")
        if len(sources) > 1:
            raise HistplotError(
                f"-o {out} names one file, but {len(sources)} inputs were given: give a directory instead"
            )
        fmt, paths = suffix, [out]
    else:
        fmt = (fmt or "png").lower()
        if fmt not in FIGURE_FORMATS:
            raise HistplotError(f"unknown figure format '{fmt}'; choose one of {', '.join(FIGURE_FORMATS)}")
        folder = out if out is not None else Path.cwd()
        stems = [safe_stem(label) for label in labels]
        paths = []
        for stem, src in zip(stems, sources):
            if stems.count(stem) > 1 and src != "-":
                stem = safe_stem(f"{Path(src).resolve().parent.name}_{stem}")
            name = stem
            k = 2
            while folder / f"{name}.{fmt}" in paths:
                name, k = f"{stem}_{k}", k + 1
            paths.append(folder / f"{name}.{fmt}")
    # -o naming an input that is not a folder (plot x.json -o x.json) would otherwise be taken for a
    # folder to create; say what it is.
    refuse_input_overwrite(paths + ([out] if out is not None and not out.is_dir() else []), sources)
    return paths, fmt


def overlay_path(sources: Sequence[str], output: str | os.PathLike | None, fmt: str | None) -> tuple[Path, str]:
    """Where ``--overlay``'s one figure of all ``sources`` goes: ``-o`` (a file or a directory), else
    ``overlay.<format>`` in the current directory; never over an input."""
    [path], fmt = figure_paths(["-"], ["overlay"], output, fmt)
    refuse_input_overwrite([path], sources)
    return path, fmt


def safe_stem(label: str) -> str:
    """A file-name-safe stem from a run label."""
    stem = re.sub(r"[^\w.\-]+", "_", label).strip("._") or "history"
    return stem[:120]


def figure(
    history: History,
    *,
    metrics: Sequence[str] | None = None,
    title: str | None = None,
    x: str | None = None,
    options=None,
    annotate: bool = True,
    settings=None,
    diagnosis=None,
):
    """The figure of one history: ``render``, then the diagnosis marked on it (best epoch, overfitting,
    NaN, early stop) when the x axis is epochs; ``settings`` are the diagnose thresholds, and
    ``diagnosis`` one already made (``for_drawing``)."""
    from .panels import render  # start-up time: deciding paths must not import matplotlib (see cli.painter)

    fig = render(history, metrics=metrics, title=title, x=x, options=options)
    # Findings are in epochs: marks on a step axis would land in the wrong place.
    if (x or default_x(history)) != "epoch":
        return fig
    if diagnosis is None and annotate:
        diagnosis = _diagnosis(history, settings)
    if diagnosis is not None:
        from .annotate import annotate as mark  # start-up time: matplotlib, as above

        mark(fig, history, diagnosis)
    return fig


def _diagnosis(history: History, settings=None):
    """The history's diagnosis, or None when it has nothing to monitor (the figure goes unmarked)."""
    try:
        return diagnose(history, settings=settings)
    except HistplotError:
        return None


def for_drawing(
    history: History, *, x: str | None = None, annotate: bool = True, settings=None
) -> tuple[History, dict]:
    """``history`` made ready to be drawn by another process, and what ``figure`` then needs: the
    diagnosis made here (it reads the step rows, for spikes), and, when the figure is by epoch,
    the history without its step rows. A step log's rows are nearly all of its bytes; sending
    millions of them to the drawing process costs more than the diagnosis."""
    x = x or default_x(history)
    if x != "epoch":
        return history, {"x": x}
    diagnosis = _diagnosis(history, settings) if annotate else None
    return replace(history, steps=None), {"x": x, "annotate": False, "diagnosis": diagnosis}


def save_figures(
    histories: Sequence[History],
    paths: Sequence[Path],
    *,
    fmt: str,
    dpi: int = 100,
    each: Sequence[dict] | None = None,
    **figure_kwargs,
) -> list[Path]:
    """``figure`` of each history (``figure_kwargs`` as there, ``each`` a history's own, from
    ``for_drawing``) written to its path; the paths."""
    each = each or [{}] * len(histories)
    return [
        save_figure(figure(h, **{**figure_kwargs, **own}), path, fmt=fmt, dpi=dpi)
        for h, own, path in zip(histories, each, paths)
    ]


def save_overlay(histories: Sequence[History], path: Path, *, fmt: str, dpi: int = 100, **overlay_kwargs) -> Path:
    """``overlay.overlay`` of the histories written to ``path``."""
    from .overlay import overlay  # start-up time: matplotlib, as in figure()

    return save_figure(overlay(histories, **overlay_kwargs), path, fmt=fmt, dpi=dpi)


def plot(
    history: History,
    output: str | os.PathLike | None = None,
    *,
    format: str | None = None,
    metrics: Sequence[str] | None = None,
    dpi: int = 100,
    title: str | None = None,
    annotate: bool = True,
    x: str | None = None,
    options=None,
) -> Path:
    """Render ``history`` and write it to ``output`` (a file or a directory); returns the path.

    ``annotate`` marks the diagnosis on the figure when the x axis is epochs; ``x`` is "epoch" or
    "step" (default: what suits the history); ``options`` is a ``figures.options.FigureOptions`` (smoothing,
    log axes, y limits, panels, style).
    """
    source = history.meta.get("source") or "-"
    [path], fmt = figure_paths([source], [history.label], output, format)
    fig = figure(history, metrics=metrics, title=title, x=x, options=options, annotate=annotate)
    return save_figure(fig, path, fmt=fmt, dpi=dpi)
