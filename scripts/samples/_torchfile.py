"""Write ``torch.save`` files without torch, byte layout as ``torch/serialization.py`` writes them.

Zip: records ``archive/data.pkl`` (protocol-2 pickle; tensors reduce to
``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict())``
and storages are persistent ids ``('storage', torch.FloatStorage, key, 'cpu', numel)``),
``.format_version``, ``.storage_alignment``, ``byteorder``, ``data/<key>`` (raw little-endian
elements, 64-byte aligned by a padding extra field as PyTorchFileWriter does), ``version`` and
``.data/serialization_id``; all stored uncompressed. Legacy: magic, protocol 1001, sys_info,
the object, the storage keys, then per storage an int64 count and the elements.
"""

from __future__ import annotations

import io
import pickle
import struct
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

_DTYPES = {"float32": "FloatStorage", "float64": "DoubleStorage", "int64": "LongStorage"}


class _Global:
    """A name in a module that is not imported here (``torch._utils._rebuild_tensor_v2``)."""

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle only checks that a reduce function is callable
        raise TypeError("a stand-in, never called")


class Tensor:
    """A stand-in tensor: pickles exactly like a CPU ``torch.Tensor`` of the same values."""

    def __init__(self, values, dtype: str = "float32"):
        self.values = np.array(values, dtype=dtype, order="C")  # 0-d stays 0-d

    def storage_type(self) -> _Global:
        return _Global("torch", _DTYPES[str(self.values.dtype)])


class _Pickler(pickle._Pickler):  # the pure-Python pickler lets GLOBAL name modules not imported
    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file, legacy: bool):
        super().__init__(file, protocol=2)
        self.legacy = legacy
        self.storages: list[Tensor] = []

    def save_stand_in_global(self, obj: _Global) -> None:
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
        self.memoize(obj)

    dispatch[_Global] = save_stand_in_global

    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            pid = ("storage", obj.tensor.storage_type(), obj.key, "cpu", obj.tensor.values.size)
            return pid + (None,) if self.legacy else pid
        return None

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            storage = _Storage(obj, str(len(self.storages)))
            self.storages.append(obj)
            shape = obj.values.shape
            stride = tuple(s // obj.values.itemsize for s in obj.values.strides)
            return (_Global("torch._utils", "_rebuild_tensor_v2"), (storage, 0, shape, stride, False, OrderedDict()))
        return NotImplemented


class _Storage:
    def __init__(self, tensor: Tensor, key: str):
        self.tensor, self.key = tensor, key


def _pickle(obj, legacy: bool) -> tuple[bytes, list[Tensor]]:
    buf = io.BytesIO()
    p = _Pickler(buf, legacy)
    p.dump(obj)
    return buf.getvalue(), p.storages


def save_zip(obj, path: Path, archive: str = "archive") -> None:
    data, storages = _pickle(obj, legacy=False)
    records = [("data.pkl", data), (".format_version", b"1"), (".storage_alignment", b"64"), ("byteorder", b"little")]
    records += [
        (f"data/{i}", t.values.astype(t.values.dtype.newbyteorder("<")).tobytes()) for i, t in enumerate(storages)
    ]
    records += [("version", b"3\n"), (".data/serialization_id", b"0000000000000000000000000000000000000000")]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, payload in records:
            info = zipfile.ZipInfo(f"{archive}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            offset = zf.fp.tell() + 30 + len(info.filename)
            pad = (-(offset + 4)) % 64
            info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
            zf.writestr(info, payload)


def save_legacy(obj, path: Path) -> None:
    path.write_bytes(_legacy_bytes(obj, type_sizes=True))


class _BytesStorage:
    def __init__(self, tensor: Tensor):
        self.tensor = tensor


class _PlainPickler(_Pickler):
    """``pickle.dump`` of an object holding tensors, as torch does it outside ``torch.save``:
    each storage becomes ``torch.storage._load_from_bytes(<a legacy torch file>)``."""

    def persistent_id(self, obj):
        return None

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            stride = tuple(s // obj.values.itemsize for s in obj.values.strides)
            return (
                _Global("torch._utils", "_rebuild_tensor_v2"),
                (_BytesStorage(obj), 0, obj.values.shape, stride, False, OrderedDict()),
            )
        if isinstance(obj, _BytesStorage):
            return (_Global("torch.storage", "_load_from_bytes"), (_legacy_bytes(_Storage(obj.tensor, "0")),))
        return NotImplemented


def _legacy_bytes(obj, *, type_sizes: bool = False) -> bytes:
    """A legacy (pre-zip) torch file: magic, protocol, sys info, the pickle, storage keys, raw storages."""
    data, storages = _pickle(obj, legacy=True)
    if isinstance(obj, _Storage):
        storages = [obj.tensor]
    sys_info = {"protocol_version": 1001, "little_endian": True}
    if type_sizes:  # torch.save writes them; _load_from_bytes payloads in the wild often lack them
        sys_info["type_sizes"] = {"short": 2, "int": 4, "long": 4}
    out = io.BytesIO()
    for head in (0x1950A86A20F9469CFC6C, 1001, sys_info):
        out.write(pickle.dumps(head, protocol=2))
    out.write(data)
    out.write(pickle.dumps([str(i) for i in range(len(storages))], protocol=2))
    for t in storages:
        out.write(struct.pack("<q", t.values.size))
        out.write(t.values.astype(t.values.dtype.newbyteorder("<")).tobytes())
    return out.getvalue()


def dumps_plain(obj, protocol: int = 4) -> bytes:
    buf = io.BytesIO()
    p = _PlainPickler(buf, legacy=True)
    p.proto = protocol
    p.dump(obj)
    return buf.getvalue()
