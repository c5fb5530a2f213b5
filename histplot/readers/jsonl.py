"""JSON lines: one object per epoch or per step, as timm/DeiT/DETR (``log.txt``), detectron2
(``metrics.json``) and many hand-written loops write them.

Rows with an ``epoch`` are epochs; rows with only a ``step``/``iteration`` are step series. A resumed
run appends to the same file, so an epoch can appear twice (DeiT: 0, 1, 0, 1, 2, ...): the last
occurrence wins, since it is the run that continued, and a warning says so. A last line cut off
mid-write is dropped with a note; a bad line elsewhere is an error.
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO

from ..errors import ReadError
from ..history import History
from ._evidence import split_evidence
from ._io import read_text, strip_head
from ._objects import build_history, from_object

# timm/DeiT/DETR write the parameter count on every line
_RUN_FIELDS = ("n_parameters",)

NAME = "jsonl"
DESCRIPTION = "JSON lines, one object per epoch or step (timm/DeiT/DETR log.txt, detectron2 metrics.json)"


def sniff(head: bytes, path: str | None) -> float:
    lines = [ln.strip() for ln in strip_head(head).split(b"\n") if ln.strip()]
    if len(lines) < 2:
        return 0.0
    if all(ln.startswith(b"{") and ln.endswith(b"}") for ln in lines[:-1]) and lines[-1].startswith(b"{"):
        return 0.9
    return 0.0


def read(buf: BinaryIO, *, source: str | None = None, validation_freq: int | None = None, **_) -> History:
    lines = [(i, ln.strip()) for i, ln in enumerate(read_text(buf, source).splitlines(), 1) if ln.strip()]
    records, notes = parse_lines(lines, source, last_may_be_cut=True)
    return from_records(records, source=source, validation_freq=validation_freq, notes=notes)


def parse_lines(lines: list[tuple[int, str]], source: str | None = None, *,
                last_may_be_cut: bool = False) -> tuple[list[dict[str, Any]], list[str]]:
    """(records, notes) from (line number, text) pairs; ``histplot watch`` feeds appended lines."""
    records: list[dict[str, Any]] = []
    notes: list[str] = []
    for k, (i, line) in enumerate(lines):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            if last_may_be_cut and k == len(lines) - 1 and records:
                notes.append(f"last line {i} is cut off: dropped")
                break
            raise ReadError(f"line {i} is not JSON: {exc.msg}", source) from exc
        if not isinstance(obj, dict):
            raise ReadError(f"line {i} is a {type(obj).__name__}, not an object", source)
        records.append(obj)
    return records, notes


def from_records(records: list[dict[str, Any]], *, source: str | None = None,
                 validation_freq: int | None = None, notes: list[str] | None = None, **_) -> History:
    """A History from the records ``parse_lines`` gives (one or more batches concatenated)."""
    notes = list(notes or [])
    if not records:
        raise ReadError("no JSON objects", source)
    warnings: list[str] = []
    records = _last_occurrence(records, warnings)
    constant = {k: records[0][k] for k in _RUN_FIELDS
                if k in records[0] and all(r.get(k) == records[0][k] for r in records)}
    if constant:
        records = [{k: v for k, v in r.items() if k not in constant} for r in records]
        notes.append(f"run constant(s) {', '.join(constant)} kept in meta, not drawn")
    cols = from_object(records, source, validation_freq=validation_freq)
    cols.notes[:0] = notes + warnings
    evidence = split_evidence([[k for k, v in r.items() if v is not None] for r in records])
    h = build_history(cols, source=source, fmt=NAME, split_evidence=evidence)
    h.meta["warnings"] = warnings
    h.meta.setdefault("scalars", {}).update({k: float(v) for k, v in constant.items()
                                             if isinstance(v, (int, float))})
    return h


def _last_occurrence(records: list[dict], warnings: list[str]) -> list[dict]:
    epochs = [r.get("epoch") for r in records]
    if any(not isinstance(e, (int, float)) or isinstance(e, bool) for e in epochs):
        return records
    if all(b > a for a, b in zip(epochs, epochs[1:])):
        return records
    if any(e != int(e) for e in epochs):
        return records  # fractional epochs: one row per step, not a resumed run
    last = {e: i for i, e in enumerate(epochs)}
    kept = [records[i] for i in sorted(last.values())]
    restarts = sum(1 for a, b in zip(epochs, epochs[1:]) if b <= a)
    warnings.append(f"epochs repeat ({restarts} restart(s), a resumed run): kept the last occurrence of "
                    f"each epoch, {len(records) - len(kept)} earlier rows dropped")
    return sorted(kept, key=lambda r: r["epoch"])
