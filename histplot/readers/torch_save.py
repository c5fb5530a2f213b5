"""``torch.save`` files of histories (dicts or lists of floats and 0-d/1-d tensors), read without
torch: see ``_torch.py`` for the two containers. Checkpoints that carry a history next to model
and optimizer state are read for the history alone."""

from __future__ import annotations

from typing import Any, BinaryIO

import numpy as np

from ..errors import ReadError
from ..history import History
from ._arrays import is_matrix_name
from ._objects import build_history, from_object
from ._torch import load_legacy, load_zip

NAME = "torch_save"
DESCRIPTION = "torch.save file (zip with data.pkl, or legacy) of per-epoch lists or tensors; no torch needed"

_LEGACY_HEAD = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"
_STATE_KEYS = {
    "model",
    "model_state_dict",
    "state_dict",
    "net",
    "optimizer",
    "optimizer_state_dict",
    "optim",
    "scheduler",
    "lr_scheduler",
    "scheduler_state_dict",
    "scaler",
    "ema",
}
_HISTORY_KEYS = ("history", "metrics", "train_history", "training_history", "log", "logs", "losses")


def sniff(head: bytes, path: str | None) -> float:
    if head.startswith(b"PK\x03\x04") and b"data.pkl" in head[:200]:
        return 0.95
    if head.startswith(_LEGACY_HEAD):
        return 0.97
    if len(head) > 262 and head[257:262] == b"ustar" and b"storages" in head:
        return 0.9
    return 0.0


def read(buf: BinaryIO, *, source: str | None = None, validation_freq: int | None = None, **_) -> History:
    head = buf.read(512)
    buf.seek(0)
    if head.startswith(b"PK\x03\x04"):
        obj = load_zip(buf, source)
    elif head.startswith(_LEGACY_HEAD):
        obj = load_legacy(buf, source)
    elif head[257:262] == b"ustar":
        raise ReadError(
            "a torch file in the tar format of torch < 0.4, which is not supported: "
            "re-save it with a current torch.save",
            source,
        )
    else:
        raise ReadError("not a torch.save file (neither a zip with data.pkl nor the legacy format)", source)
    notes: list[str] = []
    obj = _history_part(obj, notes, source)
    cols = from_object(obj, source, validation_freq=validation_freq)
    cols.notes[:0] = notes
    return build_history(cols, source=source, fmt=NAME)


def _matrices(key: Any, value: np.ndarray) -> bool:
    return value.ndim == 3 and value.shape[1] == value.shape[2] and is_matrix_name(str(key))


def _history_part(obj: Any, notes: list[str], source: str | None) -> Any:
    """The history inside a checkpoint dict; model/optimizer state is set aside with a note."""
    if not isinstance(obj, dict):
        return obj
    # a (epochs, K, K) tensor under a confusion-matrix name is the run's matrices, not a weight
    big = [k for k, v in obj.items() if isinstance(v, np.ndarray) and v.ndim >= 2 and not _matrices(k, v)]
    if big and len(big) >= len(obj) / 2:
        shape = obj[big[0]].shape
        raise ReadError(
            f"a model state_dict ({len(big)} weight tensors, e.g. '{big[0]}' of shape "
            f"{tuple(shape)}), not a training history",
            source,
        )
    states = [k for k, v in obj.items() if str(k).lower() in _STATE_KEYS or _holds_weights(v)]
    if states:
        notes.append(f"checkpoint: skipped model/optimizer state {', '.join(map(str, states))}")
        obj = {k: v for k, v in obj.items() if k not in states}
    for key in _HISTORY_KEYS:
        sub = next((v for k, v in obj.items() if str(k).lower() == key), None)
        if isinstance(sub, (dict, list)) and sub:
            notes.append(f"history read from the checkpoint's '{key}' entry")
            return sub
    if not obj:
        raise ReadError("a checkpoint with model/optimizer state but no history", source)
    return obj


def _holds_weights(v: Any) -> bool:
    if not isinstance(v, dict):
        return False
    return any(isinstance(x, np.ndarray) and x.ndim >= 2 for x in v.values()) or any(
        isinstance(x, dict) and _holds_weights(x) for x in v.values()
    )
