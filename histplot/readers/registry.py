"""Pick a reader by content: every reader scores the file's head, the highest score wins."""

from __future__ import annotations

import importlib
import inspect
import os
from pathlib import Path
from types import ModuleType
from typing import Any, BinaryIO

from ..errors import ConfigError, ReadError, UnknownFormatError
from ..history import History
from . import _budget, mlflow_server, remote
from ._io import open_source, parse_size, peek
from .aliases import apply_aliases
from .memory import as_history, is_in_memory

# Registry order breaks ties. Each module defines NAME, DESCRIPTION, sniff(head, path) and read(buf, ...);
# a reader that also takes directories defines sniff_dir(path) and read_dir(path, ...).
_MODULES = (
    "keras_json",
    "keras_csv",
    "pickled",
    "torch_save",
    "lightning_csv",
    "hf_trainer_state",
    "mlflow",
    "tensorboard",
    "jsonl",
    "yaml_history",
    "yolo_results_txt",
)
THRESHOLD = 0.3
# Options ``load`` applies to every format itself; every other option belongs to a reader.
_LOAD_OPTIONS = ("fmt", "aliases", "max_bytes", "tracking_uri")


def readers() -> dict[str, ModuleType]:
    """Reader modules by NAME, in registry order."""
    mods = (importlib.import_module(f"{__package__}.{m}") for m in _MODULES)
    return {m.NAME: m for m in mods}


def _reader(name: str, source: str) -> ModuleType:
    table = readers()
    if name not in table:
        raise ReadError(f"unknown format '{name}'; known formats: {', '.join(table)}", source)
    return table[name]


def check_options(mod: ModuleType, opts: dict[str, Any], source: str | None, *, folder: bool = False) -> None:
    """Refuse an option the reader does not take, rather than ignore it (``--validation-freq`` on a
    CSVLogger file would otherwise change nothing, silently).

    A reader declares its options as the keyword-only parameters of ``read`` (``read_dir`` for a
    folder); an option left at None or False was not given.
    """
    fn = mod.read_dir if folder else mod.read
    taken = {p.name for p in inspect.signature(fn).parameters.values() if p.kind is p.KEYWORD_ONLY}
    for key, value in opts.items():
        if value is None or value is False or key in _LOAD_OPTIONS or key in taken:
            continue
        what = "folders" if folder else "files"
        # a usage error, not a read error: watch keeps waiting on read errors, and must not on this one
        raise ConfigError(f"--{key.replace('_', '-')} does not apply to {mod.NAME} {what}", source)


def sniff(head: bytes, path: str | None) -> list[tuple[float, str]]:
    """(score, name) for every reader, best first."""
    scores = []
    for name, mod in readers().items():
        try:
            score = float(mod.sniff(head, path))
        except Exception:  # a sniffer must never decide the outcome by crashing
            score = 0.0
        scores.append((score, name))
    return sorted(scores, key=lambda s: -s[0])


def load(
    source: str | os.PathLike | BinaryIO, *, fmt: str | None = None, aliases: dict[str, str] | None = None, **opts: Any
) -> History:
    """Read a history file (or ``-`` for standard input) into a History.

    ``fmt`` names the reader and skips sniffing; ``aliases`` renames a team's own metric names
    (histplot.yaml ``aliases:``, see ``histplot.aliases``); other keyword options go to the reader
    (``validation_freq``, ``trust_pickle``, ``run``, ...).

    ``source`` may also be a history already in memory: a dict of lists (Keras ``history.history``),
    a Keras ``History``, a list of per-epoch dicts, a DataFrame or a ``histplot.Live``.
    """
    if is_in_memory(source):
        return _aliased(as_history(source, label=opts.get("label")), aliases)
    if remote.is_url(source):
        name = remote.shown(str(source))
    else:
        name = getattr(source, "name", None) if hasattr(source, "read") else os.fspath(source)
    name = str(name) if name is not None else "<stream>"
    max_bytes = opts.pop("max_bytes", None)
    tracking = opts.pop("tracking_uri", None)  # only mlflow: inputs use it; a report mixes both kinds
    # One budget per read: what it takes in (--max-bytes, a folder's files summed) and what it
    # may create from that (see _budget).
    try:
        with _budget.scope(None if max_bytes is None else parse_size(max_bytes)):
            if mlflow_server.is_ref(source):
                return _aliased(_load_tracked(source, name, fmt, tracking, opts), aliases)
            if remote.is_url(source):
                return _aliased(_load_remote(source, name, fmt, opts), aliases)
            if isinstance(source, (str, os.PathLike)) and Path(source).is_dir():
                return _aliased(_load_dir(Path(source), name, fmt, opts), aliases)
            history = _load_file(source, name, fmt, opts)
    except ReadError as exc:
        exc.path = exc.path or name  # a refusal deep in a reader still names the file
        raise
    return _aliased(history, aliases)


def _load_file(source: str | os.PathLike | BinaryIO, name: str, fmt: str | None, opts: dict) -> History:
    with open_source(source) as buf:
        head = peek(buf)
        if not head.strip():
            raise ReadError("empty file", name)
        if fmt is not None:
            mod = _reader(fmt, name)
        else:
            scores = sniff(head, name)
            best, best_name = scores[0]
            if best < THRESHOLD:
                tried = ", ".join(readers())
                raise UnknownFormatError(
                    f"not a training history in any known format (tried {tried}); "
                    "name the format with --from if it is one of them",
                    name,
                )
            mod = readers()[best_name]
        check_options(mod, opts, name)
        history = mod.read(buf, source=name, **opts)
    history.meta["format"] = mod.NAME
    return history


def _load_remote(source: str | remote.RemotePath, name: str, fmt: str | None, opts: dict) -> History:
    """A URL: listed once, then read as the local file or folder it names would be."""
    path = source if isinstance(source, remote.RemotePath) else remote.RemotePath.from_url(source)
    if path.is_dir():
        return _load_dir(path, name, fmt, opts)
    if not path.is_file():
        raise ReadError("no such file or folder", name)
    return _load_file(path, name, fmt, opts)


def _load_tracked(source: str, name: str, fmt: str | None, tracking: str | None, opts: dict) -> History:
    """A run (or an experiment's ``--run``) on an MLflow tracking server."""
    mod = _reader("mlflow", name)
    if fmt not in (None, mod.NAME):
        raise ConfigError(f"--from {fmt} does not apply to a tracking server's runs (they are mlflow)", name)
    check_options(mod, opts, name)
    history = mlflow_server.read(source, run=opts.get("run"), tracking_uri=tracking, name=name)
    history.meta["format"] = mod.NAME
    return history


def _aliased(history: History, aliases: dict[str, str] | None) -> History:
    if not aliases:
        return history
    return apply_aliases(history, aliases)


def _load_dir(path: Path, name: str, fmt: str | None, opts: dict) -> History:
    table = readers()
    candidates = [table[fmt]] if fmt else table.values()
    scored = [(getattr(m, "sniff_dir", lambda p: 0.0)(path), m) for m in candidates]
    scored.sort(key=lambda s: -s[0])
    if not scored or scored[0][0] < THRESHOLD:
        raise ReadError("is a directory that holds no history this version can read", name)
    mod = scored[0][1]
    opts = {k: v for k, v in opts.items() if k != "max_bytes"}
    check_options(mod, opts, name, folder=True)
    history = mod.read_dir(path, source=name, **opts)
    history.meta["format"] = mod.NAME
    return history
