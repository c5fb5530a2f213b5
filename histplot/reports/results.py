"""One run of a report: read, derive, diagnose and draw it (``run_one``, also in worker processes),
and the results: ``RunResult`` per run, ``Report`` for all of them (summary.json's content)."""

from __future__ import annotations

import gzip
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..diagnosis.run import diagnose
from ..display import rounded
from ..errors import HistplotError
from ..figures.annotate import annotate
from ..figures.confusion import best_epoch, class_labels, confusion_figure, held_out, row_normalised
from ..figures.distributions import distribution_figure
from ..figures.files import safe_stem
from ..figures.panels import render
from ..metrics.derive import derive
from ..metrics.families import COUNT_KINDS, split_suffix
from ..naming import direction
from ..naming.runs import run_name
from ..output import save_figure
from ..readers import load
from ..readers.discovery import Candidate
from .slider import slider_html
from .thumbnails import thumbnail, thumbnail_of_canvas

SCHEMA = "histplot.report/1"


@dataclass
class RunResult:
    """One run's row of the summary: what was read, what was found, where its figures are."""

    source: str
    slug: str
    label: str | None = None
    format: str | None = None
    epochs: int | None = None
    monitor: str | None = None
    mode: str | None = None
    best_epoch: int | None = None
    best: float | None = None
    final: float | None = None
    metrics: dict[str, dict[str, float | None]] = field(default_factory=dict)
    findings: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failing: list[str] = field(default_factory=list)
    figures: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    extra_figures: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> format -> path
    confusion: dict[str, Any] | None = None  # per-class recall of the held-out matrix at the best epoch
    slider: str = ""  # index.html's epoch slider over the matrices (not in summary.json)
    # For index.html's parallel coordinates only (not in summary.json): the run's hyperparameters and
    # its main series per epoch, thinned to at most ``MAX_ROWS`` epochs.
    params: dict[str, Any] = field(default_factory=dict)
    series: dict[str, list] = field(default_factory=dict)
    # index.html's thumbnail of the PNG figure (not in summary.json), made where the run is drawn: in
    # the report's process, after every worker is done, 500 thumbnails were 7 s that no core shared.
    thumbnail: bytes = b""
    # index.html's copy of each SVG figure, gzip-compressed (``pack_svg``), by viewer key (the slug, or
    # slug-kind); also made in the worker: compressed at the end, they kept one core busy while the other idled.
    packed: dict[str, bytes] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        hidden = ("params", "series", "slider", "thumbnail", "packed")
        return {k: v for k, v in self.__dict__.items() if k not in hidden}


@dataclass
class Report:
    """All runs of a report; ``return_code`` decides the exit status once (black's ``Report``)."""

    runs: list[RunResult]
    fail_on: list[str]
    output: Path
    strict: bool = False

    @property
    def errors(self) -> list[RunResult]:
        return [r for r in self.runs if r.error]

    def return_code(self) -> int:
        if self.strict and self.errors:
            return 2
        return 1 if any(r.failing for r in self.runs) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "fail_on": list(self.fail_on),
            "counts": {
                "runs": len(self.runs),
                "read": len(self.runs) - len(self.errors),
                "errors": len(self.errors),
                "failing": sum(1 for r in self.runs if r.failing),
            },
            "failed": bool(self.return_code()),
            "runs": [r.to_dict() for r in self.runs],
        }


@dataclass(frozen=True)
class RunJob:
    """Everything a worker needs for one run (picklable)."""

    source: str
    slug: str
    figures_dir: str
    read_opts: dict
    settings: Any  # diagnose.Settings
    fail_on: tuple[str, ...]
    formats: tuple[str, ...]
    dpi: int
    prepare: Any = None  # derive.Deriver: derived metrics with histplot.yaml's expressions
    options: Any = None  # figures.options.FigureOptions: smoothing, log axes, limits, panels, style


