"""``torch.save`` files without torch: tensors rebuilt as numpy arrays by the restricted unpickler.

Two containers exist (``torch/serialization.py``):
- zip (torch >= 1.6): ``<archive>/data.pkl`` pickles the object; every storage it refers to by
  persistent id ``('storage', StorageType, key, location, numel)`` is the raw bytes of
  ``<archive>/data/<key>``, in the order ``<archive>/byteorder`` names (little when absent).
- legacy: five pickles in a row (magic number, protocol version, sys_info, the object, the storage
  keys), then for each key an int64 element count and the raw elements. ``torch.storage.
  _load_from_bytes`` (how a tensor inside a plain pickle is stored) holds this legacy layout.

The replacements below only slice numpy buffers; nothing from the file is ever called.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

from ..errors import ReadError

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
MAX_BYTES = 512 * 1024 * 1024  # a history is small; a multi-GB zip is a model checkpoint

# torch storage class -> numpy dtype of one element (bfloat16 has none: widened to float32)
STORAGE_DTYPES = {
    "FloatStorage": "f4", "DoubleStorage": "f8", "HalfStorage": "f2", "BFloat16Storage": "bf16",
    "LongStorage": "i8", "IntStorage": "i4", "ShortStorage": "i2", "CharStorage": "i1",
    "ByteStorage": "u1", "BoolStorage": "?", "ComplexFloatStorage": "c8", "ComplexDoubleStorage": "c16",
    "UntypedStorage": "u1",
}


@dataclass(frozen=True)
class StorageType:
    """Stands in for ``torch.FloatStorage`` and friends: knows how to decode raw bytes."""

    name: str

    @property
    def itemsize(self) -> int:
        code = STORAGE_DTYPES[self.name]
        return 2 if code == "bf16" else np.dtype(code).itemsize

    def decode(self, raw: bytes, byteorder: str = "little") -> np.ndarray:
        order = "<" if byteorder == "little" else ">"
        code = STORAGE_DTYPES[self.name]
        if code == "bf16":
            # bfloat16 is the top half of a float32
            half = np.frombuffer(raw, dtype=order + "u2").astype(np.uint32)
            return (half << 16).view(np.float32).copy()
        return np.frombuffer(raw, dtype=np.dtype(code).newbyteorder(order)).astype(np.dtype(code).newbyteorder("="))

    def empty(self, numel: int) -> np.ndarray:
        code = STORAGE_DTYPES[self.name]
        return np.zeros(numel, dtype=np.float32 if code == "bf16" else np.dtype(code))


class TensorType:
    """Stands in for ``torch.Tensor`` / ``torch.nn.Parameter`` as the type argument of rebuilds."""


def rebuild_tensor(storage: np.ndarray, storage_offset: int, size: tuple, stride: tuple, *_: Any) -> np.ndarray:
    """``torch._utils._rebuild_tensor_v2`` (and ``_rebuild_tensor``): a strided view of the storage.

    A view, not a copy: the legacy format fills storages only after the object is unpickled.
    """
    if not isinstance(storage, np.ndarray):
        raise ReadError(f"a tensor whose storage is a {type(storage).__name__}, not raw data")
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    need = storage_offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else 0
    if storage_offset < 0 or need > len(storage) or any(s < 0 for s in stride):
        raise ReadError(f"tensor of size {size} does not fit its storage of {len(storage)} elements")
    base = storage[storage_offset:]
    strides = tuple(s * storage.itemsize for s in stride)
    return np.lib.stride_tricks.as_strided(base, shape=size, strides=strides, writeable=False)


def rebuild_parameter(data: Any, *_: Any) -> Any:
    """``torch._utils._rebuild_parameter[_with_state]``: a Parameter is its data."""
    return data


def rebuild_from_type(func: Callable, new_type: Any, args: tuple, state: Any) -> Any:
    """``torch._tensor._rebuild_from_type_v2``: ``func`` already passed ``find_class``."""
    if func not in (rebuild_tensor, rebuild_parameter):
        raise ReadError("a tensor subclass rebuilt by an unknown function")
    return func(*args)


def load_from_bytes(data: bytes, source: str | None = None) -> Any:
    """``torch.storage._load_from_bytes``: a legacy-format torch file held in bytes."""
    return load_legacy(io.BytesIO(data), source)


# What a damaged archive raises from deep inside zipfile/zlib: all mean "corrupt", none is a bug of ours.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, ValueError, EOFError, OSError, KeyError, NotImplementedError,
               RuntimeError, OverflowError)


def load_zip(buf: BinaryIO, source: str | None) -> Any:
    try:
        return _load_zip(buf, source)
    except ReadError:
        raise
    except _ZIP_ERRORS as exc:
        raise ReadError(f"corrupt torch.save archive: {type(exc).__name__}: {exc}", source) from exc


def _load_zip(buf: BinaryIO, source: str | None) -> Any:
    from ._unpickle import safe_load

    zf = zipfile.ZipFile(buf)
    with zf:
        pkls = [n for n in zf.namelist() if n == "data.pkl" or n.endswith("/data.pkl")]
        pkls = [n for n in pkls if n.count("/") <= 1]
        if len(pkls) != 1:
            raise ReadError("a zip archive without exactly one <archive>/data.pkl: not a torch.save file",
                            source)
        prefix = pkls[0][: -len("data.pkl")]
        total = sum(i.file_size for i in zf.infolist())
        if total > MAX_BYTES:
            raise ReadError(f"{total / 2**20:.0f} MiB of tensors: a model checkpoint, not a history", source)
        names = set(zf.namelist())
        byteorder = "little"
        if prefix + "byteorder" in names:
            byteorder = zf.read(prefix + "byteorder").decode("ascii", "replace").strip() or "little"
        storages: dict[str, np.ndarray] = {}

        def persistent_load(pid: Any) -> np.ndarray:
            if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"
                    and isinstance(pid[1], StorageType)):
                raise ReadError(f"unsupported persistent id {str(pid)[:60]!r}", source)
            key = str(pid[2])
            if key not in storages:
                entry = f"{prefix}data/{key}"
                if entry not in names:
                    raise ReadError(f"storage '{key}' is missing from the archive", source)
                storages[key] = pid[1].decode(zf.read(entry), byteorder)
            return storages[key]

        return safe_load(io.BytesIO(zf.read(pkls[0])), source, persistent_load=persistent_load)


# Legacy files declare each storage's size before its bytes; allocate only what a history could hold.
MAX_LEGACY_ELEMENTS = 50_000_000


def load_legacy(buf: BinaryIO, source: str | None) -> Any:
    from ._unpickle import safe_load

    if safe_load(buf, source) != LEGACY_MAGIC:
        raise ReadError("not a torch.save file (no torch magic number)", source)
    protocol = safe_load(buf, source)
    if protocol != 1001:
        raise ReadError(f"torch file protocol {protocol} is not supported (only 1001)", source)
    sys_info = safe_load(buf, source)
    little = not isinstance(sys_info, dict) or sys_info.get("little_endian", True)
    roots: dict[str, tuple[StorageType, np.ndarray]] = {}

    def persistent_load(pid: Any) -> np.ndarray:
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == "storage"
                and isinstance(pid[1], StorageType)):
            raise ReadError(f"unsupported persistent id {str(pid)[:60]!r} (only storages)", source)
        _, stype, key, _location, numel, view = pid
        if not isinstance(numel, int) or not 0 <= numel <= MAX_LEGACY_ELEMENTS:
            raise ReadError(f"storage declares {numel!r} elements, more than a history holds", source)
        if key not in roots:
            roots[key] = (stype, stype.empty(int(numel)))
        arr = roots[key][1]
        if view is not None:
            _view_key, offset, size = view
            return arr[int(offset): int(offset) + int(size)]
        return arr

    obj = safe_load(buf, source, persistent_load=persistent_load)
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
