"""One way to open input: a path or ``-``, as a seekable binary buffer that sniffing and reading share."""

from __future__ import annotations

import gzip
import io
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ..errors import ReadError

PEEK_SIZE = 64 * 1024
# Histories are kilobytes to tens of megabytes; a file far past that is a mistake (a checkpoint, a
# dataset) and would exhaust memory before failing. --max-bytes raises the limit.
DEFAULT_MAX_BYTES = 2 * 1024**3


def parse_size(text: str | int) -> int:
    """``"500M"``, ``"2G"``, ``"1024"`` -> bytes."""
    if isinstance(text, int):
        return text
    units = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
    s = str(text).strip().upper().removesuffix("B").removesuffix("I")
    num, unit = (s[:-1], s[-1]) if s and s[-1] in units else (s, "")
    try:
        value = float(num)
    except ValueError:
        raise ReadError(f"--max-bytes: not a size: {text!r} (examples: 500M, 2G)") from None
    if value <= 0:
        raise ReadError(f"--max-bytes must be positive, not {text!r}")
    return int(value * units[unit])


def _too_big(name: str, size: int | str, limit: int) -> ReadError:
    return ReadError(f"is {size} bytes, over the {limit}-byte limit; raise it with --max-bytes if this "
                     "really is a history", name)


def whole_file_path(buf: BinaryIO) -> str | None:
    """The path of the plain file ``buf`` reads, when it is at its start and the path still names that
    file; else None. pandas' C parser reads a path about twice as fast as the same file's handle."""
    name = getattr(buf, "name", None)
    if not isinstance(buf, io.BufferedReader) or not isinstance(name, str):
        return None
    try:
        if buf.tell() != 0:
            return None
        held, named = os.fstat(buf.fileno()), os.stat(name)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(held.st_mode) or (held.st_dev, held.st_ino) != (named.st_dev, named.st_ino):
        return None  # replaced or renamed since it was opened: read what was opened
    return name


@contextmanager
def open_source(source: str | os.PathLike | BinaryIO, *, max_bytes: int | None = None) -> Iterator[BinaryIO]:
    """Yield a seekable binary buffer for a path, ``-`` (standard input) or an open binary file.

    Standard input is read whole, so that the sniffer's peek does not consume it; ``.gz`` files are
    decompressed by suffix. Anything larger than ``max_bytes`` is refused before it is read.
    Only handles opened here are closed here.
    """
    limit = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    if hasattr(source, "read"):
        buf = source if source.seekable() else io.BytesIO(_read_limited(source, limit, "<stream>"))
        yield buf
        return
    name = os.fspath(source)
    if name == "-":
        yield io.BytesIO(_read_limited(sys.stdin.buffer, limit, "-"))
        return
    path = Path(name)
    if not path.exists():
        raise ReadError("no such file", name)
    if path.is_dir():
        raise ReadError("is a directory, not a history file", name)
    if path.stat().st_size > limit:
        raise _too_big(name, path.stat().st_size, limit)
    try:
        fh = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")
    except OSError as exc:
        raise ReadError(f"cannot open: {exc.strerror or exc}", name) from exc
    try:
        if path.suffix == ".gz":
            try:
                data = fh.read(limit + 1)
                if len(data) > limit:
                    raise _too_big(name, f"more than {limit} (decompressed)", limit)
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


def _read_limited(stream: BinaryIO, limit: int, name: str) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise _too_big(name, f"more than {limit}", limit)
    return data


def text_lines(text: str, notes: list[str] | None = None) -> list[str]:
    """The non-blank lines of a line-oriented log. CR, LF, CRLF (and CSVLogger's CR CR LF on
    Windows) all end a line. A logger writes a row and then its line end, so a last line without
    one may be half written: it is dropped, with a note, when complete rows remain before it."""
    lines = [ln for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if ln.strip()]
    if len(lines) > 2 and not text.endswith(("\n", "\r")):
        lines.pop()
        if notes is not None:
            notes.append("the last line has no line end (still being written?): read up to the line before")
    return lines
