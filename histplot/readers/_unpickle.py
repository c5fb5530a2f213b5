"""A restricted unpickler: histories are containers of numbers, so nothing else may be built.

``pickle.load`` runs whatever callable a file names. ``SafeUnpickler.find_class`` allows only the
handful of globals that lists, dicts and numpy numbers are rebuilt from; every other name is refused
before it is imported, so no code of the file ever runs.

Allowed names can still ask for memory the file never supplies (``numpy.ndarray((10**10,))``, a
dtype whose sub-array holds 196M elements, ``list(x)`` of one shared list a thousand times, a memo
index of 2**27). So the unpickler is the pure-Python one, whose opcodes can be checked one by one:
every call and every ``BUILD`` is vetted and charged to the read's budget (``_budget``) before it
allocates, memo indices are bounded by the file's size, and object-dtype arrays are refused
outright (a history is numbers). The pure-Python unpickler is slower than the C one; pickled
histories are kilobytes to a few megabytes, where that costs milliseconds.
"""

from __future__ import annotations

import collections
import copyreg
import io
import pickle
import struct
from typing import Any, BinaryIO

import numpy as np

from ..errors import ReadError, UnsafePickleError
from . import _budget

# (module, name) pairs a pickled history may need. numpy 2 moved numpy.core to numpy._core; both
# spellings appear in real files.
_NUMPY_MODULES = ("numpy.core.multiarray", "numpy._core.multiarray")
ALLOWED: set[tuple[str, str]] = {
    ("collections", "OrderedDict"),
    ("collections", "defaultdict"),
    ("builtins", "list"),
    ("builtins", "dict"),
    ("builtins", "tuple"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "float"),
    ("builtins", "int"),
    ("builtins", "complex"),
    ("__builtin__", "list"),
    ("__builtin__", "dict"),
    ("__builtin__", "set"),
    ("copy_reg", "_reconstructor"),
    # Protocols 0-2 have no bytes type: numpy scalars' raw bytes arrive as _codecs.encode(str, "latin1").
    ("_codecs", "encode"),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    *((m, n) for m in _NUMPY_MODULES for n in ("scalar", "_reconstruct")),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
}
# copy_reg._reconstructor(cls, base, state) would call cls: allowed only for these classes.
_RECONSTRUCTABLE = {"OrderedDict", "list", "dict", "ndarray"}
_CONTAINERS = (list, tuple, set, frozenset, dict, collections.OrderedDict)
_DEFAULT_FACTORIES = (None, list, dict, int, float)
# Memo indices are assigned in order, one per PUT; a file of n bytes holds fewer than n PUTs.
_MEMO_SLACK = 1024


# Keras' History callback under every path it has been pickled from (Keras 3, Keras 2/tf.keras, tf_keras,
# Keras 2.2). It is rebuilt as a plain stand-in that stores data only.
KERAS_HISTORY_CLASSES = {
    ("keras.callbacks", "History"),
    ("keras.src.callbacks.history", "History"),
    ("keras.src.callbacks", "History"),
    ("keras.callbacks.history", "History"),
    ("tensorflow.python.keras.callbacks", "History"),
    ("tensorflow.keras.callbacks", "History"),
    ("tf_keras.callbacks", "History"),
    ("tf_keras.src.callbacks", "History"),
    ("keras.callbacks.callbacks", "History"),
}


class KerasHistoryStandIn:
    """What a pickled ``keras.callbacks.History`` is rebuilt as: its state, kept as data, never code."""

    def __new__(cls, *args: Any, **kwargs: Any) -> KerasHistoryStandIn:
        return object.__new__(cls)

    def __setstate__(self, state: Any) -> None:
        self.state = state if isinstance(state, dict) else {}

    def keras_history(self) -> tuple[Any, dict[str, Any]]:
        """(the ``history`` dict, meta: the ``epoch`` list and ``params``) for the readers."""
        state = getattr(self, "state", {})
        meta: dict[str, Any] = {}
        if isinstance(state.get("params"), dict):
            meta["params"] = {str(k): v for k, v in state["params"].items() if isinstance(v, (int, float, str))}
        if isinstance(state.get("epoch"), list):
            meta["keras_epochs"] = [e for e in state["epoch"] if isinstance(e, int)]
        return state.get("history", {}), meta


