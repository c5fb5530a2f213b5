"""Finding the runs behind a list of files, directories and globs (``histplot report runs/``).

Directories are searched file by file; files that belong together become one run: the event files
of a TensorBoard run folder (its ``train/`` and ``validation/`` too), the metric files of an MLflow
run folder. A store holding several runs (``mlflow.db``) gives one candidate per run, and the
``checkpoint-N`` copies of a Hugging Face ``trainer_state.json`` are not runs of their own.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePath

from ..errors import ReadError
from . import mlflow_server, remote
from ._io import PEEK_SIZE, open_regular
from .registry import THRESHOLD, readers, sniff

# Folders that hold no runs of their own and can be huge.
_SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    ".venv",
    "venv",
    "node_modules",
    ".ipynb_checkpoints",
    ".pytest_cache",
    ".hypothesis",
    ".mypy_cache",
    ".ruff_cache",
    ".trash",
}
_SKIP_SUFFIXES = {
    ".png",
    ".svg",
    ".pdf",
    ".jpg",
    ".jpeg",
    ".gif",
    ".md",
    ".html",
    ".py",
    ".ipynb",
    ".pth",
    ".ckpt",
    ".h5",
    ".keras",
    ".safetensors",
    ".onnx",
    ".npz",
    ".npy",
}
_SPLIT_DIRS = {"train", "training", "validation", "val", "valid", "eval", "test"}
# What a Hugging Face output folder holds beside its history (Trainer.save_model, _save_checkpoint,
# the example scripts' save_metrics): configuration, tokenizer files and one-line result summaries.
_NOT_HISTORIES = {
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "preprocessor_config.json",
    "adapter_config.json",
    "added_tokens.json",
    "vocab.json",
    "training_args.bin",
    "all_results.json",
    "train_results.json",
    "eval_results.json",
    "test_results.json",
    "predict_results.json",
}


@dataclass(frozen=True)
class Candidate:
    """One run to read: a file or run folder (and which run of a multi-run store)."""

    path: str
    explicit: bool
    run: str | None = None

    @property
    def key(self) -> str:
        return self.path if self.run is None else f"{self.path}#{self.run}"


def expand(items: Iterable[str], *, exclude: Path | None = None, tracking_uri: str | None = None) -> list[Candidate]:
    """Files, directories (searched for known history files) and globs -> candidates, sorted, unique.
    URLs are listed in their store; ``mlflow:`` references ask the tracking server (``tracking_uri``)."""
    out: dict[str, Candidate] = {}

    def add(c: Candidate) -> None:
        if c.key not in out or c.explicit:
            out[c.key] = c

    for item in items:
        if item == "-":
            add(Candidate("-", True))
            continue
        if mlflow_server.is_ref(item):
            experiment, runs = mlflow_server.list_runs(item, tracking=tracking_uri)
            for run in runs if experiment is not None else [None]:
                add(Candidate(item, True, run))
            continue
        if remote.is_url(item):
            for c in _expand_remote(item):
                add(c)
            continue
        matches = sorted(_glob(item)) if glob.has_magic(item) else [item]
        if not matches:
            add(Candidate(item, True))  # reported as "no such file" when read
        for m in matches:
            if m != item and not os.path.isdir(m) and not _is_regular(m):
                continue  # a FIFO or device a glob happened to match: never opened
            if os.path.isdir(m):
                for c in _walk(Path(m), exclude):
                    add(c)
            else:
                for c in _expand_store(Path(m), explicit=True):
                    add(c)
    return sorted(out.values(), key=lambda c: (c.path, c.run or ""))


def _is_regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _glob(pattern: str) -> list[str]:
    """``glob.glob(pattern, recursive=True)``, except that ``**`` walks each directory once: the
    standard one follows symlinked directories without remembering them, so a link to a parent
    (``a/loop -> ..``) makes it run until memory or patience runs out."""
    if "**" not in pattern:
        return glob.glob(pattern)
    head, _, _ = pattern.partition("**")
    roots = glob.glob(head) if glob.has_magic(head) else [head or "."]
    pats = tuple(p for p in Path(pattern).parts[len(Path(head).parts) if head else 0 :])
    out = []
    for root in roots:
        if not os.path.isdir(root):
            continue
        for rel in _tree(root):
            if _matches(rel.parts, pats):
                out.append(os.path.join(root, *rel.parts) if head else str(rel))
    return out


def _tree(root: str) -> Iterator[PurePath]:
    """Every path below ``root`` (relative to it), following symlinked directories but entering
    each directory (by device and inode) once; hidden names skipped, as ``glob`` does."""
    seen: set[tuple[int, int]] = set()
    stack = [PurePath()]
    while stack:
        rel = stack.pop()
        here = os.path.join(root, *rel.parts)
        try:
            st = os.stat(here)
            key = (st.st_dev, st.st_ino)
            if key in seen:
                continue
            seen.add(key)
            entries = sorted(os.scandir(here), key=lambda e: e.name)
        except OSError:  # a dangling link, no permission, a loop the kernel refuses (ELOOP)
            continue
        for e in entries:
            if e.name.startswith("."):
                continue
            sub = rel / e.name
            try:
                if e.is_dir():
                    st = e.stat()
                    if (st.st_dev, st.st_ino) in seen:
                        continue  # a second way into a folder already walked (a link, a loop)
                    stack.append(sub)
            except OSError:
                continue
            yield sub


def _matches(parts: tuple[str, ...], pats: tuple[str, ...]) -> bool:
    """Whether path components match glob components, ``**`` standing for any number of them."""

    @cache
    def match(i: int, j: int) -> bool:
        if j == len(pats):
            return i == len(parts)
        if pats[j] == "**":
            return match(i, j + 1) or (i < len(parts) and match(i + 1, j))
        return i < len(parts) and fnmatch.fnmatchcase(parts[i], pats[j]) and match(i + 1, j + 1)

    return match(0, 0)


def _walk(root: Path, exclude: Path | None) -> list[Candidate]:
    excluded = exclude.resolve() if exclude is not None else None
    units: dict[str, Candidate] = {}
    for dirpath, dirnames, filenames in os.walk(root):  # links to folders are not followed
        here = Path(dirpath)
        if excluded is not None and here.resolve() == excluded:
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            p = here / name
            if _not_a_history(p):
                continue
            fmt = _file_format(p)
            if fmt is None or _checkpoint_state(p, fmt):
                continue
            for c in _unit(p, fmt):
                units.setdefault(c.key, c)
    return list(units.values())


def _not_a_history(path: PurePath) -> bool:
    """Hidden files, figures and weights by their suffix, a Trainer's configuration and summaries
    by their name: never opened."""
    return path.name.startswith(".") or path.suffix.lower() in _SKIP_SUFFIXES or path.name in _NOT_HISTORIES


def _checkpoint_state(path: PurePath, fmt: str) -> bool:
    """A Trainer checkpoint's weights, optimizer and scheduler state (``optimizer.pt`` sniffs as a
    torch.save file): of a ``checkpoint-N`` folder only the trainer_state.json is a history."""
    return path.parent.name.startswith("checkpoint-") and fmt != "hf_trainer_state"


def _unit(path: Path, fmt: str) -> list[Candidate]:
    """The run a history file stands for (itself, or the folder it is one part of)."""
    if fmt == "tensorboard":
        run_dir = path.parent.parent if path.parent.name.lower() in _SPLIT_DIRS else path.parent
        return [Candidate(str(run_dir), False)]
    if path.name == "hparams.yaml":
        # Lightning's loggers write it beside their run (CSVLogger's metrics.csv, TensorBoardLogger's
        # event files): never a run of its own
        if (path.parent / "metrics.csv").is_file():
            return [Candidate(str(path.parent / "metrics.csv"), False)]
        if any("tfevents" in p.name for p in path.parent.iterdir()):
            return [Candidate(str(path.parent), False)]
        return []
    if fmt == "mlflow":
        for parent in path.parents:
            if parent.name == "metrics":
                return [Candidate(str(parent.parent), False)]
        return _expand_store(path, explicit=False, fmt=fmt)
    if fmt == "hf_trainer_state" and path.parent.name.startswith("checkpoint-"):
        out_dir = path.parent.parent
        if (out_dir / "trainer_state.json").is_file():
            return []  # the output folder's own state is the run; checkpoints are copies of it
        latest = max(
            (p for p in out_dir.glob("checkpoint-*/trainer_state.json")),
            key=lambda p: int(p.parent.name[11:]) if p.parent.name[11:].isdigit() else -1,
        )
        return [Candidate(str(path), False)] if latest == path else []
    return [Candidate(str(path), False)]


def _expand_store(path: Path, *, explicit: bool, fmt: str | None = None) -> list[Candidate]:
    """One candidate per run of a file that holds several (an MLflow database); ``fmt`` when already sniffed."""
    mod = readers().get(fmt or _file_format(path) or "")
    lister = getattr(mod, "list_runs", None)
    if lister is not None:
        runs = lister(path)
        if len(runs) > 1:
            return [Candidate(str(path), explicit, r) for r in runs]
    return [Candidate(str(path), explicit)]


def _file_format(path: Path) -> str | None:
    """The format a regular file sniffs as; None for anything else. A FIFO, socket or device is
    never opened (a FIFO would block discovery forever); named explicitly, it is refused on read."""
    try:
        with open_regular(path) as fh:
            head = fh.read(PEEK_SIZE)
    except (OSError, ReadError):
        return None
    if not head.strip():
        return None
    score, name = sniff(head, str(path))[0]
    return name if score >= THRESHOLD else None


# -- object stores and web servers ----------------------------------------------------------------
def _expand_remote(item: str) -> list[Candidate]:
    """A URL (a glob in its path allowed): listed with one ``find`` below its fixed prefix, then
    grouped into runs by the same rules as local folders."""
    parts = item.split("/")
    magic = next((i for i, p in enumerate(parts) if i > 2 and glob.has_magic(p)), None)
    if magic is None:
        root = remote.RemotePath.from_url(item)
        if root.is_file():
            return [Candidate(str(root), True)]
        if not root.is_dir():
            return [Candidate(item, True)]  # reported as "no such file or folder" when read
        return _walk_remote([root])
    root = remote.RemotePath.from_url("/".join(parts[:magic]))
    matches = list(root.glob("/".join(parts[magic:])))
    out = [Candidate(str(m), True) for m in matches if m.is_file()]
    return out + _walk_remote([m for m in matches if m.is_dir()])


def _walk_remote(roots: list[remote.RemotePath]) -> list[Candidate]:
    files = []
    for root in roots:
        for p in root.walk_files():
            rel = p.relative_to(root).parts
            if any(d in _SKIP_DIRS or d.startswith(".") for d in rel[:-1]):
                continue
            if _not_a_history(p):
                continue
            files.append(p)
    units: dict[str, Candidate] = {}
    for p, fmt in zip(files, _remote_formats(files)):
        if fmt is None or _checkpoint_state(p, fmt):
            continue
        if fmt == "mlflow" and not any(parent.name == "metrics" for parent in p.parents):
            found = [Candidate(str(p), False)]  # a database file: read (and refused) as one input
        else:
            found = _unit(p, fmt)  # type: ignore[arg-type]  (RemotePath answers what _unit asks)
        for c in found:
            units.setdefault(c.key, c)
    return list(units.values())


def _remote_formats(files: list[remote.RemotePath]) -> list[str | None]:
    """The format each object sniffs as, from its first ``PEEK_SIZE`` bytes; one batched range read
    (concurrent where the store's filesystem is asynchronous, as s3fs, gcsfs and adlfs are)."""
    if not files:
        return []
    fs = files[0].fs
    keys = [f.key for f in files]
    try:
        heads = fs.cat_ranges(keys, [0] * len(keys), [PEEK_SIZE] * len(keys), on_error="return")
    except Exception:  # noqa: BLE001 - a store without range reads: one read per object
        heads = []
        for f in files:
            try:
                heads.append(remote.read_bytes(f, PEEK_SIZE, head=PEEK_SIZE)[0].getvalue())
            except ReadError as exc:
                heads.append(exc)
    out: list[str | None] = []
    for f, head in zip(files, heads):
        if not isinstance(head, bytes) or not head.strip():
            out.append(None)
            continue
        score, name = sniff(head, str(f))[0]
        out.append(name if score >= THRESHOLD else None)
    return out
