"""How the command sets up its own process (cli/process.py): no pyarrow, no huge pages, freed memory
kept for the next array; each for the command only, and each yields to what the user set."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import SAMPLES


def test_the_command_runs_pandas_without_pyarrow_and_draws_the_same(tmp_path):
    """pyarrow, when installed, costs 0.15 s of each command's start and only stores text; the command
    runs without it (as histplot's own dependencies install it) and draws the same figure."""
    pytest.importorskip("pyarrow")
    env = {k: v for k, v in os.environ.items() if k != "HISTPLOT_PYARROW"}
    outputs = {}
    for keep in ("", "1"):
        out = tmp_path / f"keep{keep or 0}.svg"
        done = subprocess.run(
            [sys.executable, "-m", "histplot", "plot", str(SAMPLES / "lightning_metrics.csv"), "-o", str(out)],
            env={**env, "HISTPLOT_PYARROW": keep},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        outputs[keep] = out.read_bytes()
    assert outputs[""] == outputs["1"]
    check = (
        "from histplot.cli.process import pandas_without_pyarrow as f; f(); import sys, pandas; "
        "print(sys.modules.get('pyarrow') is not None)"
    )
    for keep, loaded in (("", "False"), ("1", "True")):
        done = subprocess.run(
            [sys.executable, "-c", check],
            env={**env, "HISTPLOT_PYARROW": keep},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.stdout.strip() == loaded, done.stderr


def test_the_command_runs_numpy_without_huge_pages_unless_told():
    """numpy's huge pages doubled a large diagnose's system time (the kernel zeroes and compacts each
    2 MiB page of arrays the command frees a moment later); a user's NUMPY_MADVISE_HUGEPAGE wins."""
    check = (
        "from histplot.cli.process import numpy_without_huge_pages as f; f(); "
        "from numpy._core.multiarray import _get_madvise_hugepage as g; print(g())"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    for given, expected in ((None, "False"), ("1", "True")):
        done = subprocess.run(
            [sys.executable, "-c", check],
            env={**env, "NUMPY_MADVISE_HUGEPAGE": given} if given else env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.stdout.strip() == expected, done.stderr


# Allocates a 16 MB array, frees it, and counts the page faults of allocating the next one.
_FAULTS = """
import os, resource, sys
os.environ["NUMPY_MADVISE_HUGEPAGE"] = "0"
if sys.argv[1] == "set":
    from histplot.cli.process import keep_freed_memory
    keep_freed_memory()
import numpy as np
a = np.ones(2_000_000)
del a
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
a = np.ones(2_000_000)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_the_command_keeps_freed_memory_for_the_next_array_unless_told():
    """A 2M-row log's columns are computed and dropped one after another; given back to the kernel,
    each next one was faulted in and zeroed anew (4,000 faults per 16 MB). GLIBC_TUNABLES wins."""
    env = {k: v for k, v in os.environ.items() if k not in ("GLIBC_TUNABLES", "MALLOC_MMAP_THRESHOLD_")}
    faults = {}
    for case, extra in (("set", {}), ("plain", {}), ("set", {"GLIBC_TUNABLES": "glibc.malloc.check=0"})):
        done = subprocess.run(
            [sys.executable, "-c", _FAULTS, case], env={**env, **extra}, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        faults[case, bool(extra)] = int(done.stdout)
    assert faults["set", False] < 100  # the freed 16 MB were used again
    assert faults["plain", False] > 3000  # 4,096-byte pages: 3,900 faults for 16 MB
    assert faults["set", True] > 3000  # the user's tunables: left as glibc has them