class _Skipped:
    """Anything a pickled Keras History holds besides data (its ``model``): built as an inert object.
    The file's callable is never looked up, let alone called."""

    def __new__(cls, *args: Any, **kwargs: Any) -> _Skipped:
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        pass

    def __call__(self, *args: Any, **kwargs: Any) -> _Skipped:
        return _Skipped()


def _skipped_global(*args: Any, **kwargs: Any) -> _Skipped:
    return _Skipped()


class SafeUnpickler(pickle._Unpickler):  # type: ignore[name-defined]
    """The pure-Python unpickler with ``find_class`` admitting only what histories are made of,
    and every allocation the file asks for checked and charged first."""

    dispatch = dict(pickle._Unpickler.dispatch)  # type: ignore[attr-defined]

    def __init__(
        self,
        file: BinaryIO,
        *,
        source: str | None = None,
        extra: dict | None = None,
        persistent_load: Any = None,
        size: int = 0,
    ):
        super().__init__(file, encoding="latin1")
        self.source = source
        self.extra = extra or {}
        self._persistent = persistent_load
        self._max_memo = size + _MEMO_SLACK

    def persistent_load(self, pid: Any) -> Any:
        """torch files refer to tensor storages by persistent id; plain pickles never do."""
        if self._persistent is None:
            raise pickle.UnpicklingError(f"persistent id {str(pid)[:60]!r} outside a torch file")
        return self._persistent(pid)

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.extra:
            return self.extra[(module, name)]
        if (module, name) in KERAS_HISTORY_CLASSES:
            self.keras_history = True
            return KerasHistoryStandIn
        if (module, name) not in ALLOWED and getattr(self, "keras_history", False):
            # Inside a Keras History: the model and its pieces are skipped, not built.
            return _Skipped if name[:1].isupper() else _skipped_global
        if (module, name) not in ALLOWED:
            raise UnsafePickleError(
                f"pickle refers to '{module}.{name}', which a training history does not need; "
                "refused without running it (use --trust-pickle only for a file you trust)",
                self.source,
            )
        if module == "copy_reg":
            return _safe_reconstructor
        if module == "_codecs":
            return _latin1_encode
        if module in ("builtins", "__builtin__"):
            return {
                "list": list,
                "dict": dict,
                "tuple": tuple,
                "set": set,
                "frozenset": frozenset,
                "float": float,
                "int": int,
                "complex": complex,
            }[name]
        if module == "collections":
            return getattr(collections, name)
        if module in _NUMPY_MODULES:
            return _reconstruct if name == "_reconstruct" else _scalar
        if module.endswith("numeric"):
            return _frombuffer
        return getattr(np, name)

    # -- every way a pickle calls something ---------------------------------------------------
    def load_reduce(self) -> None:
        args = self.stack.pop()
        self.stack[-1] = _call(self.stack[-1], args, {})

    def load_newobj(self) -> None:
        args = self.stack.pop()
        cls = self.stack.pop()
        self.append(_new(cls, args))

    def load_newobj_ex(self) -> None:
        kwargs = self.stack.pop()
        args = self.stack.pop()
        cls = self.stack.pop()
        if kwargs:
            raise pickle.UnpicklingError("refused a NEWOBJ_EX with keyword arguments")
        self.append(_new(cls, args))

    def _instantiate(self, klass: Any, args: tuple) -> None:
        self.append(_call(klass, tuple(args), {}))

    def load_build(self) -> None:
        state, inst = self.stack[-1], self.stack[-2]
        if isinstance(inst, np.ndarray):
            self.stack.pop()
            _array_setstate(inst, state)
        elif isinstance(inst, np.dtype):
            self.stack.pop()
            _dtype_setstate(inst, state)
        elif isinstance(inst, (*_CONTAINERS, collections.defaultdict)):
            raise pickle.UnpicklingError(f"refused to set the state of a {type(inst).__name__}")
        else:
            super().load_build()

    # -- the memo: indices bounded by the file's size ------------------------------------------
    def _memo_index(self, i: int) -> int:
        if i < 0 or i > self._max_memo:
            raise ReadError(f"pickle memo index {i:,} is beyond what a file of this size can hold")
        return i

    def load_put(self) -> None:
        i = int(self.readline()[:-1])
        self.memo[self._memo_index(i)] = self.stack[-1]

    def load_binput(self) -> None:
        i = self.read(1)[0]
        self.memo[self._memo_index(i)] = self.stack[-1]

    def load_long_binput(self) -> None:
        i = int.from_bytes(self.read(4), "little")
        self.memo[self._memo_index(i)] = self.stack[-1]

    def load_memoize(self) -> None:
        self.memo[self._memo_index(len(self.memo))] = self.stack[-1]

    dispatch[pickle.REDUCE[0]] = load_reduce
    dispatch[pickle.NEWOBJ[0]] = load_newobj
    dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex
    dispatch[pickle.BUILD[0]] = load_build
    dispatch[pickle.PUT[0]] = load_put
    dispatch[pickle.BINPUT[0]] = load_binput
    dispatch[pickle.LONG_BINPUT[0]] = load_long_binput
    dispatch[pickle.MEMOIZE[0]] = load_memoize


