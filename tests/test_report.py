"""`histplot report`: CI artifacts over many runs, one corrupt; deterministic; safe to interrupt."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from types import SimpleNamespace

import pytest

from conftest import REPO, SAMPLES

# One sample per family of format: Keras JSON and CSV, pickle, Lightning, Hugging Face, JSON lines.
MIXED = [
    "csvlogger_training.log",
    "pytorch_regression.pkl",
    "lightning_metrics.csv",
    "hf_trainer_state.json",
    "timm_log.txt",
    "keras_classification.json",
]


def make_runs(d):
    """A directory mixing formats and nesting, one corrupt history, and a file that is no history."""
    (d / "a").mkdir(parents=True)
    (d / "b").mkdir()
    for name in MIXED:
        shutil.copy(SAMPLES / name, d / "a" / name)
    shutil.copy(SAMPLES / "overfitting_run.json", d / "b" / "history.json")
    (d / "b" / "corrupt.json").write_text('{"loss": [0.5, 0.4], "val_loss": [')
    (d / "b" / "notes.txt").write_text("remember to try a lower learning rate\n")
    return d


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The mixed runs, made once for the module: tests read them and never write there."""
    return make_runs(tmp_path_factory.mktemp("inputs") / "runs")


@pytest.fixture(scope="module")
def shared(runs, tmp_path_factory):
    """`histplot report runs -o out -j 1 --github`, run once for the module; the tests assert on its
    outputs (the figures, summaries and index.html), its exit code and its output streams.

    ``--github`` only adds the step summary and the annotations on stdout; the files are the same."""
    from click.testing import CliRunner

    from histplot.cli import cli

    home = tmp_path_factory.mktemp("report")
    summary = home / "step_summary.md"
    summary.write_text("previous step\n")
    out = home / "out"
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    cwd = os.getcwd()
    os.chdir(home)  # as the `run` fixture does: no histplot.yaml of the caller's is read
    try:
        result = CliRunner().invoke(cli, ["report", str(runs), "-o", str(out), "-j", "1", "--github"], env=env)
    finally:
        os.chdir(cwd)
    return SimpleNamespace(result=result, out=out, step_summary=summary)


def read_report(out):
    return json.loads((out / "summary.json").read_text())


# The documented shape of summary.json (README, "CI reports"); every key and its type.
RUN_KEYS = {
    "source": str,
    "slug": str,
    "label": (str, type(None)),
    "format": (str, type(None)),
    "epochs": (int, type(None)),
    "monitor": (str, type(None)),
    "mode": (str, type(None)),
    "best_epoch": (int, type(None)),
    "best": (float, type(None)),
    "final": (float, type(None)),
    "metrics": dict,
    "findings": list,
    "notes": list,
    "failing": list,
    "figures": dict,
    "error": (str, type(None)),
    "extra_figures": dict,  # confusion / distributions figures, when the run logged them
    "confusion": (dict, type(None)),
}


def test_report_over_a_mixed_directory_with_one_corrupt_file(shared, runs):
    r, out = shared.result, shared.out
    assert r.exit_code == 0, r.stderr
    data = read_report(out)
    assert data["schema"] == "histplot.report/1"
    assert set(data) == {"schema", "fail_on", "counts", "failed", "runs"}
    assert data["counts"] == {"runs": len(MIXED) + 2, "read": len(MIXED) + 1, "errors": 1, "failing": 0}
    assert sorted({row["format"] for row in data["runs"] if row["format"]}) == [
        "hf_trainer_state",
        "jsonl",
        "keras_csv",
        "keras_json",
        "lightning_csv",
        "pickle",
    ]
    for row in data["runs"]:
        assert set(row) == set(RUN_KEYS)
        for key, typ in RUN_KEYS.items():
            assert isinstance(row[key], typ), (key, row[key])
    bad = [row for row in data["runs"] if row["error"]]
    assert [b["source"] for b in bad] == [str(runs / "b" / "corrupt.json")]
    assert "truncated JSON" in bad[0]["error"]
    assert f"Error: {runs / 'b' / 'corrupt.json'}: truncated JSON" in r.stderr
    good = [row for row in data["runs"] if not row["error"]]
    for row in good:
        for fmt in ("png", "svg"):
            assert (out / row["figures"][fmt]).stat().st_size > 1000
    overfit = next(row for row in good if row["source"].endswith("b/history.json"))
    assert overfit["monitor"] == "val_loss" and overfit["best_epoch"] == 16
    assert overfit["best"] == pytest.approx(0.61719)
    assert "overfitting" in [f["kind"] for f in overfit["findings"]]
    # what --fail-on overfitting fails: that run alone
    assert [row["source"] for row in good if "overfitting" in [f["kind"] for f in row["findings"]]] == [
        overfit["source"]
    ]
    assert overfit["metrics"]["val_loss"]["best"] == pytest.approx(0.61719)
    md = (out / "summary.md").read_text()
    assert md.count("\n| ") == 1 + data["counts"]["runs"]  # header + one row per run
    assert "## Unreadable" in md and "corrupt.json" in md
    row = next(ln for ln in md.splitlines() if ln.startswith("| keras_classification |"))
    assert "val_accuracy 0.8" in row  # main metrics: final (best) of the held-out accuracy
    assert "notes.txt" not in md


