"""The benchmark table as JSON (``benchmarks/results.json``), for ``benchmarks.compare``.

Each row keeps the numbers unformatted (median and CPU seconds, ratio, peak RSS) next to the text of
the printed table, with the machine and the git commit measured, so that two runs can be compared
row by row later. The previous results file is kept as ``results.prev.json``.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT = HERE / "results.json"
PREVIOUS = HERE / "results.prev.json"


def _number(value) -> float | None:
    """A JSON-safe float: None for missing or NaN (JSON has no NaN)."""
    if value is None or isinstance(value, bool):
        return None
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def as_record(row: dict) -> dict:
    """One table row as plain JSON: numbers where the row measured them, its text where it did not."""
    raw = row.get("raw", {})
    return {
        "case": row["case"],
        "command": row["what"].strip(),
        "median_s": _number(raw.get("median_s")),
        "cpu_s": _number(raw.get("cpu_s")),
        "ratio": _number(raw.get("ratio")),
        "ratio_text": row.get("ratio", ""),
        "peak_rss_mib": _number(raw.get("peak_rss_mib")),
        "rss_ratio": _number(raw.get("rss_ratio")),
        "target": row.get("target", ""),
        "met": raw.get("met") if "met" in raw else None,
        # A row that measured nothing (a peer that cannot read a case) says why here.
        "status": row.get("median") if raw.get("median_s") is None else "measured",
        "notes": row.get("extra", ""),
    }


def git_commit(folder: Path = HERE) -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out + ("-dirty" if dirty else "")


def machine() -> dict:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    return {
        "cores": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "machine": platform.machine(),
        # Load before the run: a loaded machine makes wall times noisy (CPU times less so).
        "load_average_1m": _number(load[0]),
    }


def document(rows: list[dict], settings: dict, wall_s: float) -> dict:
    return {
        "format": 1,
        "commit": git_commit(),
        "machine": machine(),
        "settings": settings,
        "wall_s": _number(wall_s),
        "rows": [as_record(r) for r in rows],
    }


def write(doc: dict, path: Path) -> None:
    """Write ``doc`` to ``path``; an earlier file at the default path becomes ``results.prev.json``."""
    path = Path(path)
    if path.resolve() == DEFAULT.resolve() and path.exists():
        path.replace(PREVIOUS)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
