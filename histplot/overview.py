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
    return {
        "source": history.meta.get("source"),
        "format": history.meta.get("format"),
        "label": history.label,
        "epochs": history.epochs,
        "first_epoch": int(frame.index[0]) if len(frame) else None,
        "last_epoch": int(frame.index[-1]) if len(frame) else None,
        "splits": history.splits(),
        "framework": history.meta.get("framework"),
        "unsplit": history.unsplit(),
        "roles": {
            col: {"split": i.split, "base": i.base, "role": i.role, "direction": i.direction or "unknown"}
            for col, i in history.roles.items()
        },
        "metrics": metrics,
        "other_series": {col: _series_summary(frame[col], col) for col in history.aux()},
        "step_series": list(history.steps.columns) if history.steps is not None else [],
        "steps": _steps_range(history),
        "original_names": history.meta.get("original_names", {}),
        "scalars": history.meta.get("scalars", {}),
        "notes": history.meta.get("notes", []),
        **derive_summary(history),
    }


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
        f"  epochs   {data['epochs']} ({data['first_epoch']}-{data['last_epoch']})",
        f"  splits   {', '.join(data['splits']) or '-'}",
    ]
    if data.get("framework"):
        lines.append(f"  writer   {data['framework']} (naming conventions applied)")
    if data.get("unsplit"):
        lines.append(f"  unsplit  {', '.join(map(_short, data['unsplit']))} (the file does not say train or held-out)")
    lines.append("  metrics")
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
            role = data.get("roles", {}).get(col, {}).get("role", "aux")
            rng = f"{s['first']:.4g} -> {s['last']:.4g}" if s["first"] is not None else "no finite values"
            lines.append(f"    {_short(col):<{width}}  {rng}  ({role.replace('_', ' ')})")
    if data.get("step_series"):
        lines.append(
            f"  steps    {data['steps']['rows']} logged steps ({data['steps']['first']}-"
            f"{data['steps']['last']}): {', '.join(data['step_series'])}"
        )
    renamed = {k: v for k, v in data["original_names"].items() if k != v}
    if renamed:
        lines.append("  renamed  " + ", ".join(f"{_show(v)} -> {_short(k)}" for k, v in renamed.items()))
    for name, value in data["scalars"].items():
        lines.append(f"  scalar   {name} = {value:.6g}")
    for note in data["notes"]:
        lines.append(f"  note     {_show(note)}")
    return "\n".join(lines)
