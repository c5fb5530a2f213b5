"""PyTorch Lightning ``CSVLogger`` ``metrics.csv`` (FORMATS §1.4).

One sparse row per ``log_metrics`` call, a ``step`` column on every row, a 0-based ``epoch`` column
except on rows logged with an explicit step (``LearningRateMonitor``'s ``lr-Adam``). Columns are
classified once: ``X_epoch`` is X's epoch value, ``X_step`` is X by step, and any other column
is a step series when some epoch holds several of its values (``train_loss`` every 50 steps), an
epoch-level series otherwise (``val_loss``). Header order (old insertion order, new alphabetical)
does not matter. ``hparams.yaml`` beside the file goes to ``meta["hparams"]``.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from ..errors import ReadError
from ..history import MAX_EPOCH, History
from ..naming.conventions import LIGHTNING
from ..steps import Runs, last_per_step
from . import _scalars
from ._evidence import split_evidence
from ._io import open_source, read_text, strip_head, text_lines, whole_file_path

NAME = "lightning_csv"
DESCRIPTION = "PyTorch Lightning CSVLogger metrics.csv (or its version_N/ folder or hparams.yaml)"

_FORK = re.compile(r"^(?P<name>.+?)_(?P<kind>step|epoch)(?P<dl>/dataloader_idx_\d+)?$")
_DATALOADER = re.compile(r"^(?P<name>.+?)(?P<dl>/dataloader_idx_\d+)$")


def _header(head: bytes) -> list[str]:
    text = strip_head(head).decode("utf-8", "replace")
    first = text.replace("\r", "\n").split("\n", 1)[0]
    return [h.strip().strip('"') for h in first.split(",")] if "," in first else []


def sniff(head: bytes, path: str | None) -> float:
    name = Path(path).name if path else ""
    if name == "hparams.yaml" and path and (Path(path).parent / "metrics.csv").is_file():
        return 0.95
    fields = [f.lower() for f in _header(head)]
    if "step" not in fields or len(fields) < 2:
        return 0.0
    score = 0.9 if "epoch" in fields else 0.6
    return min(1.0, score + (0.05 if name == "metrics.csv" else 0.0))


def sniff_dir(path: Path) -> float:
    return 0.9 if _metrics_file(path, None, quiet=True) is not None else 0.0


def read_dir(path: Path, *, source: str | None = None, run: str | None = None, **_) -> History:
    warnings: list[str] = []
    metrics = _metrics_file(path, run, warnings=warnings)
    if metrics is None:
        raise ReadError("no Lightning metrics.csv in this folder", source)
    h = _read_file(metrics, str(metrics))
    h.meta.setdefault("warnings", []).extend(warnings)
    return h


def _metrics_file(path: Path, run: str | None, *, quiet: bool = False,
                  warnings: list[str] | None = None) -> Path | None:
    """``version_N/metrics.csv``, or in a ``lightning_logs/`` folder the version ``--run`` names
    (default: the highest version, with a warning)."""
    direct = path / "metrics.csv"
    if direct.is_file():
        return direct
    versions = sorted((p for p in path.glob("version_*") if (p / "metrics.csv").is_file()),
                      key=lambda p: int(p.name[8:]) if p.name[8:].isdigit() else -1)
    if not versions:
        return None
    if quiet:
        return versions[-1] / "metrics.csv"
    if run is not None:
        chosen = [p for p in versions if p.name in (run, f"version_{run}")]
        if not chosen:
            raise ReadError(f"no version '{run}' here; versions: {', '.join(p.name for p in versions)}",
                            str(path))
        return chosen[0] / "metrics.csv"
    if len(versions) > 1 and warnings is not None:
        warnings.append(f"{len(versions)} versions here: read {versions[-1].name}, choose with --run N")
    return versions[-1] / "metrics.csv"


def _read_file(path: Path, source: str) -> History:
    with open_source(path) as buf:
        return read(buf, source=source)


def read(buf: BinaryIO, *, source: str | None = None, **_) -> History:
    if source and Path(source).name == "hparams.yaml":
        return _read_file(Path(source).parent / "metrics.csv", str(Path(source).parent / "metrics.csv"))
    notes: list[str] = []
    start = buf.tell()
    df = _read_plain(buf)
    if df is None:
        buf.seek(start)
        df = _read_checked(buf.read(), source, notes)
    return from_numbers(df, source=source, notes=notes)


def _read_checked(data: bytes, source: str | None, notes: list[str] | None = None) -> pd.DataFrame:
    """The careful path: text lines (a half-written last one skipped), then numbers cell by cell."""
    lines = text_lines(read_text(io.BytesIO(data), source), notes)
    if len(lines) < 2:
        raise ReadError("metrics.csv has no rows", source)
    return parse_rows(lines[0], lines[1:], source)


# What a plain numeric body is made of: numbers, separators, line ends and the words nan and inf.
_PLAIN_BYTES = b"0123456789.eE+-, \t\r\nnaifNAIF"
_PLAIN_NA = ["", "nan", "NaN", "NAN"]


def _read_plain(buf: BinaryIO) -> pd.DataFrame | None:
    """Every column as float64 straight from pandas' C parser, for the usual file: a header and
    numbers only. None when anything is unusual (a word, quotes, a stray field, an odd encoding, a
    last line still being written); the careful path then reads it cell by cell and words the error.
    A step log has millions of rows, and going through Python strings costs ten times the parse."""
    start = buf.tell()
    buf.readline()
    last = b""
    # checked a block at a time, so that the file's bytes are never all in memory beside the frame
    while block := buf.read(1 << 20):
        if block.translate(None, _PLAIN_BYTES):
            return None
        last = block[-1:]
    if last not in (b"\n", b"\r"):
        return None
    buf.seek(start)
    try:
        df = pd.read_csv(whole_file_path(buf) or buf, engine="c", dtype=np.float64, keep_default_na=False,
                         na_values=_PLAIN_NA, encoding="utf-8")
    except Exception:  # whatever the C parser refuses, the careful path explains
        return None
    if df.empty or not isinstance(df.index, pd.RangeIndex):
        return None
    df.columns = [str(c).strip() for c in df.columns]
    return df


def parse_rows(header: str, lines: list[str], source: str | None = None) -> pd.DataFrame:
    """Rows under the header line as a float64 table (checked cell by cell), for ``from_table``.

    ``histplot watch`` calls it on each batch of appended lines, so every cell is converted once
    and an update only joins number tables.
    """
    try:
        df = pd.read_csv(io.StringIO("\n".join([header, *lines])), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise ReadError(f"malformed CSV: {str(exc).splitlines()[0]}", source) from exc
    df.columns = [str(c).strip() for c in df.columns]
    return _numeric_table(df, source)


def from_table(df: pd.DataFrame, *, source: str | None = None, notes: list[str] | None = None, **_) -> History:
    """A History from the tables ``parse_rows`` gives (one or more batches concatenated)."""
    return from_numbers(df, source=source, notes=notes)


def _numeric_table(df: pd.DataFrame, source: str | None) -> pd.DataFrame:
    """Every column as float64, checked cell by cell: an error names the column, the row and the value."""
    lower = {c.lower(): c for c in df.columns}
    if "step" not in lower:
        raise ReadError("no 'step' column: not a Lightning metrics.csv", source)
    # step first and epoch last, so that the first bad cell reported is the one it always was
    names = {lower["step"]: "step", lower.get("epoch"): "epoch"}
    order = sorted(df.columns, key=lambda c: (c != lower["step"], c == lower.get("epoch")))
    converted = {c: _numeric(df[c], names.get(c, c), source) for c in order}
    return pd.DataFrame({c: converted[c] for c in df.columns})


def from_numbers(df: pd.DataFrame, *, source: str | None = None, notes: list[str] | None = None) -> History:
    """A History from a float64 table with a ``step`` column (and usually ``epoch``)."""
    lower = {c.lower(): c for c in df.columns}
    if "step" not in lower:
        raise ReadError("no 'step' column: not a Lightning metrics.csv", source)
    step = df[lower["step"]]
    if step.isna().any():
        raise ReadError("the 'step' column has empty cells", source)
    values = {c: df[c] for c in df.columns if c not in (lower["step"], lower.get("epoch"))}
    notes = list(notes or [])
    meta = {"hparams": _hparams(source, notes)} if source else {}
    meta = {k: v for k, v in meta.items() if v is not None}
    if "epoch" not in lower:
        points = {c: pd.Series(v.to_numpy(), index=step.to_numpy()).dropna() for c, v in values.items()}
        return _scalars.assemble(points, source=source, fmt=NAME, notes=notes, meta=meta)
    epoch = _fill_epochs(df[lower["epoch"]], step, source)
    e = epoch.to_numpy()
    if e.size and not (np.isfinite(e).all() and e.min() >= 0 and e.max() < MAX_EPOCH):
        raise ReadError(f"the 'epoch' column holds values that are not epoch numbers ({e.min():.6g} to "
                        f"{e.max():.6g})", source)
    return _assemble(values, step, epoch, source, notes, meta)


def _numeric(col: pd.Series, name: str, source: str | None) -> pd.Series:
    s = col.str.strip()
    out = pd.to_numeric(s.where(s != ""), errors="coerce")
    bad = out.isna() & (s != "") & ~s.str.lower().isin(["nan", "inf", "-inf"])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ReadError(f"column '{name}' has a non-numeric value {s.iloc[i][:40]!r} at row {i + 2}", source)
    return out.astype(np.float64)


def _fill_epochs(epoch: pd.Series, step: pd.Series, source: str | None) -> pd.Series:
    """Rows logged with an explicit step have no epoch: take it from a row of the same step, else
    from the next row (LearningRateMonitor logs at the start of the epoch), else the previous."""
    known = epoch.notna()
    if not known.any():
        raise ReadError("the 'epoch' column is empty", source)
    if known.all():
        return epoch
    missing = ~known
    # only the steps of rows without an epoch need looking up: a handful among millions
    same = known & step.isin(step[missing].unique())
    by_step = epoch[same].groupby(step[same]).min()
    filled = epoch.copy()
    filled[missing] = step[missing].map(by_step)
    return filled.bfill().ffill()


def _split_name(raw: str) -> tuple[str, str | None]:
    """(series name, 'step' | 'epoch' | None): Lightning's on_step/on_epoch forks."""
    m = _FORK.match(raw)
    if m:
        return m["name"] + (m["dl"] or ""), m["kind"]
    m = _DATALOADER.match(raw)
    if m:
        fork = _FORK.match(m["name"])
        if fork:
            return fork["name"] + m["dl"], fork["kind"]
    return raw, None


