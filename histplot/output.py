"""Writing files: atomically (temp file in the target folder, then rename) and reproducibly."""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .errors import HistplotError

FIGURE_FORMATS = ("png", "svg", "pdf")
# PNG resolution wherever none is given: histplot.yaml plot.style.dpi and --dpi override it.
DEFAULT_DPI = 100

# What makes matplotlib output vary between runs: the SVG id salt, dates, and font fallback.
REPRODUCIBLE_RC = {
    "svg.hashsalt": "histplot",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "pdf.fonttype": 42,
}
_NO_DATES = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}, "png": {"Software": None}}


def refuse_input_overwrite(outputs: Iterable[str | os.PathLike], inputs: Iterable[str | os.PathLike]) -> None:
    """Raise before anything is written when an output would replace an input: the same path, or
    another name of the same file (a symlink, a hard link). ``-`` (standard input) is no file."""
    sources = [Path(p) for p in inputs if os.fspath(p) != "-"]
    resolved = {p.resolve() for p in sources}
    for out in outputs:
        out = Path(out)
        if out.resolve() in resolved or (out.exists() and any(_same_file(out, p) for p in sources)):
            raise HistplotError("refusing to overwrite an input file", out)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


@contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Write to a temporary file beside ``path`` and rename it into place only when complete."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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


def save_figure(fig, path: str | os.PathLike, *, fmt: str | None = None, dpi: int = DEFAULT_DPI) -> Path:
    """Save a matplotlib Figure as PNG/SVG/PDF; the same figure always gives the same SVG bytes."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "png").lower()
    if fmt not in FIGURE_FORMATS:
        raise HistplotError(f"unknown figure format '{fmt}'; choose one of {', '.join(FIGURE_FORMATS)}", path)
    with atomic_write(path) as fh:
        write_figure(fig, fh, fmt=fmt, dpi=dpi)
    return path


def write_figure(fig, fh: IO[bytes], *, fmt: str = "png", dpi: int = DEFAULT_DPI) -> None:
    """``savefig`` into an open binary file (or BytesIO), with the reproducible settings."""
    import matplotlib

    with matplotlib.rc_context(REPRODUCIBLE_RC), warnings.catch_warnings():
        # Overflow warnings from extreme values (1e308) are matplotlib's, handled, and not the user's.
        warnings.simplefilter("ignore", RuntimeWarning)
        fig.savefig(fh, format=fmt, dpi=dpi, metadata=_NO_DATES[fmt])
