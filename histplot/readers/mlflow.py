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

import numpy as np
import pandas as pd

from ..errors import ReadError
from ..history import History
from . import _budget, _scalars
from ._io import check_regular, open_source, read_text

NAME = "mlflow"
DESCRIPTION = "MLflow run: mlruns/ file store (root, experiment, run or metrics folder) or mlflow.db"

_LINE = re.compile(rb"^\d{9,14}(\.\d+)? \S+( -?\d+)?\r?$")
_SQLITE = b"SQLite format 3\x00"


@dataclass
class Run:
    run_id: str
    name: str | None = None
    experiment: str | None = None
    metrics: dict[str, pd.Series | tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
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
        _budget.current().charge_input(db.stat().st_size, str(db))
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
        raise ReadError(
            f"{len(runs)} runs here: choose one with --run ID or NAME ({listing}{', ...' if len(runs) > 8 else ''})",
            source,
        )
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
    with open_source(path, count=False) as buf:
        first = buf.read(200).split(b"\n", 1)[0]
    return bool(_LINE.match(first))


def _file_run(run_dir: Path, source: str | None) -> Run:
    walls: dict[int, float] = {}
    run = Run(
        run_id=run_dir.name,
        experiment=run_dir.parent.name,
        metrics=_read_metrics(run_dir / "metrics", source, walls),
        walls=walls,
    )
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


def _read_metrics(
    metrics_dir: Path, source: str | None, walls: dict[int, float] | None = None
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    out = {}
    for f in _metric_files(metrics_dir):
        key = f.relative_to(metrics_dir).as_posix()
        with open_source(f) as buf:
            out[key] = _parse_metric(read_text(buf, str(f)), key, str(f), walls)
    return out


def _parse_metric(
    text: str, key: str, source: str | None, walls: dict[int, float] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(steps, values) of a metric file: ``timestamp value step`` lines (``timestamp value`` in old
    files, step 0). Well-formed files convert in one numpy call; the line loop names a bad line."""
    tokens = text.split()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(tokens) == 3 * len(lines):
        try:
            table = np.array(tokens, dtype=np.float64).reshape(-1, 3)
        except ValueError:
            table = None
        if table is not None and np.all(table[:, 2] == np.round(table[:, 2])):
            steps = table[:, 2].astype(np.int64)
            if walls is not None:
                _add_walls(walls, steps, table[:, 0])
            return steps, table[:, 1]
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
    return np.asarray(steps, dtype=np.int64), np.asarray(values, dtype=np.float64)


def _add_walls(walls: dict[int, float], steps: np.ndarray, stamps_ms: np.ndarray) -> None:
    """Each step's latest timestamp, in seconds (MLflow stores milliseconds)."""
    latest = pd.Series(stamps_ms / 1000.0).groupby(steps).max()
    for step, wall in latest.items():
        walls[int(step)] = max(walls.get(int(step), 0.0), float(wall))


def _db_walls(rows: list[tuple], runs: dict[str, Run]) -> None:
    """Per run, each step's latest timestamp from the metrics table's rows (run, key, step, value,
    is_nan, timestamp)."""
    frame = pd.DataFrame.from_records(rows, columns=["run", "key", "step", "value", "is_nan", "stamp"])
    frame = frame[frame["run"].map(type).eq(str)]
    frame["stamp"] = pd.to_numeric(frame["stamp"], errors="coerce")
    frame["step"] = pd.to_numeric(frame["step"], errors="coerce")
    frame = frame.dropna(subset=["stamp", "step"])
    for run_id, part in frame.groupby("run"):
        if runs and run_id not in runs:
            continue
        _add_walls(
            runs.setdefault(run_id, Run(run_id=run_id)).walls,
            part["step"].to_numpy(dtype=np.int64),
            part["stamp"].to_numpy(dtype=float),
        )


def _series_by_key(rows: list[tuple], known: set[str]) -> dict[tuple[str, str], pd.Series]:
    """(run, key) -> values by step, from rows sorted by run and key: the group boundaries found
    in one vectorised pass, not a Python loop per row or a groupby per key."""
    if not rows:
        return {}
    frame = pd.DataFrame.from_records(rows, columns=["run", "key", "step", "value", "is_nan"])
    # a key or run id that is no text (NULL, a number, a blob) names no series: such rows are dropped
    frame = frame[frame["key"].map(type).eq(str) & frame["run"].map(type).eq(str)]
    if known:
        frame = frame[frame["run"].isin(known)]
    if frame.empty:
        return {}
    run, key = frame["run"].to_numpy(dtype=object), frame["key"].to_numpy(dtype=object)
    steps = pd.to_numeric(frame["step"], errors="coerce").fillna(0).to_numpy(dtype=np.int64)
    values = pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype=float, copy=True)
    values[frame["is_nan"].fillna(0).to_numpy(dtype=bool)] = np.nan
    starts = np.flatnonzero(np.r_[True, (run[1:] != run[:-1]) | (key[1:] != key[:-1])])
    ends = np.r_[starts[1:], len(run)]
    return {
        (run[a], key[a]): pd.Series(values[a:b], index=steps[a:b], dtype=float)
        for a, b in zip(starts.tolist(), ends.tolist())
    }


# -- SQLite store -------------------------------------------------------------------------------
# A query may not run longer than this, nor return a value longer than _MAX_VALUE: a crafted
# database (a view or generated column computing for ever, a printf of a billion characters)
# is refused instead of hanging or filling memory.
QUERY_SECONDS = 30.0
_MAX_VALUE = 1024 * 1024
_PROGRESS_EVERY = 10_000  # SQLite virtual-machine instructions between deadline checks


def _db_runs(db: Path) -> list[Run]:
    # sqlite3 is imported in _query_db, not at the top: its import costs ~50 ms of every start
    import shutil
    import tempfile

    check_regular(db)
    wal = Path(f"{db}-wal")
    if wal.is_file() and wal.stat().st_size:
        # Recent writes sit in the -wal file, which only a connection that may create -shm can
        # read: read a private copy of both instead of touching the input's folder.
        with tempfile.TemporaryDirectory(prefix="histplot-db-") as tmp:
            copy = Path(tmp) / "mlflow.db"
            for src, dst in ((db, copy), (wal, Path(f"{copy}-wal"))):
                check_regular(src)
                if src is wal:  # the database itself is counted where it is opened or listed
                    _budget.current().charge_input(src.stat().st_size, str(src))
                shutil.copyfile(src, dst)
            return _query_db(copy.as_uri() + "?mode=ro", db)
    # immutable=1: no lock, no journal and no -wal/-shm files created beside the input, even for
    # a database left in WAL mode (mode=ro alone creates mlflow.db-shm)
    return _query_db(db.resolve().as_uri() + "?mode=ro&immutable=1", db)


def _query_db(uri: str, db: Path) -> list[Run]:
    import sqlite3
    import time

    try:
        con = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise ReadError(f"cannot open the database read-only: {exc}", str(db)) from exc
    deadline = time.monotonic() + QUERY_SECONDS
    con.set_progress_handler(lambda: int(time.monotonic() > deadline), _PROGRESS_EVERY)
    if hasattr(con, "setlimit"):
        con.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, _MAX_VALUE)
    try:
        return _query_runs(con)
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise ReadError(f"the database's queries took more than {QUERY_SECONDS:.0f} s: refused", str(db)) from exc
        raise ReadError(f"not an MLflow tracking database: {exc}", str(db)) from exc
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
            "SELECT run_uuid, name, experiment_id, lifecycle_stage FROM runs ORDER BY start_time"
        ):
            if stage != "deleted":
                runs[run_id] = Run(run_id=run_id, name=name or None, experiment=str(exp))
    rows = con.execute(
        "SELECT run_uuid, key, step, value, is_nan, timestamp FROM metrics ORDER BY run_uuid, key, step, timestamp"
    ).fetchall()
    _budget.charge(len(rows), 40, f"{len(rows):,} metric rows")
    _db_walls(rows, runs)
    for (run_id, key), series in _series_by_key([r[:5] for r in rows], set(runs)).items():
        run = runs.setdefault(run_id, Run(run_id=run_id))
        run.metrics[key] = series
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