def _assemble(values: dict[str, pd.Series], step: pd.Series, epoch: pd.Series, source: str | None,
              notes: list[str], meta: dict) -> History:
    epoch_cols: dict[str, pd.Series] = {}
    step_cols: dict[str, pd.Series] = {}
    for raw, v in values.items():
        name, kind = _split_name(raw)
        present = v.notna()
        if not present.any():
            notes.append(f"'{raw}' has no values: dropped")
            continue
        mask = present.to_numpy()
        if kind is None:
            kind = "step" if _repeats(epoch.to_numpy()[mask]) else "epoch"
        if kind == "epoch":
            # the last value logged in the epoch is its epoch-level value
            epoch_cols[name] = v[present].groupby(epoch[present].astype(np.int64)).last()
        else:
            step_cols[name] = pd.Series(v.to_numpy()[mask], index=step.to_numpy()[mask])
    if any("/dataloader_idx_" in c for c in {**epoch_cols, **step_cols}):
        notes.append("several validation dataloaders: one column per dataloader_idx")
    frame = pd.DataFrame(epoch_cols)
    epochs = frame.index.to_numpy(dtype=np.int64) if len(frame.columns) else None
    cols = {c: frame[c].to_numpy() for c in frame.columns}
    steps = step_epochs = None
    if step_cols:
        steps = pd.DataFrame({k: last_per_step(s) for k, s in step_cols.items()})
        step_epochs = _first_epoch(epoch, step, steps.index.to_numpy())
    by_epoch = Runs(epoch.to_numpy().astype(np.int64))
    meta["epoch_steps"] = {int(e) + 1: int(s) for e, s in zip(by_epoch.keys, by_epoch.max(step.to_numpy()))}
    present = pd.DataFrame({raw: v.notna() for raw, v in values.items()})
    rows = [present.columns[mask].tolist() for mask in present.to_numpy()]
    evidence = {_split_name(raw)[0]: split for raw, split in split_evidence(rows).items()}
    return History.build(cols, epochs=epochs, zero_based=True, source=source, fmt=NAME, notes=notes,
                         steps=steps, step_epochs=step_epochs, meta=meta, framework=LIGHTNING,
                         split_evidence=evidence)


