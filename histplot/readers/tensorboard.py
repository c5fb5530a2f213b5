"""TensorBoard event files (FORMATS §1.6). Scalars are read by ``_tfrecord`` (framing, CRCs and
the few protobuf fields a scalar needs, without the package: its pure-Python CRC makes a million
records take minutes); a record that parser cannot read goes to the ``tensorboard`` package
(extra ``histplot[tensorboard]``). Every record is read (no sampling, unlike
``EventAccumulator``'s 10,000 points per tag); TF1 ``simple_value`` and the tensor form TF2/Keras
write arrive the same way. A CRC mismatch or a truncated record ends the file with a warning
saying how much was read.
- Keras: ``logs/train/`` and ``logs/validation/`` hold the same ``epoch_loss`` tags; the validation
  ones become ``val_loss``. Its ``evaluation_*_vs_iterations`` tags repeat those values on another
  axis and are skipped; ``batch_*`` tags are step series.
- Lightning: the logged ``epoch`` tag maps steps to epochs; its ``hp_metric = -1`` placeholder is dropped.
- Other tags (``Loss/train``, ``train/loss``) map by the naming rules; steps by ``_scalars``.
"""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from ..errors import ReadError, require
from ..history import History
from . import _budget, _scalars, _tfrecord
from ._histograms import Collector, from_proto, from_tensor
from ._io import open_regular, open_source
from .remote import RemotePath, as_path

NAME = "tensorboard"
DESCRIPTION = "TensorBoard event files (a file, a run folder, or Keras train/ + validation/); extra [tensorboard]"

_VAL_DIRS = {"validation": "val_", "val": "val_", "valid": "val_", "eval": "val_", "test": "test_"}
_MAX_DEPTH = 2


def sniff(head: bytes, path: str | None) -> float:
    # TFRecord framing (8-byte length, 4-byte CRC) around an Event whose first field is wall_time
    is_record = len(head) > 13 and head[12:13] == b"\x09"
    if is_record and b"brain.Event:" in head[:64]:
        return 0.95
    if path and "tfevents" in Path(path).name:
        return 0.9 if is_record else 0.5
    return 0.0


def sniff_dir(path: Path) -> float:
    return 0.9 if _event_dirs(path) else 0.0


def read(buf: BinaryIO, *, source: str | None = None, **_) -> History:
    path = as_path(source) if source and source != "-" else None
    if path is None or not path.is_file():
        raise ReadError("TensorBoard event files must be given as a path, not a stream", source)
    prefix = _VAL_DIRS.get(path.parent.name.lower(), "")
    # the file's size was counted against --max-bytes when it was opened as ``buf``
    return _assemble({prefix: [path]}, source, path.parent.name or path.name, counted={path})


def read_dir(path: Path, *, source: str | None = None, run: str | None = None, **_) -> History:
    dirs = _event_dirs(path)
    if not dirs:
        raise ReadError("no events.out.tfevents.* files in this folder", source)
    groups = _runs(path, dirs)
    if run is not None:
        if run not in groups:
            raise ReadError(f"no run '{run}' here; runs: {', '.join(groups)}", source)
        name = run
    elif len(groups) == 1:
        name = next(iter(groups))
    else:
        raise ReadError(f"{len(groups)} runs here: choose one with --run NAME ({', '.join(list(groups)[:8])})", source)
    label = name if name != "." else path.name
    return _assemble(groups[name], source, label)


def _event_files(d: Path) -> list[Path]:
    return sorted(p for p in d.glob("*tfevents*") if p.is_file())


def _event_dirs(path: Path, depth: int = 0) -> list[Path]:
    found = [path] if _event_files(path) else []
    if depth < _MAX_DEPTH:
        for sub in sorted(p for p in path.iterdir() if p.is_dir()):
            found += _event_dirs(sub, depth + 1)
    return found


def _runs(root: Path, dirs: list[Path]) -> dict[str, dict[str, list[Path]]]:
    """Run name -> {tag prefix: event files}; Keras' train/ + validation/ pair into one run."""
    runs: dict[str, dict[str, list[Path]]] = {}
    for d in dirs:
        prefix = _VAL_DIRS.get(d.name.lower())
        is_split = prefix is not None or d.name.lower() in ("train", "training")
        run_dir = d.parent if is_split and d != root else d
        name = run_dir.relative_to(root).as_posix() if run_dir != root else "."
        runs.setdefault(name, {}).setdefault(prefix or "", []).extend(_event_files(d))
    return runs


