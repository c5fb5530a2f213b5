"""index.html: one self-contained, offline page for a report of any size.

The summary table sorts and filters (``assets/report.js``); each run shows a small PNG thumbnail,
and its full figure (the SVG, gzip-compressed in the page, or the PNG) opens on demand, so 500 runs
stay a page of a few megabytes. ``assets/parallel.js`` draws interactive parallel coordinates of the
runs (hyperparameters, best values) or of one run's epochs. Everything is inlined: no network.
"""

from __future__ import annotations

import base64
import html
import json
from importlib import resources
from pathlib import Path
from typing import Any

from ..display import number
from .markdown import finding_words, metric_words
from .results import Report, RunResult

COLUMNS = (  # header, sort type, css class
    ("figure", None, ""),
    ("run", "text", "run"),
    ("format", "text", ""),
    ("epochs", "num", "num"),
    ("monitored", "text", ""),
    ("best epoch", "num", "num"),
    ("best", "num", "num"),
    ("final", "num", "num"),
    ("main metrics (final, best)", "text", "words"),
    ("findings", "text", "words"),
)


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def asset(name: str) -> str:
    """A file shipped in ``histplot/reports/assets`` (package data)."""
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


def _script_json(data: Any) -> str:
    # In a <script> element only "</" can end it early; JSON allows "<\/" for it.
    return json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


def _stored_figures(output: Path, r: RunResult) -> str:
    """The run's figures for the viewer: the main one under its slug, the others (confusion,
    distributions) under slug-kind."""
    stored = [_stored_figure(output, r.slug, r.figures, r.packed)]
    stored += [
        _stored_figure(output, f"{r.slug}-{kind}", figures, r.packed) for kind, figures in r.extra_figures.items()
    ]
    return "\n".join(s for s in stored if s)


def _stored_figure(output: Path, key: str, figures: dict[str, str], packed: dict[str, bytes]) -> str:
    """A figure for the viewer: its SVG gzip-compressed (by the run's worker, in ``packed``), else its
    PNG, base64 in a non-executed script element (inflated by report.js when opened)."""
    png = output / figures.get("png", "")
    if key in packed:
        data, mime = packed[key], "image/svg+xml"
    elif "png" in figures and png.is_file():
        data, mime = png.read_bytes(), "image/png"
    else:
        return ""
    b64 = base64.b64encode(data).decode("ascii")
    return f'<script type="application/octet-stream" id="fig-{_esc(key)}" data-mime="{mime}">{b64}</script>'


def _thumb_cell(r: RunResult) -> str:
    name = _esc(r.label or r.source)
    if r.thumbnail:  # made beside the PNG by the run's worker (reports.results)
        data = base64.b64encode(r.thumbnail).decode("ascii")
        inner = f'<img alt="{name}" loading="lazy" src="data:image/png;base64,{data}">'
        opener = f'data-open="{_esc(r.slug)}" data-label="{name}" title="open the figure"'
        return f'<button class="thumb" {opener}>{inner}</button>'
    if r.figures:
        return f'<button data-open="{_esc(r.slug)}" data-label="{name}">open figure</button>'
    return "–"


def _row(output: Path, r: RunResult) -> str:
    cls = "error" if r.error else ("failing" if r.failing else "")
    kinds = sorted(
        {f["kind"] for f in r.findings} | ({"unreadable"} if r.error else set()) | set(r.failing and ["failing"])
    )
    findings = r.error and f"unreadable: {r.error}" or finding_words(r).replace("**", "")
    cells = [
        (_thumb_cell(r), None),
        (f'<a href="#run-{_esc(r.slug)}">{_esc(r.label or r.source)}</a>', r.label or r.source),
        (_esc(r.format or "–"), None),
        (_esc(r.epochs if r.epochs is not None else "–"), r.epochs),
        (_esc(f"{r.monitor} ({r.mode})" if r.monitor else "–"), None),
        (_esc(r.best_epoch or "–"), r.best_epoch),
        (_esc(number(r.best)), r.best),
        (_esc(number(r.final)), r.final),
        (_esc(metric_words(r)), None),
        (_esc(findings), None),
    ]
    tds = []
    for (content, value), (_, _, css) in zip(cells, COLUMNS):
        attrs = (f' class="{css}"' if css else "") + (f' data-v="{_esc(value)}"' if value is not None else "")
        tds.append(f"<td{attrs}>{content}</td>")
    text = " ".join(str(x) for x in (r.label, r.source, r.format, r.monitor, findings) if x).lower()
    return (
        f'<tr class="{cls}" data-slug="{_esc(r.slug)}" data-kinds="{_esc(" ".join(kinds))}" '
        f'data-text="{_esc(text)}">' + "".join(tds) + "</tr>"
    )