def _size(obj: Any) -> int:
    try:
        return len(obj)
    except TypeError:
        return 1


def _call(func: Any, args: Any, kwargs: dict) -> Any:
    """``func(*args)`` for a ``func`` that ``find_class`` handed out, charged before it runs."""
    if not isinstance(args, tuple):
        raise pickle.UnpicklingError("a call whose arguments are not a tuple")
    if func is np.ndarray:
        return _new(np.ndarray, args)
    if func is np.dtype:
        return _make_dtype(*args)
    if func is collections.defaultdict:
        if args and args[0] not in _DEFAULT_FACTORIES:
            raise pickle.UnpicklingError("refused a defaultdict whose factory is not a plain type")
        _budget.charge(sum(_size(a) for a in args[1:]), 8, "a copied container")
        return collections.defaultdict(*args)
    if func in _CONTAINERS or func in (int, float, complex):
        _budget.charge(sum(_size(a) for a in args), 8, f"a copied {func.__name__}")
        return func(*args)
    if func is KerasHistoryStandIn or func is _Skipped:  # data-only stand-ins: nothing of the file runs
        return object.__new__(func)
    if callable(func) and not isinstance(func, type):
        return func(*args)  # one of this module's or _tensors' vetted functions
    raise pickle.UnpicklingError(f"refused to call {type(func).__name__} {str(func)[:60]}")


def _new(cls: Any, args: tuple) -> Any:
    """``cls.__new__(cls, *args)``: only for the containers and numpy types allowed by name."""
    if cls is np.ndarray:
        shape = args[0] if args else ()
        dtype = _checked_dtype(np.dtype(args[1]) if len(args) > 1 else np.dtype(float))
        _charge_array(_shape(shape), dtype, "numpy.ndarray")
        return np.ndarray.__new__(np.ndarray, _shape(shape), dtype)
    if cls in (tuple, frozenset):
        _budget.charge(sum(_size(a) for a in args), 8, f"a copied {cls.__name__}")
        return cls(*args)
    if cls in _CONTAINERS or cls is collections.defaultdict:
        return cls.__new__(cls)
    if cls is np.dtype:
        return _make_dtype(*args)
    if cls is KerasHistoryStandIn or cls is _Skipped:  # data-only stand-ins: nothing of the file runs
        return object.__new__(cls)
    raise pickle.UnpicklingError(f"refused to create a {getattr(cls, '__name__', type(cls).__name__)}")


