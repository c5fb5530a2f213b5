"""The legacy ``results.txt`` of YOLOv5 (before its CSV logger), YOLOv7 and ultralytics/yolov3
(FRAMEWORK_NAMES §6): no header, one whitespace-aligned line per epoch of 15 fields, written by
``train.py`` as ``'%10s' * 2 + '%10.4g' * 13``: the ``epoch/epochs-1`` string, the GPU memory string
(``4.54G``), the training box, objectness, class and total losses, the last batch's label count, the
image size, then the validation precision, recall, mAP@.5, mAP@.5:.95 (F1 in yolov3) and box,
objectness and class losses.

The columns are given the names YOLOv5's own CSV logger uses for the same values, so that the naming
conventions apply to both files alike.
"""

from __future__ import annotations

import re
from typing import BinaryIO

import numpy as np
import pandas as pd

from ..errors import ReadError
from ..history import History
from ._io import head_text, read_text, strip_head, text_lines
from .keras_csv import from_table

NAME = "yolo_results_txt"
DESCRIPTION = "YOLOv5 (2020-21), YOLOv7 and yolov3 results.txt: headerless, 15 whitespace-aligned columns"

_EPOCH = re.compile(r"^(\d+)/(\d+)$")
_MEMORY = re.compile(r"^(\d+(?:\.\d*)?)([KMGT]?)$", re.I)
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?(nan|inf)$", re.I)
_UNITS = {"": 1 / 2**30, "K": 1 / 2**20, "M": 1 / 2**10, "G": 1.0, "T": 2.0**10}  # to GiB
_FIELDS = 15
_COLUMNS = (
    "train/box_loss",
    "train/obj_loss",
    "train/cls_loss",
    "train/total_loss",
    "labels",
    "img_size",
    "metrics/precision",
    "metrics/recall",
    "metrics/mAP_0.5",
    "metrics/mAP_0.5:0.95",
    "val/box_loss",
    "val/obj_loss",
    "val/cls_loss",
)


def _fields(line: str) -> list[str] | None:
    parts = line.split()
    if len(parts) != _FIELDS or not _EPOCH.match(parts[0]) or not _MEMORY.match(parts[1]):
        return None
    if not all(_NUMBER.match(p) for p in parts[2:]):
        return None
    return parts


def sniff(head: bytes, path: str | None) -> float:
    lines = text_lines(head_text(strip_head(head)))
    # the last line of the head may be cut short
    whole = lines[:-1] if len(lines) > 1 else lines
    if not whole or not all(_fields(ln) for ln in whole[:20]):
        return 0.0
    return 0.9


def read(buf: BinaryIO, *, source: str | None = None, run: str | None = None, **_) -> History:
    notes: list[str] = []
    lines = text_lines(read_text(buf, source, notes), notes)
    rows = []
    for number, line in enumerate(lines, 1):
        parts = _fields(line)
        if parts is None:
            if number == len(lines):  # a line cut off by an interrupted run
                notes.append(f"the last line is incomplete and was left out: {line.strip()[:40]!r}")
                break
            raise ReadError(f"line {number} is not a results.txt line of {_FIELDS} fields", source)
        rows.append(parts)
    if not rows:
        raise ReadError("empty file", source)
    epochs = [_EPOCH.match(r[0]) for r in rows]
    memory = [_MEMORY.match(r[1]) for r in rows]
    table = pd.DataFrame([r[2:] for r in rows], columns=list(_COLUMNS), dtype=str)
    table.insert(0, "gpu_mem", [repr(float(m[1]) * _UNITS[m[2].upper()]) for m in memory])
    table.insert(0, "epoch", [e[1] for e in epochs])
    if _is_f1(table):
        # ultralytics/yolov3 wrote F1 where YOLOv5 writes mAP@.5:.95: it is the harmonic mean of P and R
        table = table.rename(columns={"metrics/mAP_0.5:0.95": "metrics/F1"})
        notes.append("the 12th column is F1 (the harmonic mean of precision and recall on every line), as yolov3 wrote")
    planned = int(epochs[-1][2]) + 1
    last = int(epochs[-1][1]) + 1
    if last < planned:
        notes.append(f"stopped after {last} of {planned} planned epochs")
    history = from_table(table, source=source, run=run, notes=notes)
    history.meta["planned_epochs"] = planned
    return history


def _is_f1(table: pd.DataFrame) -> bool:
    p = pd.to_numeric(table["metrics/precision"], errors="coerce").to_numpy(dtype=float)
    r = pd.to_numeric(table["metrics/recall"], errors="coerce").to_numpy(dtype=float)
    x = pd.to_numeric(table["metrics/mAP_0.5:0.95"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(p) & np.isfinite(r) & np.isfinite(x) & (p + r > 0)
    if ok.sum() < 2:
        return False
    f1 = 2 * p[ok] * r[ok] / (p[ok] + r[ok])
    # written with 4 significant digits
    return bool(np.allclose(x[ok], f1, rtol=2e-3, atol=1e-4))