def _repeats(values: np.ndarray) -> bool:
    """Whether any value occurs twice (logs are in order, which makes it one comparison)."""
    if values.size > 1 and np.all(values[1:] >= values[:-1]):
        return bool(np.any(values[1:] == values[:-1]))
    return bool(pd.Series(values).dropna().duplicated().any())


def _first_epoch(epoch: pd.Series, step: pd.Series, at: np.ndarray) -> np.ndarray:
    """The lowest epoch each step in ``at`` is logged in (every step in ``at`` occurs in ``step``)."""
    by_step = Runs(step.to_numpy())
    firsts = by_step.min(epoch.to_numpy())
    # usually every step has a step-level value, and no lookup is needed
    return firsts if np.array_equal(by_step.keys, at) else firsts[np.searchsorted(by_step.keys, at)]


def _hparams(source: str, notes: list[str]) -> dict | None:
    path = Path(source).parent / "hparams.yaml"
    if not path.is_file():
        return None
    import yaml

    try:
        with open_source(path) as buf:
            data = yaml.safe_load(read_text(buf, str(path)))
    except (yaml.YAMLError, ReadError) as exc:
        notes.append(f"hparams.yaml beside it is not plain YAML ({type(exc).__name__}): skipped")
        return None
    return data if isinstance(data, dict) else None