def _shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    if (
        not isinstance(shape, (tuple, list))
        or len(shape) > 32
        or not all(isinstance(d, (int, np.integer)) for d in shape)
    ):
        raise pickle.UnpicklingError("array with an unreadable shape")
    return tuple(int(d) for d in shape)


def _checked_dtype(dtype: Any) -> np.dtype:
    if not isinstance(dtype, np.dtype):
        raise pickle.UnpicklingError(f"an array whose dtype is a {type(dtype).__name__}")
    if dtype.hasobject:
        raise ReadError("a numpy array of Python objects (object dtype): a history holds numbers, refused")
    return dtype


def _charge_array(shape: tuple[int, ...], dtype: np.dtype, what: str) -> None:
    # itemsize includes a sub-array dtype's elements: ('f8', (14000, 14000)) is 1.5 GB per item
    _budget.charge(_budget.viewed_elements(shape), dtype.itemsize, f"{what} of shape {shape} and dtype {dtype}")
    if dtype.subdtype is not None:
        _budget.charge(
            _budget.viewed_elements(shape) * _budget.viewed_elements(dtype.shape),
            1,
            f"{what} of sub-array dtype {dtype}",
        )


def _make_dtype(spec: Any = None, align: Any = False, copy: Any = True, *rest: Any) -> np.dtype:
    # Real pickles call numpy.dtype("f8", False, True): a type code; anything richer arrives in
    # BUILD, where it is checked. copy=False would let BUILD rewrite numpy's shared dtype.
    if rest or not isinstance(spec, str) or len(spec) > 8 or not copy:
        raise pickle.UnpicklingError(f"refused numpy.dtype({str(spec)[:40]!r}, ...)")
    return _checked_dtype(np.dtype(spec, bool(align), True))


def _dtype_setstate(dtype: np.dtype, state: Any) -> None:
    if not isinstance(state, tuple):
        raise pickle.UnpicklingError("a dtype state that is not a tuple")
    dtype.__setstate__(state)
    _checked_dtype(dtype)
    _budget.charge(1, dtype.itemsize, f"dtype {dtype}")


def _array_setstate(arr: np.ndarray, state: Any) -> None:
    # (version, shape, dtype, is_fortran, rawdata): rawdata must be the bytes of shape x dtype.
    if not isinstance(state, tuple) or len(state) not in (4, 5):
        raise pickle.UnpicklingError("an array state of an unknown layout")
    shape, dtype, raw = _shape(state[-4]), _checked_dtype(state[-3]), state[-1]
    if isinstance(raw, str):  # Python 2 pickles, read with encoding="latin1"
        raw = raw.encode("latin1")
        state = (*state[:-1], raw)
    if not isinstance(raw, (bytes, bytearray)):
        raise ReadError("an array whose data is not raw bytes (object dtype?): refused")
    n = 1
    for d in shape:
        n *= d
    if n * dtype.itemsize != len(raw):
        raise pickle.UnpicklingError(f"array of shape {shape} and dtype {dtype} with {len(raw)} bytes of data")
    _charge_array(shape, dtype, "numpy array")
    arr.__setstate__(state)


# _reconstruct allocates the shape it is given before any data arrives; real files pass (0,).
def _reconstruct(cls: Any, shape: Any, dtype: Any) -> np.ndarray:
    if cls is not np.ndarray:
        raise pickle.UnpicklingError("refused _reconstruct of a class other than numpy.ndarray")
    if isinstance(dtype, (bytes, str)):
        dtype = np.dtype(dtype)
    dtype = _checked_dtype(dtype)
    shape = _shape(shape)
    _charge_array(shape, dtype, "numpy._reconstruct")
    return np.ndarray.__new__(np.ndarray, shape, dtype)


