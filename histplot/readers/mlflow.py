"""MLflow runs (FORMATS §1.7), from either store:

- the file store: ``mlruns/<experiment>/<run>/metrics/<key>``, one ``timestamp value step`` line per
  logged value (``timestamp value``, step 0, in old files), keys with ``/`` as sub-folders, beside
  ``params/``, ``tags/`` (``mlflow.runName``) and ``meta.yaml``; an mlruns root, an experiment, a
  run or its ``metrics/`` folder may be given;
- the SQLite store (``mlflow.db``, the default since MLflow 3.7): tables ``runs``, ``metrics``
  (key, value, timestamp, step, is_nan, run_uuid), ``params``, ``tags``; opened read-only.

``--run`` picks a run by id (or id prefix) or name; a store with several runs needs it. What the
step counts (epochs or iterations) is inferred by ``_scalars``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from ..errors import ReadError
from ..history import History
from . import _scalars
from ._io import open_source, read_text

NAME = "mlflow"
DESCRIPTION = "MLflow run: mlruns/ file store (root, experiment, run or metrics folder) or mlflow.db"

_LINE = re.compile(rb"^\d{9,14}(\.\d+)? \S+( -?\d+)?\r?$")
_SQLITE = b"SQLite format 3\x00"


@dataclass
class Run:
    run_id: str
    name: str | None = None
    experiment: str | None = None
    metrics: dict[str, pd.Series] = field(default_factory=dict)
    walls: dict[int, float] = field(default_factory=dict)  # step -> latest timestamp (seconds)
    params: dict[str, str] = field(default_factory=dict)


def sniff(head: bytes, path: str | None) -> float:
    if head.startswith(_SQLITE):
        return 0.95 if b"run_uuid" in head or b"CREATE TABLE metrics" in head else 0.3
    lines = [ln for ln in head.split(b"\n")[:20] if ln.strip()]
    if lines and len(head) < 65536 and all(_LINE.match(ln) for ln in lines[:-1] or lines):
        return 0.5  # a single metric file
    return 0.0


def sniff_dir(path: Path) -> float:
    if (path / "mlflow.db").is_file():
        return 0.9
    if _metric_files(path / "metrics") or any(True for _ in _run_dirs(path)):
        return 0.95
    files = _metric_files(path)
    return 0.85 if files and all(_looks_like_metric(f) for f in files[:5]) else 0.0


# -- reading ------------------------------------------------------------------------------------
def read(buf: BinaryIO, *, source: str | None = None, run: str | None = None, **_) -> History:
    if buf.read(16) == _SQLITE:
        if not source or source == "-" or not Path(source).is_file():
            raise ReadError("an MLflow database must be given as a file path, not a stream", source)
        return _history(_pick(_db_runs(Path(source)), run, source), source)
    buf.seek(0)
    name = Path(source).name if source and source != "-" else "metric"
    series = _parse_metric(read_text(buf, source), name, source)
    return _history(Run(run_id="-", metrics={name: series}), source)


def read_dir(path: Path, *, source: str | None = None, run: str | None = None, **_) -> History:
    if (path / "mlflow.db").is_file() and not (path / "metrics").is_dir():
        db = path / "mlflow.db"
        return _history(_pick(_db_runs(db), run, str(db)), str(db))
    if (path / "metrics").is_dir():
        return _history(_file_run(path, source), source)
    runs = [_file_run(d, source) for d in _run_dirs(path)]
    if runs:
        return _history(_pick(runs, run, source), source)
    walls: dict[int, float] = {}
    return _history(Run(run_id=path.name, metrics=_read_metrics(path, source, walls), walls=walls), source)


def list_runs(path: Path) -> list[str]:
    """The run ids an ``mlflow.db`` holds, for ``report`` to read each one (``--run``)."""
    if path.is_file():
        try:
            return [r.run_id for r in _db_runs(path)]
        except ReadError:
            return []
    return [d.name for d in _run_dirs(path)]


def _history(run: Run, source: str | None) -> History:
    if not run.metrics:
        raise ReadError(f"run {run.run_id} has no metrics", source)
    notes: list[str] = []
    meta: dict = {"run_id": run.run_id, "params": run.params}
    if run.name:
        meta["label"] = run.name
    if run.experiment:
        meta["experiment"] = run.experiment
    walls = pd.Series(run.walls, dtype=float) if run.walls else None
    return _scalars.assemble(dict(run.metrics), source=source, fmt=NAME, notes=notes, meta=meta, walls=walls)


def _pick(runs: list[Run], wanted: str | None, source: str | None) -> Run:
    if not runs:
        raise ReadError("no MLflow runs found", source)
    if wanted is None:
        if len(runs) == 1:
            return runs[0]
        listing = ", ".join(f"{r.run_id[:8]} ({r.name})" if r.name else r.run_id[:8] for r in runs[:8])
        raise ReadError(f"{len(runs)} runs here: choose one with --run ID or NAME ({listing}"
                        f"{', ...' if len(runs) > 8 else ''})", source)
    hits = [r for r in runs if r.run_id == wanted or r.name == wanted]
    hits = hits or [r for r in runs if len(wanted) >= 4 and r.run_id.startswith(wanted)]
    if len(hits) != 1:
        what = "no run" if not hits else f"{len(hits)} runs"
        raise ReadError(f"{what} matches --run {wanted!r}", source)
    return hits[0]


# -- file store ---------------------------------------------------------------------------------
def _run_dirs(path: Path):
    """Run folders below an mlruns root (``*/*/metrics``) or an experiment (``*/metrics``)."""
    for pattern in ("*/metrics", "*/*/metrics"):
        for m in sorted(path.glob(pattern)):
            if m.is_dir() and ".trash" not in m.parts:
                yield m.parent


def _metric_files(path: Path) -> list[Path]:
    if not path.is_dir():
        return []
    return sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))


def _looks_like_metric(path: Path) -> bool:
    with open_source(path) as buf:
        first = buf.read(200).split(b"\n", 1)[0]
    return bool(_LINE.match(first))


def _file_run(run_dir: Path, source: str | None) -> Run:
    walls: dict[int, float] = {}
    run = Run(run_id=run_dir.name, experiment=run_dir.parent.name,
              metrics=_read_metrics(run_dir / "metrics", source, walls), walls=walls)
    run.params = {p.name: _small_text(p) for p in _metric_files(run_dir / "params")}
    name_tag = run_dir / "tags" / "mlflow.runName"
    if name_tag.is_file():
        run.name = _small_text(name_tag)
    elif (run_dir / "meta.yaml").is_file():
        m = re.search(r"^run_name:\s*(.+)$", _small_text(run_dir / "meta.yaml"), re.M)
        run.name = m[1].strip().strip("'\"") if m else None
    return run


def _small_text(path: Path) -> str:
    with open_source(path) as buf:
        return read_text(buf, str(path)).strip()


def _read_metrics(metrics_dir: Path, source: str | None, walls: dict[int, float] | None = None
                  ) -> dict[str, pd.Series]:
    out = {}
    for f in _metric_files(metrics_dir):
        key = f.relative_to(metrics_dir).as_posix()
        with open_source(f) as buf:
            out[key] = _parse_metric(read_text(buf, str(f)), key, str(f), walls)
    return out


def _parse_metric(text: str, key: str, source: str | None, walls: dict[int, float] | None = None) -> pd.Series:
    steps, values = [], []
    for i, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) not in (2, 3):
            raise ReadError(f"metric '{key}' line {i} is not 'timestamp value step'", source)
        try:
            values.append(float(parts[1]))
            steps.append(int(parts[2]) if len(parts) == 3 else 0)
            if walls is not None:
                walls[steps[-1]] = max(walls.get(steps[-1], 0.0), float(parts[0]) / 1000)
        except ValueError:
            raise ReadError(f"metric '{key}' line {i} has a non-numeric field: {line[:60]!r}", source) from None
    return pd.Series(values, index=steps, dtype=float)


# -- SQLite store -------------------------------------------------------------------------------
def _db_runs(db: Path) -> list[Run]:
    import sqlite3  # here, not at the top: its import costs ~50 ms of every start, and few runs use it

    uri = db.resolve().as_uri() + "?mode=ro"
    try:
        con = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise ReadError(f"cannot open the database read-only: {exc}", str(db)) from exc
    try:
        return _query_runs(con)
    except sqlite3.DatabaseError as exc:
        raise ReadError(f"not an MLflow tracking database: {exc}", str(db)) from exc
    finally:
        con.close()


def _query_runs(con) -> list[Run]:
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "metrics" not in tables:
        raise con.DatabaseError("no 'metrics' table")
    runs: dict[str, Run] = {}
    if "runs" in tables:
        for run_id, name, exp, stage in con.execute(
                "SELECT run_uuid, name, experiment_id, lifecycle_stage FROM runs ORDER BY start_time"):
            if stage != "deleted":
                runs[run_id] = Run(run_id=run_id, name=name or None, experiment=str(exp))
    rows = con.execute("SELECT run_uuid, key, step, value, is_nan, timestamp FROM metrics "
                       "ORDER BY run_uuid, key, step, timestamp").fetchall()
    by_key: dict[tuple[str, str], tuple[list, list]] = {}
    for run_id, key, step, value, is_nan, stamp in rows:
        if runs and run_id not in runs:
            continue
        if isinstance(stamp, (int, float)):
            wall = runs.setdefault(run_id, Run(run_id=run_id)).walls
            wall[int(step)] = max(wall.get(int(step), 0.0), float(stamp) / 1000)
        steps, values = by_key.setdefault((run_id, key), ([], []))
        steps.append(int(step))
        values.append(float("nan") if is_nan else float(value))
    for (run_id, key), (steps, values) in by_key.items():
        run = runs.setdefault(run_id, Run(run_id=run_id))
        run.metrics[key] = pd.Series(values, index=steps, dtype=float)
    for table, attr in (("params", "params"), ("tags", None)):
        if table not in tables:
            continue
        for key, value, run_id in con.execute(f"SELECT key, value, run_uuid FROM {table}"):
            if run_id not in runs:
                continue
            if attr:
                runs[run_id].params[key] = value
            elif key == "mlflow.runName" and not runs[run_id].name:
                runs[run_id].name = value
    return [r for r in runs.values() if r.metrics]