def test_fail_on_and_strict_exit_codes(tmp_path):
    """The exit code is the report's ``return_code``: 1 for a --fail-on finding, 2 with --strict and an
    unreadable input (the report still complete), else 0."""
    from histplot.reports.build import build_report

    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(SAMPLES / "overfitting_run.json", d / "history.json")
    (d / "corrupt.json").write_text('{"loss": [0.5, 0.4], "val_loss": [')
    report = build_report([str(d)], tmp_path / "o1", fail_on=("overfitting",), jobs=1, formats=("svg",))
    assert read_report(tmp_path / "o1")["counts"]["failing"] == 1
    assert report.return_code() == 1
    assert replace(report, fail_on=(), runs=[replace(r, failing=[]) for r in report.runs]).return_code() == 0
    strict = replace(report, strict=True)
    assert strict.return_code() == 2
    assert (tmp_path / "o1" / "index.html").exists()  # the report is still complete


def test_globs_and_files(run, tmp_path):
    # a glob and a file: the glob expanded by histplot, sorted, the file kept once
    pattern = str(SAMPLES / "[hk]*.json")
    r = run("report", pattern, str(SAMPLES / "keras_classification.json"), "-o", tmp_path / "out", "-j", "1", ok=True)
    sources = [row["source"] for row in read_report(tmp_path / "out")["runs"]]
    assert sources == sorted(str(p) for p in SAMPLES.glob("[hk]*.json")) and len(sources) == 2
    assert "0 unreadable" in r.stderr


def test_index_html_is_self_contained(shared):
    html = (shared.out / "index.html").read_text()
    read = [r for r in read_report(shared.out)["runs"] if not r["error"]]
    # Every run's full figure is stored in the page (gzip'd SVG), and a thumbnail shows in its row.
    assert html.count('data-mime="image/svg+xml"') == len(read)
    assert html.count('<img alt="') == len(read)
    # Nothing is fetched: images are data: URIs, scripts and styles inline, no link to anywhere.
    assert re.findall(r"""\bsrc\s*=\s*["']?([a-z]+:)""", html, re.I) == ["data:"] * len(read)
    assert not re.search(r"""(<script[^>]*\bsrc\s*=|<link|@import|url\(\s*['"]?(https?:|//))""", html, re.I)
    assert not re.search(r"""href\s*=\s*["'](https?:|//|file:)""", html, re.I)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_each_stored_figure_is_the_svg_written(shared):
    """index.html's copy of each SVG (gzip'd by the run's worker) inflates to the file in figures/."""
    import base64
    import gzip

    html = (shared.out / "index.html").read_text()
    stored = dict(re.findall(r'id="fig-([^"]+)" data-mime="image/svg\+xml">([^<]+)<', html))
    rows = [r for r in read_report(shared.out)["runs"] if not r["error"]]
    figures = {r["slug"]: r["figures"]["svg"] for r in rows}
    figures.update({f"{r['slug']}-{k}": f["svg"] for r in rows for k, f in (r.get("extra_figures") or {}).items()})
    assert set(stored) == set(figures)
    for key, path in figures.items():
        assert gzip.decompress(base64.b64decode(stored[key])) == (shared.out / path).read_bytes(), key


