"""``info``: what a history holds, as a dict (for ``--json``) or lines of text."""

from __future__ import annotations

from typing import Any

import numpy as np

from .classes import class_members
from .history import History, parse_name


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
        "metrics": metrics,
        "other_series": {col: _series_summary(frame[col], col) for col in history.aux()},
        "step_series": list(history.steps.columns) if history.steps is not None else [],
        "original_names": history.meta.get("original_names", {}),
        "scalars": history.meta.get("scalars", {}),
        "notes": history.meta.get("notes", []),
        **_derive_summary(history),
    }


def _derive_summary(history: History) -> dict[str, Any]:
    from .derive import summary

    return summary(history)


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


def info_text(data: dict[str, Any]) -> str:
    """The ``info`` dict as a short, aligned text block."""
    lines = [
        f"{data['source']}",
        f"  format   {data['format']}",
        f"  epochs   {data['epochs']} ({data['first_epoch']}-{data['last_epoch']})",
        f"  splits   {', '.join(data['splits']) or '-'}",
        "  metrics",
    ]
    width = max([len(b) for b in data["metrics"]] + [len(c) for c in data["other_series"]] + [6])
    members = class_members(data["metrics"])
    for base, splits in data["metrics"].items():
        if base in members:
            continue
        parts = []
        for split, s in splits.items():
            rng = f"{s['first']:.4g} -> {s['last']:.4g}" if s["first"] is not None else "no finite values"
            parts.append(f"{split}: {rng}" + (f" ({s['values']} values)" if s["values"] != data["epochs"] else ""))
        lines.append(f"    {base:<{width}}  " + "; ".join(parts))
    lines.extend(_family_lines(data["metrics"], members, width))
    lines.extend(_derived_lines(data))
    if data["other_series"]:
        lines.append("  other series")
        for col, s in data["other_series"].items():
            lines.append(f"    {col:<{width}}  {s['first']:.4g} -> {s['last']:.4g}")
    renamed = {k: v for k, v in data["original_names"].items() if k != v}
    if renamed:
        lines.append("  renamed  " + ", ".join(f"{v} -> {k}" for k, v in renamed.items()))
    for name, value in data["scalars"].items():
        lines.append(f"  scalar   {name} = {value:.6g}")
    for note in data["notes"]:
        lines.append(f"  note     {note}")
    return "\n".join(lines)


def _classes_text(classes) -> str:
    ks = sorted(set(classes))
    return f"{ks[0]}-{ks[-1]}" if ks == list(range(ks[0], ks[-1] + 1)) and len(ks) > 2 else ",".join(map(str, ks))


def _family_lines(metrics: dict, members: dict, width: int) -> list[str]:
    """One line per per-class family: which class is worst and best at the end, per split."""
    fams: dict[str, dict[int, str]] = {}
    for base, (stem, k) in members.items():
        fams.setdefault(stem, {})[k] = base
    lines = []
    width = max([width] + [len(f"{stem}_k, k={_classes_text(c)}") for stem, c in fams.items()])
    for stem, by_class in fams.items():
        parts = []
        for split in ("train", "val", "test"):
            last = {k: metrics[b][split]["last"] for k, b in by_class.items()
                    if split in metrics[b] and metrics[b][split]["last"] is not None}
            if last:
                lo, hi = min(last, key=last.get), max(last, key=last.get)
                parts.append(f"{split} last: {last[lo]:.4g} (class {lo}) to {last[hi]:.4g} (class {hi})")
        name = f"{stem}_k, k={_classes_text(by_class)}"
        lines.append(f"    {name:<{width}}  " + ("; ".join(parts) or "no finite values"))
    return lines


def _derived_lines(data: dict[str, Any]) -> list[str]:
    """Derived (or derivable) columns grouped by their inputs, splits and classes folded together."""
    derived, derivable = data.get("derived") or {}, data.get("derivable") or {}
    mapping = derived or derivable
    if not mapping:
        return []
    members = class_members({parse_name(c)[1] for cols in mapping.items() for c in [cols[0], *cols[1]]})

    def pattern(col: str) -> tuple[str, str | None, int | None]:
        split, base = parse_name(col)
        if base in members:
            stem = base[: base.rfind("_")]
            return f"{stem}_k", split, members[base][1]
        return base, split, None

    groups: dict[tuple[str, ...], dict[str, Any]] = {}
    for col, inputs in mapping.items():
        base, split, k = pattern(col)
        key = tuple(dict.fromkeys(pattern(i)[0] for i in inputs))
        g = groups.setdefault(key, {"metrics": [], "splits": [], "classes": []})
        for item, value in (("metrics", base), ("splits", split or "run"), ("classes", k)):
            if value is not None and value not in g[item]:
                g[item].append(value)
    head = "  derived  (--no-derive to skip)" if derived else "  derivable  (not added: --no-derive)"
    lines = [head]
    for key, g in groups.items():
        where = ", ".join(g["splits"]) + (f"; k={_classes_text(g['classes'])}" if g["classes"] else "")
        lines.append(f"    {', '.join(g['metrics'])}  <- {', '.join(key)}  [{where}]")
    if data.get("kept"):
        lines.append("    kept the file's own: " + ", ".join(data["kept"]))
    return lines