def run_one(job: RunJob) -> RunResult:
    """Read, diagnose and draw one run; bad input becomes the row's ``error``, never an exception."""
    result = RunResult(source=job.source, slug=job.slug)
    try:
        _fill(result, job)
    except HistplotError as exc:
        result.error = exc.message if exc.path else str(exc)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # one broken file must not sink the report
        result.error = f"could not read: {type(exc).__name__}: {' '.join(str(exc).split())}"
    return result


def _fill(result: RunResult, job: RunJob) -> None:
    h = load(job.source, **job.read_opts)
    result.label, result.format, result.epochs = h.label, h.meta.get("format"), h.epochs
    h = job.prepare(h) if job.prepare is not None else _derived(h)
    d = diagnose(h, settings=job.settings)
    result.monitor, result.mode, result.notes = d.monitor, d.mode, list(d.notes)
    result.findings = [f.to_dict() for f in d.findings]
    result.failing = d.failing(job.fail_on)
    best = d.first("best_epoch")
    if best is not None and d.monitor in h.frame.columns:
        result.best_epoch = best.epochs[0] if best.epochs else None
        result.best = rounded(best.numbers.get("value"))
        result.final = rounded(_last_finite(h.frame[d.monitor]))
    result.metrics = _main_metrics(h)
    result.params = {str(k): v for k, v in (h.meta.get("params") or {}).items() if _plain_value(v)}
    result.series = _thinned(h, list(result.metrics))
    fig = render(h, options=job.options)
    annotate(fig, h, d)
    result.figures = _save_all(fig, job, job.slug, result, thumb=True)
    _extra(result, job, h)


def _save_all(fig, job: RunJob, stem: str, result: RunResult, *, thumb: bool = False) -> dict[str, str]:
    """``fig`` saved as figures/<stem>.<format> in each of the job's formats (format -> path in the
    report); index.html's copy of the SVG goes to ``result.packed[stem]`` and, with ``thumb``, the PNG's
    thumbnail to ``result.thumbnail``: made here, in the worker that drew the run."""
    if thumb and "png" in job.formats:
        agg_canvas(fig)  # the PNG is drawn on a canvas of the figure's own, whose pixels make the thumbnail
    saved = {}
    for fmt in job.formats:
        path = Path(job.figures_dir) / f"{stem}.{fmt}"
        save_figure(fig, path, fmt=fmt, dpi=job.dpi)
        saved[fmt] = f"figures/{path.name}"
        if fmt == "png" and thumb:
            result.thumbnail = thumbnail_of_canvas(fig) or thumbnail(path)
        elif fmt == "svg":
            result.packed[stem] = pack_svg(path.read_bytes())
    return saved


def pack_svg(raw: bytes) -> bytes:
    """An SVG as index.html stores it: gzip-compressed, with no timestamp (the same page every time)."""
    return gzip.compress(raw, compresslevel=9, mtime=0)


def agg_canvas(fig) -> None:
    """Give ``fig`` an Agg canvas, if it has none, that ``savefig`` then draws a PNG on and keeps."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)


def _extra(result: RunResult, job: RunJob, h) -> None:
    """The confusion and distribution figures, and the per-class recall at the best epoch."""
    kinds = []
    if h.matrices:
        result.confusion = confusion_summary(h)
        result.slider = slider_html(*held_out(h), result.slug)
        kinds.append(("confusion", confusion_figure))
    if h.distributions:
        kinds.append(("distributions", distribution_figure))
    for kind, draw in kinds:
        result.extra_figures[kind] = _save_all(draw(h), job, f"{job.slug}-{kind}", result)


def confusion_summary(h) -> dict[str, Any]:
    """The held-out split, its best epoch (see ``figures.confusion.best_epoch``) and each class's recall there."""
    split, m = held_out(h)
    epoch, why = best_epoch(h, m)
    recall = np.diagonal(row_normalised(m.at(epoch)))
    return {
        "split": split,
        "epoch": epoch,
        "chosen_by": why,
        "recall": {name: rounded(v) for name, v in zip(class_labels(m), recall)},
    }


def _derived(history):
    return derive(history)


