"""The torch pieces a pickle may name, as numpy stand-ins: storage types, the tensor type and the
rebuild functions. Both the restricted unpickler (which hands them out by name) and the torch
container reader (which fills storages) use them; this module needs neither of those.

Nothing here calls anything from the file: a rebuild is a bounds-checked strided view of a numpy
buffer, charged to the read's budget for every element it lets a reader walk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ReadError
from . import _budget

# torch storage class -> numpy dtype of one element (bfloat16 has none: widened to float32)
STORAGE_DTYPES = {
    "FloatStorage": "f4",
    "DoubleStorage": "f8",
    "HalfStorage": "f2",
    "BFloat16Storage": "bf16",
    "LongStorage": "i8",
    "IntStorage": "i4",
    "ShortStorage": "i2",
    "CharStorage": "i1",
    "ByteStorage": "u1",
    "BoolStorage": "?",
    "ComplexFloatStorage": "c8",
    "ComplexDoubleStorage": "c16",
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
        _budget.charge(len(raw) // self.itemsize, 4 if code == "bf16" else self.itemsize, "a tensor storage")
        if code == "bf16":
            # bfloat16 is the top half of a float32
            half = np.frombuffer(raw, dtype=order + "u2").astype(np.uint32)
            return (half << 16).view(np.float32).copy()
        return np.frombuffer(raw, dtype=np.dtype(code).newbyteorder(order)).astype(np.dtype(code).newbyteorder("="))

    def empty(self, numel: int) -> np.ndarray:
        code = STORAGE_DTYPES[self.name]
        _budget.charge(numel, 4 if code == "bf16" else self.itemsize, "a tensor storage")
        return np.zeros(numel, dtype=np.float32 if code == "bf16" else np.dtype(code))


class TensorType:
    """Stands in for ``torch.Tensor`` / ``torch.nn.Parameter`` as the type argument of rebuilds."""


def rebuild_tensor(storage: np.ndarray, storage_offset: int, size: tuple, stride: tuple, *_: Any) -> np.ndarray:
    """``torch._utils._rebuild_tensor_v2`` (and ``_rebuild_tensor``): a strided view of the storage.

    A view, not a copy: the legacy format fills storages only after the object is unpickled. A
    view may not show more elements than its storage holds (a stride-0 tensor of a billion copies
    of one float is refused), and what it shows is charged to the budget, since readers walk it.
    """
    if not isinstance(storage, np.ndarray):
        raise ReadError(f"a tensor whose storage is a {type(storage).__name__}, not raw data")
    try:
        size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
        storage_offset = int(storage_offset)
    except (TypeError, ValueError):
        raise ReadError("a tensor with an unreadable size or stride") from None
    if len(size) != len(stride) or len(size) > 32:
        raise ReadError(f"a tensor whose size {size[:8]} and stride {stride[:8]} do not match")
    viewed = _budget.viewed_elements(size)
    if viewed > max(len(storage), 1):
        raise ReadError(f"a tensor of size {size} views {viewed:,} elements of a storage of {len(storage):,}")
    need = storage_offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else 0
    if storage_offset < 0 or need > len(storage) or any(s < 0 for s in stride):
        raise ReadError(f"tensor of size {size} does not fit its storage of {len(storage)} elements")
    _budget.charge(viewed, storage.itemsize, f"a tensor of size {size}")
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


_FUNCTIONS = {
    ("torch._utils", "_rebuild_tensor_v2"): rebuild_tensor,
    ("torch._utils", "_rebuild_tensor"): rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): rebuild_parameter,
    ("torch._tensor", "_rebuild_from_type_v2"): rebuild_from_type,
}
_TYPES = (("torch", "Tensor"), ("torch.nn.parameter", "Parameter"), ("torch.nn", "Parameter"))


def torch_globals(load_from_bytes: Callable[[bytes], Any]) -> dict[tuple[str, str], Any]:
    """The (module, name) -> stand-in table the unpickler consults for torch names;
    ``load_from_bytes`` is how this read decodes ``torch.storage._load_from_bytes``."""
    table: dict[tuple[str, str], Any] = dict(_FUNCTIONS)
    table.update({t: TensorType for t in _TYPES})
    for name in STORAGE_DTYPES:
        table[("torch", name)] = table[("torch.storage", name)] = StorageType(name)
    table[("torch.storage", "_load_from_bytes")] = load_from_bytes
    return table
