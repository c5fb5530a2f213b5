"""Diagnoses as text (terminal), JSON (machines) or Markdown (CI summaries). No I/O here.

The JSON layout is versioned by ``SCHEMA``; a change that removes or renames a key bumps it.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterable, Sequence

from ..display import md_cell
from .findings import Diagnosis, Finding
from .ranking import Ranked
from .ranking import rank as rank_runs

SCHEMA = "histplot.diagnose/1"
FORMATS = ("text", "json", "markdown")
_SEVERITY_COLOUR = {"info": "cyan", "warning": "yellow", "error": "red"}


def exit_code(diagnoses: Sequence[Diagnosis], fail_on: Iterable[str]) -> int:
    """0, or 1 when any file has a finding of a kind in ``fail_on``."""
    fail_on = list(fail_on)
    return max((d.return_code(fail_on) for d in diagnoses), default=0)


def epochs_text(f: Finding) -> str:
    if f.steps:
        return "step " + ",".join(map(str, f.steps[:5])) + ("..." if len(f.steps) > 5 else "")
    if not f.epochs:
        return "-"
    if f.kind in ("overfitting", "plateau", "still_improving") and len(f.epochs) == 2:
        return f"{f.epochs[0]}-{f.epochs[1]}"
    return ",".join(map(str, f.epochs[:5])) + ("..." if len(f.epochs) > 5 else "")


def hanging(head: str, text: str, width: int | None) -> str:
    """``head`` then ``text`` wrapped to ``width`` columns, continuation lines indented under the text
    (``head`` is plain text: colour is added after wrapping, so escape codes never count as width)."""
    if not width:
        return head + text
    lines = textwrap.wrap(
        text,
        width=max(width - len(head), 20),
        break_long_words=True,
        break_on_hyphens=False,
    ) or [""]
    return "\n".join([head + lines[0], *(" " * len(head) + line for line in lines[1:])])


def to_text(
    diagnoses: Sequence[Diagnosis],
    fail_on: Iterable[str] = (),
    style: Callable[..., str] | None = None,
    width: int | None = None,
    quiet: bool = False,
) -> str:
    """One block per file: a header naming the monitored series, then one line per finding.

    ``style(text, fg=..., bold=...)`` colours the output (the CLI passes ``click.style`` on a TTY);
    ``width`` wraps each finding with a hanging indent; ``quiet`` keeps only warnings and errors.
    """
    paint = style or (lambda text, **_: text)
    fail_on = list(fail_on)
    blocks = []
    for d in diagnoses:
        head = (
            f"{d.source or d.label}: {d.epochs} epoch{'s' if d.epochs != 1 else ''}, monitored {d.monitor} ({d.mode})"
        )
        lines = [paint(hanging("", head, width), bold=True)]
        shown = [f for f in d.findings if not quiet or f.severity != "info"]
        kind_width = max((len(f.kind) for f in shown), default=0)
        for f in shown:
            plain = hanging(f"  {f.severity:<7} {f.kind:<{kind_width}}  ", f.message, width)
            sev = paint(f"{f.severity:<7}", fg=_SEVERITY_COLOUR[f.severity])
            lines.append(f"  {sev}{plain[9:]}")
        if d.final:
            values = ", ".join(f"{k} = {v:.4g}" for k, v in d.final.items())
            lines.append(hanging("  final   ", f"final evaluation ({d.final_where}), not an epoch: {values}", width))
        for n in [] if quiet else d.notes:
            lines.append(paint(hanging("  note    ", n, width), fg="bright_black"))
        failing = d.failing(fail_on)
        if failing:
            lines.append(paint(f"  FAIL    {', '.join(failing)} (--fail-on)", fg="red", bold=True))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def to_dict(diagnoses: Sequence[Diagnosis], fail_on: Iterable[str] = ()) -> dict:
    fail_on = list(fail_on)
    return {
        "schema": SCHEMA,
        "fail_on": fail_on,
        "exit_code": exit_code(diagnoses, fail_on),
        "files": [d.to_dict(fail_on) for d in diagnoses],
    }


def to_json(diagnoses: Sequence[Diagnosis], fail_on: Iterable[str] = (), ranked: Sequence[Ranked] | None = None) -> str:
    data = to_dict(diagnoses, fail_on)
    if ranked is not None:
        data["rank"] = [r.to_dict() for r in ranked]
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def to_markdown(diagnoses: Sequence[Diagnosis], fail_on: Iterable[str] = ()) -> str:
    """A table per file, fit for ``$GITHUB_STEP_SUMMARY``."""
    fail_on = list(fail_on)
    out = ["## histplot diagnose", ""]
    for d in diagnoses:
        failing = d.failing(fail_on)
        status = f"**FAIL** ({', '.join(failing)})" if failing else "ok"
        out += [
            f"### `{md_cell(d.source or d.label)}` — {status}",
            "",
            f"{d.epochs} epochs, monitored `{d.monitor}` ({d.mode})."
            + (
                f" Final evaluation ({md_cell(d.final_where)}): "
                + ", ".join(f"`{md_cell(k)}` = {v:.4g}" for k, v in d.final.items())
                + "."
                if d.final
                else ""
            ),
            "",
            "| kind | severity | epochs | finding |",
            "|---|---|---|---|",
        ]
        for f in d.findings:
            out.append(f"| {f.kind} | {f.severity} | {epochs_text(f)} | {md_cell(f.message)} |")
        if d.notes:
            out.append("")
            out += [f"- {md_cell(n)}" for n in d.notes]
        out.append("")
    return "\n".join(out)


def _value(v: float | None) -> str:
    return "–" if v is None else f"{v:.6g}"


def rank_rows(ranked: Sequence[Ranked]) -> list[list[str]]:
    """Cells of the ranking table: rank, run, best, best epoch, epochs."""
    return [
        [
            str(r.rank) if r.rank is not None else "–",
            r.source or r.label,
            _value(r.best),
            str(r.best_epoch) if r.best_epoch is not None else "–",
            str(r.epochs),
        ]
        for r in ranked
    ]


def rank_text(ranked: Sequence[Ranked]) -> str:
    head = ["rank", "run", "best", "best epoch", "epochs"]
    rows = [head] + rank_rows(ranked)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    first = ranked[0] if ranked else None
    title = (
        f"Ranking by best {first.monitor} ({'lower' if first.mode == 'min' else 'higher'} is better)"
        if first
        else "Ranking"
    )
    lines = [title] + [
        "  " + "  ".join(c.rjust(w) if i != 1 else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
        for r in rows
    ]
    return "\n".join(lines) + "\n"


def rank_markdown(ranked: Sequence[Ranked]) -> str:
    first = ranked[0] if ranked else None
    out = ["## Ranking", ""]
    if first:
        out += [f"By best `{first.monitor}` ({'lower' if first.mode == 'min' else 'higher'} is better).", ""]
    out += ["| rank | run | best | best epoch | epochs |", "|---:|---|---:|---:|---:|"]
    out += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rank_rows(ranked)]
    return "\n".join(out) + "\n"


def render(
    diagnoses: Sequence[Diagnosis],
    fmt: str = "text",
    fail_on: Iterable[str] = (),
    style: Callable[..., str] | None = None,
    rank: bool = False,
    width: int | None = None,
    quiet: bool = False,
) -> str:
    """The verdict in ``fmt``; ``rank`` adds the runs ordered by best monitored value (JSON: ``rank``)."""
    ranked = rank_runs(diagnoses) if rank else None
    if fmt == "json":
        return to_json(diagnoses, fail_on, ranked)
    if fmt == "markdown":
        return to_markdown(diagnoses, fail_on) + ("\n" + rank_markdown(ranked) if ranked is not None else "")
    return to_text(diagnoses, fail_on, style=style, width=width, quiet=quiet) + (
        "\n" + rank_text(ranked) if ranked is not None else ""
    )