def _assemble(
    files: dict[str, list[Path]], source: str | None, label: str, counted: set[Path] = frozenset()
) -> History:
    notes: list[str] = []
    warnings: list[str] = []
    points: dict[str, pd.Series] = {}
    epoch_level: set[str] = set()
    skipped: set[str] = set()
    walls: dict[int, float] = {}
    histograms = Collector()
    for prefix, paths in files.items():
        tags = _scalars_of(paths, source, skipped, warnings, counted, walls, histograms, prefix)
        if not prefix and any(t.startswith("evaluation_") and t.endswith("_vs_iterations") for t in tags):
            prefix = "val_"  # only Keras' validation writer logs evaluation_*_vs_iterations
            notes.append("Keras validation writer (evaluation_*_vs_iterations tags): epoch_* read as val_*")
        for tag, series in tags.items():
            if tag.startswith("evaluation_") and tag.endswith("_vs_iterations"):
                skipped.add(tag)
                continue
            if tag == "hp_metric" and bool((series == -1).all()):
                notes.append("Lightning's hp_metric placeholder (-1) dropped")
                continue
            name = prefix + tag
            points[name] = series
            if tag.startswith("epoch_"):
                epoch_level.add(name)
    for tag in histograms.rows:
        tag = re.sub(r" \(\d+\)$", "", tag)  # the n-th layer's kernel/histogram (n)
        skipped -= {tag, tag.removeprefix("val_")}
    if skipped:
        notes.append(
            f"not scalar series or duplicates, skipped: {', '.join(sorted(skipped)[:6])}"
            + (", ..." if len(skipped) > 6 else "")
        )
    if not points:
        raise ReadError("no scalar summaries in these event files", source)
    _lightning_forks(points, notes)
    meta = {"label": label}
    history = _scalars.assemble(
        points,
        source=source,
        fmt=NAME,
        notes=warnings + notes,
        meta=meta,
        epoch_level=epoch_level,
        zero_based_epochs=True,
        walls=pd.Series(walls, dtype=float) if walls else None,
    )
    history.meta["warnings"] = warnings
    if histograms.rows:
        history.distributions = _distributions(histograms, points, epoch_level, history)
    if histograms.dropped:
        history.notes.append(f"histograms too large or malformed, skipped: {', '.join(sorted(histograms.dropped)[:6])}")
    return history


def _lightning_forks(points: dict[str, pd.Series], notes: list[str]) -> None:
    """Lightning writes a value logged with ``on_step`` and ``on_epoch`` as two tags, ``X_step`` and
    ``X_epoch`` (FRAMEWORK_NAMES 3, ``forked_name``): ``X_epoch`` is X's value for the epoch, so it
    is read as X; ``X_step`` stays beside it as the per-step series."""
    forks = [n[: -len("_epoch")] for n in points if n.endswith("_epoch") and n[: -len("_epoch")] + "_step" in points]
    forks = [x for x in forks if x not in points]
    for x in forks:
        points[x] = points.pop(x + "_epoch")
    if forks:
        shown = ", ".join(f"'{x}_epoch'" for x in forks[:4]) + (", ..." if len(forks) > 4 else "")
        notes.append(f"Lightning's {shown} read as the epoch value of the metric; '_step' tags kept as steps")


