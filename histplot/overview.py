"""``info``: what a history holds, as a dict (for ``--json``) or lines of text."""

from __future__ import annotations

from typing import Any

import numpy as np

import histplot.naming as naming  # the module, so that a direction table added to it is seen

from .diagnosis.monitor import auto_mode
from .display import rounded
from .history import History
from .metrics.derive import summary as derive_summary
from .metrics.describe import derived_lines, family_lines
from .metrics.families import COUNT_KINDS, class_members
from .metrics.series_table import MAX_SPARK, rows_of, series_table
from .readers.memory import as_history


def info(history: History) -> dict[str, Any]:
    """Format, epochs, metrics by split, run-level series, and what the reader noted."""
    history = as_history(history)
    frame = history.frame
    metrics = {
        base: {split: _series_summary(frame[col], col, history) for split, col in cols.items()}
        for base, cols in history.metrics().items()
    }
    by_epoch = history.epoch_clock and len(frame) > 0
    return {
        "source": history.meta.get("source"),
        "format": history.meta.get("format"),
        "label": history.label,
        # a source that logs by step only has no epoch axis: its rows are logged steps
        "epochs": history.epochs if by_epoch else None,
        "first_epoch": int(frame.index[0]) if by_epoch else None,
        "last_epoch": int(frame.index[-1]) if by_epoch else None,
        "logged_rows": None if by_epoch else len(frame),
        "clocks": dict(history.clocks),
        "final_eval": _final(history),
        "runs": history.meta.get("runs"),
        "time": _time_range(history),
        "splits": history.splits(),
        "framework": history.meta.get("framework"),
        "unsplit": history.unsplit(),
        "roles": {
            col: {"split": i.split, "base": i.base, "role": i.role, "direction": i.direction or "unknown"}
            for col, i in history.roles.items()
        },
        "metrics": metrics,
        "other_series": {col: _series_summary(frame[col], col, history, directed=False) for col in history.aux()},
        "step_series": list(history.steps.columns) if history.steps is not None else [],
        "steps": _steps_range(history),
        "original_names": history.meta.get("original_names", {}),
        "scalars": history.meta.get("scalars", {}),
        "notes": history.meta.get("notes", []),
        "matrices": {
            split: {"name": m.name, "classes": m.k, "class_names": m.classes, "epochs": m.epochs.tolist()}
            for split, m in history.matrices.items()
        },
        "distributions": {
            tag: {"clock": d.clock, "points": len(d.index), "first": int(d.index[0]), "last": int(d.index[-1])}
            for tag, d in history.distributions.items()
        },
        **derive_summary(history),
    }


def _final(history: History) -> dict[str, Any] | None:
    if not history.final:
        return None
    where = history.meta.get("final_eval", {}).get("where", "written after training")
    return {"where": where, "values": {k: rounded(v) if np.isfinite(v) else v for k, v in history.final.items()}}


def _time_range(history: History) -> dict[str, Any] | None:
    t = history.time
    if t is None or t.empty:
        t = history.step_time
    if t is None or t.empty:
        return None
    return {"clock": t.index.name, "elapsed_seconds": rounded(float(t.max()))}


def _steps_range(history: History) -> dict[str, Any] | None:
    steps = history.steps
    if steps is None or steps.empty:
        return None
    first, last = steps.index[0], steps.index[-1]
    as_num = lambda v: int(v) if float(v).is_integer() else float(v)  # noqa: E731
    return {"rows": len(steps), "first": as_num(first), "last": as_num(last)}


def _series_summary(s, col: str, history: History, *, directed: bool = True) -> dict[str, Any]:
    v = s.to_numpy(dtype=float)
    ok = np.isfinite(v)
    finite = v[ok]
    counts = _counts(history, col)
    out = {
        "column": col,
        "values": counts["present"],
        "non_finite": counts["non_finite"],
        "present": counts["present"],
        "missing": counts["missing"],
        "first": rounded(finite[0]) if finite.size else None,
        "last": rounded(finite[-1]) if finite.size else None,
        "min": rounded(finite.min()) if finite.size else None,
        "max": rounded(finite.max()) if finite.size else None,
        "mode": None,
        "best": None,
        "best_epoch": None,
        "trend": _trend(v),
    }
    mode = _direction(col) if directed else None
    if mode and finite.size:
        i = int(np.flatnonzero(ok)[np.argmax(finite) if mode == "max" else np.argmin(finite)])
        out.update(mode=mode, best=rounded(v[i]), best_epoch=int(s.index[i]))
    return out


