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
from ..steps import Runs, last_written, union_frame
from . import _scalars
from ._evidence import split_evidence
from ._io import open_source, read_text, strip_head, text_lines, whole_file_path
from .remote import as_path

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
    if name == "hparams.yaml" and path and (as_path(path).parent / "metrics.csv").is_file():
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
    if run is None and metrics.parent.name.startswith("version_") and metrics.parent.parent == path:
        h = _resumed_versions(path, metrics, h, warnings)
    h.meta.setdefault("warnings", []).extend(warnings)
    return h


def _resumed_versions(path: Path, last: Path, h: History, warnings: list[str]) -> History:
    """A fit resumed with ``ckpt_path`` logs to a new ``version_N`` whose epochs go on from the
    checkpoint: stitched onto the versions before it by the shared rule of ``segments`` (a version
    that starts again at epoch 1 is a new run, and the versions before it are not read)."""
    versions = sorted(
        (p for p in path.glob("version_*") if (p / "metrics.csv").is_file()),
        key=lambda p: int(p.name[8:]) if p.name[8:].isdigit() else -1,
    )
    chain = [h]
    for v in reversed(versions[:-1]):
        if chain[0].frame.index.min() <= 1:
            break
        try:
            chain.insert(0, _read_file(v / "metrics.csv", str(v / "metrics.csv")))
        except ReadError:
            break
    if len(chain) == 1:
        return h
    frame, steps = chain[0].frame, chain[0].steps
    for nxt in chain[1:]:
        start = nxt.frame.index.min()
        frame = pd.concat([frame[frame.index < start], nxt.frame])
        if nxt.steps is not None:
            kept = steps[steps.index < nxt.steps.index.min()] if steps is not None else None
            steps = nxt.steps if kept is None else pd.concat([kept, nxt.steps])
    frame.index.name = "epoch"
    meta = dict(h.meta)
    meta["runs"] = [
        {
            "kind": "start" if i == 0 else "resume",
            "rows": len(c.frame),
            "epochs": [int(c.frame.index.min()), int(c.frame.index.max())],
        }
        for i, c in enumerate(chain)
    ]
    names = ", ".join(Path(c.meta["source"]).parent.name for c in chain)
    meta["notes"] = [
        *h.notes,
        f"{names} continue one run from checkpoints (each starts where the one before "
        "stopped): stitched, the later version winning on the epochs they share",
    ]
    warnings[:] = [w for w in warnings if "versions here" not in w]
    return History(frame=frame, meta=meta, steps=steps)


def _metrics_file(
    path: Path, run: str | None, *, quiet: bool = False, warnings: list[str] | None = None
) -> Path | None:
    """``version_N/metrics.csv``, or in a ``lightning_logs/`` folder the version ``--run`` names
    (default: the highest version, with a warning)."""
    direct = path / "metrics.csv"
    if direct.is_file():
        return direct
    versions = sorted(
        (p for p in path.glob("version_*") if (p / "metrics.csv").is_file()),
        key=lambda p: int(p.name[8:]) if p.name[8:].isdigit() else -1,
    )
    if not versions:
        return None
    if quiet:
        return versions[-1] / "metrics.csv"
    if run is not None:
        chosen = [p for p in versions if p.name in (run, f"version_{run}")]
        if not chosen:
            raise ReadError(f"no version '{run}' here; versions: {', '.join(p.name for p in versions)}", str(path))
        return chosen[0] / "metrics.csv"
    if len(versions) > 1 and warnings is not None:
        warnings.append(f"{len(versions)} versions here: read {versions[-1].name}, choose with --run N")
    return versions[-1] / "metrics.csv"


def _read_file(path: Path, source: str) -> History:
    with open_source(path) as buf:
        return read(buf, source=source)


def read(buf: BinaryIO, *, source: str | None = None, **_) -> History:
    if source and Path(source).name == "hparams.yaml":
        metrics = as_path(source).parent / "metrics.csv"
        return _read_file(metrics, str(metrics))
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


def _read_plain(buf: BinaryIO) -> pd.DataFrame | None:
    """Every column as float64 straight from pandas' C parser, for the usual file: a header and
    numbers only. None when anything is unusual (a word, quotes, a stray field, an odd encoding, a
    last line still being written); the careful path then reads it cell by cell and words the error.
    A step log has millions of rows, and going through Python strings costs ten times the parse."""
    start = buf.tell()
    buf.readline()
    last = b""
    # checked a block at a time, so that the file's bytes are never all in memory beside the frame.
    # A logged "nan" goes the careful way: the C parser would read it and an empty cell as one NaN.
    # Of the letters allowed, only "nan" has an "a" ("inf" has none; "Infinity" is not plain).
    while block := buf.read(1 << 20):
        if block.translate(None, _PLAIN_BYTES) or b"a" in block or b"A" in block:
            return None
        last = block[-1:]
    if last not in (b"\n", b"\r"):
        return None
    buf.seek(start)
    try:
        df = pd.read_csv(
            whole_file_path(buf) or buf,
            engine="c",
            dtype=np.float64,
            keep_default_na=False,
            na_values=[""],
            encoding="utf-8",
        )
    except Exception:  # whatever the C parser refuses, the careful path explains
        return None
    if df.empty or not isinstance(df.index, pd.RangeIndex):
        return None
    df.columns = [str(c).strip() for c in df.columns]
    return df


