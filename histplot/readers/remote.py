"""Inputs in object stores and on web servers (``s3://``, ``gs://``, ``az://``, ``https://``), through fsspec.

fsspec is the optional extra ``histplot[remote]``; the protocol's own package (s3fs, gcsfs, adlfs,
aiohttp) is the user's choice, and a missing one is a one-line error naming it. Credentials and
endpoints come from where each package already looks (``AWS_*`` variables, ``FSSPEC_S3_ENDPOINT_URL``,
gcloud's default credentials): histplot takes none of its own.

A folder is listed once, with one recursive ``find`` on its prefix (an object store lists a prefix
a thousand keys per request; walking it folder by folder would cost a request per folder), and
``RemotePath`` answers the readers' ``is_file``/``glob``/``iterdir`` from that listing, so the readers
that take local folders (TensorBoard logdirs, Lightning ``version_N``, Hugging Face output folders,
MLflow file stores) read remote ones unchanged. A file is streamed into memory in chunks counted
against ``--max-bytes`` as they arrive (its listed size is refused before the first byte); nothing
is copied to a temporary folder.
"""

from __future__ import annotations

import fnmatch
import io
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import ReadError

PROTOCOLS = ("s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "http", "https")
_URL = re.compile(r"^([a-z][a-z0-9+.-]*)://", re.IGNORECASE)
# The package fsspec needs for each protocol, for the error that names it.
_PACKAGES = {
    "s3": "s3fs",
    "s3a": "s3fs",
    "gs": "gcsfs",
    "gcs": "gcsfs",
    "az": "adlfs",
    "abfs": "adlfs",
    "abfss": "adlfs",
    "http": "aiohttp",
    "https": "aiohttp",
}
_CHUNK = 1024 * 1024
# Object stores send no more than the byte range asked; a web server may ignore it and send it all.
_RANGED = frozenset(p for p in PROTOCOLS if not p.startswith("http"))


def is_url(source: Any) -> bool:
    """Whether ``source`` names a remote input (a ``RemotePath`` or a URL of a known protocol)."""
    if isinstance(source, RemotePath):
        return True
    if not isinstance(source, str):
        return False
    m = _URL.match(source)
    return m is not None and m.group(1).lower() in PROTOCOLS


def shown(url: str) -> str:
    """A URL as it may appear in messages: without a user name or password written into it."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def filesystem(url: str) -> tuple[Any, str]:
    """(fsspec filesystem, path within it) for a URL; a missing package is a one-line error."""
    protocol = url.split("://", 1)[0].lower()
    try:
        import fsspec
    except ImportError:
        raise ReadError("reading URLs needs fsspec (histplot's remote extra)", shown(url)) from None
    try:
        fs, path = fsspec.core.url_to_fs(url)
    except ImportError:
        package = _PACKAGES.get(protocol, "the fsspec package for it")
        raise ReadError(
            f"reading {protocol}:// URLs needs the {package} package: pip install {package}", shown(url)
        ) from None
    except (ValueError, TypeError) as exc:
        raise ReadError(f"not a URL fsspec can read: {_first_line(exc)}", shown(url)) from None
    return fs, path


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def failure(exc: BaseException, name: str) -> ReadError:
    """A store's or server's exception as a one-line ``ReadError`` (no traceback, no credentials)."""
    if isinstance(exc, ReadError):
        return exc
    if isinstance(exc, FileNotFoundError):
        return ReadError("no such file or folder", shown(name))
    if isinstance(exc, PermissionError):
        return ReadError("access denied", shown(name))
    return ReadError(f"cannot read: {_first_line(exc)}", shown(name))


def split_anchor(key: str) -> tuple[str, str]:
    """(``scheme://host``, path) of an http(s) key, which fsspec keeps whole; ("", key) otherwise."""
    m = _URL.match(key)
    if m is None:
        return "", key
    slash = key.find("/", m.end())
    return (key, "") if slash < 0 else (key[:slash], key[slash:])


class Listing:
    """Every object below one prefix, from one ``find``: file sizes and the folders they imply."""

    def __init__(self, fs: Any, root: str, files: dict[str, int | None]):
        self.fs, self.root = fs, root.rstrip("/")
        self.files = files
        self.children: dict[str, set[str]] = {}
        for key in files:
            anchor, rest = split_anchor(key)
            parts = PurePosixPath(rest)
            for parent, child in zip(parts.parents, [parts, *parts.parents]):
                folder = anchor + str(parent)
                self.children.setdefault(folder, set()).add(child.name)
                if folder == self.root or not folder.startswith(self.root + "/"):
                    break

    def covers(self, key: str) -> bool:
        return key == self.root or key.startswith(self.root + "/")

    def is_dir(self, key: str) -> bool:
        return key in self.children

    def is_file(self, key: str) -> bool:
        return key in self.files


def list_prefix(fs: Any, key: str, name: str) -> Listing:
    """One recursive listing of ``key``: a file lists as itself, a folder as every object below it."""
    try:
        found = fs.find(key, detail=True)
    except Exception as exc:  # noqa: BLE001 - any store error is one line naming the input
        raise failure(exc, name) from None
    files = {k.rstrip("/"): v.get("size") for k, v in found.items() if v.get("type", "file") != "directory"}
    return Listing(fs, key, files)


class RemotePath:
    """The part of ``pathlib.Path`` the readers and discovery use, for an object in a store.

    Questions about objects below the listed prefix are answered from the listing; others (a
    sibling ``hparams.yaml`` of a file given alone) ask the store.
    """

    def __init__(self, fs: Any, key: str, protocol: str, listing: Listing | None = None):
        self.fs, self.key, self.protocol, self.listing = fs, key.rstrip("/") or key, protocol, listing

    @classmethod
    def from_url(cls, url: str, *, listed: bool = True) -> RemotePath:
        fs, key = filesystem(url)
        protocol = url.split("://", 1)[0].lower()
        listing = list_prefix(fs, key, url) if listed else None
        return cls(fs, key, protocol, listing)

    # -- names
    def __str__(self) -> str:
        if self.key.startswith(("http://", "https://")):
            return self.key
        return f"{self.protocol}://{self.key}"

    def __repr__(self) -> str:
        return f"RemotePath({shown(str(self))!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RemotePath) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __lt__(self, other: RemotePath) -> bool:
        return str(self) < str(other)

    def _with(self, key: str) -> RemotePath:
        return RemotePath(self.fs, key, self.protocol, self.listing)

    def __truediv__(self, name: str) -> RemotePath:
        return self._with(f"{self.key}/{name}")

    @property
    def _pure(self) -> PurePosixPath:
        return PurePosixPath(split_anchor(self.key)[1])

    def _at(self, pure: PurePosixPath) -> RemotePath:
        return self._with(split_anchor(self.key)[0] + str(pure))

    @property
    def name(self) -> str:
        return self._pure.name

    @property
    def stem(self) -> str:
        return self._pure.stem

    @property
    def suffix(self) -> str:
        return self._pure.suffix

    @property
    def parts(self) -> tuple[str, ...]:
        return self._pure.parts

    @property
    def parent(self) -> RemotePath:
        return self._at(self._pure.parent)

    @property
    def parents(self) -> list[RemotePath]:
        return [self._at(p) for p in self._pure.parents if str(p) not in (".", "/")]

    def relative_to(self, other: RemotePath) -> PurePosixPath:
        return self._pure.relative_to(other._pure)

    def as_posix(self) -> str:
        return str(self)

    # -- questions
    def _listed(self) -> Listing | None:
        return self.listing if self.listing is not None and self.listing.covers(self.key) else None

    def is_file(self) -> bool:
        listing = self._listed()
        if listing is not None:
            return listing.is_file(self.key)
        try:
            return bool(self.fs.isfile(self.key))
        except Exception:  # noqa: BLE001 - an unreachable sibling is an absent one
            return False

    def is_dir(self) -> bool:
        listing = self._listed()
        if listing is not None:
            return listing.is_dir(self.key)
        try:
            return bool(self.fs.isdir(self.key))
        except Exception:  # noqa: BLE001
            return False

    def exists(self) -> bool:
        return self.is_file() or self.is_dir()

    def listed_size(self) -> int | None:
        """The size the listing gave, without asking the store; None when it was not listed."""
        listing = self._listed()
        return listing.files.get(self.key) if listing is not None else None

    def size(self) -> int | None:
        listing = self._listed()
        if listing is not None and self.key in listing.files:
            return listing.files[self.key]
        try:
            return self.fs.size(self.key)
        except Exception as exc:  # noqa: BLE001
            raise failure(exc, str(self)) from None

    def iterdir(self) -> Iterator[RemotePath]:
        listing = self._own_listing()
        for name in sorted(listing.children.get(self.key, ())):
            yield self._with(f"{self.key}/{name}")

    def glob(self, pattern: str) -> Iterator[RemotePath]:
        """Paths below this one matching ``pattern`` component by component (``**`` any number)."""
        pats = tuple(pattern.split("/"))
        listing = self._own_listing()
        keys = set(listing.files) | set(listing.children)
        for key in sorted(keys):
            if key.startswith(self.key + "/") and _matches(tuple(key[len(self.key) + 1 :].split("/")), pats):
                yield self._with(key)

    def rglob(self, pattern: str) -> Iterator[RemotePath]:
        yield from self.glob(f"**/{pattern}")

    def _own_listing(self) -> Listing:
        listing = self._listed()
        if listing is None:
            self.listing = listing = list_prefix(self.fs, self.key, str(self))
        return listing

    def walk_files(self) -> list[RemotePath]:
        """Every object below this folder, sorted (the listing already holds them all)."""
        listing = self._own_listing()
        return [self._with(k) for k in sorted(listing.files) if k.startswith(self.key + "/")]


def _matches(parts: tuple[str, ...], pats: tuple[str, ...]) -> bool:
    if not pats:
        return not parts
    if pats[0] == "**":
        return _matches(parts, pats[1:]) or (bool(parts) and _matches(parts[1:], pats))
    return bool(parts) and fnmatch.fnmatchcase(parts[0], pats[0]) and _matches(parts[1:], pats[1:])


def as_path(source: str | RemotePath) -> Path | RemotePath:
    """A reader's ``source`` as something to ask about its siblings: a ``RemotePath`` for a URL."""
    if isinstance(source, RemotePath):
        return source
    if is_url(source):
        return RemotePath.from_url(source, listed=False)
    return Path(source)


def _small(path: RemotePath, size: int, name: str) -> tuple[io.BytesIO, int]:
    try:
        data = path.fs.cat_file(path.key, start=0, end=size) if size else b""
    except Exception as exc:  # noqa: BLE001 - network and store errors become one line
        raise failure(exc, name) from None
    out = io.BytesIO(data[:size])
    out.name = name  # type: ignore[attr-defined]
    return out, len(out.getbuffer())


def read_bytes(path: RemotePath, limit: int, *, head: int | None = None) -> tuple[io.BytesIO, int]:
    """The object's bytes (or its first ``head`` bytes), streamed in chunks and refused as soon as
    they pass ``limit``; a listed size over the limit is refused before the first request.
    Returns the buffer and the size counted."""
    name = str(path)
    # a whole read asks the store for a size it was not listed with; a head read needs none
    size = path.size() if head is None else path.listed_size()
    if head is None and size is not None and size > limit:
        raise ReadError(
            f"is {size} bytes, over the {limit}-byte limit; raise it with --max-bytes if this really is a history",
            shown(name),
        )
    want = head if head is not None else limit + 1
    if size is not None and size <= _CHUNK and path.protocol in _RANGED:
        # A small object of known size in one request: a file object would first ask the store for
        # its details (a HEAD request per file, which a sweep of thousands of runs pays for).
        return _small(path, min(size, want), name)
    out = io.BytesIO()
    total = 0
    try:
        with path.fs.open(path.key, "rb") as fh:
            while total < want:
                chunk = fh.read(min(_CHUNK, want - total))
                if not chunk:
                    break
                total += len(chunk)
                if head is None and total > limit:
                    raise ReadError(
                        f"is more than {limit} bytes, over the {limit}-byte limit; raise it with "
                        "--max-bytes if this really is a history",
                        shown(name),
                    )
                out.write(chunk)
    except Exception as exc:  # noqa: BLE001 - network and store errors become one line
        raise failure(exc, name) from None
    out.seek(0)
    out.name = name  # type: ignore[attr-defined]
    return out, total