def _direction(col: str) -> str | None:
    """max, min, or None for a series with no better end (confusion counts): the naming table's
    direction when this version has one, else the monitor's auto mode."""
    base = History.base(col)
    table = getattr(naming, "direction", None)
    if table is not None:
        return {"higher": "max", "lower": "min"}.get(table(base))
    return None if base in COUNT_KINDS else auto_mode(col)


def _counts(history: History, col: str) -> dict[str, int]:
    """present / missing / non-finite (logged NaN or inf) epochs of a column, from the History's mask."""
    c = history.counts(col)
    return {"present": c["present"], "missing": c["missing"], "non_finite": c["nonfinite"]}


def _trend(v: np.ndarray) -> list[float | None]:
    """At most ``MAX_SPARK`` bin means of the finite values, for the sparkline (None: no value in the bin)."""
    n = len(v)
    k = min(n, MAX_SPARK)
    out: list[float | None] = []
    for i in range(k):
        part = v[i * n // k : (i + 1) * n // k]
        part = part[np.isfinite(part)]
        out.append(rounded(float(part.mean())) if part.size else None)
    return out


MAX_NAME = 40


def _short(name: str) -> str:
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 11] + "…" + name[-10:]


def _show(text: str) -> str:
    """Text as is when printable, else escaped, so a hostile name cannot break the terminal output."""
    return text if text.isprintable() else repr(text)[1:-1]


def info_text(data: dict[str, Any], width: int = 80) -> str:
    """The ``info`` dict as a short, aligned text block, its table of series fitting ``width`` columns."""
    lines = [
        f"{data['source']}",
        f"  format   {data['format']}",
        (
            f"  epochs   {data['epochs']} ({data['first_epoch']}-{data['last_epoch']})"
            if data["epochs"] is not None
            else f"  epochs   none: logged by step only ({data.get('logged_rows')} logged rows)"
        ),
        f"  splits   {', '.join(data['splits']) or '-'}",
    ]
    if data.get("framework"):
        lines.append(f"  writer   {data['framework']} (naming conventions applied)")
    if data.get("unsplit"):
        lines.append(f"  unsplit  {', '.join(map(_short, data['unsplit']))} (the file does not say train or held-out)")
    name_width = min(max([len(b) for b in data["metrics"]] + [len(c) for c in data["other_series"]] + [6]), MAX_NAME)
    members = class_members(data["metrics"])
    lines.extend(series_table(rows_of(data["metrics"], data["other_series"], set(members)), width=width))
    lines.extend(family_lines(data["metrics"], members, name_width))
    lines.extend(derived_lines(data))
    if data.get("step_series"):
        lines.append(
            f"  steps    {data['steps']['rows']} logged steps ({data['steps']['first']}-"
            f"{data['steps']['last']}): {', '.join(data['step_series'])}"
        )
    for split, m in data.get("matrices", {}).items():
        names = f": {', '.join(m['class_names'][:6])}{', ...' if m['classes'] > 6 else ''}" if m["class_names"] else ""
        lines.append(
            f"  confusion {split}: {m['classes']} x {m['classes']} matrices at {len(m['epochs'])} epochs "
            f"('{_show(m['name'])}'){_show(names)}"
        )
    dists = data.get("distributions", {})
    if dists:
        lines.append("  distributions")
        for tag, d in dists.items():
            lines.append(
                f"    {_short(_show(tag)):<{width}}  {d['points']} histograms, {d['clock']} {d['first']}-{d['last']}"
            )
    renamed = {k: v for k, v in data["original_names"].items() if k != v}
    if renamed:
        lines.append("  renamed  " + ", ".join(f"{_show(v)} -> {_short(k)}" for k, v in renamed.items()))
    final = data.get("final_eval")
    if final:
        shown = ", ".join(f"{_short(k)} = {v:.4g}" for k, v in final["values"].items())
        lines.append(f"  final    {_show(final['where'])}: {shown}")
    for run in data.get("runs") or []:
        lines.append(f"  run      {_show(str(run))}")
    for name, value in data["scalars"].items():
        lines.append(f"  scalar   {name} = {value:.6g}")
    hidden = data.get("not_in_figure")
    if hidden:
        # the figure's footer names these too; --metrics NAME or --all draws them
        shown = ", ".join(map(_short, hidden[:12])) + (f", ... ({len(hidden)} in all)" if len(hidden) > 12 else "")
        lines.append(f"  hidden   not in the default figure (plot --metrics NAME or --all): {_show(shown)}")
    for note in data["notes"]:
        lines.append(f"  note     {_show(note)}")
    return "\n".join(lines)