def _section(r: RunResult) -> str:
    name = _esc(r.label or r.source)
    body = [f'<section class="run" id="run-{_esc(r.slug)}"><h2>{name}</h2>', f'<p class="muted">{_esc(r.source)}</p>']
    if r.error:
        body.append(f"<p><strong>Unreadable:</strong> {_esc(r.error)}</p>")
    else:
        items = "".join(
            f"<li><strong>{_esc(f['kind'])}</strong> ({_esc(f['severity'])}): {_esc(f['message'])}</li>"
            for f in r.findings
        )
        body.append(f'<ul class="findings">{items}</ul>')
        buttons = (
            [f'<button data-open="{_esc(r.slug)}" data-label="{name}">open the figure</button>'] if r.figures else []
        )
        buttons += [
            f'<button data-open="{_esc(r.slug)}-{_esc(kind)}" data-label="{name}: {_esc(kind)}">{_esc(kind)}</button>'
            for kind in r.extra_figures
        ]
        if buttons:
            body.append(f"<p>{' '.join(buttons)}</p>")
        body.append(r.slider)
    body.append("</section>")
    return "\n".join(body)


def _pc_data(report: Report) -> dict[str, Any]:
    runs = []
    for r in report.runs:
        runs.append(
            {
                "slug": r.slug,
                "label": r.label or r.source,
                "error": bool(r.error),
                "epochs": r.epochs,
                "params": r.params,
                "metrics": r.metrics,
                "series": r.series,
            }
        )
    return {"runs": runs}


def to_html(report: Report, *, timestamp: str | None = None) -> str:
    """A single self-contained page: the sortable, filterable summary table with thumbnails, the
    parallel-coordinates view, and each run's findings; figures open on demand."""
    counts = report.to_dict()["counts"]
    out = report.output
    kinds = sorted({f["kind"] for r in report.runs for f in r.findings})
    kinds += [
        k for k in ("failing", "unreadable") if any((r.failing if k == "failing" else r.error) for r in report.runs)
    ]
    options = "".join(f'<option value="{_esc(k)}">{_esc(k.replace("_", " "))}</option>' for k in kinds)
    head = "".join(
        f"<th{f' data-type={chr(34)}{t}{chr(34)}' if t else ''} scope=col>{_esc(h)}</th>" for h, t, _ in COLUMNS
    )
    run_options = "".join(
        f'<option value="{_esc(r.slug)}">epochs of {_esc(r.label or r.source)}</option>'
        for r in report.runs
        if r.series
    )
    stamp = f"<p class=muted>Generated {_esc(timestamp)}</p>" if timestamp else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>histplot report</title><style>{asset('report.css')}</style></head><body>\n"
        f"<h1>histplot report</h1>{stamp}\n"
        f"<p>{counts['runs']} run(s): {counts['read']} read, {counts['errors']} unreadable, "
        f"{counts['failing']} failing <code>--fail-on {_esc(','.join(report.fail_on) or '(none)')}</code>.</p>\n"
        '<div class="toolbar"><label>Filter <input id="filter-text" type="search" placeholder="run, format, finding…">'
        '</label><label>Finding <select id="filter-kind"><option value="">any</option>'
        f'{options}</select></label><span id="shown" class="muted"></span></div>\n'
        f'<div class="table-wrap"><table id="runs"><thead><tr>{head}</tr></thead><tbody>\n'
        + "\n".join(_row(out, r) for r in report.runs)
        + "\n</tbody></table></div>\n"
        '<section id="parallel"><h2>Parallel coordinates</h2><div class="toolbar"><label>Lines '
        f'<select id="pc-view"><option value="">one per run</option>{run_options}</select></label>'
        '<span id="pc-status" class="muted"></span></div><div id="pc-box"><svg id="pc" role="img" '
        'aria-label="parallel coordinates"></svg></div></section>\n'
        + "\n".join(_section(r) for r in report.runs)
        + '\n<dialog id="viewer"><header><h2></h2><button class="close" type="button">close</button></header>'
        '<div class="figure"></div></dialog>\n'
        + "\n".join(s for s in (_stored_figures(out, r) for r in report.runs) if s)
        + f'\n<script type="application/json" id="histplot-data">{_script_json(_pc_data(report))}</script>\n'
        f"<script>{asset('parallel.js')}</script>\n<script>{asset('report.js')}</script>\n"
        "</body></html>\n"
    )
