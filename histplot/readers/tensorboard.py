"""TensorBoard event files (FORMATS §1.6), read with the ``tensorboard`` package (extra
``histplot[tensorboard]``); sniffing needs no package.

Events are read with ``event_file_loader.EventFileLoader``, which streams every record (no
sampling: ``EventAccumulator``'s default keeps 10,000 points per tag) and migrates TF1
``simple_value`` scalars to the tensor form TF2/Keras write, so both arrive the same way.
- Keras: ``logs/train/`` and ``logs/validation/`` hold the same ``epoch_loss`` tags; the validation
  ones become ``val_loss``. Its ``evaluation_*_vs_iterations`` tags repeat those values on another
  axis and are skipped; ``batch_*`` tags are step series.
- Lightning: the logged ``epoch`` tag maps steps to epochs; its ``hp_metric = -1`` placeholder is dropped.
- Other tags (``Loss/train``, ``train/loss``) map by the naming rules; steps by ``_scalars``.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import pandas as pd

from ..errors import ReadError, require
from ..history import History
from ..steps import last_written
from . import _scalars

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
    if not source or source == "-" or not Path(source).is_file():
        raise ReadError("TensorBoard event files must be given as a path, not a stream", source)
    path = Path(source)
    prefix = _VAL_DIRS.get(path.parent.name.lower(), "")
    return _assemble({prefix: [path]}, source, path.parent.name or path.name)


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
        raise ReadError(f"{len(groups)} runs here: choose one with --run NAME ({', '.join(list(groups)[:8])})",
                        source)
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


def _assemble(files: dict[str, list[Path]], source: str | None, label: str) -> History:
    require("tensorboard", "tensorboard")
    notes: list[str] = []
    points: dict[str, pd.Series] = {}
    epoch_level: set[str] = set()
    skipped: set[str] = set()
    for prefix, paths in files.items():
        tags = _scalars_of(paths, source, skipped)
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
    if skipped:
        notes.append(f"not scalar series or duplicates, skipped: {', '.join(sorted(skipped)[:6])}"
                     + (", ..." if len(skipped) > 6 else ""))
    if not points:
        raise ReadError("no scalar summaries in these event files", source)
    meta = {"label": label}
    return _scalars.assemble(points, source=source, fmt=NAME, notes=notes, meta=meta,
                             epoch_level=epoch_level, zero_based_epochs=True)


def _scalars_of(paths: list[Path], source: str | None, skipped: set[str]) -> dict[str, pd.Series]:
    from tensorboard.backend.event_processing import event_file_loader
    from tensorboard.util import tensor_util

    values: dict[str, tuple[list, list]] = {}
    for path in paths:
        try:
            for event in event_file_loader.EventFileLoader(str(path)).Load():
                if not event.HasField("summary"):
                    continue
                for v in event.summary.value:
                    plugin = v.metadata.plugin_data.plugin_name
                    if not v.HasField("tensor") or plugin not in ("scalars", ""):
                        skipped.add(v.tag)
                        continue
                    arr = tensor_util.make_ndarray(v.tensor)
                    if arr.size != 1 or arr.dtype.kind not in "fiub":
                        skipped.add(v.tag)
                        continue
                    steps, vals = values.setdefault(v.tag, ([], []))
                    steps.append(int(event.step))
                    vals.append(float(arr.reshape(())))
        except Exception as exc:  # the package raises its own types for corrupt records
            raise ReadError(f"cannot read event file {path.name}: {type(exc).__name__}: {exc}", source) \
                from exc
    # a restarted run writes the same steps again: the later value wins, a logged NaN included
    return {tag: last_written(pd.Series(v, index=s, dtype=float)) for tag, (s, v) in values.items()}



