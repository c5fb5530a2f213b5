"""MLflow runs read from a tracking server's REST API (``mlflow:REF`` inputs), with urllib only.

``REF`` is a run id, a run name, an experiment name, or ``EXPERIMENT/RUN`` (a run id or name within
that experiment); an experiment is a report over its runs. The server is ``--tracking-uri URL`` or
``MLFLOW_TRACKING_URI``. Authentication is what MLflow's own client reads: ``MLFLOW_TRACKING_TOKEN``
(a bearer token) or ``MLFLOW_TRACKING_USERNAME`` and ``MLFLOW_TRACKING_PASSWORD`` (basic); neither
ever appears in a message. Endpoints: ``runs/get``, ``runs/search`` and ``experiments/get-by-name``,
and ``metrics/get-history`` per metric, each followed through its ``page_token``. The history is
assembled by the ``mlflow`` reader's own rules, so a server's run equals the same run read from the
server's database.
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
import urllib.error
import urllib.parse
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ReadError
from ..history import History
from . import _budget
from .mlflow import Run, _add_walls, _history, _pick
from .remote import shown

PREFIX = "mlflow:"
API = "/api/2.0/mlflow"
TIMEOUT = 60.0
PAGE = 1000  # runs per runs/search page (the server's maximum is 50,000)
HISTORY_PAGE = 25000
_RUN_ID = re.compile(r"^[0-9a-f]{32}$")


def is_ref(source: Any) -> bool:
    return isinstance(source, str) and source.startswith(PREFIX) and not source.startswith(PREFIX + "//")


def _uri(given: str | None, name: str) -> str:
    uri = given or os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        raise ReadError("mlflow: inputs need a tracking server: --tracking-uri URL or MLFLOW_TRACKING_URI", name)
    if not uri.startswith(("http://", "https://")):
        raise ReadError(
            f"--tracking-uri must be an http(s) URL of a tracking server, not {shown(uri)!r} "
            "(read a local store as a path: mlruns/ or mlflow.db)",
            name,
        )
    return uri.rstrip("/")


class Server:
    """One tracking server's REST API; every response's bytes are counted against --max-bytes."""

    def __init__(self, uri: str, name: str):
        self.uri, self.name = uri, name

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        token = os.environ.get("MLFLOW_TRACKING_TOKEN")
        user, password = os.environ.get("MLFLOW_TRACKING_USERNAME"), os.environ.get("MLFLOW_TRACKING_PASSWORD")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        elif user is not None and password is not None:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        return headers

    def call(
        self, endpoint: str, *, query: dict | None = None, body: dict | None = None, missing_ok: bool = False
    ) -> dict | None:
        url = f"{self.uri}{API}/{endpoint}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        # start-up time: urllib.request (http.client, email) only when a server is asked (25 ms)
        from urllib.request import Request, urlopen

        data = json.dumps(body).encode() if body is not None else None
        req = Request(url, data=data, headers=self._headers(), method="POST" if body else "GET")
        budget = _budget.current()
        try:
            with urlopen(req, timeout=TIMEOUT) as resp:  # noqa: S310 - http(s) checked above
                raw = _read_limited(resp, budget.max_input - budget.input_bytes, self.name)
        except urllib.error.HTTPError as exc:
            detail = _error_detail(exc)
            if missing_ok and (exc.code == 404 or "RESOURCE_DOES_NOT_EXIST" in detail):
                return None
            if exc.code in (401, 403):
                raise ReadError(
                    f"the tracking server refused the request ({exc.code}): set MLFLOW_TRACKING_TOKEN "
                    "or MLFLOW_TRACKING_USERNAME/PASSWORD",
                    self.name,
                ) from None
            raise ReadError(f"the tracking server answered {exc.code} to {endpoint}: {detail}", self.name) from None
        except (urllib.error.URLError, OSError) as exc:
            why = getattr(exc, "reason", exc)
            raise ReadError(f"cannot reach the tracking server {shown(self.uri)}: {why}", self.name) from None
        budget.charge_input(len(raw), self.name)
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            raise ReadError(f"the tracking server's answer to {endpoint} is not JSON", self.name) from None

    def pages(self, endpoint: str, key: str, *, query: dict | None = None, body: dict | None = None) -> list:
        """Every item of a paged answer, following ``next_page_token``."""
        out: list = []
        token = None
        while True:
            q = dict(query or {}) if query is not None else None
            b = dict(body or {}) if body is not None else None
            if token:
                (q if q is not None else b)["page_token"] = token
            page = self.call(endpoint, query=q, body=b) or {}
            out.extend(page.get(key, []))
            token = page.get("next_page_token")
            if not token:
                return out


def _read_limited(resp, limit: int, name: str) -> bytes:
    chunks, total = [], 0
    while True:
        chunk = resp.read(min(1024 * 1024, max(limit + 1 - total, 1)))
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > limit:
            raise ReadError(
                "the tracking server's answers sum to more than the --max-bytes limit; raise it "
                "with --max-bytes if this really is a history",
                name,
            )
        chunks.append(chunk)


def _error_detail(exc: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(exc.read(64 * 1024) or b"{}")
        text = f"{body.get('error_code', '')}: {body.get('message', '')}".strip(": ")
    except (ValueError, OSError, AttributeError):
        text = exc.reason if isinstance(exc.reason, str) else ""
    return " ".join(str(text).split())[:300] or "no detail"


# -- finding runs -------------------------------------------------------------------------------------
def _experiment(server: Server, name: str) -> dict | None:
    answer = server.call("experiments/get-by-name", query={"experiment_name": name}, missing_ok=True)
    return (answer or {}).get("experiment")


def _search(server: Server, experiment_ids: list[str], filter_: str = "") -> list[dict]:
    body = {"experiment_ids": experiment_ids, "max_results": PAGE, "order_by": ["attributes.start_time ASC"]}
    if filter_:
        body["filter"] = filter_
    return server.pages("runs/search", "runs", body=body)


def _all_experiment_ids(server: Server) -> list[str]:
    found = server.pages("experiments/search", "experiments", body={"max_results": PAGE})
    return [e["experiment_id"] for e in found if e.get("lifecycle_stage") != "deleted"]


def _quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def find_runs(ref: str, *, tracking: str | None = None, name: str | None = None) -> tuple[str | None, list[dict]]:
    """(experiment name or None, the runs ``ref`` names) -- one run unless ``ref`` is an experiment."""
    name = name or ref
    server = Server(_uri(tracking, name), name)
    key = ref[len(PREFIX) :] if ref.startswith(PREFIX) else ref
    if not key:
        raise ReadError("mlflow: needs a run id, a run name or an experiment name after it", name)
    exp_name, _, run_ref = key.partition("/") if "/" in key else ("", "", key)
    if exp_name:
        exp = _experiment(server, exp_name)
        if exp is None:
            raise ReadError(f"no experiment named {exp_name!r} on the tracking server", name)
        runs = [r for r in _search(server, [exp["experiment_id"]]) if _matches(r, run_ref)]
        return None, _one(runs, run_ref, name)
    if _RUN_ID.match(key):
        got = server.call("runs/get", query={"run_id": key}, missing_ok=True)
        if got and got.get("run"):
            return None, [got["run"]]
    exp = _experiment(server, key)
    if exp is not None:
        runs = [r for r in _search(server, [exp["experiment_id"]]) if r["info"].get("lifecycle_stage") != "deleted"]
        if not runs:
            raise ReadError(f"experiment {key!r} has no runs", name)
        return key, runs
    runs = _search(server, _all_experiment_ids(server), f"attributes.run_name = {_quoted(key)}")
    return None, _one(runs, key, name)


def _matches(run: dict, ref: str) -> bool:
    info = run.get("info", {})
    return info.get("lifecycle_stage") != "deleted" and ref in (info.get("run_id"), info.get("run_name"))


def _one(runs: list[dict], ref: str, name: str) -> list[dict]:
    if not runs:
        raise ReadError(f"no run, run name or experiment {ref!r} on the tracking server", name)
    if len(runs) > 1:
        ids = ", ".join(r["info"]["run_id"][:8] for r in runs[:8])
        raise ReadError(f"{len(runs)} runs are named {ref!r}: give the run id ({ids})", name)
    return runs


def list_runs(ref: str, *, tracking: str | None = None) -> tuple[str | None, list[str]]:
    """For ``report``: (experiment or None, the run ids the reference stands for)."""
    exp, runs = find_runs(ref, tracking=tracking)
    return exp, [r["info"]["run_id"] for r in runs]


# -- reading a run ------------------------------------------------------------------------------------
def read(ref: str, *, run: str | None = None, tracking_uri: str | None = None, name: str | None = None) -> History:  # noqa: E501
    """The history of the run ``ref`` names (with ``run``: that run of the experiment ``ref`` names)."""
    name = name or ref
    server = Server(_uri(tracking_uri, name), name)
    runs = _by_id(server, ref, run) if run is not None and _RUN_ID.match(run) else []
    if not runs:
        _, runs = find_runs(ref, tracking=tracking_uri, name=name)
    if run is not None:
        runs = [r for r in runs if _matches(r, run) or r["info"]["run_id"].startswith(run)]
        if not runs:
            raise ReadError(f"no run matches --run {run!r} here", name)
    infos = [_as_run(r) for r in runs]
    chosen = _pick(infos, run, name)
    for key in chosen.metrics:
        chosen.metrics[key] = _metric_history(server, chosen, key)
    return _history(chosen, name)


def _by_id(server: Server, ref: str, run_id: str) -> list[dict]:
    """One run of an experiment by its id, fetched alone: a report over an experiment asks for each of
    its runs this way, rather than searching the whole experiment once per run."""
    got = (server.call("runs/get", query={"run_id": run_id}, missing_ok=True) or {}).get("run")
    if not got:
        return []
    exp = _experiment(server, ref[len(PREFIX) :].partition("/")[0]) if ref.startswith(PREFIX) else None
    same = exp is not None and str(exp.get("experiment_id")) == str(got["info"].get("experiment_id"))
    return [got] if same else []  # otherwise the full search decides (and explains)


def _as_run(data: dict) -> Run:
    info, body = data.get("info", {}), data.get("data", {})
    tags = {t["key"]: t.get("value") for t in body.get("tags", [])}
    run = Run(
        run_id=info["run_id"],
        name=info.get("run_name") or tags.get("mlflow.runName") or None,
        experiment=str(info.get("experiment_id")) if info.get("experiment_id") is not None else None,
    )
    run.params = {p["key"]: p.get("value") for p in body.get("params", [])}
    run.metrics = {m["key"]: None for m in sorted(body.get("metrics", []), key=lambda m: m["key"])}  # type: ignore[misc]
    return run


def _metric_history(server: Server, run: Run, key: str) -> pd.Series:
    """A metric's values by step, in the database reader's order (step, then time), walls added."""
    points = server.pages(
        "metrics/get-history", "metrics", query={"run_id": run.run_id, "metric_key": key, "max_results": HISTORY_PAGE}
    )
    _budget.charge(len(points), 40, f"{len(points):,} points of metric {key!r}")
    steps = np.array([int(p.get("step", 0) or 0) for p in points], dtype=np.int64)
    stamps = np.array([float(p.get("timestamp", 0) or 0) for p in points], dtype=float)
    values = np.array([_number(p.get("value")) for p in points], dtype=float)
    order = np.lexsort((stamps, steps))
    if len(points):
        _add_walls(run.walls, steps[order], stamps[order])
    return pd.Series(values[order], index=steps[order], dtype=float)


def _number(v: Any) -> float:
    if isinstance(v, str):  # the server writes NaN and infinities as strings in strict JSON
        try:
            return float(v)
        except ValueError:
            return math.nan
    return math.nan if v is None else float(v)
