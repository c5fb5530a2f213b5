"""Real servers on 127.0.0.1 for the remote tests: moto's S3 endpoint, an ``mlflow server`` with a
SQLite backend, a Dask ``LocalCluster`` of two worker processes; and a generated sweep of run folders.

Each server is started by a session fixture on a free port and stopped in its finalizer. A missing
package skips the tests that need it, with its name, except under CI (``CI=true``), where it fails:
CI installs the ``test`` extra, so a missing package there is a broken install, not a choice.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_histories"
BUCKET = "histplot-test"
# moto accepts any credentials; these only keep boto from looking for real ones.
S3_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def need(*modules: str) -> None:
    """Skip (fail under CI) unless every module imports."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if not missing:
        return
    reason = f"needs {', '.join(missing)} (pip install -e '.[test]')"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI: {reason}", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- a sweep of runs in the layouts frameworks write ------------------------------------------------
def _curve(rng, epochs: int, start: float, rate: float) -> list[float]:
    return [float(round(start * np.exp(-rate * e) + 0.02 * rng.random(), 6)) for e in range(epochs)]


def write_run(folder: Path, kind: str, i: int, epochs: int = 12) -> None:
    """One run of ``kind`` (keras, lightning, hf) in ``folder``, its numbers from seed ``i``."""
    rng = np.random.default_rng(i)
    loss, val = _curve(rng, epochs, 2.0, 0.2 + 0.01 * (i % 7)), _curve(rng, epochs, 2.1, 0.15)
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "keras":
        acc = [round(1 - v / 2.5, 6) for v in val]
        (folder / "history.json").write_text(json.dumps({"loss": loss, "val_loss": val, "val_accuracy": acc}))
    elif kind == "lightning":
        v = folder / "lightning_logs" / "version_0"
        v.mkdir(parents=True, exist_ok=True)
        rows = ["epoch,step,train_loss,val_loss"]
        for e in range(epochs):
            rows.append(f"{e},{(e + 1) * 10 - 1},{loss[e]},")
            rows.append(f"{e},{(e + 1) * 10 - 1},,{val[e]}")
        (v / "metrics.csv").write_text("\n".join(rows) + "\n")
        (v / "hparams.yaml").write_text(f"lr: {0.001 * (1 + i % 5)}\nbatch_size: 32\n")
    elif kind == "hf":
        log = []
        for e in range(epochs):
            log.append({"epoch": float(e + 1), "step": (e + 1) * 50, "loss": loss[e]})
            log.append({"epoch": float(e + 1), "step": (e + 1) * 50, "eval_loss": val[e]})
        state = {"global_step": epochs * 50, "is_world_process_zero": True, "log_history": log}
        half = {**state, "global_step": epochs * 25, "log_history": log[:epochs]}
        (folder / "trainer_state.json").write_text(json.dumps(state))
        ck = folder / f"checkpoint-{epochs * 25}"
        ck.mkdir(exist_ok=True)
        (ck / "trainer_state.json").write_text(json.dumps(half))
    else:
        raise ValueError(kind)


def write_sweep(root: Path, n: int) -> Path:
    """``n`` runs cycling through Keras JSON, Lightning ``version_N`` and Hugging Face output folders."""
    kinds = ("keras", "lightning", "hf")
    for i in range(n):
        write_run(root / f"run-{i:04d}", kinds[i % 3], i)
    return root


# -- moto's S3 server ---------------------------------------------------------------------------------
@contextlib.contextmanager
def s3_server():
    """(endpoint URL, s3fs filesystem) of a fresh moto server; the variables s3fs and botocore read
    (``AWS_ENDPOINT_URL``, ``FSSPEC_S3_ENDPOINT_URL``) point at it while it runs."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # not a line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = {**S3_ENV, "AWS_ENDPOINT_URL": endpoint, "FSSPEC_S3_ENDPOINT_URL": endpoint}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    import fsspec.config

    saved_conf = fsspec.config.conf.get("s3")
    fsspec.config.conf["s3"] = {"endpoint_url": endpoint}
    try:
        import s3fs

        fs = s3fs.S3FileSystem(endpoint_url=endpoint, skip_instance_cache=True)
        fs.call_s3("create_bucket", Bucket=BUCKET)
        yield endpoint, fs
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if saved_conf is None:
            fsspec.config.conf.pop("s3", None)
        else:
            fsspec.config.conf["s3"] = saved_conf


def upload(fs, local: Path, prefix: str) -> str:
    """Every file below ``local`` to ``s3://BUCKET/prefix/``, keeping the layout; returns the URL."""
    files = {}
    for p in sorted(local.rglob("*")):
        if p.is_file():
            files[f"{BUCKET}/{prefix}/{p.relative_to(local).as_posix()}"] = p.read_bytes()
    fs.pipe(files)
    return f"s3://{BUCKET}/{prefix}"


# -- an MLflow tracking server --------------------------------------------------------------------
@contextlib.contextmanager
def mlflow_server(tmp: Path, timeout: float = 120.0):
    """The URL of a real ``mlflow server`` (SQLite backend in ``tmp``) and the database's path."""
    db = tmp / "mlflow.db"
    port = free_port()
    exe = shutil.which("mlflow", path=str(Path(sys.executable).parent)) or shutil.which("mlflow")
    cmd = [
        exe or sys.executable,
        *([] if exe else ["-m", "mlflow"]),
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--backend-store-uri",
        f"sqlite:///{db}",
        "--default-artifact-root",
        (tmp / "artifacts").as_uri(),
        "--workers",
        "1",
    ]
    log = open(tmp / "mlflow-server.log", "wb")  # noqa: SIM115 - closed in the finalizer
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mlflow server did not start: {(tmp / 'mlflow-server.log').read_text()[-2000:]}")
            time.sleep(0.5)
        yield url, db
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(timeout=20)
        log.close()
