"""Keras ``history.history`` dumped to JSON: a dict of metric -> per-epoch list (and close relatives:
a list of per-epoch records, a run id wrapping the dict, split dicts)."""

from __future__ import annotations

import json
from typing import BinaryIO

from ..errors import ReadError
from ..history import History
from . import _budget
from ._io import read_text, strip_head
from ._objects import build_history, from_object

NAME = "keras_json"
DESCRIPTION = "Keras history.history as JSON (dict of lists, or a list of per-epoch records)"


def sniff(head: bytes, path: str | None) -> float:
    h = strip_head(head)
    if h[:1] not in (b"{", b"["):
        return 0.0
    if b'"log_history"' in h:  # a Hugging Face trainer_state.json
        return 0.1
    first_line, _, rest = h.partition(b"\n")
    if first_line.rstrip().endswith(b"}") and rest.lstrip()[:1] == b"{":
        return 0.2  # one object per line: JSON lines
    if any(k in h for k in (b'"loss"', b'"val_', b'_loss"', b'"acc', b'"epoch"')):
        return 0.9
    return 0.5


def read(buf: BinaryIO, *, source: str | None = None, validation_freq: int | None = None, **_) -> History:
    text = read_text(buf, source)
    if not text.strip():
        raise ReadError("empty file", source)
    _budget.charge_json(text)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        where = "truncated JSON" if exc.pos >= len(text.rstrip()) - 1 else "invalid JSON"
        raise ReadError(f"{where}: {exc.msg} at line {exc.lineno} column {exc.colno}", source) from exc
    except RecursionError as exc:
        raise ReadError("JSON nested too deeply", source) from exc
    cols = from_object(obj, source, validation_freq=validation_freq)
    return build_history(cols, source=source, fmt=NAME)
