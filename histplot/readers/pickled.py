"""Pickled histories: Keras ``history.history`` or a PyTorch loop's per-epoch lists, loaded through
the restricted unpickler (never ``pickle.load``)."""

from __future__ import annotations

import pickletools
from typing import BinaryIO

from ..history import History
from ._objects import build_history, from_object
from ._torch import globals_for
from ._unpickle import safe_load

NAME = "pickle"
DESCRIPTION = "pickle of per-epoch lists or dicts (Keras history.history, PyTorch loops)"


def sniff(head: bytes, path: str | None) -> float:
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return 0.95
    # An object pickled with protocol 0 (a Keras History saved by old code) opens with copy_reg.
    if (
        head[:1] in (b"]", b"}")
        or head[:2] in (b"(d", b"(l", b"(t", b"((")
        or head.startswith(b"ccopy_reg\n_reconstructor\n")
    ):
        # Protocol 0/1 has no header: a container opcode first, then opcodes that must decode.
        try:
            ops = pickletools.genops(head)
            for _ in range(3):
                next(ops)
        except StopIteration:
            return 0.6
        except Exception:
            return 0.0
        return 0.6
    return 0.0


def read(
    buf: BinaryIO, *, source: str | None = None, validation_freq: int | None = None, trust_pickle: bool = False, **_
) -> History:
    obj = safe_load(buf, source, trust=trust_pickle, extra=globals_for(source))
    cols = from_object(obj, source, validation_freq=validation_freq)
    return build_history(cols, source=source, fmt=NAME)
