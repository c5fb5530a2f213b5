"""Writing files: atomically (temp file in the target folder, then rename), reproducibly, never over
an input, and never a canvas larger than ``MAX_SIDE_PX``/``MAX_PIXELS``."""

from __future__ import annotations

import io
import os
import re
import stat
import tempfile
import time
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import IO

from .errors import HistplotError

FIGURE_FORMATS = ("png", "svg", "pdf")
# What a single figure (plot -o, parallel -o) may also be: JPEG through Pillow, which matplotlib requires.
IMAGE_FORMATS = (*FIGURE_FORMATS, "jpg", "jpeg")

# A figure is rendered into one RGBA buffer before it is written: 16384 px on a side and 50 M pixels
# in all (200 MB) are far beyond any screen or print, and well inside a CI runner's memory.
MAX_SIDE_PX = 16384
MAX_PIXELS = 50_000_000

# Our temporary files: ".histplot-<pid>-<random>.tmp" beside the target. The pid says
# whether the process writing it may still be alive; a run killed with SIGKILL leaves them behind.
TEMP_PREFIX = ".histplot-"
TEMP_SUFFIX = ".tmp"
_TEMP_NAME = re.compile(r"\.histplot-(\d+)-[^/]*\.tmp\Z")
_STARTED = time.time()  # forked workers inherit it: "older than this run"
_swept: set[str] = set()
# PNG resolution wherever none is given: histplot.yaml plot.style.dpi and --dpi override it.
DEFAULT_DPI = 100

# What makes matplotlib output vary between runs: the SVG id salt, dates, and font fallback.
REPRODUCIBLE_RC = {
    "svg.hashsalt": "histplot",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "pdf.fonttype": 42,
}
_NO_DATES = {
    "svg": {"Date": None},
    "pdf": {"CreationDate": None, "ModDate": None},
    "png": {"Software": None},
}


@contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Write to a temporary file beside ``path`` and rename it into place only when complete."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        sweep_stale_temps(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=TEMP_SUFFIX)
    except OSError as exc:
        raise HistplotError(f"cannot write here: {exc.strerror or exc}", path) from exc
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": ""})) as fh:
            yield fh
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sweep_stale_temps(folder: str | os.PathLike) -> list[Path]:
    """Remove our temporary files left in ``folder`` by a killed run: older than this process and
    written by a process that is gone (a concurrent run's files are left alone). Once per folder."""
    key = os.path.abspath(folder)
    if key in _swept:
        return []
    _swept.add(key)
    removed = []
    try:
        names = [n for n in os.listdir(folder) if n.startswith(TEMP_PREFIX)]
    except OSError:
        return []
    for name in names:
        m = _TEMP_NAME.match(name)
        if not m:
            continue
        p = Path(folder) / name
        try:
            st = p.lstat()
            if not stat.S_ISREG(st.st_mode) or st.st_mtime >= _STARTED or _alive(int(m.group(1))):
                continue
            p.unlink()
            removed.append(p)
        except OSError:
            continue
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process, or not a pid we can ask about: leave its file alone
    return True


def refuse_input_overwrite(outputs: Iterable[str | os.PathLike], inputs: Iterable[str | os.PathLike]) -> None:
    """Raise ``HistplotError`` if any output would replace an input, before anything is written.

    An output is an input when it names the same file: the same path, or the same device and inode
    (a hard link, a symlink to it, another spelling of the path). An input folder (a TensorBoard or
    MLflow run folder, a folder given to ``report``) counts with every file inside it. ``-`` and
    open files among the inputs are skipped; inputs that do not exist yet (``watch`` waits for its
    file) are compared by their resolved path.
    """
    ids: dict[tuple[int, int], str] = {}
    paths: dict[str, str] = {}
    for item in inputs:
        if item is None or not isinstance(item, (str, os.PathLike)) or os.fspath(item) == "-":
            continue
        name = os.fspath(item)
        paths[_resolved(name)] = name
        try:
            st = os.stat(name)
        except (OSError, ValueError):
            continue
        ids[(st.st_dev, st.st_ino)] = name
        if stat.S_ISDIR(st.st_mode):
            for dirpath, _dirs, files in os.walk(name):  # symlinked folders are not followed
                for f in files:
                    try:
                        fst = os.stat(os.path.join(dirpath, f))
                    except (OSError, ValueError):
                        continue
                    if stat.S_ISREG(fst.st_mode):
                        ids.setdefault((fst.st_dev, fst.st_ino), os.path.join(dirpath, f))
    for out in outputs:
        name = os.fspath(out)
        try:
            st = os.stat(name)
            victim = ids.get((st.st_dev, st.st_ino))
        except (OSError, ValueError):
            victim = None
        victim = victim or paths.get(_resolved(name))
        if victim is not None:
            same = os.path.abspath(victim) == os.path.abspath(name)
            raise HistplotError("refusing to overwrite an input file" + ("" if same else f" ({victim})"), name)