def test_a_runs_matrices_are_packed_beside_its_figure(tmp_path):
    import gzip

    from histplot.diagnosis.settings import Settings
    from histplot.reports.results import RunJob, run_one

    job = RunJob(str(SAMPLES / "fashion_confusion.json"), "fc", str(tmp_path), {}, Settings(), (), ("svg",), 100)
    result = run_one(job)
    assert set(result.packed) == {"fc", "fc-confusion"} and "packed" not in result.to_dict()
    for key, data in result.packed.items():
        assert gzip.decompress(data) == (tmp_path / f"{key}.svg").read_bytes()


def test_each_thumbnail_is_made_where_its_run_is_drawn(shared):
    """A run's thumbnail comes back with its result (made in the worker, beside its figure), is the
    thumbnail of the PNG written, stands in index.html, and stays out of summary.json."""
    import base64

    from histplot.diagnosis.settings import Settings
    from histplot.reports.results import RunJob, run_one
    from histplot.reports.thumbnails import thumbnail

    html = (shared.out / "index.html").read_text()
    row = read_report(shared.out)["runs"][0]
    assert "thumbnail" not in row
    png = shared.out / row["figures"]["png"]
    expected = thumbnail(png)
    assert expected.startswith(b"\x89PNG") and base64.b64encode(expected).decode() in html
    again = shared.out.parent / "again"
    again.mkdir(exist_ok=True)
    result = run_one(RunJob(row["source"], row["slug"], str(again), {}, Settings(), (), ("png",), 100))
    assert result.thumbnail == thumbnail(again / png.name)
    assert result.thumbnail == expected


def test_parallel_and_serial_reports_are_identical_and_deterministic(run, runs, shared, tmp_path):
    """The shared report (serial, one process) against a fresh one with two workers: same bytes."""
    run("report", runs, "-o", tmp_path / "parallel", "-j", "2")
    serial = shared.out
    for name in ("summary.json", "summary.md", "index.html"):
        assert (serial / name).read_bytes() == (tmp_path / "parallel" / name).read_bytes(), name
    svgs = sorted(p.name for p in (serial / "figures").glob("*.svg"))
    assert len(svgs) == len(MIXED) + 1
    for name in svgs:
        assert (serial / "figures" / name).read_bytes() == (tmp_path / "parallel/figures" / name).read_bytes()


def test_timestamp_only_when_asked(run, tmp_path):
    run("report", SAMPLES / "overfitting_run.json", "-o", tmp_path / "out", "-j", "1", "--timestamp")
    assert "generated" in read_report(tmp_path / "out")
    assert "Generated " in (tmp_path / "out" / "summary.md").read_text()


def test_github_summary_and_annotations(run, shared, tmp_path, monkeypatch):
    text = shared.step_summary.read_text()
    assert text.startswith("previous step\n# histplot report")
    assert text.endswith((shared.out / "summary.md").read_text())
    lines = shared.result.stdout.splitlines()
    assert any(ln.startswith("::warning file=") and "title=histplot overfitting::" in ln for ln in lines)
    assert any(
        ln.startswith("::error file=") and "corrupt.json" in ln and "title=histplot unreadable::" in ln for ln in lines
    )
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    r = run("report", SAMPLES / "overfitting_run.json", "-o", tmp_path / "out2", "--github", "-j", "1")
    assert r.exit_code == 0
    assert "GITHUB_STEP_SUMMARY is not set" in r.stderr


def test_output_directory_inside_the_inputs_is_not_read_back(run, tmp_path):
    d = tmp_path / "runs"
    d.mkdir()
    shutil.copy(SAMPLES / "keras_classification.json", d)
    run("report", d, "-o", d / "report", "-j", "1", ok=True)
    run("report", d, "-o", d / "report", "-j", "1", ok=True)
    assert read_report(d / "report")["counts"]["runs"] == 1


def test_nothing_found_is_an_error(run, tmp_path):
    (tmp_path / "empty").mkdir()
    r = run("report", tmp_path / "empty", "-o", tmp_path / "out")
    assert r.exit_code == 2 and "no history files found" in r.stderr


def _no_partial_files(out):
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".")]
    assert leftovers == []
    for p in out.rglob("*.png"):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.read_bytes()[-8:-4] == b"IEND"


def test_ctrl_c_mid_report_exits_130_leaving_only_complete_files(run, runs, tmp_path, monkeypatch):
    import histplot.reports.build as report

    real, calls = report.run_one, []

    def interrupted(job):
        calls.append(job)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(job)

    monkeypatch.setattr(report, "run_one", interrupted)
    r = run("report", runs, "-o", tmp_path / "out", "-j", "1")
    assert r.exit_code == 130
    assert not (tmp_path / "out" / "summary.json").exists()
    _no_partial_files(tmp_path / "out")


