"""``info`` text for derived metrics: per-class families folded to one line, derived columns grouped
by their inputs, so a 10-class run reads in a screenful instead of hundreds of lines."""

from __future__ import annotations

from typing import Any

from ..display import number
from ..naming import parse_name
from .families import class_members


def _classes_text(classes) -> str:
    ks = sorted(set(classes))
    return f"{ks[0]}-{ks[-1]}" if ks == list(range(ks[0], ks[-1] + 1)) and len(ks) > 2 else ",".join(map(str, ks))


def family_lines(metrics: dict, members: dict, width: int) -> list[str]:
    """One line per per-class family: which class is worst and best at the end, per split."""
    fams: dict[str, dict[int, str]] = {}
    for base, (stem, k) in members.items():
        fams.setdefault(stem, {})[k] = base
    lines = []
    width = max([width] + [len(f"{stem}_k, k={_classes_text(c)}") for stem, c in fams.items()])
    for stem, by_class in fams.items():
        parts = []
        for split in ("train", "val", "test"):
            last = {
                k: metrics[b][split]["last"]
                for k, b in by_class.items()
                if split in metrics[b] and metrics[b][split]["last"] is not None
            }
            if last:
                lo, hi = min(last, key=last.get), max(last, key=last.get)
                parts.append(f"{split} last: {number(last[lo])} (class {lo}) to {number(last[hi])} (class {hi})")
        name = f"{stem}_k, k={_classes_text(by_class)}"
        lines.append(f"    {name:<{width}}  " + ("; ".join(parts) or "no finite values"))
    return lines


def derived_lines(data: dict[str, Any]) -> list[str]:
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
        # metrics computed from the confusion matrices have no input column
        inputs = ", ".join(key) or "confusion matrix"
        lines.append(f"    {', '.join(g['metrics'])}  <- {inputs}  [{where}]")
    if data.get("kept"):
        lines.append("    kept the file's own: " + ", ".join(data["kept"]))
    return lines
