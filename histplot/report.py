"""``report``: CI artifacts for many runs: figures, summary.json, summary.md and a self-contained index.html.

Each run is read, diagnosed and drawn on its own (in worker processes with ``jobs`` > 1); results are
collected in input order, so parallel and serial reports are byte-identical. One bad file is reported
and the rest still render. Every file is written atomically, so an interrupted report leaves only
complete artifacts behind.
"""

from __future__ import annotations

import json
import math
import os
import signal
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .discover import Candidate, expand
from .errors import HistplotError
from .output import atomic_write

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

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


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
            "counts": {"runs": len(self.runs), "read": len(self.runs) - len(self.errors),
                       "errors": len(self.errors), "failing": sum(1 for r in self.runs if r.failing)},
            "failed": bool(self.return_code()),
            "runs": [r.to_dict() for r in self.runs],
        }


# -- one run --------------------------------------------------------------------------------------

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
    options: Any = None  # figopts.FigureOptions: smoothing, log axes, limits, panels, style


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
    from .annotate import annotate
    from .diagnose import diagnose
    from .output import save_figure
    from .readers import load
    from .render import render

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
        result.best = _num(best.numbers.get("value"))
        result.final = _num(_last_finite(h.frame[d.monitor]))
    result.metrics = _main_metrics(h)
    fig = render(h, options=job.options)
    annotate(fig, h, d)
    for fmt in job.formats:
        path = Path(job.figures_dir) / f"{job.slug}.{fmt}"
        save_figure(fig, path, fmt=fmt, dpi=job.dpi)
        result.figures[fmt] = f"figures/{path.name}"
        # The layout found for the first format serves the others: laying out again costs as much
        # as drawing (it measures every label twice).
        fig.set_layout_engine("none")


def _derived(history):
    from .derive import derive

    return derive(history)


def _num(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return float(f"{f:.6g}") if math.isfinite(f) else None


def _last_finite(series) -> float | None:
    s = series[series.map(math.isfinite)]
    return float(s.iloc[-1]) if len(s) else None


def _main_metrics(h) -> dict[str, dict[str, float | None]]:
    """Final and best (by the metric's direction) of loss and the first few other metrics, per split."""
    from .diagnose import auto_mode

    out: dict[str, dict[str, float | None]] = {}
    groups = h.metrics()
    bases = sorted(groups, key=lambda b: (b != "loss", list(groups).index(b)))[:4]
    for base in bases:
        for col in groups[base].values():
            s = h.frame[col]
            s = s[s.map(math.isfinite)]
            if s.empty:
                continue
            best = s.max() if auto_mode(col) == "max" else s.min()
            out[col] = {"final": _num(s.iloc[-1]), "best": _num(best)}
    return out


# -- many runs ------------------------------------------------------------------------------------

def slugs(candidates: Sequence[Candidate]) -> list[str]:
    """File-name-safe, unique names for the runs' figures, from their paths."""
    from .plotting import safe_stem

    parts = [(Path(c.path).parts if c.path != "-" else ("stdin",)) + ((c.run,) if c.run else ())
             for c in candidates]
    tails: dict[int, list[str]] = {}  # depth -> every run's name at that depth; counted once, not per run
    tallies: dict[int, Counter] = {}
    out: list[str] = []
    taken: set[str] = set()
    for i, p in enumerate(parts):
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


def _worker_init() -> None:
    # SIGTERM to a worker must unwind through atomic_write's cleanup like Ctrl-C does.
    signal.signal(signal.SIGTERM, _raise_exit)


def _raise_exit(signum, frame):  # noqa: ARG001 - signal handler signature
    raise SystemExit(128 + signum)


def build_report(items: Iterable[str], output: str | os.PathLike, *, read_opts: dict | None = None,
                 settings: Any = None, fail_on: Sequence[str] = (), jobs: int | None = None,
                 formats: Sequence[str] | None = None, dpi: int | None = None, strict: bool = False,
                 timestamp: str | None = None, progress: Callable[[int, int], None] | None = None,
                 prepare: Callable | None = None, options: Any = None) -> Report:
    """Find every run in ``items`` (files, directories, globs), render and diagnose each into
    ``output``, and write summary.json, summary.md and index.html there.

    ``options`` (``figopts.FigureOptions``) styles the figures and gives the formats and dpi that
    ``formats`` and ``dpi`` do not (default PNG and SVG at 100 dpi).
    """
    from .figopts import FigureOptions
    from .diagnose import Settings

    out = Path(output)
    candidates = expand(items, exclude=out)
    if not candidates:
        raise HistplotError("no history files found", ", ".join(map(str, items)))
    inputs = {Path(c.path).resolve() for c in candidates if c.path != "-"}
    if out.resolve() in inputs:
        raise HistplotError("the output directory is one of the inputs", out)
    out.mkdir(parents=True, exist_ok=True)
    figures = out / "figures"
    figures.mkdir(exist_ok=True)
    names = slugs(candidates)
    options = options or FigureOptions()
    formats, dpi = tuple(formats or options.formats), dpi or options.dpi
    jobs_list = [RunJob(c.path, s, str(figures), {**(read_opts or {}), **({"run": c.run} if c.run else {})},
                        settings or Settings(),
                        tuple(fail_on), formats, dpi, prepare, options) for c, s in zip(candidates, names)]
    results = _run_all(jobs_list, jobs, progress)
    report = Report(results, list(fail_on), out, strict)
    write_summaries(report, timestamp=timestamp)
    return report


def _run_all(jobs_list: list[RunJob], jobs: int | None, progress) -> list[RunResult]:
    n = len(jobs_list)
    workers = max(1, min(jobs or os.cpu_count() or 1, n))
    results: list[RunResult | None] = [None] * n
    if workers == 1:
        for i, job in enumerate(jobs_list):
            results[i] = run_one(job)
            if progress:
                progress(i + 1, n)
        return results  # type: ignore[return-value]
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init) as pool:
        futures = {pool.submit(run_one, job): i for i, job in enumerate(jobs_list)}
        try:
            for done, fut in enumerate(as_completed(futures), 1):
                results[futures[fut]] = fut.result()
                if progress:
                    progress(done, n)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return results  # type: ignore[return-value]