def _last_finite(series) -> float | None:
    s = series[series.map(math.isfinite)]
    return float(s.iloc[-1]) if len(s) else None


MAX_ROWS = 200


def _plain_value(v: Any) -> bool:
    return isinstance(v, (str, bool)) or (isinstance(v, (int, float)) and math.isfinite(v))


def _thinned(h, columns: list[str]) -> dict[str, list]:
    """``epoch`` and ``columns`` at no more than ``MAX_ROWS`` evenly spaced epochs (the last kept)."""
    n = len(h.frame)
    if n == 0 or not columns:
        return {}
    step = max(1, math.ceil(n / MAX_ROWS))
    rows = list(range(0, n, step))
    if rows[-1] != n - 1:
        rows.append(n - 1)
    frame = h.frame.iloc[rows]
    out: dict[str, list] = {"epoch": [int(e) for e in frame.index]}
    for col in columns:
        out[col] = [float(f"{v:.5g}") if math.isfinite(v) else None for v in frame[col].to_numpy(dtype=float)]
    return out


def _main_metrics(h) -> dict[str, dict[str, float | None]]:
    """Final and best (by the metric's direction) of loss and the first few quality metrics, per split.

    Quality metrics are those whose direction the naming table knows; raw confusion counts
    (``val_tp``) and series of unknown direction are left out. Bases with a held-out series come first.
    """
    out: dict[str, dict[str, float | None]] = {}
    groups = h.metrics()
    order = list(groups)
    quality = [b for b in groups if b == "loss" or (direction(b) and not _is_count(b))]
    quality.sort(key=lambda b: (b != "loss", not ({"val", "test"} & set(groups[b])), order.index(b)))
    for base in quality[:4]:
        for col in groups[base].values():
            s = h.frame[col]
            s = s[s.map(math.isfinite)]
            if s.empty:
                continue
            best = s.max() if direction(base) == "higher" else s.min()
            out[col] = {"final": rounded(s.iloc[-1]), "best": rounded(best)}
    return out


def _is_count(base: str) -> bool:
    parsed = split_suffix(base)
    stem = parsed[0] if parsed else base
    return stem.lower() in COUNT_KINDS or stem.lower() in ("support", "count", "number")


def slugs(candidates: Sequence[Candidate]) -> list[str]:
    """File-name-safe, unique names for the runs' figures: the run's own name where its path gives one
    (``naming.runs``: an MLflow runName, not its id hash), else from the path; a suffix on collision."""
    parts = [(Path(c.path).parts if c.path != "-" else ("stdin",)) + ((c.run,) if c.run else ()) for c in candidates]
    named = [safe_stem(n) if (n := run_name(c.path) if c.run is None else None) else None for c in candidates]
    # a run name shared by several inputs (two projects' runs/detect/train) says less than their paths
    shared = Counter(n for n in named if n)
    # those go by their folders: the file's own name (results.csv) is the same for every run
    parts = [q[:-1] if n and shared[n] > 1 and len(q) > 1 and Path(q[-1]).suffix else q for q, n in zip(parts, named)]
    tails: dict[int, list[str]] = {}  # depth -> every run's name at that depth; counted once, not per run
    tallies: dict[int, Counter] = {}
    out: list[str] = []
    taken: set[str] = set()
    for i, p in enumerate(parts):
        if named[i] and shared[named[i]] == 1 and named[i] not in taken:
            out.append(named[i])
            taken.add(named[i])
            continue
        depth = 1
        while True:
            stem = "_".join(p[-depth:])
            stem = safe_stem(stem.rsplit(".", 1)[0] if depth == 1 and "." in stem else stem)
            if depth not in tails:
                tails[depth] = [safe_stem("_".join(q[-depth:])) for q in parts]
                tallies[depth] = Counter(tails[depth])
            clash = tallies[depth][stem] - (tails[depth][i] == stem) > 0
            if not clash or depth >= len(p):
                break
            depth += 1
        k, base = 2, stem
        while stem in taken:
            stem, k = f"{base}_{k}", k + 1
        out.append(stem)
        taken.add(stem)
    return out
