"""One way to open input: a path or ``-``, as a seekable binary buffer that sniffing and reading share."""

from __future__ import annotations

import gzip
import io
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from ..errors import ReadError

PEEK_SIZE = 64 * 1024


@contextmanager
def open_source(source: str | os.PathLike | BinaryIO) -> Iterator[BinaryIO]:
    """Yield a seekable binary buffer for a path, ``-`` (standard input) or an open binary file.

    Standard input is read whole, so that the sniffer's peek does not consume it; ``.gz`` files are
    decompressed by suffix. Only handles opened here are closed here.
    """
    if hasattr(source, "read"):
        buf = source if source.seekable() else io.BytesIO(source.read())
        yield buf
        return
    name = os.fspath(source)
    if name == "-":
        yield io.BytesIO(sys.stdin.buffer.read())
        return
    path = Path(name)
    if not path.exists():
        raise ReadError("no such file", name)
    if path.is_dir():
        raise ReadError("is a directory, not a history file", name)
    try:
        fh = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")
    except OSError as exc:
        raise ReadError(f"cannot open: {exc.strerror or exc}", name) from exc
    try:
        if path.suffix == ".gz":
            try:
                data = fh.read()
            except (OSError, EOFError) as exc:
                raise ReadError(f"not a valid gzip file: {exc}", name) from exc
            yield io.BytesIO(data)
        else:
            yield fh
    finally:
        fh.close()


def peek(buf: BinaryIO, size: int = PEEK_SIZE) -> bytes:
    """The first ``size`` bytes, leaving the buffer where it was."""
    pos = buf.tell()
    head = buf.read(size)
    buf.seek(pos)
    return head


def read_text(buf: BinaryIO, source: str | None) -> str:
    """The whole buffer as text: UTF-8 (with or without BOM), else Latin-1."""
    data = buf.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if b"\x00" in data[:4096]:
            raise ReadError("binary content where text was expected", source) from None
        return data.decode("latin-1")


def strip_head(head: bytes) -> bytes:
    """The head without a UTF-8 BOM and leading white space, for sniffing."""
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return head.lstrip()