# -- writing --------------------------------------------------------------------------------------

def write_summaries(report: Report, *, timestamp: str | None = None) -> None:
    data = report.to_dict()
    if timestamp:
        data["generated"] = timestamp
    with atomic_write(report.output / "summary.json", "w") as fh:
        fh.write(json.dumps(data, indent=2, sort_keys=False) + "\n")
    with atomic_write(report.output / "summary.md", "w") as fh:
        fh.write(to_markdown(report, timestamp=timestamp))
    with atomic_write(report.output / "index.html", "w") as fh:
        fh.write(to_html(report, timestamp=timestamp))


def _fmt(v: float | None) -> str:
    return "–" if v is None else f"{v:.4g}"


def _finding_words(r: RunResult) -> str:
    if r.error:
        return f"**error**: {r.error}"
    words = []
    for f in r.findings:
        if f["kind"] == "best_epoch":
            continue
        mark = {"warning": "⚠ ", "error": "✖ "}.get(f["severity"], "")
        ep = f["epochs"]
        when = {"overfitting": " from {}", "early_stopping": " would stop at {}", "plateau": " since {}",
                "still_improving": ""}.get(f["kind"], " at {}")
        words.append(f"{mark}{f['kind'].replace('_', ' ')}{when.format(ep[0]) if ep and when else ''}")
    return ", ".join(words) or "ok"


