"""``build_report``: CI artifacts for many runs: figures, summary.json, summary.md and a self-contained index.html.

Each run is read, diagnosed and drawn on its own (in worker processes with ``jobs`` > 1); results are
collected in input order, so parallel and serial reports are byte-identical. One bad file is reported
and the rest still render. Every file is written atomically, so an interrupted report leaves only
complete artifacts behind.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ..diagnosis.settings import Settings
from ..errors import HistplotError
from ..figures.options import FigureOptions
from ..output import atomic_write, refuse_input_overwrite
from ..readers.discovery import expand
from .html import to_html
from .markdown import to_markdown
from .results import Report, RunJob, RunResult, run_one, slugs

SUMMARY_FILES = ("summary.json", "summary.md", "index.html")

# -- many runs ------------------------------------------------------------------------------------


def _worker_init() -> None:
    # SIGTERM to a worker must unwind through atomic_write's cleanup like Ctrl-C does.
    signal.signal(signal.SIGTERM, _raise_exit)


def _raise_exit(signum, frame):  # noqa: ARG001 - signal handler signature
    raise SystemExit(128 + signum)


def build_report(
    items: Iterable[str],
    output: str | os.PathLike,
    *,
    read_opts: dict | None = None,
    settings: Any = None,
    fail_on: Sequence[str] = (),
    jobs: int | None = None,
    formats: Sequence[str] | None = None,
    dpi: int | None = None,
    strict: bool = False,
    timestamp: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    prepare: Callable | None = None,
    options: Any = None,
    executor: str = "local",
    scheduler: str | None = None,
) -> Report:
    """Find every run in ``items`` (files, directories, globs), render and diagnose each into
    ``output``, and write summary.json, summary.md and index.html there.

    ``executor`` ``"dask"`` runs the per-run work on the Dask cluster at ``scheduler`` (see
    ``reports.executors``) instead of the local pool of ``jobs`` processes.

    ``options`` (``figures.options.FigureOptions``) styles the figures and gives the formats and dpi that
    ``formats`` and ``dpi`` do not (default PNG and SVG at 100 dpi).
    """
    out = Path(output)
    candidates = expand(items, exclude=out, tracking_uri=(read_opts or {}).get("tracking_uri"))
    if not candidates:
        raise HistplotError("no history files found", ", ".join(map(str, items)))
    inputs = sorted({c.path for c in candidates if c.path != "-"})
    if out.exists() and any(_same(out, p) for p in inputs):
        raise HistplotError("the output directory is one of the inputs", out)
    figures = out / "figures"
    names = slugs(candidates)
    options = options or FigureOptions()
    formats, dpi = tuple(formats or options.formats), dpi or options.dpi
    # Every file this report will write, checked against every input before the first is written.
    planned = [out / n for n in SUMMARY_FILES] + [figures / f"{s}.{f}" for s in names for f in formats]
    refuse_input_overwrite(planned + ([] if out.is_dir() else [out]), inputs)
    cluster = None
    if executor == "dask":
        from .executors import DaskExecutor  # dask is an optional extra, imported only when chosen

        cluster = DaskExecutor(scheduler)  # connected before anything is written
    try:
        figures.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        raise HistplotError(f"cannot create the output folder: {exc.strerror or exc}", out) from exc
    jobs_list = [
        RunJob(
            c.path,
            s,
            str(figures),
            {**(read_opts or {}), **({"run": c.run} if c.run else {})},
            settings or Settings(),
            tuple(fail_on),
            formats,
            dpi,
            prepare,
            options,
        )
        for c, s in zip(candidates, names)
    ]
    if cluster is not None:
        results = cluster.run(jobs_list, progress)
    else:
        results = _run_all(jobs_list, jobs, progress)
    report = Report(results, list(fail_on), out, strict)
    write_summaries(report, timestamp=timestamp)
    return report


def _same(a: Path, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def _run_all(jobs_list: list[RunJob], jobs: int | None, progress) -> list[RunResult]:
    n = len(jobs_list)
    workers = max(1, min(jobs or os.cpu_count() or 1, n))
    results: list[RunResult | None] = [None] * n
    if workers == 1:
        for i, job in enumerate(jobs_list):
            results[i] = run_one(job)
            if progress:
                progress(i + 1, n)
        return results  # type: ignore[return-value]
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init) as pool:
        futures = {pool.submit(run_one, job): i for i, job in enumerate(jobs_list)}
        try:
            for done, fut in enumerate(as_completed(futures), 1):
                results[futures[fut]] = fut.result()
                if progress:
                    progress(done, n)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return results  # type: ignore[return-value]


# -- writing --------------------------------------------------------------------------------------


def write_summaries(report: Report, *, timestamp: str | None = None) -> None:
    data = report.to_dict()
    if timestamp:
        data["generated"] = timestamp
    with atomic_write(report.output / "summary.json", "w") as fh:
        fh.write(json.dumps(data, indent=2, sort_keys=False) + "\n")
    with atomic_write(report.output / "summary.md", "w") as fh:
        fh.write(to_markdown(report, timestamp=timestamp))
    with atomic_write(report.output / "index.html", "w") as fh:
        fh.write(to_html(report, timestamp=timestamp))
