"""Remote inputs against a real S3 endpoint (moto's server on 127.0.0.1): every read of a URL equals
the read of the same files on disk, discovery lists a prefix in one request, and the limits and
one-line errors of local files apply."""

from __future__ import annotations

import json

import pytest
from servers import BUCKET, SAMPLES, need, s3_server, upload, write_sweep

from histplot.errors import ReadError
from histplot.readers import load
from histplot.readers.discovery import expand


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    need("fsspec", "s3fs", "moto")
    local = tmp_path_factory.mktemp("s3data")
    sweep = write_sweep(local / "sweep", 9)
    with s3_server() as (endpoint, fs):
        samples = upload(fs, SAMPLES, "samples")
        sweep_url = upload(fs, sweep, "sweep")
        yield {"endpoint": endpoint, "fs": fs, "samples": samples, "sweep": sweep_url, "local_sweep": sweep}


def _same(a, b):
    assert list(a.frame.columns) == list(b.frame.columns)
    assert a.frame.equals(b.frame)
    if a.steps is None:
        assert b.steps is None
    else:
        assert a.steps.equals(b.steps)
    assert a.meta.get("format") == b.meta.get("format")
    assert a.meta.get("params") == b.meta.get("params")
    assert a.meta.get("hparams") == b.meta.get("hparams")


SAMPLE_INPUTS = sorted(p.name for p in SAMPLES.iterdir() if p.name != "mlflow.db")


@pytest.mark.parametrize("name", SAMPLE_INPUTS)
def test_each_sample_reads_the_same_from_s3(s3, name):
    local = load(SAMPLES / name)
    remote = load(f"{s3['samples']}/{name}")
    _same(local, remote)
    assert remote.meta["source"] == f"{s3['samples']}/{name}"


@pytest.mark.parametrize(
    "kind",
    [
        "run-0000/history.json",
        "run-0002",
        "run-0001/lightning_logs",
        "run-0001/lightning_logs/version_0",
        "run-0002/trainer_state.json",
    ],
)
def test_run_folders_read_the_same_from_s3(s3, kind):
    _same(load(s3["local_sweep"] / kind), load(f"{s3['sweep']}/{kind}"))


def test_lightning_hparams_beside_a_remote_metrics_file(s3):
    h = load(f"{s3['sweep']}/run-0001/lightning_logs/version_0/metrics.csv")
    assert h.meta["hparams"] == {"lr": 0.002, "batch_size": 32}


def test_discovery_finds_the_same_runs_as_locally(s3):
    local = expand([str(s3["local_sweep"])])
    remote = expand([s3["sweep"]])
    prefix = str(s3["local_sweep"])
    assert [c.path.replace(prefix, s3["sweep"]) for c in local] == [c.path for c in remote]
    # the HF checkpoint copy is not a run of its own, a Lightning folder is one run
    assert len(remote) == 9


def test_discovery_of_samples_equals_local(s3):
    local = [c for c in expand([str(SAMPLES)]) if "mlflow.db" not in c.path]
    remote = [c for c in expand([s3["samples"]]) if "mlflow.db" not in c.path]
    assert [(c.path.replace(str(SAMPLES), s3["samples"]), c.run) for c in local] == [(c.path, c.run) for c in remote]


def test_discovery_lists_a_prefix_in_one_request(s3, monkeypatch):
    fs = type(s3["fs"])
    calls = []
    real = fs.find

    def counted(self, path, *a, **k):
        calls.append(path)
        return real(self, path, *a, **k)

    monkeypatch.setattr(fs, "find", counted)
    expand([s3["sweep"]])
    assert calls == [f"{BUCKET}/sweep"]


def test_a_glob_url(s3):
    found = expand([f"{s3['sweep']}/run-000[0-2]"])
    assert [c.path.rsplit("/", 2)[-2:] for c in found][0] == ["run-0000", "history.json"]
    assert len(found) == 3


def test_max_bytes_applies_to_remote_files(s3):
    with pytest.raises(ReadError, match="over the 100-byte limit") as err:
        load(f"{s3['samples']}/keras_classification.json", max_bytes=100)
    assert err.value.path == f"{s3['samples']}/keras_classification.json"


