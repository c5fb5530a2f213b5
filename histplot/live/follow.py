"""Follow a history file that a training job is still writing: ``Follower(path).poll()``.

Append-only line formats (Keras CSVLogger, Lightning ``metrics.csv``, JSON lines) are read
incrementally: the follower keeps the byte offset, reads only the bytes appended since the last
poll, hands only new complete lines to the reader's own row parser and keeps the parsed rows, so
an update costs the new bytes, not the file. A half-written last line waits for the next poll.
Whole-file formats (``trainer_state.json``, a Keras JSON dumped each epoch) are re-read when
their size or modification time changes.

A file that shrinks, or whose bytes before the offset changed, was rewritten: Lightning rewrites
``metrics.csv`` under a wider header when a new key appears (re-read once, same run); anything
else is a new run (start over). What the follower notices is reported through ``on_event``.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ReadError, UnknownFormatError
from ..history import History
from ..readers import jsonl, keras_csv, lightning_csv
from ..readers._io import PEEK_SIZE, file_kind, open_regular
from ..readers.aliases import apply_aliases
from ..readers.mlflow_server import is_ref
from ..readers.registry import THRESHOLD, check_options, load, readers, sniff
from ..readers.remote import is_url

# Bytes just before the offset, compared on every change: a rewrite almost surely alters them.
SIGNATURE = 64


@dataclass(frozen=True)
class Event:
    """Something a watcher may tell the user: ``kind`` is waiting, restart, reread, problem,
    warning (from the follower), finding or render (from the watch loop)."""

    kind: str
    message: str


class _Table:
    """Rows of a CSV format under its header, parsed batch by batch by the reader."""

    def __init__(self, reader) -> None:
        self.reader = reader
        self.header: str | None = None
        self.chunks: list = []

    def feed(self, lines: list[str], source: str) -> bool:
        if self.header is None:
            self.header, lines = lines[0], lines[1:]
        if lines:
            self.chunks.append(self.reader.parse_rows(self.header, lines, source))
        return bool(lines)

    def feed_block(self, data: bytes) -> bool:
        """The first batch, as raw complete lines, through the reader's one-pass parse when it has
        one and the block is plain; False (nothing taken) when the lines must go through ``feed``."""
        fast = getattr(self.reader, "parse_block", None)
        cut = data.find(b"\n")
        if fast is None or self.header is not None or cut <= 0 or not data[:cut].strip():
            return False
        df = fast(data)
        if df is None:
            return False
        self.header = _decode(data[:cut], first=True).rstrip("\r")
        self.chunks.append(df)
        return True

    def columns(self) -> list[str]:
        return [c.strip().strip('"') for c in (self.header or "").split(",")]

    def build(self, source: str, opts: dict) -> History:
        import pandas as pd

        if len(self.chunks) > 1:
            self.chunks = [pd.concat(self.chunks, ignore_index=True)]
        return self.reader.from_table(self.chunks[0], source=source, **opts)


class _Records:
    """JSON lines, one record per line."""

    header = None

    def __init__(self) -> None:
        self.records: list[dict] = []
        self.lines = 0

    def feed(self, lines: list[str], source: str) -> bool:
        numbered = list(enumerate(lines, self.lines + 1))
        self.lines += len(lines)
        records, _ = jsonl.parse_lines(numbered, source)
        self.records += records
        return bool(records)

    def build(self, source: str, opts: dict) -> History:
        return jsonl.from_records(self.records, source=source, **opts)


_LINE_FORMATS: dict[str, Callable[[], Any]] = {
    keras_csv.NAME: lambda: _Table(keras_csv),
    lightning_csv.NAME: lambda: _Table(lightning_csv),
    jsonl.NAME: _Records,
}


class Follower:
    """Reads ``path`` as it grows; ``poll()`` returns the History when it changed, else None.

    ``fmt`` names the reader (skipping detection); ``read_opts`` are the reader options of
    ``load`` (``validation_freq``, ``run``, ...). ``bytes_read`` counts the bytes parsed,
    ``bytes_checked`` those only looked at (format detection, rewrite checks).
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        fmt: str | None = None,
        read_opts: dict | None = None,
        on_event: Callable[[Event], None] | None = None,
    ) -> None:
        if is_url(path) or is_ref(path):
            # following reads only what was appended since the last poll: a local file's offsets
            raise ReadError("watch follows a local file; read a URL or an mlflow: run with plot or report", str(path))
        self.path = Path(path)
        self.source = str(path)
        self.fixed_format = fmt
        self.read_opts = {k: v for k, v in (read_opts or {}).items() if k != "fmt"}
        self.on_event = on_event or (lambda event: None)
        self.bytes_read = 0
        self.bytes_checked = 0
        self.restarts = 0
        self.moved = False  # whether the file changed at the last poll
        self.history: History | None = None
        self.error: ReadError | None = None
        self._said: set[tuple[str, str]] = set()
        self._stat_key: tuple | None = None
        self._reset()

    # -- state ------------------------------------------------------------------------------
    def _reset(self) -> None:
        self.format: str | None = self.fixed_format
        self.locked = False  # the format is trusted once it gave a history
        self._table = None
        self._pos = 0
        self._pending = b""
        self._tail = b""
        self._catch_up: int | None = None

    def _say(self, kind: str, message: str, once: bool = True, key: str | None = None) -> None:
        seen = (kind, key or message)
        if once and seen in self._said:
            return
        self._said.add(seen)
        self.on_event(Event(kind, message))

    def _new_run(self) -> None:
        self._say("restart", f"{self.source}: file restarted: new run", once=False)
        self.restarts += 1
        self._said = {s for s in self._said if s[0] == "waiting"}

    def _restart(self) -> None:
        """Start over on a file rewritten from its first byte."""
        self._new_run()
        self.history = None
        self._reset()

    def _read(self, start: int, size: int | None = None, *, count: bool = True) -> bytes:
        # open_regular re-checks what it opened: the path may be a FIFO or a device by now
        with open_regular(self.path, self.source) as fh:
            if size is None:  # to the end as it is now, not as it may grow (or never end) while read
                size = max(os.fstat(fh.fileno()).st_size - start, 0)
            fh.seek(start)
            data = fh.read(size)
        if count:
            self.bytes_read += len(data)
        else:
            self.bytes_checked += len(data)
        return data

    # -- polling ----------------------------------------------------------------------------
    def poll(self) -> History | None:
        """The history if the file changed into a readable one since the last poll, else None."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self.moved = self._stat_key is not None
            if self._stat_key is not None and self.history is not None:
                self._restart()
            self._stat_key = None
            self._say("waiting", f"waiting for {self.source} to appear")
            return None
        if stat.S_ISDIR(st.st_mode):
            raise ReadError(
                "is a directory: watch follows one file (metrics.csv, trainer_state.json, ...)", self.source
            )
        if not stat.S_ISREG(st.st_mode):  # checked on every poll: the file may be replaced by a
            # symlink to /dev/zero or a FIFO while watched, and neither ever ends
            raise ReadError(f"is {file_kind(st.st_mode)}, not a regular file: refused", self.source)
        key = (st.st_size, st.st_mtime_ns, st.st_ino)
        self.moved = key != self._stat_key
        if not self.moved:
            return None
        self._stat_key = key
        previous = self.history
        try:
            history = self._changed(st.st_size)
        except UnknownFormatError:
            raise  # complete lines that no reader recognises will not become a history
        except ReadError as exc:
            self.error = exc
            if self.locked:
                self._say("problem", f"{self.source}: {exc.message} (still watching)")
            elif self.format not in _LINE_FORMATS and self.fixed_format is None:
                self.format = None  # a partial head may have been mistaken: detect again next time
            return None
        if history is None:
            return None
        if self._catch_up is not None:
            if history.epochs < self._catch_up:
                return None  # a rewrite still in progress, not a shorter run
            self._catch_up = None
        elif previous is not None and self.history is previous and history.epochs < previous.epochs:
            self._new_run()  # the epoch count went back: a new run appended to, or rewriting, the file
        history.meta["format"] = self.format
        for w in history.meta.get("warnings", []):
            self._say("warning", f"{self.source}: {w}", key=re.sub(r"\d+", "#", w))
        self.error = None
        self.locked = True
        self.history = history
        return history

    def _changed(self, size: int) -> History | None:
        if self.format is None and not self._detect():
            return None
        if self.format in _LINE_FORMATS:
            return self._poll_lines(size)
        self.bytes_read += size
        try:
            history = load(self.path, fmt=self.format, **self.read_opts)
        except ReadError:
            raise
        except Exception as exc:  # a reader's unexpected failure on a half-written file
            raise ReadError(f"could not read: {type(exc).__name__}: {exc}", self.source) from exc
        return history

    def _detect(self) -> bool:
        head = self._read(0, PEEK_SIZE, count=False)
        # Sniff complete lines only, unless there is no line end at all (one-line JSON).
        cut = head.rfind(b"\n")
        text = head[: cut + 1] if cut >= 0 else head
        if not text.strip():
            return False
        best, name = sniff(text, self.source)[0]
        if best < THRESHOLD:
            if cut < 0:
                return False  # a first line still being written
            raise UnknownFormatError(
                f"not a training history in any known format (tried {', '.join(readers())}); "
                "name the format with --from if it is one of them",
                self.source,
            )
        self.format = name
        return True

    def _poll_lines(self, size: int) -> History | None:
        if size < self._pos or (
            self._tail and self._read(self._pos - len(self._tail), len(self._tail), count=False) != self._tail
        ):
            return self._rewritten(size)
        if self._table is None:
            # these formats are parsed here rather than by ``load``, which would check the options
            check_options(readers()[self.format], self._reader_opts(), self.source)
            self._table = _LINE_FORMATS[self.format]()
        data = self._read(self._pos)
        self._pos += len(data)
        self._tail = (self._tail + data)[-SIGNATURE:]
        buf = self._pending + data
        cut = buf.rfind(b"\n") + 1
        complete, self._pending = buf[:cut], buf[cut:]
        if self._table.header is None and isinstance(self._table, _Table) and self._table.feed_block(complete):
            return self._build()
        lines = [ln for ln in _decode(complete, first=self._table.header is None).splitlines() if ln.strip()]
        if not lines or not self._table.feed(lines, self.source):
            return None
        return self._build()

    def _build(self) -> History:
        history = self._table.build(self.source, self._reader_opts())
        aliases = self.read_opts.get("aliases")
        return apply_aliases(history, aliases) if aliases else history

    def _reader_opts(self) -> dict:
        return {k: v for k, v in self.read_opts.items() if k not in ("aliases", "max_bytes")}

    def _rewritten(self, size: int) -> History | None:
        """The file was rewritten: a wider Lightning header (same run) or a new run."""
        first = self._read(0, PEEK_SIZE, count=False)
        if b"\n" not in first:
            return None  # being rewritten: decide once the header line is complete
        header = _decode(first[: first.index(b"\n")], first=True).strip()
        table = self._table
        wider = (
            self.format == lightning_csv.NAME
            and isinstance(table, _Table)
            and header != table.header
            and set(table.columns()) <= {c.strip().strip('"') for c in header.split(",")}
        )
        if not wider:
            self._restart()
            return self._changed(size)
        self._say(
            "reread", f"{self.source}: new columns in the header (Lightning rewrote the file): read again", once=False
        )
        locked = self.locked
        self._reset()
        self.format, self.locked = lightning_csv.NAME, locked
        self._catch_up = self.history.epochs if self.history is not None else None
        return self._poll_lines(size)


def _decode(data: bytes, *, first: bool) -> str:
    if first and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
