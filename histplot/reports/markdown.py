"""summary.md (a Markdown table of the runs) and GitHub Actions annotations."""

from __future__ import annotations

from ..display import md_cell, number
from .results import Report, RunResult


def finding_words(r: RunResult) -> str:
    if r.error:
        return f"**error**: {r.error}"
    words = []
    for f in r.findings:
        if f["kind"] == "best_epoch":
            continue
        mark = {"warning": "⚠ ", "error": "✖ "}.get(f["severity"], "")
        ep = f["epochs"]
        when = {
            "overfitting": " from {}",
            "early_stopping": " would stop at {}",
            "plateau": " since {}",
            "still_improving": "",
        }.get(f["kind"], " at {}")
        words.append(f"{mark}{f['kind'].replace('_', ' ')}{when.format(ep[0]) if ep and when else ''}")
    return ", ".join(words) or "ok"


def metric_words(r: RunResult, most: int = 4) -> str:
    """The held-out metrics other than the monitored one, as "name final (best)"; training ones if none."""
    cols = [c for c in r.metrics if c != r.monitor]
    held_out = [c for c in cols if c.startswith(("val_", "test_"))]
    picked = (held_out or cols)[:most]
    return ", ".join(f"{c} {number(r.metrics[c]['final'])} ({number(r.metrics[c]['best'])})" for c in picked) or "–"


def to_markdown(report: Report, *, timestamp: str | None = None) -> str:
    """One table row per run, then one line per error: fit for a CI job summary."""
    counts = report.to_dict()["counts"]
    lines = ["# histplot report", ""]
    lines.append(
        f"{counts['runs']} run(s): {counts['read']} read, {counts['errors']} unreadable, "
        f"{counts['failing']} failing --fail-on {','.join(report.fail_on) or '(none)'}."
    )
    if timestamp:
        lines.append(f"Generated {timestamp}.")
    lines += [
        "",
        "| run | format | epochs | monitored | best epoch | best | final | main metrics (final, best) "
        "| findings | figure |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report.runs:
        fig = (
            f"[png]({r.figures['png']})"
            if "png" in r.figures
            else (f"[svg]({r.figures['svg']})" if "svg" in r.figures else "–")
        )
        lines.append(
            "| "
            + " | ".join(
                md_cell(x)
                for x in [
                    r.label or r.source,
                    r.format or "–",
                    r.epochs if r.epochs is not None else "–",
                    f"{r.monitor} ({r.mode})" if r.monitor else "–",
                    r.best_epoch or "–",
                    number(r.best),
                    number(r.final),
                    metric_words(r),
                    finding_words(r),
                    fig,
                ]
            )
            + " |"
        )
    if report.errors:
        lines += ["", "## Unreadable", ""]
        lines += [f"- `{r.source}`: {r.error}" for r in report.errors]
    return "\n".join(lines) + "\n"


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
