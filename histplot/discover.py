"""Finding the runs behind a list of files, directories and globs (``histplot report runs/``)."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .readers._io import PEEK_SIZE
from .readers.registry import THRESHOLD, readers, sniff

# Folders that hold no runs of their own and can be huge.
_SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", ".venv", "venv", "node_modules", ".ipynb_checkpoints",
              ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache"}
_SKIP_SUFFIXES = {".png", ".svg", ".pdf", ".jpg", ".jpeg", ".gif", ".md", ".html", ".py", ".ipynb", ".pt",
                  ".pth", ".ckpt", ".h5", ".keras", ".safetensors", ".onnx", ".npz", ".npy", ".zip~"}


@dataclass(frozen=True)
class Candidate:
    """One run to read: a file or a run directory, and whether the user named it explicitly."""

    path: str
    explicit: bool


def expand(items: Iterable[str], *, exclude: Path | None = None) -> list[Candidate]:
    """Files, directories (searched for known history files) and globs -> candidates, sorted, unique."""
    out: dict[str, Candidate] = {}

    def add(path: str, explicit: bool) -> None:
        key = os.path.normpath(path)
        if key not in out or explicit:
            out[key] = Candidate(key, explicit)

    for item in items:
        if item == "-":
            add("-", True)
            continue
        matches = sorted(glob.glob(item, recursive=True)) if glob.has_magic(item) else [item]
        if not matches:
            add(item, True)  # reported as "no such file" when read
        for m in matches:
            if os.path.isdir(m):
                for found in _walk(Path(m), exclude):
                    add(found, False)
                if _dir_score(Path(m)) >= THRESHOLD:
                    add(m, True)
            else:
                add(m, True)
    return sorted(out.values(), key=lambda c: c.path)


def _dir_score(path: Path) -> float:
    best = 0.0
    for mod in readers().values():
        fn = getattr(mod, "sniff_dir", None)
        if fn is not None:
            try:
                best = max(best, float(fn(path)))
            except Exception:  # a sniffer never decides by crashing
                continue
    return best


def _walk(root: Path, exclude: Path | None) -> list[str]:
    """History files and run directories below ``root``; a run directory is not searched further."""
    found: list[str] = []
    excluded = exclude.resolve() if exclude is not None else None
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if excluded is not None and here.resolve() == excluded:
            dirnames[:] = []
            continue
        if here != root and _dir_score(here) >= THRESHOLD:
            found.append(str(here))
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            p = here / name
            if name.startswith(".") or p.suffix.lower() in _SKIP_SUFFIXES:
                continue
            if _file_score(p) >= THRESHOLD:
                found.append(str(p))
    return found


def _file_score(path: Path) -> float:
    try:
        with open(path, "rb") as fh:
            head = fh.read(PEEK_SIZE)
    except OSError:
        return 0.0
    if not head.strip():
        return 0.0
    return sniff(head, str(path))[0][0]
