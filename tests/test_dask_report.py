"""``report --executor dask`` on a real LocalCluster of two worker processes: the report is the
``--jobs`` report byte for byte, a bad run is an error row, a worker killed mid-report loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from servers import SAMPLES, need, write_sweep

from histplot.reports.build import build_report


@pytest.fixture(scope="module")
def cluster():
    need("distributed")
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc:
        with Client(lc) as client:
            yield lc.scheduler_address, client


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("dask-in")
    write_sweep(root / "sweep", 12)
    (root / "sweep" / "broken.json").write_text('{"loss": [1, 2')  # one bad run among good ones
    return [str(root / "sweep"), str(SAMPLES / "keras_classification.json"), str(SAMPLES / "mlruns")]


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def local_report(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "rep"
    build_report(inputs, out, jobs=2)
    return tree(out)


def test_dask_report_is_byte_identical_to_jobs(cluster, inputs, local_report, tmp_path):
    out = tmp_path / "rep"
    report = build_report(inputs, out, executor="dask", scheduler=cluster[0])
    got = tree(out)
    assert sorted(got) == sorted(local_report)
    assert differing(got, local_report) == []
    assert [r.error is not None for r in report.runs].count(True) == 1
    assert any(name.endswith(".png") for name in got) and "summary.json" in got


def differing(got: dict[str, bytes], expected: dict[str, bytes]) -> list[str]:
    """The files that differ, by name: comparing the trees with == has pytest diff megabytes of figures."""
    return sorted(k for k in got.keys() | expected.keys() if got.get(k) != expected.get(k))


def test_a_worker_killed_mid_report_loses_nothing(cluster, inputs, local_report, tmp_path):
    """Three times, as the kill lands at a different moment each time: a worker killed while the
    client fetched a finished result from it lost that result (one report in three, before it was
    submitted again)."""
    address, client = cluster
    for attempt in range(3):
        pids = list(client.run(os.getpid).values())
        killed = []

        def progress(done, total, pids=pids, killed=killed):
            if done == 2 and not killed:
                os.kill(pids[0], signal.SIGKILL)  # the nanny starts a new worker; its tasks run again
                killed.append(pids[0])

        out = tmp_path / f"rep{attempt}"
        build_report(inputs, out, executor="dask", scheduler=address, progress=progress)
        assert killed
        assert differing(tree(out), local_report) == []


class _LostResult:
    """A Dask future whose result is lost the way a killed worker loses it (status back to pending)."""

    def __init__(self, client, key):
        self.client, self.key, self.status = client, key, "pending"

    def result(self):
        raise RuntimeError("<asyncio.locks.Event object [unset]> is bound to a different event loop")


class _Done:
    def __init__(self, value, status="finished"):
        self.value, self.status, self.key = value, status, "done"

    def result(self):
        if isinstance(self.value, Exception):
            raise self.value
        return self.value


def test_a_result_lost_with_its_worker_is_submitted_again_and_a_failed_task_is_final():
    from histplot.reports.executors import RESUBMITS, _result, run_on_worker

    submitted = []

    class Client:
        def __init__(self, outcome=None):
            self.outcome = outcome  # None: every submission is lost too

        def submit(self, fn, job, pure, key):
            submitted.append((fn, job, pure, key))
            return self.outcome or _LostResult(self, key)

    job = object()
    assert _result(_LostResult(Client(_Done(("row", {}))), "k"), job) == ("row", {})
    assert submitted == [(run_on_worker, job, False, "k-again1")]
    failed = _Done(ValueError("KilledWorker"), status="error")
    with pytest.raises(ValueError):
        _result(failed, job)  # the task's own failure: never submitted again
    assert len(submitted) == 1
    with pytest.raises(RuntimeError):  # lost every time: given up after RESUBMITS submissions
        _result(_LostResult(Client(), "k"), job)
    assert [key for *_, key in submitted[1:]] == [f"k-again{i}" for i in range(1, RESUBMITS + 1)]


def test_cli_report_with_a_local_cluster(inputs, local_report, tmp_path):
    need("distributed")
    out = tmp_path / "rep"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "histplot",
            "report",
            *inputs,
            "-o",
            str(out),
            "--executor",
            "dask",
            "--scheduler",
            "local",
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert r.returncode == 0, r.stderr
    assert differing(tree(out), local_report) == []
    assert "broken.json" in r.stderr


def test_cli_scheduler_needs_the_dask_executor(inputs, tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "histplot", "report", inputs[1], "-o", str(tmp_path / "r"), "--scheduler", "local"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "--executor dask" in r.stderr
    assert not (tmp_path / "r").exists()


def test_unreachable_scheduler_is_one_line(inputs, tmp_path):
    need("distributed")
    from servers import free_port

    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "histplot",
            "report",
            inputs[1],
            "-o",
            str(tmp_path / "r"),
            "--executor",
            "dask",
            "--scheduler",
            f"tcp://127.0.0.1:{free_port()}",
        ],
        capture_output=True,
        text=True,
        timeout=200,
        env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"},
    )
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().count("\n") == 0 and "Dask scheduler" in r.stderr
    assert not (tmp_path / "r").exists()


def test_ctrl_c_cancels_the_futures_and_leaves_only_whole_files(cluster, tmp_path):
    import time

    from histplot.output import TEMP_PREFIX

    address, client = cluster
    sweep = write_sweep(tmp_path / "sweep", 60)
    out = tmp_path / "rep"
    env = {k: v for k, v in os.environ.items() if k != "HISTPLOT_DEBUG"}
    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "histplot",
            "report",
            str(sweep),
            "-o",
            str(out),
            "--executor",
            "dask",
            "--scheduler",
            address,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(list((out / "figures").glob("*.svg"))) < 3:
            time.sleep(0.1)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
    finally:
        p.kill()
    assert p.returncode == 130, err
    figures = sorted((out / "figures").iterdir())
    assert 3 <= len(figures) < 120  # stopped part way
    assert not any(f.name.startswith(TEMP_PREFIX) for f in figures)
    assert not (out / "summary.json").exists()
    for f in figures:
        data = f.read_bytes()
        assert data.endswith(b"</svg>\n") if f.suffix == ".svg" else data.rstrip(b"\x00").endswith(b"IEND\xaeB`\x82")
    deadline = time.monotonic() + 30
    while client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) == 0
