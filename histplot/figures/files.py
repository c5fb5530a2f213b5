"""``plot``: history file(s) in, figure file(s) out."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ..diagnosis.run import diagnose_or_none
from ..errors import HistplotError
from ..history import History
from ..output import DEFAULT_DPI, IMAGE_FORMATS, refuse_input_overwrite, save_figure, write_figure
from ..readers.memory import as_history
from .xaxis import default_x


def figure_paths(
    sources: Sequence[str], labels: Sequence[str], output: str | os.PathLike | None, fmt: str | None
) -> tuple[list[Path], str]:
    """Where each input's figure goes, and the format, from ``-o`` and ``--format``.

    ``output`` may name a file (one input only) or a directory; without it, figures go to the
    current directory as ``<stem>.<format>``. No figure may replace one of the inputs.
    """
    out = Path(output) if output is not None else None
    if out is not None and not out.is_dir():  # plot x.json -o x.json: the input comes first, not its suffix
        refuse_input_overwrite([out], sources)
    as_file = out is not None and _names_a_file(str(output))
    if as_file and out.suffix.lower().lstrip(".") not in IMAGE_FORMATS:
        raise HistplotError(
            f"unknown figure format '{out.suffix.lstrip('.')}'; choose one of {', '.join(IMAGE_FORMATS)} "
            "(or end a directory name with /)",
            out,
        )
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
        if fmt not in IMAGE_FORMATS:
            raise HistplotError(f"unknown figure format '{fmt}'; choose one of {', '.join(IMAGE_FORMATS)}")
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


def _names_a_file(output: str) -> bool:
    """``-o x.png`` names a file, ``-o figures``, ``-o runs.v2/`` and an existing folder a directory:
    a suffix means a file, so that ``-o x.txt`` is an error rather than a folder named x.txt."""
    if output.endswith(("/", os.sep)) or Path(output).is_dir():
        return False
    return bool(Path(output).suffix)


def figure_bytes(
    histories: Sequence[History], *, fmt: str = "png", dpi: int = DEFAULT_DPI, each=None, **kwargs
) -> bytes:
    """One figure as bytes (``plot -o -``): of the single history, or an overlay when ``overlay`` is given."""
    import io

    buf = io.BytesIO()
    overlay_kwargs = kwargs.pop("overlay", None)
    if overlay_kwargs is not None:
        from .overlay import overlay  # start-up time: matplotlib, as in figure()

        fig = overlay(histories, **overlay_kwargs)
    else:
        fig = figure(histories[0], **{**kwargs, **(each[0] if each else {})})
    write_figure(fig, buf, fmt=fmt, dpi=dpi)
    return buf.getvalue()


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
        diagnosis = diagnose_or_none(history, settings=settings)
    if diagnosis is not None:
        from .annotate import annotate as mark  # start-up time: matplotlib, as above

        mark(fig, history, diagnosis)
    return fig


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
    diagnosis = diagnose_or_none(history, settings=settings) if annotate else None
    return replace(history, steps=None), {"x": x, "annotate": False, "diagnosis": diagnosis}


def save_figures(
    histories: Sequence[History],
    paths: Sequence[Path],
    *,
    fmt: str,
    dpi: int = DEFAULT_DPI,
    each: Sequence[dict] | None = None,
    hist_epochs: Sequence[int] | None = None,
    **figure_kwargs,
) -> list[Path]:
    """``figure`` of each history (``figure_kwargs`` as there, ``each`` a history's own, from
    ``for_drawing``) written to its path; the paths."""
    each = each or [{}] * len(histories)
    out: list[Path] = []
    for h, own, path in zip(histories, each, paths):
        out.append(save_figure(figure(h, **{**figure_kwargs, **own}), path, fmt=fmt, dpi=dpi))
        out += save_extra_figures(h, path, fmt=fmt, dpi=dpi, epochs=hist_epochs)
    return out


def extra_path(path: Path, kind: str) -> Path:
    """``run.png`` -> ``run-confusion.png``: a history's second and third figures sit beside its first."""
    return path.with_name(f"{path.stem}-{kind}{path.suffix}")


def save_extra_figures(
    history: History, path: Path, *, fmt: str, dpi: int = 100, epochs: Sequence[int] | None = None
) -> list[Path]:
    """The confusion-matrix and distribution figures of ``history``, when it logged matrices or
    histograms, written beside ``path`` (``NAME-confusion``, ``NAME-distributions``); ``epochs`` are
    the ones whose histograms are overlaid (default first, best, last)."""
    out: list[Path] = []
    if history.matrices:
        from .confusion import confusion_figure  # start-up time: matplotlib, as in figure()

        out.append(save_figure(confusion_figure(history), extra_path(path, "confusion"), fmt=fmt, dpi=dpi))
    if history.distributions:
        from .distributions import distribution_figure  # start-up time: as above

        out.append(
            save_figure(
                distribution_figure(history, epochs=epochs), extra_path(path, "distributions"), fmt=fmt, dpi=dpi
            )
        )
    return out


def save_overlay(
    histories: Sequence[History], path: Path, *, fmt: str, dpi: int = DEFAULT_DPI, **overlay_kwargs
) -> Path:
    """``overlay.overlay`` of the histories written to ``path``."""
    from .overlay import overlay  # start-up time: matplotlib, as in figure()

    return save_figure(overlay(histories, **overlay_kwargs), path, fmt=fmt, dpi=dpi)


def plot(
    history: History,
    output: str | os.PathLike | None = None,
    *,
    format: str | None = None,
    metrics: Sequence[str] | None = None,
    dpi: int = DEFAULT_DPI,
    title: str | None = None,
    annotate: bool = True,
    x: str | None = None,
    options=None,
) -> Path:
    """Render ``history`` and write it to ``output`` (a file or a directory); returns the path.
    A history with confusion matrices or distributions also gets ``NAME-confusion`` and
    ``NAME-distributions`` figures beside it.

    ``annotate`` marks the diagnosis on the figure when the x axis is epochs; ``x`` is "epoch" or
    "step" (default: what suits the history); ``options`` is a ``figures.options.FigureOptions`` (smoothing,
    log axes, y limits, panels, style).
    """
    history = as_history(history)
    source = history.meta.get("source") or "-"
    [path], fmt = figure_paths([source], [history.label], output, format)
    fig = figure(history, metrics=metrics, title=title, x=x, options=options, annotate=annotate)
    saved = save_figure(fig, path, fmt=fmt, dpi=dpi)
    save_extra_figures(history, path, fmt=fmt, dpi=dpi)
    return saved
