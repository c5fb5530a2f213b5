"""``torch.save`` files without torch: tensors rebuilt as numpy arrays by the restricted unpickler.

Two containers exist (``torch/serialization.py``):
- zip (torch >= 1.6): ``<archive>/data.pkl`` pickles the object; every storage it refers to by
  persistent id ``('storage', StorageType, key, location, numel)`` is the raw bytes of
  ``<archive>/data/<key>``, in the order ``<archive>/byteorder`` names (little when absent).
- legacy: five pickles in a row (magic number, protocol version, sys_info, the object, the storage
  keys), then for each key an int64 element count and the raw elements. ``torch.storage.
  _load_from_bytes`` (how a tensor inside a plain pickle is stored) holds this legacy layout.

The stand-ins for torch names (``_tensors``) only slice numpy buffers; nothing from the file is ever
called. Every storage and inflated entry is charged to the read's budget (``_budget``) first.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from typing import Any, BinaryIO

import numpy as np

from ..errors import ReadError
from . import _budget
from ._tensors import StorageType, torch_globals
from ._unpickle import safe_load

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
MAX_BYTES = 512 * 1024 * 1024  # a history is small; a multi-GB zip is a model checkpoint
_CHUNK = 1024 * 1024


def globals_for(source: str | None) -> dict[tuple[str, str], Any]:
    """The torch stand-ins a pickle of ``source`` may name (also plain pickles holding tensors)."""
    return torch_globals(lambda data: load_from_bytes(data, source))


def load_from_bytes(data: bytes, source: str | None = None) -> Any:
    """``torch.storage._load_from_bytes``: a legacy-format torch file held in bytes."""
    if not isinstance(data, (bytes, bytearray)):
        raise ReadError("torch.storage._load_from_bytes of something that is not bytes", source)
    return load_legacy(io.BytesIO(data), source)


# What a damaged archive raises from deep inside zipfile/zlib: all mean "corrupt", none is a bug of ours.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    ValueError,
    EOFError,
    OSError,
    KeyError,
    NotImplementedError,
    RuntimeError,
    OverflowError,
)


def load_zip(buf: BinaryIO, source: str | None) -> Any:
    try:
        return _load_zip(buf, source)
    except ReadError:
        raise
    except _ZIP_ERRORS as exc:
        raise ReadError(f"corrupt torch.save archive: {type(exc).__name__}: {exc}", source) from exc


def _inflate(zf: zipfile.ZipFile, entry: str, source: str | None) -> bytes:
    """An entry's bytes, inflated in chunks and charged to the budget as they arrive: the size the
    header claims is not trusted (a 0.5 MB entry may inflate to 503 MB)."""
    budget = _budget.current()
    room = budget.limit_bytes - budget.bytes
    parts, total = [], 0
    with zf.open(entry) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > room or total > MAX_BYTES:
                raise ReadError(
                    f"zip entry '{entry}' inflates to more than {min(room, MAX_BYTES):,} bytes, "
                    "over the read budget (see --max-bytes)",
                    source,
                )
            parts.append(chunk)
    budget.charge(-(-total // 8), 8, f"zip entry '{entry}'")
    return b"".join(parts)


def _load_zip(buf: BinaryIO, source: str | None) -> Any:
    zf = zipfile.ZipFile(buf)
    with zf:
        pkls = [n for n in zf.namelist() if n == "data.pkl" or n.endswith("/data.pkl")]
        pkls = [n for n in pkls if n.count("/") <= 1]
        if len(pkls) != 1:
            raise ReadError("a zip archive without exactly one <archive>/data.pkl: not a torch.save file", source)
        prefix = pkls[0][: -len("data.pkl")]
        total = sum(i.file_size for i in zf.infolist())
        if total > MAX_BYTES:
            raise ReadError(f"{total / 2**20:.0f} MiB of tensors: a model checkpoint, not a history", source)
        names = set(zf.namelist())
        byteorder = "little"
        if prefix + "byteorder" in names:
            byteorder = _inflate(zf, prefix + "byteorder", source).decode("ascii", "replace").strip() or "little"
        storages: dict[str, np.ndarray] = {}

        def persistent_load(pid: Any) -> np.ndarray:
            if not (
                isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage" and isinstance(pid[1], StorageType)
            ):
                raise ReadError(f"unsupported persistent id {str(pid)[:60]!r}", source)
            key = str(pid[2])
            if key not in storages:
                entry = f"{prefix}data/{key}"
                if entry not in names:
                    raise ReadError(f"storage '{key}' is missing from the archive", source)
                storages[key] = pid[1].decode(_inflate(zf, entry, source), byteorder)
            return storages[key]

        return safe_load(
            io.BytesIO(_inflate(zf, pkls[0], source)),
            source,
            extra=globals_for(source),
            persistent_load=persistent_load,
        )


# Legacy files declare each storage's size before its bytes; allocate only what a history could hold.
MAX_LEGACY_ELEMENTS = 50_000_000


def load_legacy(buf: BinaryIO, source: str | None) -> Any:
    if not isinstance(buf, io.BytesIO):
        buf = io.BytesIO(buf.read())  # already bounded by --max-bytes; lets storages be checked
    file_bytes = len(buf.getbuffer())
    if safe_load(buf, source) != LEGACY_MAGIC:
        raise ReadError("not a torch.save file (no torch magic number)", source)
    protocol = safe_load(buf, source)
    if protocol != 1001:
        raise ReadError(f"torch file protocol {protocol} is not supported (only 1001)", source)
    sys_info = safe_load(buf, source)
    little = not isinstance(sys_info, dict) or sys_info.get("little_endian", True)
    roots: dict[str, tuple[StorageType, np.ndarray]] = {}

    def persistent_load(pid: Any) -> np.ndarray:
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == "storage" and isinstance(pid[1], StorageType)):
            raise ReadError(f"unsupported persistent id {str(pid)[:60]!r} (only storages)", source)
        _, stype, key, _location, numel, view = pid
        if not isinstance(numel, int) or not 0 <= numel <= MAX_LEGACY_ELEMENTS:
            raise ReadError(f"storage declares {numel!r} elements, more than a history holds", source)
        if key not in roots:
            # The bytes of every storage follow the pickles in the file: a storage larger than
            # what the file holds (5e7 elements declared in 100 bytes) is refused before allocating.
            declared = sum(len(a) * t.itemsize for t, a in roots.values()) + numel * stype.itemsize
            if declared > file_bytes:
                raise ReadError(
                    f"storage '{key}' declares {numel:,} elements whose bytes are not in the "
                    f"file ({file_bytes:,} bytes)",
                    source,
                )
            roots[key] = (stype, stype.empty(int(numel)))
        arr = roots[key][1]
        if view is not None:
            _view_key, offset, size = view
            return arr[int(offset) : int(offset) + int(size)]
        return arr

    obj = safe_load(buf, source, extra=globals_for(source), persistent_load=persistent_load)
    keys = safe_load(buf, source)
    for key in keys:
        if key not in roots:
            raise ReadError(f"storage '{key}' is listed but never used", source)
        stype, arr = roots[key]
        head = buf.read(8)
        if len(head) < 8:
            raise ReadError("truncated torch file: storage data missing", source)
        numel = int.from_bytes(head, "little" if little else "big", signed=True)
        if numel != len(arr):
            raise ReadError(f"storage '{key}' holds {numel} elements, {len(arr)} expected", source)
        raw = buf.read(numel * stype.itemsize)
        if len(raw) < numel * stype.itemsize:
            raise ReadError("truncated torch file: storage data cut short", source)
        arr[:] = stype.decode(raw, "little" if little else "big")
    return obj
