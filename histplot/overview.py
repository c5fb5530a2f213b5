"""``info``: what a history holds, as a dict (for ``--json``) or lines of text."""

from __future__ import annotations

from typing import Any

import numpy as np

from .history import History
from .metrics.derive import summary as derive_summary
from .metrics.describe import derived_lines, family_lines
from .metrics.families import class_members


def info(history: History) -> dict[str, Any]:
    """Format, epochs, metrics by split, run-level series, and what the reader noted."""
    frame = history.frame
    metrics = {
        base: {split: _series_summary(frame[col], col) for split, col in cols.items()}
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
        "metrics": metrics,
        "other_series": {col: _series_summary(frame[col], col) for col in history.aux()},
        "step_series": list(history.steps.columns) if history.steps is not None else [],
        "steps": _steps_range(history),
        "original_names": history.meta.get("original_names", {}),
        "scalars": history.meta.get("scalars", {}),
        "notes": history.meta.get("notes", []),
        **derive_summary(history),
    }


def _final(history: History) -> dict[str, Any] | None:
    if not history.final:
        return None
    where = history.meta.get("final_eval", {}).get("where", "written after training")
    return {"where": where, "values": {k: _num(v) if np.isfinite(v) else v for k, v in history.final.items()}}


def _time_range(history: History) -> dict[str, Any] | None:
    t = history.time
    if t is None or t.empty:
        t = history.step_time
    if t is None or t.empty:
        return None
    return {"clock": t.index.name, "elapsed_seconds": _num(float(t.max()))}


def _steps_range(history: History) -> dict[str, Any] | None:
    steps = history.steps
    if steps is None or steps.empty:
        return None
    first, last = steps.index[0], steps.index[-1]
    as_num = lambda v: int(v) if float(v).is_integer() else float(v)  # noqa: E731
    return {"rows": len(steps), "first": as_num(first), "last": as_num(last)}


def _series_summary(s, col: str) -> dict[str, Any]:
    v = s.to_numpy(dtype=float)
    finite = v[np.isfinite(v)]
    return {
        "column": col,
        "values": int(np.count_nonzero(~np.isnan(v))),
        "non_finite": int(np.count_nonzero(np.isinf(v))),
        "first": _num(finite[0]) if finite.size else None,
        "last": _num(finite[-1]) if finite.size else None,
        "min": _num(finite.min()) if finite.size else None,
        "max": _num(finite.max()) if finite.size else None,
    }


def _num(x: float) -> float:
    return float(f"{x:.6g}")


MAX_NAME = 40


def _short(name: str) -> str:
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 11] + "…" + name[-10:]


def _show(text: str) -> str:
    """Text as is when printable, else escaped, so a hostile name cannot break the terminal output."""
    return text if text.isprintable() else repr(text)[1:-1]


def info_text(data: dict[str, Any]) -> str:
    """The ``info`` dict as a short, aligned text block."""
    lines = [
        f"{data['source']}",
        f"  format   {data['format']}",
        (
            f"  epochs   {data['epochs']} ({data['first_epoch']}-{data['last_epoch']})"
            if data["epochs"] is not None
            else f"  epochs   none: logged by step only ({data.get('logged_rows')} logged rows)"
        ),
        f"  splits   {', '.join(data['splits']) or '-'}",
        "  metrics",
    ]
    width = min(max([len(b) for b in data["metrics"]] + [len(c) for c in data["other_series"]] + [6]), MAX_NAME)
    members = class_members(data["metrics"])
    for base, splits in data["metrics"].items():
        if base in members:
            continue
        parts = []
        for split, s in splits.items():
            rng = f"{s['first']:.4g} -> {s['last']:.4g}" if s["first"] is not None else "no finite values"
            parts.append(f"{split}: {rng}" + (f" ({s['values']} values)" if s["values"] != data["epochs"] else ""))
        lines.append(f"    {_short(base):<{width}}  " + "; ".join(parts))
    lines.extend(family_lines(data["metrics"], members, width))
    lines.extend(derived_lines(data))
    if data["other_series"]:
        lines.append("  other series")
        for col, s in data["other_series"].items():
            lines.append(f"    {_short(col):<{width}}  {s['first']:.4g} -> {s['last']:.4g}")
    if data.get("step_series"):
        lines.append(
            f"  steps    {data['steps']['rows']} logged steps ({data['steps']['first']}-"
            f"{data['steps']['last']}): {', '.join(data['step_series'])}"
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
    for note in data["notes"]:
        lines.append(f"  note     {_show(note)}")
    return "\n".join(lines)