def test_sigterm_mid_report_exits_143_leaving_only_complete_files(tmp_path):
    inputs = tmp_path / "many"
    inputs.mkdir()
    for i in range(60):
        shutil.copy(SAMPLES / "overfitting_run.json", inputs / f"run{i:02d}.json")
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "histplot", "report", str(inputs), "-o", str(out), "-j", "2"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    deadline = time.monotonic() + 60
    while not list(out.glob("figures/*.png")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err.decode()
    assert b"Traceback" not in err
    assert not (out / "summary.json").exists()
    _no_partial_files(out)


def test_discovery_groups_multi_file_runs_and_skips_checkpoint_copies(tmp_path):
    from histplot.readers.discovery import expand

    root = tmp_path / "exp"
    shutil.copytree(SAMPLES / "mlruns", root / "mlruns")
    out = root / "hf"
    (out / "checkpoint-10").mkdir(parents=True)
    (out / "checkpoint-20").mkdir()
    for d in (out, out / "checkpoint-10", out / "checkpoint-20"):
        shutil.copy(SAMPLES / "hf_trainer_state.json", d / "trainer_state.json")
    only_ckpt = root / "hf2"
    for n in (5, 40):
        (only_ckpt / f"checkpoint-{n}").mkdir(parents=True)
        shutil.copy(SAMPLES / "hf_trainer_state.json", only_ckpt / f"checkpoint-{n}" / "trainer_state.json")
    found = [(os.path.relpath(c.path, root), c.run) for c in expand([str(root)])]
    run_dirs = [p for p, _ in found if p.startswith("mlruns")]
    assert len(run_dirs) == 1 and run_dirs[0].count(os.sep) == 2  # mlruns/<exp>/<run>, not its files
    assert ("hf/trainer_state.json", None) in found
    assert ("hf2/checkpoint-40/trainer_state.json", None) in found
    assert not any("checkpoint-10" in p or "checkpoint-20" in p or "checkpoint-5/" in p for p, _ in found)


def test_two_reports_into_one_directory_do_not_corrupt_each_other(tmp_path):
    runs = tmp_path / "runs"  # three runs keep both processes writing at the same time
    runs.mkdir()
    for name in MIXED[:3]:
        shutil.copy(SAMPLES / name, runs / name)
    out = tmp_path / "shared_out"
    cmd = [sys.executable, "-m", "histplot", "report", str(runs), "-o", str(out), "-j", "1"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err.decode()
    data = read_report(out)  # complete, valid JSON from one of the two
    assert data["counts"]["runs"] == 3
    assert (out / "index.html").read_text().rstrip().endswith("</html>")
    _no_partial_files(out)
    for row in data["runs"]:
        for rel in row["figures"].values():
            assert (out / rel).stat().st_size > 1000


def test_index_html_stays_compact(run, tmp_path):
    """PNG thumbnails and gzip'd SVGs keep a run's share of index.html small: under 30 kB for a
    typical run, so a 500-run sweep stays under about 15 MB."""
    import json
    import math

    runs = tmp_path / "sweep"
    runs.mkdir()
    for i in range(3):
        k = 0.05 + 0.02 * i
        loss = [2.3 * math.exp(-k * e) + 0.05 for e in range(60)]
        val = [v + 0.1 + max(0.0, (e - 20) * 0.01 * (i % 3)) for e, v in enumerate(loss)]
        history = {"loss": loss, "val_loss": val, "accuracy": [1 - v / 2.5 for v in loss]}
        history["val_accuracy"] = [1 - v / 2.6 for v in val]
        (runs / f"lr_{i}.json").write_text(json.dumps(history))
    run("report", runs, "-o", tmp_path / "out", "-j", "1", ok=True)
    html = (tmp_path / "out" / "index.html").read_bytes()
    empty = tmp_path / "one"
    empty.mkdir()
    (empty / "a.json").write_text((runs / "lr_0.json").read_text())
    run("report", empty, "-o", tmp_path / "out1", "-j", "1", ok=True)
    fixed = (tmp_path / "out1" / "index.html").stat().st_size
    per_run = (len(html) - fixed) / 2
    assert per_run < 30_000, per_run
    assert fixed + 500 * per_run < 15_000_000