def parse_block(data: bytes) -> pd.DataFrame | None:
    """The header and complete lines in ``data`` as the float64 table of ``parse_rows``, by the C
    parser in one pass (``_read_plain``); None when the careful path is needed. ``histplot watch``
    reads a file's existing rows this way, so that its first figure costs what ``plot``'s does."""
    return _read_plain(io.BytesIO(data))


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
    out = pd.DataFrame({c: converted[c][0] for c in df.columns})
    for c in df.columns:
        if converted[c][1].any():
            out[_LOGGED_NAN + c] = converted[c][1]
    return out


def from_numbers(df: pd.DataFrame, *, source: str | None = None, notes: list[str] | None = None) -> History:
    """A History from a float64 table with a ``step`` column (and usually ``epoch``)."""
    lower = {c.lower(): c for c in df.columns}
    if "step" not in lower:
        raise ReadError("no 'step' column: not a Lightning metrics.csv", source)
    step = df[lower["step"]]
    if step.isna().any():
        raise ReadError("the 'step' column has empty cells", source)
    flags = [c for c in df.columns if c.startswith(_LOGGED_NAN)]
    logged = {c[len(_LOGGED_NAN) :]: df[c].fillna(False).to_numpy(dtype=bool) for c in flags}
    values = {c: df[c] for c in df.columns if c not in (lower["step"], lower.get("epoch")) and c not in flags}
    written = {c: v.notna().to_numpy() | logged[c] if c in logged else v.notna().to_numpy() for c, v in values.items()}
    notes = list(notes or [])
    meta = {"hparams": _hparams(source, notes)} if source else {}
    meta = {k: v for k, v in meta.items() if v is not None}
    if "epoch" not in lower:
        points = {c: pd.Series(v.to_numpy()[written[c]], index=step.to_numpy()[written[c]]) for c, v in values.items()}
        return _scalars.assemble(points, source=source, fmt=NAME, notes=notes, meta=meta)
    epoch = _fill_epochs(df[lower["epoch"]], step, source)
    e = epoch.to_numpy()
    if e.size and not (np.isfinite(e).all() and e.min() >= 0 and e.max() < MAX_EPOCH):
        raise ReadError(
            f"the 'epoch' column holds values that are not epoch numbers ({e.min():.6g} to {e.max():.6g})", source
        )
    return _assemble(values, written, step, epoch, source, notes, meta)


# A float table cannot tell an empty cell from a logged "nan": where a column holds one, a boolean
# column under this prefix marks the rows that logged it. It survives the concatenation of batches
# that ``histplot watch`` does (a batch without it has NaN there: no logged NaN).
_LOGGED_NAN = "\0nan:"