def _metric_words(r: RunResult, most: int = 4) -> str:
    """The held-out metrics other than the monitored one, as "name final (best)"; training ones if none."""
    cols = [c for c in r.metrics if c != r.monitor]
    held_out = [c for c in cols if c.startswith(("val_", "test_"))]
    picked = (held_out or cols)[:most]
    return ", ".join(f"{c} {_fmt(r.metrics[c]['final'])} ({_fmt(r.metrics[c]['best'])})" for c in picked) or "–"


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(report: Report, *, timestamp: str | None = None) -> str:
    """One table row per run, then one line per error: fit for a CI job summary."""
    counts = report.to_dict()["counts"]
    lines = ["# histplot report", ""]
    lines.append(f"{counts['runs']} run(s): {counts['read']} read, {counts['errors']} unreadable, "
                 f"{counts['failing']} failing --fail-on {','.join(report.fail_on) or '(none)'}.")
    if timestamp:
        lines.append(f"Generated {timestamp}.")
    lines += ["", "| run | format | epochs | monitored | best epoch | best | final | main metrics (final, best) "
              "| findings | figure |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in report.runs:
        fig = f"[png]({r.figures['png']})" if "png" in r.figures else (
            f"[svg]({r.figures['svg']})" if "svg" in r.figures else "–")
        lines.append("| " + " | ".join(_md_cell(x) for x in [
            r.label or r.source, r.format or "–", r.epochs if r.epochs is not None else "–",
            f"{r.monitor} ({r.mode})" if r.monitor else "–", r.best_epoch or "–", _fmt(r.best), _fmt(r.final),
            _metric_words(r), _finding_words(r), fig]) + " |")
    if report.errors:
        lines += ["", "## Unreadable", ""]
        lines += [f"- `{r.source}`: {r.error}" for r in report.errors]
    return "\n".join(lines) + "\n"


def _esc(text: Any) -> str:
    import html

    return html.escape(str(text), quote=True)


def inline_svg(svg_text: str, prefix: str) -> str:
    """An SVG file's markup for embedding: no XML prolog or metadata, ids made unique per figure."""
    import re

    start = svg_text.find("<svg")
    body = svg_text[start:] if start >= 0 else svg_text
    body = re.sub(r"<metadata>.*?</metadata>", "", body, flags=re.S)
    body = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', body)
    body = re.sub(r'url\(#([^)]+)\)', lambda m: f"url(#{prefix}-{m.group(1)})", body)
    body = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}-{m.group(1)}"', body)
    return body


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#222;max-width:1400px}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f3f3f3} td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.failing td{background:#fff1f0} tr.error td{background:#fff7e6}
section{margin:2rem 0;border-top:1px solid #ddd;padding-top:1rem}
.figure svg,.figure img{max-width:100%;height:auto} .muted{color:#777} ul.findings{margin:.3rem 0}
"""


def _figure_html(output: Path, r: RunResult) -> str:
    """The run's figure inline: its SVG, else its PNG as a data URI (histplot.yaml ``formats: [png]``)."""
    svg_path = output / r.figures.get("svg", "")
    if "svg" in r.figures and svg_path.is_file():
        return f'<div class="figure">{inline_svg(svg_path.read_text(encoding="utf-8"), r.slug)}</div>'
    png_path = output / r.figures.get("png", "")
    if "png" in r.figures and png_path.is_file():
        import base64

        data = base64.b64encode(png_path.read_bytes()).decode("ascii")
        return f'<div class="figure"><img alt="{_esc(r.label or r.source)}" src="data:image/png;base64,{data}"></div>'
    return ""


def to_html(report: Report, *, timestamp: str | None = None) -> str:
    """A single self-contained page: the summary table and every figure as inline SVG."""
    counts = report.to_dict()["counts"]
    rows = []
    for r in report.runs:
        cls = "error" if r.error else ("failing" if r.failing else "")
        rows.append(
            f'<tr class="{cls}"><td><a href="#run-{_esc(r.slug)}">{_esc(r.label or r.source)}</a></td>'
            f"<td>{_esc(r.format or '–')}</td><td class=num>{_esc(r.epochs if r.epochs is not None else '–')}</td>"
            f"<td>{_esc(f'{r.monitor} ({r.mode})' if r.monitor else '–')}</td>"
            f"<td class=num>{_esc(r.best_epoch or '–')}</td><td class=num>{_esc(_fmt(r.best))}</td>"
            f"<td class=num>{_esc(_fmt(r.final))}</td><td>{_esc(_metric_words(r))}</td>"
            f"<td>{_esc(_finding_words(r).replace('**', ''))}</td></tr>")
    sections = []
    for r in report.runs:
        body = [f'<section id="run-{_esc(r.slug)}"><h2>{_esc(r.label or r.source)}</h2>',
                f'<p class="muted">{_esc(r.source)}</p>']
        if r.error:
            body.append(f"<p><strong>Unreadable:</strong> {_esc(r.error)}</p>")
        else:
            items = "".join(f"<li><strong>{_esc(f['kind'])}</strong> ({_esc(f['severity'])}): "
                            f"{_esc(f['message'])}</li>" for f in r.findings)
            body.append(f'<ul class="findings">{items}</ul>')
            body.append(_figure_html(report.output, r))
        body.append("</section>")
        sections.append("\n".join(body))
    stamp = f"<p class=muted>Generated {_esc(timestamp)}</p>" if timestamp else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>histplot report</title><style>{_CSS}</style></head><body>\n"
        f"<h1>histplot report</h1>{stamp}\n"
        f"<p>{counts['runs']} run(s): {counts['read']} read, {counts['errors']} unreadable, "
        f"{counts['failing']} failing <code>--fail-on {_esc(','.join(report.fail_on) or '(none)')}</code>.</p>\n"
        "<table><thead><tr><th>run</th><th>format</th><th>epochs</th><th>monitored</th><th>best epoch</th>"
        "<th>best</th><th>final</th><th>main metrics (final, best)</th><th>findings</th></tr></thead><tbody>\n"
        + "\n".join(rows) + "\n</tbody></table>\n" + "\n".join(sections) + "\n</body></html>\n"
    )


def github_annotations(report: Report) -> list[str]:
    """``::warning``/``::error`` workflow commands for findings that are not merely informative."""
    lines = []
    for r in report.runs:
        if r.error:
            lines.append(f"::error file={_gh(r.source, prop=True)},title=histplot unreadable::{_gh(r.error)}")
            continue
        for f in r.findings:
            if f["severity"] == "info" and f["kind"] not in r.failing:
                continue
            level = "error" if f["severity"] == "error" else "warning"
            lines.append(f"::{level} file={_gh(r.source, prop=True)},title=histplot {f['kind']}::{_gh(f['message'])}")
    return lines


def _gh(text: str, *, prop: bool = False) -> str:
    """Escape for a GitHub workflow command: messages escape %, CR, LF; properties also , and :."""
    out = str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return out.replace(":", "%3A").replace(",", "%2C") if prop else out
