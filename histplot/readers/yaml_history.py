"""YAML histories: a mapping of metric -> per-epoch list, or a list of per-epoch mappings.
Parsed with ``SafeLoader`` only (``_yaml``), so no tag in the file can build an object and
aliases cannot expand past the read's budget."""

from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO

from ..errors import ReadError
from ..history import History
from ._io import read_text, strip_head
from ._objects import build_history, from_object

NAME = "yaml"
DESCRIPTION = "YAML: a mapping of metric lists, or a list of per-epoch mappings"

_KEY_THEN_ITEM = re.compile(rb"^[\w./ -]+:\s*\r?\n\s*- [-+.\w]+\s*$", re.M)
_RECORD = re.compile(rb"^- [\w./-]+: [-+.\w]+\s*$", re.M)
_FLOW = re.compile(rb"^[\w./-]+: \[[-+.\w, ]+\]?\s*$", re.M)


def sniff(head: bytes, path: str | None) -> float:
    h = strip_head(head)
    if h[:1] in (b"{", b"[") or b"\x00" in h[:1024]:
        return 0.0
    suffix = Path(path).suffix.lower() if path else ""
    hit = bool(_KEY_THEN_ITEM.search(h) or _RECORD.search(h) or _FLOW.search(h))
    if not hit:
        return 0.0
    return 0.85 if suffix in (".yaml", ".yml") else 0.6


def read(buf: BinaryIO, *, source: str | None = None, validation_freq: int | None = None, **_) -> History:
    import yaml

    from ._yaml import safe_load  # with yaml: loaded only when a YAML file is read (start-up time)

    try:
        obj = safe_load(read_text(buf, source))
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ReadError(f"not valid YAML: {first}", source) from exc
    except RecursionError as exc:
        raise ReadError("YAML nested too deeply", source) from exc
    except ReadError as exc:
        exc.path = exc.path or source
        raise
    if not isinstance(obj, (dict, list)):
        raise ReadError(f"YAML holds a {type(obj).__name__}, not a history", source)
    cols = from_object(obj, source, validation_freq=validation_freq)
    return build_history(cols, source=source, fmt=NAME)