def _numeric(col: pd.Series, name: str, source: str | None) -> tuple[pd.Series, pd.Series]:
    """(values, rows that logged NaN): empty cells are missing, ``nan`` is a logged NaN."""
    s = col.str.strip()
    out = pd.to_numeric(s.where(s != ""), errors="coerce")
    lower = s.str.lower()
    nan = lower.isin(["nan", "-nan", "+nan"])
    bad = out.isna() & (s != "") & ~nan & ~lower.isin(["inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ReadError(f"column '{name}' has a non-numeric value {s.iloc[i][:40]!r} at row {i + 2}", source)
    return out.astype(np.float64), nan


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


def _summary_rows(values: dict[str, pd.Series], step: pd.Series, epoch: pd.Series) -> np.ndarray | None:
    """Rows written by ``trainer.validate()``/``test()`` after ``fit()``: logged with ``epoch`` =
    ``current_epoch``, one past the last fitted epoch, at the final global step (FRAMEWORK_NAMES 3).
    They are the last epoch number's rows when that "epoch" took no optimizer step (its step is at
    most one past the previous epochs') and holds no series the fit logged by step."""
    e = epoch.to_numpy()
    last = np.nanmax(e) if e.size else np.nan
    rows = e == last
    if not np.isfinite(last) or rows.all() or not rows.any():
        return None
    s = step.to_numpy()
    if s[rows].max() > s[~rows].max() + 1:
        return None
    before = e == np.nanmax(e[~rows])
    logged_now = {k for k, v in values.items() if v[rows].notna().any()}
    logged_before = {k for k, v in values.items() if v[before].notna().any()}
    if logged_before <= logged_now:
        return None  # it logs all the previous epoch logged: a fit epoch (one batch per epoch)
    for v in values.values():
        present = v.notna().to_numpy()
        if present[rows].any() and _repeats(e[present & ~rows]):
            return None  # a per-step series goes on: this epoch trained
    return rows


def _assemble(
    values: dict[str, pd.Series],
    written: dict[str, np.ndarray],
    step: pd.Series,
    epoch: pd.Series,
    source: str | None,
    notes: list[str],
    meta: dict,
) -> History:
    final: dict[str, float] = {}
    where = None
    summary = _summary_rows(values, step, epoch)
    if summary is not None:
        keep = ~summary
        for raw, v in values.items():
            got = v[summary].dropna()
            if len(got):
                final[raw] = float(got.iloc[-1])
        where = (
            f"rows at epoch {int(epoch[summary].iloc[0])} (0-based), step {int(step[summary].max())}: "
            "validate()/test() after fit, one past the last fitted epoch"
        )
        values = {k: v[keep] for k, v in values.items()}
        written = {k: w[keep] for k, w in written.items()}
        step, epoch = step[keep], epoch[keep]
    epoch_cols: dict[str, pd.Series] = {}
    step_cols: dict[str, pd.Series] = {}
    for raw, v in values.items():
        name, kind = _split_name(raw)
        mask = written[raw]
        if not mask.any():
            if raw not in final:  # a test() value after fit is in the final evaluation
                notes.append(f"'{raw}' has no values: dropped")
            continue
        if kind is None:
            kind = "step" if _repeats(epoch.to_numpy()[mask]) else "epoch"
        if kind == "epoch":
            # the last value logged in the epoch is its epoch-level value
            at = epoch.to_numpy()[mask].astype(np.int64)
            epoch_cols[name] = last_written(pd.Series(v.to_numpy()[mask], index=at))
        else:
            step_cols[name] = pd.Series(v.to_numpy()[mask], index=step.to_numpy()[mask])
    if any("/dataloader_idx_" in c for c in {**epoch_cols, **step_cols}):
        notes.append("several validation dataloaders: one column per dataloader_idx")
    frame, present = union_frame(epoch_cols)
    epochs = frame.index.to_numpy(dtype=np.int64) if len(frame.columns) else None
    cols = {c: frame[c].to_numpy() for c in frame.columns}
    steps = step_epochs = step_present = None
    if step_cols:
        steps, step_present = union_frame({k: last_written(s) for k, s in step_cols.items()})
        step_epochs = _first_epoch(epoch, step, steps.index.to_numpy())
    by_epoch = Runs(epoch.to_numpy().astype(np.int64))
    meta["epoch_steps"] = {int(e) + 1: int(s) for e, s in zip(by_epoch.keys, by_epoch.max(step.to_numpy()))}
    names = list(written)
    # Split evidence only asks which names share a row: each distinct pattern once, not 2M rows.
    patterns = _distinct_rows([written[n] for n in names]) if names else []
    rows = [[n for n, on in zip(names, p) if on] for p in patterns]
    evidence = {_split_name(raw)[0]: split for raw, split in split_evidence(rows).items()}
    return History.build(
        cols,
        epochs=epochs,
        zero_based=True,
        source=source,
        fmt=NAME,
        notes=notes,
        steps=steps,
        step_epochs=step_epochs,
        meta=meta,
        final=final,
        final_where=where,
        present={c: present[c].to_numpy() for c in present.columns},
        step_present=step_present,
        framework=LIGHTNING,
        split_evidence=evidence,
    )


def _distinct_rows(columns: list[np.ndarray]) -> np.ndarray:
    """The distinct rows of equally long boolean columns, as a boolean matrix (in no particular
    order). A log repeats a few row patterns in long runs, so each row becomes one integer, a bit per
    column, and only the rows that differ from the one before are sorted."""
    k = len(columns)
    if k > 64:  # more than an integer's bits: rows packed into bytes
        packed = np.packbits(np.column_stack(columns), axis=1)
        changed = np.ones(len(packed), dtype=bool)
        changed[1:] = (packed[1:] != packed[:-1]).any(axis=1)
        packed = np.ascontiguousarray(packed[changed])
        keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
        unique = np.unique(keys).view(np.uint8).reshape(-1, packed.shape[1])
        return np.unpackbits(unique, axis=1, count=k).astype(bool)
    kind = np.uint8 if k <= 8 else np.uint16 if k <= 16 else np.uint32 if k <= 32 else np.uint64
    code = np.zeros(len(columns[0]), dtype=kind)
    for bit, col in enumerate(columns):
        code |= np.asarray(col, dtype=bool).view(np.uint8).astype(kind, copy=False) << kind(bit)
    changed = np.ones(len(code), dtype=bool)
    changed[1:] = code[1:] != code[:-1]
    unique = np.unique(code[changed])
    return (unique[:, None] >> np.arange(k, dtype=kind)) & kind(1) == 1


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
    path = as_path(source).parent / "hparams.yaml"
    if not path.is_file():
        return None
    import yaml

    from ._yaml import safe_load  # with yaml: loaded only when a YAML file is read (start-up time)

    try:
        with open_source(path) as buf:
            data = safe_load(read_text(buf, str(path)))
    except (yaml.YAMLError, ReadError) as exc:
        notes.append(f"hparams.yaml beside it is not plain YAML ({type(exc).__name__}): skipped")
        return None
    return data if isinstance(data, dict) else None