def _scalar(dtype: Any, data: Any = None) -> Any:
    dtype = _checked_dtype(dtype)
    if isinstance(data, str):  # Python 2 pickles, read with encoding="latin1"
        data = data.encode("latin1")
    if not isinstance(data, (bytes, bytearray)) or len(data) != dtype.itemsize:
        raise pickle.UnpicklingError(f"a numpy {dtype} scalar without its {dtype.itemsize} bytes")
    core = getattr(np, "_core", None) or np.core
    return core.multiarray.scalar(dtype, data)


def _frombuffer(buf: Any, dtype: Any, shape: Any, order: Any) -> np.ndarray:
    dtype, shape = _checked_dtype(dtype), _shape(shape)
    if not isinstance(buf, (bytes, bytearray)):
        raise pickle.UnpicklingError("an array buffer that is not bytes")
    _charge_array(shape, dtype, "numpy array")
    core = getattr(np, "_core", None) or np.core
    return core.numeric._frombuffer(buf, dtype, shape, order)


def _latin1_encode(text: Any, encoding: str = "utf-8") -> bytes:
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1", "utf-8", "utf8"):
        raise pickle.UnpicklingError("refused _codecs.encode call of an unexpected kind")
    _budget.charge(len(text), 1, "an encoded string")
    return text.encode(encoding)


def _safe_reconstructor(cls: Any, base: Any, state: Any) -> Any:
    if cls is _Skipped or cls is KerasHistoryStandIn:
        return cls()
    if (
        getattr(cls, "__name__", None) not in _RECONSTRUCTABLE
        or cls is not base
        or cls not in (np.ndarray, *_CONTAINERS)
    ):
        raise pickle.UnpicklingError(f"refused to reconstruct {str(cls)[:60]}")
    if cls is np.ndarray:
        return _new(np.ndarray, (state,))  # ndarray.__new__(ndarray, state): state is a shape
    _budget.charge(_size(state), 8, f"a copied {cls.__name__}")
    return copyreg._reconstructor(cls, base, state)


def _as_bytes_buffer(buf: BinaryIO) -> tuple[BinaryIO, int]:
    """A buffer whose ``read(n)`` never allocates more than the file holds (a real file's read(n)
    allocates n bytes first), and the number of bytes left in it."""
    if isinstance(buf, io.BytesIO):
        pos = buf.tell()
        return buf, len(buf.getbuffer()) - pos
    data = buf.read()
    return io.BytesIO(data), len(data)


def safe_load(
    buf: BinaryIO, source: str | None, *, trust: bool = False, extra: dict | None = None, persistent_load: Any = None
) -> Any:
    """Unpickle with the restricted unpickler (or fully, when the user vouches with ``trust``).
    ``extra`` maps further (module, name) pairs to stand-ins (the torch pieces, see ``_tensors``)."""
    try:
        if trust:
            return pickle.Unpickler(buf, encoding="latin1").load()
        buf, size = _as_bytes_buffer(buf)
        return SafeUnpickler(buf, source=source, extra=extra, persistent_load=persistent_load, size=size).load()
    except ReadError as exc:  # also UnsafePickleError, and errors of the torch rebuilds
        if exc.path is None and source:
            exc.path = source
        raise
    except RecursionError as exc:
        raise ReadError("pickle nested too deeply", source) from exc
    except (
        pickle.UnpicklingError,
        EOFError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        KeyError,
        OverflowError,
        MemoryError,
        UnicodeDecodeError,
        io.UnsupportedOperation,
        struct.error,
    ) as exc:
        raise ReadError(f"not a readable pickle: {exc or type(exc).__name__}", source) from exc
    except ImportError as exc:
        raise ReadError(f"pickle needs a module that is not installed: {exc}", source) from exc