def _outcome(source, max_bytes):
    try:
        load(source, max_bytes=max_bytes)
        return "read"
    except ReadError as exc:
        return str(exc).split(": ", 1)[-1]


def test_max_bytes_sums_a_remote_folder_as_locally(s3):
    outcomes = {n: _outcome(SAMPLES / "mlruns", n) for n in (160, 300, 600, 900)}
    assert any("sum to more than" in o for o in outcomes.values()) and "read" in outcomes.values()
    assert {n: _outcome(f"{s3['samples']}/mlruns", n) for n in outcomes} == outcomes


def test_restricted_unpickler_applies_to_remote_pickles(s3):
    import pickle

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    s3["fs"].pipe({f"{BUCKET}/evil/history.pkl": pickle.dumps(Evil())})
    with pytest.raises(ReadError) as err:
        load(f"s3://{BUCKET}/evil/history.pkl")
    assert "print" in str(err.value) or "refused" in str(err.value).lower()


def test_missing_object_is_one_line(s3):
    with pytest.raises(ReadError, match="no such file or folder"):
        load(f"s3://{BUCKET}/nothing/here.json")


def test_missing_protocol_package_is_named():
    need("fsspec")
    import importlib.util

    if importlib.util.find_spec("gcsfs") is not None:
        pytest.skip("gcsfs is installed here")
    with pytest.raises(ReadError, match="needs the gcsfs package"):
        load("gs://bucket/history.json")


def test_cli_plot_and_report_from_s3(s3, tmp_path):
    import os
    import subprocess
    import sys

    out = tmp_path / "rep"
    env = {**os.environ}
    r = subprocess.run(
        [sys.executable, "-m", "histplot", "report", s3["sweep"], "-o", str(out), "--jobs", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert r.returncode == 0, r.stderr
    data = json.loads((out / "summary.json").read_text())
    assert len(data["runs"]) == 9 and not any(run["error"] for run in data["runs"])
    r = subprocess.run(
        [sys.executable, "-m", "histplot", "plot", f"s3://{BUCKET}/nothing.json", "-o", str(tmp_path / "x.png")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "nothing.json" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x.png").exists()


def test_watch_refuses_a_url_in_one_line(tmp_path):
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "histplot", "watch", f"s3://{BUCKET}/x/metrics.csv", "-o", str(tmp_path / "w.png")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "watch follows a local file" in r.stderr
    assert not (tmp_path / "w.png").exists()


@pytest.fixture(scope="module")
def http_samples():
    """sample_histories/ served by the standard library's http.server (folders as index pages)."""
    need("fsspec", "aiohttp")
    import functools
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SAMPLES))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.mark.parametrize(
    "name", ["keras_classification.json", "lightning_metrics.csv", "mlruns", "tensorboard_histograms"]
)
def test_http_files_and_folders_read_the_same(http_samples, name):
    _same(load(SAMPLES / name), load(f"{http_samples}/{name}"))


def test_a_small_object_is_read_in_one_request_after_its_listing(s3):
    """A sweep of thousands of runs pays per request: a listed object of known size is fetched with
    one ranged GET, not opened as a file (which asks the store for its details first)."""
    import logging

    requests = []

    class Count(logging.Handler):
        def emit(self, record):
            parts = record.getMessage().split('"')
            if len(parts) > 1 and "keras_classification.json" in parts[1]:
                method, target = parts[1].split()[:2]
                requests.append((method.split("m")[-1], "listing" if "?" in target else "object"))

    server_log = logging.getLogger("werkzeug")
    handler = Count()
    level = server_log.level
    server_log.setLevel(logging.INFO)
    server_log.addHandler(handler)
    try:
        h = load(f"{s3['samples']}/keras_classification.json")
    finally:
        server_log.removeHandler(handler)
        server_log.setLevel(level)
    assert h.epochs == load(SAMPLES / "keras_classification.json").epochs
    # the listing of a file URL (a LIST, and a HEAD finding the object itself unless s3fs has it
    # cached from an earlier test), then one GET of its bytes
    assert requests.count(("HEAD", "object")) <= 1 and requests.count(("GET", "object")) == 1, requests
