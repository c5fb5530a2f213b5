"""A restricted unpickler: histories are containers of numbers, so nothing else may be built.

``pickle.load`` runs whatever callable a file names. ``SafeUnpickler.find_class`` allows only the
handful of globals that lists, dicts and numpy numbers are rebuilt from; every other name is refused
before it is imported, so no code of the file ever runs.
"""

from __future__ import annotations

import io
import pickle
from typing import Any, BinaryIO

from ..errors import UnsafePickleError

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

# The pieces of a torch-saved tensor, each replaced (in _torch.py) by a function that slices numpy
# buffers: torch itself is never imported, and nothing the file names is ever called.
_TORCH_FUNCTIONS = {
    ("torch._utils", "_rebuild_tensor_v2"): "rebuild_tensor",
    ("torch._utils", "_rebuild_tensor"): "rebuild_tensor",
    ("torch._utils", "_rebuild_parameter"): "rebuild_parameter",
    ("torch._utils", "_rebuild_parameter_with_state"): "rebuild_parameter",
    ("torch._tensor", "_rebuild_from_type_v2"): "rebuild_from_type",
    ("torch.storage", "_load_from_bytes"): "load_from_bytes",
}
_TORCH_TYPES = {("torch", "Tensor"), ("torch.nn.parameter", "Parameter"), ("torch.nn", "Parameter")}


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


class SafeUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` whose ``find_class`` admits only what histories are made of."""

    def __init__(self, file: BinaryIO, *, source: str | None = None, extra: dict | None = None,
                 persistent_load: Any = None):
        super().__init__(file, encoding="latin1")
        self.source = source
        self.extra = extra or {}
        self._persistent = persistent_load

    def persistent_load(self, pid: Any) -> Any:
        """torch files refer to tensor storages by persistent id; plain pickles never do."""
        if self._persistent is None:
            raise pickle.UnpicklingError(f"persistent id {str(pid)[:60]!r} outside a torch file")
        return self._persistent(pid)

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.extra:
            return self.extra[(module, name)]
        torch_piece = _torch_global(module, name, self.source)
        if torch_piece is not None:
            return torch_piece
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
        if module.startswith("numpy"):
            import numpy

            if module in _NUMPY_MODULES:
                mod = getattr(numpy, "_core", None) or numpy.core
                if name == "_reconstruct":
                    return _bounded_reconstruct(mod.multiarray._reconstruct)
                return getattr(mod.multiarray, name)
            if module.endswith("numeric"):
                mod = getattr(numpy, "_core", None) or numpy.core
                return getattr(mod.numeric, name)
            return getattr(numpy, name)
        return super().find_class(module, name)


# _reconstruct allocates the shape it is given before any data arrives; real files pass (0,).
MAX_RECONSTRUCT_ELEMENTS = 10_000_000


def _bounded_reconstruct(reconstruct: Any) -> Any:
    def call(cls: Any, shape: Any, dtype: Any) -> Any:
        import numpy

        try:
            n = int(numpy.prod(shape, dtype=numpy.int64)) if numpy.ndim(shape) else int(shape)
        except (TypeError, ValueError, OverflowError):
            raise pickle.UnpicklingError("array with an unreadable shape") from None
        if n > MAX_RECONSTRUCT_ELEMENTS or n < 0:
            raise pickle.UnpicklingError(f"array declares {n} elements, more than a history holds")
        return reconstruct(cls, shape, dtype)

    return call


def _latin1_encode(text: Any, encoding: str = "utf-8") -> bytes:
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1", "utf-8", "utf8"):
        raise pickle.UnpicklingError("refused _codecs.encode call of an unexpected kind")
    return text.encode(encoding)


def _torch_global(module: str, name: str, source: str | None) -> Any:
    if not module.startswith("torch"):
        return None
    from . import _torch

    if (module, name) in _TORCH_FUNCTIONS:
        fn = getattr(_torch, _TORCH_FUNCTIONS[(module, name)])
        if fn is _torch.load_from_bytes:
            return lambda data: _torch.load_from_bytes(data, source)
        return fn
    if module in ("torch", "torch.storage") and name in _torch.STORAGE_DTYPES:
        return _torch.StorageType(name)
    if (module, name) in _TORCH_TYPES:
        return _torch.TensorType
    return None


def _safe_reconstructor(cls: Any, base: Any, state: Any) -> Any:
    if cls is _Skipped or cls is KerasHistoryStandIn:
        return cls()
    if getattr(cls, "__name__", None) not in _RECONSTRUCTABLE:
        raise pickle.UnpicklingError(f"refused to reconstruct {cls!r}")
    import copyreg

    return copyreg._reconstructor(cls, base, state)


def safe_load(buf: BinaryIO, source: str | None, *, trust: bool = False, extra: dict | None = None,
              persistent_load: Any = None) -> Any:
    """Unpickle with the restricted unpickler (or fully, when the user vouches with ``trust``)."""
    from ..errors import ReadError

    try:
        if trust:
            return pickle.Unpickler(buf, encoding="latin1").load()
        return SafeUnpickler(buf, source=source, extra=extra, persistent_load=persistent_load).load()
    except ReadError as exc:  # also UnsafePickleError, and errors of the torch rebuilds
        if exc.path is None and source:
            exc.path = source
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError,
            KeyError, OverflowError, MemoryError, UnicodeDecodeError, io.UnsupportedOperation) as exc:
        raise ReadError(f"not a readable pickle: {exc or type(exc).__name__}", source) from exc
    except ImportError as exc:
        raise ReadError(f"pickle needs a module that is not installed: {exc}", source) from exc