def _scalars_of(
    paths: list[Path],
    source: str | None,
    skipped: set[str],
    warnings: list[str],
    counted: set[Path] = frozenset(),
    walls: dict[int, float] | None = None,
    histograms: Collector | None = None,
    prefix: str = "",
) -> dict[str, pd.Series]:
    """Scalar series by tag, in record order (a repeated step stays: a restarted run, or a final
    evaluation logged again at the last step); ``walls`` collects each step's latest wall_time."""
    values: dict[str, list] = {}
    base = 0  # records are numbered across files: a later file's values win at a repeated step
    budget = _budget.current()
    for path in paths:
        if isinstance(path, RemotePath):
            with open_source(path, count=path not in counted) as fh:
                data = fh.read()
        else:
            with open_regular(path) as fh:  # a FIFO or device among the event files is refused
                size = os.fstat(fh.fileno()).st_size
                if path not in counted:
                    budget.charge_input(size, str(path))
                data = fh.read(size)
        framing = _tfrecord.frame(data)
        others: list[int] = []
        used = _read_records(data, framing, path, source, values, skipped, base, others)
        if histograms is not None and others:
            _histograms(data, framing, [i for i in others if i < used], histograms, prefix)
        if walls is not None:
            _wall_times(data, framing.starts[:used], framing.lengths[:used], walls)
        base += len(framing.starts)
        stop = framing.stopped
        if used < len(framing.starts):
            stop = f"a CRC mismatch in the record at byte {int(framing.starts[used]) - 12:,}"
        if stop:
            warnings.append(f"{path.name}: read {used:,} of {framing.total:,} records; stopped at {stop}")
    # in record order: _scalars.assemble takes the last value per step after it has looked for a
    # final evaluation logged again at the last step
    out = {}
    firsts = {tag: min((int(c[0].min()) for c in chunks if len(c[0])), default=-1) for tag, chunks in values.items()}
    for tag in sorted((t for t in firsts if firsts[t] >= 0), key=firsts.get):  # in order of first appearance
        chunks = values[tag]
        idx = np.concatenate([c[0] for c in chunks])
        order = np.argsort(idx, kind="stable")
        steps = np.concatenate([c[1] for c in chunks])[order].astype(np.int64)
        vals = np.concatenate([c[2] for c in chunks])[order].astype(float)
        out[tag] = pd.Series(vals, index=steps, dtype=float)
    return out


def _histograms(data: bytes, framing: _tfrecord.Framing, records: list[int], out: Collector, prefix: str) -> None:
    """The histograms of the given records (the ones that held values other than scalars). A TF2
    histogram tensor names its plugin with the tag's first value only; later tensors of that tag
    are histograms too."""
    is_histogram: dict[str, bool] = {}
    for i in records:
        start, length = int(framing.starts[i]), int(framing.lengths[i])
        try:
            step, found = _tfrecord.event_histograms(data[start : start + length])
        except _tfrecord.WireError:
            continue
        for tag, kind, payload, plugin in found:
            try:
                if kind == "histo":
                    buckets = from_proto(*_tfrecord.histogram_proto(payload))
                elif is_histogram.setdefault(tag, plugin == "histograms"):
                    buckets = from_tensor(_tfrecord.tensor_array(payload))
                else:
                    continue
            except (_tfrecord.WireError, ValueError):
                buckets = None
            out.add(tag, step, buckets, prefix)


def _wall_times(data: bytes, starts: np.ndarray, lengths: np.ndarray, walls: dict[int, float]) -> None:
    """Each step's latest wall_time (seconds): Event{1 wall_time double, 2 step varint} lead every
    event record the writers make; a record laid out otherwise is passed over."""
    for start, length in zip(starts.tolist(), lengths.tolist()):
        if length < 11 or data[start] != 0x09:  # field 1, fixed64
            continue
        wall = struct.unpack_from("<d", data, start + 1)[0]
        record = data[start : start + length]
        step, at = 0, 9  # a step of 0 is not written at all (protobuf's default)
        try:
            if record[at] == 0x10:  # field 2, varint
                step, at = _tfrecord._varint(record, at + 1)
        except _tfrecord.WireError:
            continue
        if at >= len(record) or record[at] != 0x2A:  # only events with a summary (field 5)
            continue
        if wall > 0:
            walls[step] = max(walls.get(step, 0.0), wall)


