"""How the command's process is set up for its short life: a second or two that reads a file,
computes on arrays of millions of numbers once, draws and leaves. The library never does this to a
notebook's or a caller's process; only ``histplot``'s ``main`` calls ``set_up``.
"""

from __future__ import annotations

import os
import sys

# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def set_up() -> None:
    pandas_without_pyarrow()
    numpy_without_huge_pages()
    keep_freed_memory()


def pandas_without_pyarrow() -> None:
    """pandas imports pyarrow whenever it is installed (0.15 s of every command's start) to store text
    columns; histplot's frames hold numbers. So the command runs pandas as on a machine without
    pyarrow, which is what histplot's own dependencies give (``HISTPLOT_PYARROW=1`` keeps it)."""
    if "pandas" not in sys.modules and "pyarrow" not in sys.modules and not os.environ.get("HISTPLOT_PYARROW"):
        sys.modules["pyarrow"] = None  # an import of it raises ImportError, as when it is absent


def numpy_without_huge_pages() -> None:
    """numpy asks the kernel for 2 MiB pages for every large array. A command lives a second or
    two and allocates and frees a few hundred MiB once: the kernel zeroes (and, where memory is
    fragmented, first compacts) each huge page, which doubled the system time of `diagnose` on a
    2M-row metrics.csv (0.3 s to 0.6-0.9 s) and left it waiting. ``NUMPY_MADVISE_HUGEPAGE`` set by the
    user wins."""
    if "numpy" not in sys.modules:
        os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")


def keep_freed_memory() -> None:
    """Keep freed memory for the next array instead of giving it back to the kernel at once.

    glibc maps each block of over 128 KiB on its own and unmaps it when freed, and gives back freed
    memory at the top of its heap beyond 128 KiB: every 16 MB column of a 2M-row log that the
    reader computes and drops is then faulted in and zeroed anew, 4,000 page faults a time. Blocks up
    to 32 MiB (glibc's most) now come from the heap and stay there until exit: `info` and `diagnose` of
    a 2M-row metrics.csv took 10 to 15 % less time, peak memory 1 % more. glibc only; settings the user
    made (``GLIBC_TUNABLES``, ``MALLOC_*_``) win.
    """
    if not sys.platform.startswith("linux") or any(
        k in os.environ for k in ("GLIBC_TUNABLES", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
    ):
        return
    import ctypes  # 2 ms, and only for the command

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # a C library without mallopt: nothing to set
        return
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt(_M_MMAP_THRESHOLD, 32 << 20)
    mallopt(_M_TRIM_THRESHOLD, 1 << 30)