def _resolved(name: str) -> str:
    try:
        return str(Path(name).resolve())
    except (OSError, RuntimeError, ValueError):
        return os.path.abspath(name)


def check_canvas(width_in: float, height_in: float, dpi: float, where: object = None) -> None:
    """Refuse a figure whose pixel canvas is beyond ``MAX_SIDE_PX`` on a side or ``MAX_PIXELS`` in all."""
    w, h = round(width_in * dpi), round(height_in * dpi)
    if max(w, h) > MAX_SIDE_PX or w * h > MAX_PIXELS:
        raise HistplotError(
            f"a {width_in:g} x {height_in:g} inch figure at {dpi:g} dpi is {w} x {h} pixels, over the limit of "
            f"{MAX_SIDE_PX} pixels on a side and {MAX_PIXELS // 1_000_000} M pixels in all; lower the dpi or the size",
            where,
        )


def save_figure(fig, path: str | os.PathLike, *, fmt: str | None = None, dpi: int = DEFAULT_DPI) -> Path:
    """Save a matplotlib Figure as PNG/SVG/PDF/JPEG; the same figure always gives the same SVG bytes."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "png").lower()
    if fmt not in IMAGE_FORMATS:
        raise HistplotError(f"unknown figure format '{fmt}'; choose one of {', '.join(IMAGE_FORMATS)}", path)
    check_canvas(*fig.get_size_inches(), dpi, path)
    with atomic_write(path) as fh:
        write_figure(fig, fh, fmt=fmt, dpi=dpi)
    return path


def write_figure(fig, fh: IO[bytes], *, fmt: str = "png", dpi: int = DEFAULT_DPI) -> None:
    """``savefig`` into an open binary file (or BytesIO), with the reproducible settings."""
    import matplotlib

    check_canvas(*fig.get_size_inches(), dpi)
    saving = getattr(fig.get_layout_engine(), "saving", None)  # figures.layout_once.LayoutOnce
    with matplotlib.rc_context(REPRODUCIBLE_RC), warnings.catch_warnings(), saving(fig) if saving else nullcontext():
        # Overflow warnings from extreme values (1e308) are matplotlib's, handled, and not the user's.
        warnings.simplefilter("ignore", RuntimeWarning)
        with _svg_text(fh) if fmt == "svg" else nullcontext(fh) as out:
            fig.savefig(out, format=fmt, dpi=dpi, metadata=_NO_DATES.get(fmt))  # JPEG: Pillow takes no metadata


@contextmanager
def _svg_text(fh: IO[bytes]) -> Iterator[IO]:
    """A binary file as the text file matplotlib writes SVG to: given bytes, it wraps them in a Python
    ``codecs`` writer and writes the SVG in thousands of small pieces through it; io's text layer
    writes the same bytes at a fraction of the cost."""
    if not isinstance(fh, (io.BufferedIOBase, io.RawIOBase)):
        yield fh
        return
    text = io.TextIOWrapper(fh, encoding="utf-8", newline="")
    try:
        yield text
    finally:
        text.flush()
        text.detach()  # the caller's file stays open
