"""``make bench``: histplot against its baselines, side by side, in fresh processes.

Generates its inputs in a temporary folder, runs every command in a fresh process (baseline and
histplot interleaved, after one unmeasured warm-up each), and prints one table: the median wall
time over the runs, the ratio to the baseline measured in the same run, and the peak RSS of the
process (its ``wait4`` resource usage, which includes any worker processes it waited for).

Usage: python -m benchmarks.run [--runs N] [--many-runs N] [--sample N]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import data, results

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
HISTPLOT = str(BIN / "histplot")
PYTHON = sys.executable


@dataclass
class Timing:
    """Wall seconds, CPU seconds (user + system, workers included) and peak RSS (MiB) of each run."""

    seconds: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    note: str = ""

    def add(self, wall: float, cpu: float, rss: float) -> None:
        self.seconds.append(wall)
        self.cpu.append(cpu)
        self.rss.append(rss)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak(self) -> float:
        return max(self.rss)


def measure(cmd: list[str], *, cwd: Path | None = None, ok: tuple[int, ...] = (0,)) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak RSS MiB, stderr) of one fresh process."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    if proc.returncode not in ok:
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}\n{text}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text


def compare(commands: dict[str, list[str]], runs: int, cwd: Path, *, warm: bool = True) -> dict[str, Timing]:
    """Run each command ``runs`` times, interleaved, after one warm-up each (page cache, font cache)."""
    out = {name: Timing() for name in commands}
    for cmd in commands.values() if warm else ():
        measure(cmd, cwd=cwd)
    for _ in range(runs):
        for name, cmd in commands.items():
            wall, cpu, rss, _ = measure(cmd, cwd=cwd)
            out[name].add(wall, cpu, rss)
    return out


# -- the cases ----------------------------------------------------------------------------------------


def startup(runs: int, tmp: Path) -> list[dict]:
    rows = []
    for flag in ("--help", "--version"):
        t = compare({flag: [HISTPLOT, flag]}, runs, tmp)[flag]
        *_, probe = measure([PYTHON, str(HERE / "probe_imports.py"), flag], cwd=tmp)
        heavy = [m for m in probe.strip().rsplit("imported: ", 1)[-1].split(",") if m in ("pandas", "matplotlib")]
        met = t.median < 0.150 and not heavy
        rows.append(
            row(
                "startup",
                f"histplot {flag}",
                t,
                target="< 0.150 s, no pandas/matplotlib",
                met=met,
                extra=f"imports {'+'.join(heavy) or 'neither'}",
            )
        )
    return rows


def small(runs: int, tmp: Path) -> list[dict]:
    history = data.small(tmp)
    out = tmp / "small_out"
    out.mkdir()
    t = compare(
        {
            "tutorial": [PYTHON, str(HERE / "baselines" / "tutorial.py"), str(history), str(out)],
            "histplot": [HISTPLOT, "plot", str(history), "-o", str(out / "history.png")],
        },
        runs,
        tmp,
    )
    ratio = t["histplot"].median / t["tutorial"].median
    return [
        row("small", "tutorial script (json + pyplot, 2 savefig)", t["tutorial"], baseline=True),
        row(
            "small",
            "histplot plot (+ derive, diagnose, annotate)",
            t["histplot"],
            ratio=ratio,
            rss_ratio=t["histplot"].peak / t["tutorial"].peak,
            target="<= 1.0x tutorial",
            met=ratio <= 1.0,
        ),
    ]


def large(runs: int, tmp: Path) -> list[dict]:
    csv = data.large(tmp)
    out = tmp / "large_out"
    out.mkdir()
    t = compare(
        {
            "read_csv": [PYTHON, str(HERE / "baselines" / "read_csv.py"), str(csv)],
            "naive": [PYTHON, str(HERE / "baselines" / "naive_plot.py"), str(csv), str(out / "naive.png")],
            "bare": [PYTHON, str(HERE / "baselines" / "bare_large.py"), str(csv), str(out / "bare.png")],
            "histplot": [HISTPLOT, "plot", str(csv), "-o", str(out / "metrics.png")],
            "diagnose": [HISTPLOT, "diagnose", str(csv)],
            "info": [HISTPLOT, "info", str(csv)],
        },
        runs,
        tmp,
    )
    base, naive, bare, ours = t["read_csv"], t["naive"], t["bare"], t["histplot"]
    vs_bare = ours.median / bare.median
    ratio, speedup, rss_ratio = ours.median / base.median, naive.median / ours.median, ours.peak / base.peak
    size = csv.stat().st_size / 1e6
    return [
        row("large", f"pandas.read_csv alone ({size:.0f} MB, 2M step rows)", base, baseline=True),
        row(
            "large",
            "naive: pandas + pyplot, every point",
            naive,
            ratio=naive.median / base.median,
            rss_ratio=naive.peak / base.peak,
            baseline=True,
        ),
        row(
            "large",
            "reference: read_csv + bare figure (no summaries, diagnosis, marks, layout)",
            bare,
            ratio=bare.median / base.median,
            rss_ratio=bare.peak / base.peak,
            extra="what matplotlib drawing alone adds to read_csv",
        ),
        row(
            "large",
            "histplot plot",
            ours,
            ratio=ratio,
            rss_ratio=rss_ratio,
            target="<= 1.10x reference, RSS <= 1.2x read_csv",
            met=vs_bare <= 1.10 and rss_ratio <= 1.2,
            extra=f"{vs_bare:.2f}x the reference",
        ),
        *(
            row(
                "large",
                f"histplot {name}",
                t[name],
                ratio=t[name].median / base.median,
                rss_ratio=t[name].peak / base.peak,
                target="<= 1.15x read_csv, RSS <= 1.2x",
                met=t[name].median / base.median <= 1.15 and t[name].peak / base.peak <= 1.2,
            )
            for name in ("diagnose", "info")
        ),
        row(
            "large",
            "  histplot vs naive",
            ours,
            ratio=1 / speedup,
            target="",
            met=None,
            extra=f"{speedup:.1f}x faster",
        ),
    ]


def wide(runs: int, tmp: Path) -> list[dict]:
    inputs = data.wide(tmp)
    t = compare({kind: [HISTPLOT, "info", str(path)] for kind, path in inputs.items()}, runs, tmp)
    return [
        row("wide", f"histplot info, {data.WIDE_COLUMNS:,} series as {what}", t[kind])
        for kind, what in (("json", "JSON keys"), ("csv", "CSV columns"), ("mlflow", "MLflow metric files"))
    ]


def many(runs: int, tmp: Path, n_runs: int, sample: int) -> list[dict]:
    inputs = data.many(tmp, runs=n_runs)
    out = tmp / "many_out"
    out.mkdir()
    # The baseline: one `histplot plot` process per run. A sample of them, extrapolated to all.
    step = max(1, len(inputs) // sample)
    picked = inputs[::step][:sample]
    procs = Timing(note=f"{len(picked)} processes timed, x{len(inputs) / len(picked):g}")
    for i, path in enumerate(picked):
        wall, cpu, rss, _ = measure([HISTPLOT, "plot", str(path), "-o", str(out / f"p{i}.png")], cwd=tmp)
        procs.add(wall, cpu, rss)
    scale = len(inputs) / len(picked)
    total = Timing(seconds=[sum(procs.seconds) * scale], cpu=[sum(procs.cpu) * scale], rss=procs.rss, note=procs.note)
    report = [HISTPLOT, "report", str(inputs[0].parent), "-o"]
    t = compare(
        {
            "jobs1": report + [str(out / "r1"), "--jobs", "1"],
            "jobs2": report + [str(out / "r2"), "--jobs", "2"],
            "bare": [PYTHON, str(HERE / "baselines" / "bare_figures.py"), str(len(inputs)), str(out / "bare"), "2"],
        },
        runs,
        tmp,
        warm=False,
    )
    one, two, bare = t["jobs1"], t["jobs2"], t["bare"]
    speed_procs, speed_jobs = total.median / two.median, one.median / two.median
    label = f"{len(inputs)} runs x 100 epochs, 7 formats"
    return [
        row("many", f"{len(inputs)} x `histplot plot` processes ({label})", total, baseline=True),
        row(
            "many",
            "histplot report --jobs 1",
            one,
            ratio=one.median / total.median,
            extra=f"{total.median / one.median:.1f}x faster than processes",
        ),
        row(
            "many",
            "histplot report --jobs 2",
            two,
            ratio=two.median / total.median,
            target="<= 1.5x the bare-figures reference",
            met=two.median / bare.median <= 1.5,
            extra=f"{two.median / bare.median:.2f}x the reference; {speed_procs:.1f}x faster than processes",
        ),
        row(
            "many",
            f"reference: {len(inputs)} bare matplotlib figures, PNG + SVG, 2 processes",
            bare,
            ratio=bare.median / total.median,
            extra=f"the best a matplotlib report can be: {total.median / bare.median:.1f}x faster than processes",
        ),
        row(
            "many",
            "  --jobs 2 vs --jobs 1",
            two,
            ratio=two.median / one.median,
            target=">= 1.6x faster than --jobs 1",
            met=speed_jobs >= 1.6,
            extra=f"{speed_jobs:.2f}x faster",
        ),
    ]


def cluster(runs: int, tmp: Path, n_runs: int) -> list[dict]:
    """A sweep in a local S3 endpoint (moto's server, in this process) reported through a Dask
    LocalCluster of 2 workers, against ``--jobs 2`` on the same files on disk."""
    from moto.server import ThreadedMotoServer  # the test extra: moto[server], s3fs, dask[distributed]

    (tmp / "cluster").mkdir()
    inputs = data.many(tmp / "cluster", runs=n_runs)
    folder = inputs[0].parent
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # not a line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        os.environ.update(
            {
                "AWS_ACCESS_KEY_ID": "bench",
                "AWS_SECRET_ACCESS_KEY": "bench",
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_ENDPOINT_URL": endpoint,
                "FSSPEC_S3_ENDPOINT_URL": endpoint,
            }
        )
        import s3fs

        fs = s3fs.S3FileSystem(endpoint_url=endpoint, skip_instance_cache=True)
        fs.call_s3("create_bucket", Bucket="bench")
        fs.pipe(
            {
                f"bench/sweep/{p.relative_to(folder).as_posix()}": p.read_bytes()
                for p in sorted(folder.rglob("*"))
                if p.is_file()
            }
        )
        out = tmp / "cluster_out"
        t = compare(
            {
                "jobs2": [HISTPLOT, "report", str(folder), "-o", str(out / "local"), "--jobs", "2"],
                "dask": [
                    HISTPLOT,
                    "report",
                    "s3://bench/sweep",
                    "-o",
                    str(out / "dask"),
                    "--executor",
                    "dask",
                    "--scheduler",
                    "local",
                ],
            },
            runs,
            tmp,
            warm=False,
        )
    finally:
        server.stop()
    # The summaries name the inputs (paths there, URLs here); the figures must be the same bytes.
    figures = {d: {p.name: p.read_bytes() for p in sorted((out / d / "figures").iterdir())} for d in ("local", "dask")}
    same = figures["local"] == figures["dask"]
    jobs2, dask = t["jobs2"], t["dask"]
    ratio = dask.median / jobs2.median
    label = f"{len(inputs)} runs x 100 epochs, 7 formats"
    return [
        row("cluster", f"`histplot report --jobs 2`, local files ({label})", jobs2, baseline=True),
        row(
            "cluster",
            "`report s3://... --executor dask --scheduler local` (moto S3 endpoint, LocalCluster of 2 workers)",
            dask,
            ratio=ratio,
            target="<= 1.3x",
            met=ratio <= 1.3,
            extra=f"{len(figures['dask'])} figures, " + ("byte-identical" if same else "NOT byte-identical"),
        ),
    ]


def watch(tmp: Path) -> list[dict]:
    available = (
        subprocess.run([HISTPLOT, "watch", "--help"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        == 0
    )
    what = "append 1 epoch to 2M-row metrics.csv -> figure replaced"
    if not available:
        return [
            {
                "case": "watch",
                "what": what,
                "median": "n/a (watch not available)",
                "cpu": "",
                "ratio": "",
                "rss": "",
                "target": "< 1 s after the append",
                "met": "n/a",
                "extra": "",
            }
        ]
    folder = tmp / "watch"
    folder.mkdir()
    csv = data.large(folder)
    plot = compare({"plot": [HISTPLOT, "plot", str(csv), "-o", str(folder / "plot.png")]}, 3, folder)["plot"]
    res = subprocess.run(
        [PYTHON, str(HERE / "watch_probe.py"), HISTPLOT, str(csv), str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    got = json.loads(res.stdout.strip().splitlines()[-1])
    t = Timing(seconds=got["latencies"], cpu=[math.nan], rss=[(got["maxrss_kb"] or 0) / 1024])
    stuck = "" if got.get("stopped_by_ctrl_c", True) else "; DID NOT STOP on Ctrl-C (killed)"
    first = Timing(seconds=[got["first_figure"]], cpu=[math.nan], rss=[(got["maxrss_kb"] or 0) / 1024])
    return [
        row("watch", "histplot plot of the same 2M-row metrics.csv", plot, baseline=True),
        row(
            "watch",
            "histplot watch: first figure of the 2M-row metrics.csv",
            first,
            ratio=first.median / plot.median,
            target="<= 1.5x plot",
            met=first.median / plot.median <= 1.5,
        ),
        row(
            "watch",
            what,
            t,
            target="< 1 s after the append",
            met=max(t.seconds) < 1.0,
            extra=f"max {max(t.seconds):.2f} s{stuck}",
        ),
    ]


# -- the table ----------------------------------------------------------------------------------------


def row(
    case: str,
    what: str,
    t: Timing,
    *,
    ratio: float | None = None,
    rss_ratio: float | None = None,
    baseline: bool = False,
    target: str = "",
    met: bool | None = None,
    extra: str = "",
) -> dict:
    return {
        "case": case,
        "what": what,
        "median": f"{t.median:.3f}",
        "cpu": f"{statistics.median(t.cpu):.2f}",
        "ratio": "baseline" if baseline and ratio is None else (f"{ratio:.2f}x" if ratio is not None else ""),
        "rss": f"{t.peak:.0f}" + (f" ({rss_ratio:.2f}x)" if rss_ratio is not None else ""),
        "target": target,
        "met": "" if met is None else ("yes" if met else "NO"),
        "extra": "; ".join(x for x in (t.note, extra) if x),
        # The same figures unformatted, for results.json (benchmarks.results).
        "raw": {
            "median_s": t.median,
            "cpu_s": statistics.median(t.cpu),
            "ratio": ratio,
            "peak_rss_mib": t.peak,
            "rss_ratio": rss_ratio,
            "met": met,
        },
    }


COLUMNS = (
    ("case", "case"),
    ("what", "command"),
    ("median", "median s"),
    ("cpu", "cpu s"),
    ("ratio", "vs baseline"),
    ("rss", "peak RSS MiB"),
    ("target", "target"),
    ("met", "met"),
    ("extra", "notes"),
)


def table(rows: list[dict]) -> str:
    """A Markdown table, readable as plain text too."""
    widths = {k: max(len(title), *(len(str(r[k])) for r in rows)) for k, title in COLUMNS}

    def line(cells) -> str:
        return "| " + " | ".join(str(c).ljust(widths[k]) for (k, _), c in zip(COLUMNS, cells)) + " |"

    out = [line([title for _, title in COLUMNS]), "|" + "|".join("-" * (widths[k] + 2) for k, _ in COLUMNS) + "|"]
    out += [line([r[k] for k, _ in COLUMNS]) for r in rows]
    return "\n".join(out)


def main(extra: dict | None = None) -> None:
    """``extra``: more cases, name -> function(args, tmp) -> rows (benchmarks.peers adds its own)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per command (median), default 5")
    parser.add_argument("--large-runs", type=int, default=3, help="runs for the large case, default 3")
    parser.add_argument("--many-runs", type=int, default=1, help="runs of each 500-run report, default 1")
    parser.add_argument("--many", type=int, default=500, help="runs in the many case, default 500")
    parser.add_argument(
        "--sample", type=int, default=30, help="`histplot plot` processes timed for the many baseline, default 30"
    )
    parser.add_argument("--cluster", type=int, default=2000, help="runs in the cluster case, default 2000")
    parser.add_argument("--only", help="comma-separated cases: startup,small,large,wide,many,cluster,watch")
    parser.add_argument("--output", type=Path, default=results.DEFAULT, help="results JSON (default %(default)s)")
    parser.add_argument("--peers", type=Path, help="a venv with the peer tools: adds their rows (make bench-peers)")
    args = parser.parse_args()
    cases = set((args.only or "startup,small,large,wide,many,cluster,watch").split(","))
    os.environ.setdefault("MPLBACKEND", "Agg")
    started = time.perf_counter()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="histplot-bench-") as tmp_name:
        tmp = Path(tmp_name)
        for name, run in (
            ("startup", lambda: startup(args.runs, tmp)),
            ("small", lambda: small(args.runs, tmp)),
            ("large", lambda: large(args.large_runs, tmp)),
            ("wide", lambda: wide(args.runs, tmp)),
            ("many", lambda: many(args.many_runs, tmp, args.many, args.sample)),
            ("cluster", lambda: cluster(args.many_runs, tmp, args.cluster)),
            ("watch", lambda: watch(tmp)),
        ):
            if name in cases:
                print(f"... {name}", file=sys.stderr, flush=True)
                rows += run()
        for name, case in (extra or {}).items():
            if args.only is None or name in cases:
                print(f"... {name}", file=sys.stderr, flush=True)
                rows += case(args, tmp)
    print(table(rows))
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    results.write(results.document(rows, settings, time.perf_counter() - started), args.output)
    print(f"results: {args.output}", file=sys.stderr)
    print(
        f"\n{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()}; medians of {args.runs} runs ({args.large_runs} large, {args.many_runs} many "
        f"report); wall {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
