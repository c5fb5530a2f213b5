"""One way to open input: a path or ``-``, as a seekable binary buffer that sniffing and reading share."""

from __future__ import annotations

import gzip
import io
import os
import stat
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ..errors import ReadError
from . import _budget, remote
from ._budget import DEFAULT_MAX_BYTES  # noqa: F401  (re-exported: where callers look for it)

PEEK_SIZE = 64 * 1024


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
    return ReadError(
        f"is {size} bytes, over the {limit}-byte limit; raise it with --max-bytes if this really is a history", name
    )


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


_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)
_CHUNK = 1024 * 1024


def file_kind(mode: int) -> str:
    """What a non-regular ``st_mode`` is, in words."""
    return next((text for test, text in _KINDS if test(mode)), "not a regular file")


def check_regular(path: str | os.PathLike, name: str | None = None) -> os.stat_result:
    """``os.stat`` of a path that must be a regular file (a symlink to one is fine): a FIFO would
    block the read forever and ``/dev/zero`` reports size 0 and never ends, so neither is opened."""
    name = name or os.fspath(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ReadError("no such file", name) from None
    except OSError as exc:  # a symlink loop, a name too long, no permission
        raise ReadError(f"cannot open: {exc.strerror or exc}", name) from None
    if stat.S_ISDIR(st.st_mode):
        raise ReadError("is a directory, not a history file", name)
    if not stat.S_ISREG(st.st_mode):
        raise ReadError(f"is {file_kind(st.st_mode)}, not a regular file: refused", name)
    return st


def open_regular(path: str | os.PathLike, name: str | None = None) -> BinaryIO:
    """Open a regular file for reading, re-checking what was opened (the path may have been replaced
    by a FIFO or a device between the check and the open; O_NONBLOCK keeps that open from hanging)."""
    name = name or os.fspath(path)
    check_regular(path, name)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ReadError(f"cannot open: {exc.strerror or exc}", name) from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ReadError(f"is {file_kind(st.st_mode)}, not a regular file: refused", name)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


@contextmanager
def open_source(
    source: str | os.PathLike | BinaryIO, *, max_bytes: int | None = None, count: bool = True
) -> Iterator[BinaryIO]:
    """Yield a seekable binary buffer for a path, ``-`` (standard input) or an open binary file.

    Only regular files are opened (see ``check_regular``). Standard input is read whole, so that
    the sniffer's peek does not consume it, in chunks counted against the limit as they arrive;
    ``.gz`` files are decompressed by suffix, also counted as they inflate. Anything larger than
    ``max_bytes`` (default: the read's ``--max-bytes``) is refused before it is read, and with
    ``count`` the file's size is added to the read's total, so that a folder's files together
    stay within the limit too. Only handles opened here are closed here.
    """
    budget = _budget.current()
    limit = budget.max_input if max_bytes is None else max_bytes
    if hasattr(source, "read"):
        buf = source if source.seekable() else _read_limited(source, limit, "<stream>")
        yield buf
        return
    if remote.is_url(source):
        yield _open_remote(source, limit, count, budget)
        return
    name = os.fspath(source)
    if name == "-":
        yield _read_limited(sys.stdin.buffer, limit, "-")
        return
    path = Path(name)
    fh = open_regular(path, name)
    try:
        size = os.fstat(fh.fileno()).st_size
        if size > limit:
            raise _too_big(name, size, limit)
        if count:
            budget.charge_input(size, name)
        if path.suffix == ".gz":
            try:
                data = _read_limited(gzip.GzipFile(fileobj=fh, mode="rb"), limit, name, "decompressed")
            except (OSError, EOFError, zlib.error) as exc:
                raise ReadError(f"not a valid gzip file: {exc}", name) from exc
            yield data
        else:
            yield fh
    finally:
        fh.close()


def _open_remote(source: str | remote.RemotePath, limit: int, count: bool, budget: _budget.Budget) -> BinaryIO:
    """A URL's object in memory, its bytes counted as they arrive; ``.gz`` inflated as locally."""
    path = source if isinstance(source, remote.RemotePath) else remote.RemotePath.from_url(source, listed=False)
    name = str(path)
    data, size = remote.read_bytes(path, limit)
    if count:
        budget.charge_input(size, remote.shown(name))
    if path.suffix == ".gz":
        try:
            return _read_limited(gzip.GzipFile(fileobj=data, mode="rb"), limit, remote.shown(name), "decompressed")
        except (OSError, EOFError, zlib.error) as exc:
            raise ReadError(f"not a valid gzip file: {exc}", remote.shown(name)) from exc
    return data


def peek(buf: BinaryIO, size: int = PEEK_SIZE) -> bytes:
    """The first ``size`` bytes, leaving the buffer where it was."""
    pos = buf.tell()
    head = buf.read(size)
    buf.seek(pos)
    return head


LATIN1_NOTE = "not valid UTF-8: decoded as Latin-1 (ISO 8859-1), so names like 'précision' read as written"


def read_text(buf: BinaryIO, source: str | None, notes: list[str] | None = None) -> str:
    """The whole buffer as text: UTF-8 (with or without BOM), else Latin-1 (said in ``notes``)."""
    data = buf.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if b"\x00" in data[:4096]:
            raise ReadError("binary content where text was expected", source) from None
        if notes is not None:
            notes.append(LATIN1_NOTE)
        return data.decode("latin-1")


def head_text(head: bytes) -> str:
    """A file's head as text for sniffing, decoded as ``read_text`` would decode the file: UTF-8
    (a character cut at the end of the head is dropped), else Latin-1."""
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:
            return head[: exc.start].decode("utf-8")
        return head.decode("latin-1")


def strip_head(head: bytes) -> bytes:
    """The head without a UTF-8 BOM and leading white space, for sniffing."""
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return head.lstrip()


def _read_limited(stream: BinaryIO, limit: int, name: str, what: str = "") -> io.BytesIO:
    """The whole stream, read in chunks and refused as soon as it passes ``limit``: a pipe or a
    device reports no size, and ``read(limit)`` would allocate the whole limit up front."""
    out = io.BytesIO()
    total = 0
    while True:
        chunk = stream.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise _too_big(name, f"more than {limit}" + (f" ({what})" if what else ""), limit)
        out.write(chunk)
    out.seek(0)
    return out


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
