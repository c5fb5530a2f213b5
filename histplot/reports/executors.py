"""Running a report's per-run work on a Dask distributed cluster (``report --executor dask``).

Workers read their run themselves (a path on shared storage or a URL), derive, diagnose and draw
it into a private temporary folder, and send back the result row and the figures' bytes; the client
writes every file atomically into the report, as the local pool's workers do. The figures come from
the same code, so the report is byte-identical to ``--jobs``. A run whose worker dies is given to
another worker by the scheduler (its ``allowed-failures``), and one whose result is lost while it is
fetched is submitted again; a run that still cannot finish is an error row and the others complete.
Ctrl-C cancels the futures: only whole files remain.

Dask is the optional extra ``histplot[dask]`` (``dask[distributed]``); workers need histplot installed
with the same version, and the extras for the inputs they read (``histplot[remote]`` and s3fs, ...).
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import os
import tempfile
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

from ..errors import HistplotError
from ..output import atomic_write
from .results import RunJob, RunResult, run_one

LOCAL = "local"
LOCAL_WORKERS = 2
# matplotlib's figures are not safe to draw from several threads at once: a worker started with
# --nthreads > 1 still draws one run at a time (start workers with --nthreads 1 --nworkers N).
_DRAWING = threading.Lock()


@functools.cache
def _freeze_imports_once() -> None:
    # As in the command line and the local pool's workers: pandas, matplotlib and histplot are
    # imported by the time a worker runs this, and the collector would otherwise traverse their
    # million objects again at every full collection while the worker draws.
    gc.collect()
    gc.freeze()


def run_on_worker(job: RunJob) -> tuple[RunResult, dict[str, bytes]]:
    """One run on a worker: the result row and its figures, by file name."""
    with _DRAWING, tempfile.TemporaryDirectory(prefix="histplot-run-") as tmp:
        _freeze_imports_once()
        result = run_one(dataclasses.replace(job, figures_dir=tmp))
        files = {p.name: p.read_bytes() for p in sorted(Path(tmp).iterdir()) if p.is_file()}
    return result, files


def _connect(scheduler: str):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise HistplotError("--executor dask needs dask.distributed (histplot's dask extra)") from None
    if scheduler == LOCAL:
        cluster = LocalCluster(n_workers=LOCAL_WORKERS, threads_per_worker=1, processes=True, dashboard_address=None)
        return Client(cluster), cluster
    try:
        return Client(scheduler), None  # waits distributed.comm.timeouts.connect (30 s; dask's config)
    except (OSError, TimeoutError, ValueError) as exc:
        raise HistplotError(f"cannot reach the Dask scheduler: {' '.join(str(exc).split())[:300]}", scheduler) from None


class DaskExecutor:
    """A connection to a Dask cluster (made when created, so that an unreachable scheduler is refused
    before the report writes anything) that runs a report's jobs once and then closes."""

    def __init__(self, scheduler: str | None):
        if not scheduler:
            raise HistplotError("--executor dask needs --scheduler ADDRESS (or --scheduler local)")
        self.client, self.cluster = _connect(scheduler)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def run(self, jobs_list: list[RunJob], progress: Callable[[int, int], None] | None = None) -> list[RunResult]:
        """``run_one`` of every job on the cluster; results in input order, figures written here."""
        from distributed import as_completed

        n = len(jobs_list)
        results: list[RunResult | None] = [None] * n
        futures = []
        try:
            # pure=False: two runs with equal jobs are still two tasks
            # keys unique to this report: a scheduler shared by several reports must not hand one
            # report another's result for an equal key
            token = uuid.uuid4().hex[:12]
            keys = [f"histplot-{token}-{i}-{j.slug}" for i, j in enumerate(jobs_list)]
            futures = self.client.map(run_on_worker, jobs_list, pure=False, key=keys)
            index = {f.key: i for i, f in enumerate(futures)}
            for done, fut in enumerate(as_completed(futures), 1):
                i = index[fut.key]
                results[i] = _collect(fut, jobs_list[i])
                futures[i] = None  # the worker may forget the run's figures now that they are written
                fut.release()
                if progress:
                    progress(done, n)
        except BaseException:
            pending = [f for f in futures if f is not None]
            if pending:
                self.client.cancel(pending)
            raise
        finally:
            self.close()
        return results  # type: ignore[return-value]


# How often a run whose finished result was lost with its worker is submitted again.
RESUBMITS = 3


def _collect(fut, job: RunJob) -> RunResult:
    """The run's row, its figures written atomically into the report; a task that failed on the
    cluster (its worker died more often than the scheduler allows) is the row's error."""
    try:
        result, files = _result(fut, job)
    except Exception as exc:  # noqa: BLE001 - KilledWorker, a worker that could not import histplot, ...
        why = " ".join(str(exc).split())[:300] or type(exc).__name__
        return RunResult(source=job.source, slug=job.slug, error=f"failed on the cluster: {type(exc).__name__}: {why}")
    for name, data in files.items():
        if os.path.basename(name) != name or not name.startswith(job.slug):
            continue  # only this run's figures, and only into the figures folder
        with atomic_write(Path(job.figures_dir) / name) as fh:
            fh.write(data)
    return result


def _result(fut, job: RunJob):
    """The task's result. A worker that dies while the client fetches a finished result from it
    loses that result: the scheduler computes it again, but the waiting client fails with an error of
    its own ("... is bound to a different event loop", the future back to pending) rather than the
    task's (seen in one report of three when a worker was killed mid-report). Such a run is submitted
    again; a task that failed itself (``status == "error"``, e.g. KilledWorker) is final."""
    key = fut.key
    for attempt in range(1, RESUBMITS + 1):
        try:
            return fut.result()
        except Exception:
            if fut.status in ("error", "cancelled"):
                raise
            fut = fut.client.submit(run_on_worker, job, pure=False, key=f"{key}-again{attempt}")
    return fut.result()
