"""``mlflow:`` inputs against a real ``mlflow server`` (SQLite backend on 127.0.0.1), filled through the
MLflow client: every run read through the REST API equals the same run read from the server's
database, an experiment is a report over its runs, and credentials never appear in messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from servers import mlflow_server, need

from histplot.errors import ReadError
from histplot.readers import load
from histplot.readers import mlflow_server as rest
from histplot.readers.discovery import expand


@pytest.fixture(scope="module")
def tracking(tmp_path_factory):
    need("mlflow")
    tmp = tmp_path_factory.mktemp("mlflow")
    with mlflow_server(tmp) as (url, db):
        from mlflow.entities import Metric, Param
        from mlflow.tracking import MlflowClient

        client = MlflowClient(tracking_uri=url)
        sweep = client.create_experiment("sweep")
        other = client.create_experiment("other")
        ids = {}
        for i, (exp, name) in enumerate(
            [
                (sweep, "lr-1e-3"),
                (sweep, "lr-3e-3"),
                (sweep, "lr-1e-2"),
                (other, "solo"),
                (other, "twin"),
                (sweep, "twin"),
            ]
        ):
            run = client.create_run(exp, run_name=name)
            rid = run.info.run_id
            metrics = []
            for e in range(15):
                t = 1_700_000_000_000 + 1000 * e
                metrics.append(Metric("loss", 2.0 / (e + 1) + 0.01 * i, t, e))
                metrics.append(Metric("val/loss", 2.2 / (e + 1) + 0.02 * i, t + 1, e))
                metrics.append(Metric("val_accuracy", 1 - 1 / (e + 2), t + 2, e))
            metrics.append(Metric("val_accuracy", float("nan"), 1_700_000_900_000, 7))  # a NaN logged again
            metrics.append(Metric("lr", 0.001 * (i + 1), 1_700_000_000_000, 0))
            client.log_batch(rid, metrics=metrics, params=[Param("lr", str(0.001 * (i + 1))), Param("bs", "32")])
            client.set_terminated(rid)
            ids[(exp, name)] = rid
        yield {"url": url, "db": db, "ids": ids, "sweep": sweep, "other": other}


def _same(a, b):
    assert list(a.frame.columns) == list(b.frame.columns)
    assert a.frame.equals(b.frame)
    assert (a.steps is None and b.steps is None) or a.steps.equals(b.steps)
    for key in ("params", "run_id", "label", "experiment"):
        assert a.meta.get(key) == b.meta.get(key), key


def test_every_run_equals_the_database(tracking):
    for rid in tracking["ids"].values():
        _same(load(f"mlflow:{rid}", tracking_uri=tracking["url"]), load(tracking["db"], run=rid))


def test_a_run_by_name_and_by_experiment_and_name(tracking):
    rid = tracking["ids"][(tracking["other"], "solo")]
    by_name = load("mlflow:solo", tracking_uri=tracking["url"])
    assert by_name.meta["run_id"] == rid and by_name.label == "solo"
    by_exp = load("mlflow:sweep/lr-3e-3", tracking_uri=tracking["url"])
    assert by_exp.meta["run_id"] == tracking["ids"][(tracking["sweep"], "lr-3e-3")]
    assert by_exp.meta["params"] == {"lr": "0.002", "bs": "32"}


def test_paging_of_runs_and_histories(tracking, monkeypatch):
    monkeypatch.setattr(rest, "PAGE", 2)
    monkeypatch.setattr(rest, "HISTORY_PAGE", 4)
    calls = []
    real = rest.Server.call

    def counted(self, endpoint, **kw):
        calls.append((endpoint, (kw.get("query") or kw.get("body") or {}).get("page_token")))
        return real(self, endpoint, **kw)

    monkeypatch.setattr(rest.Server, "call", counted)
    rid = tracking["ids"][(tracking["sweep"], "lr-1e-2")]
    _same(load("mlflow:sweep/lr-1e-2", tracking_uri=tracking["url"]), load(tracking["db"], run=rid))
    assert sum(1 for e, tok in calls if e == "runs/search" and tok) >= 1  # 4 runs, 2 a page
    assert sum(1 for e, tok in calls if e == "metrics/get-history" and tok) >= 3  # 15 points, 4 a page


def test_ambiguous_name_and_missing_reference(tracking):
    with pytest.raises(ReadError, match="2 runs are named 'twin'"):
        load("mlflow:twin", tracking_uri=tracking["url"])
    with pytest.raises(ReadError, match="no run, run name or experiment 'nothing'"):
        load("mlflow:nothing", tracking_uri=tracking["url"])
    with pytest.raises(ReadError, match="4 runs here: choose one with --run"):
        load("mlflow:sweep", tracking_uri=tracking["url"])


def test_experiment_expands_to_its_runs(tracking):
    found = expand(["mlflow:sweep"], tracking_uri=tracking["url"])
    assert sorted(c.run for c in found) == sorted(
        rid for (e, _), rid in tracking["ids"].items() if e == tracking["sweep"]
    )


def test_tracking_uri_from_the_environment(tracking, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking["url"])
    assert load("mlflow:solo").label == "solo"
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    with pytest.raises(ReadError, match="--tracking-uri URL or MLFLOW_TRACKING_URI"):
        load("mlflow:solo")


def test_credentials_are_sent_and_never_shown(tracking, monkeypatch):
    seen = []
    real = rest.Server._headers

    def spy(self):
        h = real(self)
        seen.append(h.get("Authorization"))
        return h

    monkeypatch.setattr(rest.Server, "_headers", spy)
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "s3cr3t-token")
    load("mlflow:solo", tracking_uri=tracking["url"])
    assert seen and all(a == "Bearer s3cr3t-token" for a in seen)
    with pytest.raises(ReadError) as err:
        load("mlflow:nothing", tracking_uri=tracking["url"].replace("http://", "http://user:pw-secret@"))
    assert "s3cr3t" not in str(err.value) and "pw-secret" not in str(err.value)


def test_cli_report_over_an_experiment(tracking, tmp_path):
    out = tmp_path / "rep"
    env = {**os.environ, "MLFLOW_TRACKING_USERNAME": "alice", "MLFLOW_TRACKING_PASSWORD": "hunter2-secret"}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "histplot",
            "report",
            "mlflow:sweep",
            "-o",
            str(out),
            "--tracking-uri",
            tracking["url"],
            "--jobs",
            "2",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert r.returncode == 0, r.stderr
    data = json.loads((out / "summary.json").read_text())
    assert data["counts"] == {"runs": 4, "read": 4, "errors": 0, "failing": 0}
    assert sorted(run["label"] for run in data["runs"]) == ["lr-1e-2", "lr-1e-3", "lr-3e-3", "twin"]
    assert "hunter2" not in (out / "summary.json").read_text() + (out / "index.html").read_text() + r.stderr


def test_cli_unreachable_server_is_one_line(tmp_path):
    from servers import free_port

    r = subprocess.run(
        [sys.executable, "-m", "histplot", "info", "mlflow:solo", "--tracking-uri", f"http://127.0.0.1:{free_port()}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "cannot reach the tracking server" in r.stderr


def test_a_run_of_an_experiment_is_fetched_by_id_without_searching(tracking, monkeypatch):
    calls = []
    real = rest.Server.call

    def counted(self, endpoint, **kw):
        calls.append(endpoint)
        return real(self, endpoint, **kw)

    monkeypatch.setattr(rest.Server, "call", counted)
    rid = tracking["ids"][(tracking["sweep"], "lr-1e-3")]
    _same(load("mlflow:sweep", run=rid, tracking_uri=tracking["url"]), load(tracking["db"], run=rid))
    assert "runs/search" not in calls and calls.count("runs/get") == 1
    other = tracking["ids"][(tracking["other"], "solo")]
    with pytest.raises(ReadError, match="matches --run"):  # a run of another experiment is not this one's
        load("mlflow:sweep", run=other, tracking_uri=tracking["url"])