def _read_records(
    data: bytes,
    framing: _tfrecord.Framing,
    path: Path,
    source: str | None,
    values: dict[str, list],
    skipped: set[str],
    base: int,
    others: list[int] | None = None,
) -> int:
    """Add every scalar of the records to ``values`` (tag -> chunks of (record number, step,
    value) arrays, records numbered from ``base`` on); the number of records read (fewer than
    framed when a big record, CRC-checked only now because it holds scalars, turns out bad).
    Records in the common tiny layout are decoded all at once; the rest one by one."""
    big = set(framing.unchecked)
    starts, lengths = framing.starts, framing.lengths
    fast, f_steps, f_values, t0, t1 = _tfrecord.tiny_scalars(data, starts, lengths)
    for tag, rows in _by_tag(data, t0, t1).items():
        values.setdefault(tag, []).append((fast[rows] + base, f_steps[rows], f_values[rows]))
    slow = np.ones(len(starts), dtype=bool)
    slow[fast] = False
    event_scalars = _tfrecord.event_scalars
    # Writers send a tag's metadata (its plugin) with its first value only: the first value
    # decides whether the tag is a scalar series, as the package's dataclass_compat does.
    is_scalar: dict[str, bool] = {}
    for i in np.flatnonzero(slow).tolist():
        start, length = int(starts[i]), int(lengths[i])
        record = data[start : start + length]
        try:
            step, found = event_scalars(record)
        except _tfrecord.WireError:
            step, found = _package_scalars(record, path, source)
        if found and i in big and not _tfrecord.data_crc_ok(data, start, length):
            _drop_from(values, base + i)
            return i
        for tag, value in found:
            if not is_scalar.setdefault(tag, value is not None) or value is None:
                skipped.add(tag)
                if others is not None and (not others or others[-1] != i):
                    others.append(i)  # its histograms, if any, are read after the scalars
                continue
            values.setdefault(tag, []).append((np.array([base + i]), np.array([step]), np.array([value])))
    return len(starts)


def _by_tag(data: bytes, t0: np.ndarray, t1: np.ndarray) -> dict[str, np.ndarray]:
    """Tag -> positions in t0/t1, for tags given as byte ranges of ``data`` (found by sorting the
    tags' bytes, not by a dictionary lookup per record)."""
    if not len(t0):
        return {}
    buf = np.frombuffer(data, dtype=np.uint8)
    n = t1 - t0
    width = int(n.max()) + 1
    cols = np.arange(width - 1)
    mat = np.zeros((len(t0), width), dtype=np.uint8)
    mat[:, :-1] = buf[np.minimum(t0[:, None] + cols, len(buf) - 1)]
    mat[:, :-1][cols >= n[:, None]] = 0
    mat[:, -1] = n
    keys = np.ascontiguousarray(mat).view(np.dtype((np.void, width))).reshape(-1)
    uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(uniq) + 1))
    return {
        data[int(t0[f]) : int(t1[f])].decode("utf-8", "replace"): order[bounds[u] : bounds[u + 1]]
        for u, f in enumerate(first.tolist())
    }


def _drop_from(values: dict[str, list], first_bad: int) -> None:
    """Forget what came from records at or after ``first_bad`` (read up to the bad record only)."""
    for tag, chunks in values.items():
        values[tag] = [(i[i < first_bad], s[i < first_bad], v[i < first_bad]) for i, s, v in chunks]


def _distributions(histograms: Collector, points: dict[str, pd.Series], epoch_level: set[str], h: History):
    """Histogram steps on the scalars' clock: Keras writes both at the 0-based epoch; steps that
    counted epochs for the scalars count them here too; otherwise they stay steps."""
    if epoch_level:
        return histograms.series(lambda s: s + 1, "epoch")
    if h.steps is None and h.meta.get("x") != "step" and points:
        first = min(int(v.index.min()) for v in points.values())
        return histograms.series(lambda s: s + (1 if first == 0 else 0), "epoch")
    return histograms.series(lambda s: s, "step")


def _package_scalars(record: bytes, path: Path, source: str | None) -> tuple[int, list]:
    """What this module's parser could not read (a CRC-valid record that is no plain Event),
    given to the tensorboard package's protobuf parser; refused when that cannot read it either."""
    require("tensorboard", "tensorboard")

    from tensorboard.backend.event_processing import event_file_loader
    from tensorboard.compat.proto import event_pb2
    from tensorboard.util import tensor_util

    try:
        event = event_file_loader._migrate_event(event_pb2.Event.FromString(record))  # type: ignore[attr-defined]
    except Exception as exc:  # the package raises its own types for corrupt records
        raise ReadError(f"cannot read event file {path.name}: {type(exc).__name__}: {exc}", source) from exc
    found: list[tuple[str, float | None]] = []
    for ev in event:
        if not ev.HasField("summary"):
            continue
        for v in ev.summary.value:
            plugin = v.metadata.plugin_data.plugin_name
            arr = tensor_util.make_ndarray(v.tensor) if v.HasField("tensor") else None
            ok = arr is not None and plugin in ("scalars", "") and arr.size == 1 and arr.dtype.kind in "fiub"
            found.append((v.tag, float(arr.reshape(())) if ok else None))
    return int(event[0].step) if event else 0, found
