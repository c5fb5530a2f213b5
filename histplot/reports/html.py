"""index.html: every run's row and figure in one self-contained page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..display import number
from .markdown import finding_words, metric_words
from .results import Report, RunResult


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
    body = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})", body)
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
            f"<td class=num>{_esc(r.best_epoch or '–')}</td><td class=num>{_esc(number(r.best))}</td>"
            f"<td class=num>{_esc(number(r.final))}</td><td>{_esc(metric_words(r))}</td>"
            f"<td>{_esc(finding_words(r).replace('**', ''))}</td></tr>"
        )
    sections = []
    for r in report.runs:
        body = [
            f'<section id="run-{_esc(r.slug)}"><h2>{_esc(r.label or r.source)}</h2>',
            f'<p class="muted">{_esc(r.source)}</p>',
        ]
        if r.error:
            body.append(f"<p><strong>Unreadable:</strong> {_esc(r.error)}</p>")
        else:
            items = "".join(
                f"<li><strong>{_esc(f['kind'])}</strong> ({_esc(f['severity'])}): {_esc(f['message'])}</li>"
                for f in r.findings
            )
            body.append(f'<ul class="findings">{items}</ul>')
            body.append(_figure_html(report.output, r))
        body.append("</section>")
        sections.append("\n".join(body))
    stamp = f"<p class=muted>Generated {_esc(timestamp)}</p>" if timestamp else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>histplot report</title><style>{_CSS}</style></head><body>\n"
        f"<h1>histplot report</h1>{stamp}\n"
        f"<p>{counts['runs']} run(s): {counts['read']} read, {counts['errors']} unreadable, "
        f"{counts['failing']} failing <code>--fail-on {_esc(','.join(report.fail_on) or '(none)')}</code>.</p>\n"
        "<table><thead><tr><th>run</th><th>format</th><th>epochs</th><th>monitored</th><th>best epoch</th>"
        "<th>best</th><th>final</th><th>main metrics (final, best)</th><th>findings</th></tr></thead><tbody>\n"
        + "\n".join(rows)
        + "\n</tbody></table>\n"
        + "\n".join(sections)
        + "\n</body></html>\n"
    )
