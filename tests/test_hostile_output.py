"""Hostile output situations: an output that is an input (by name, hard link, symlink, under figures/),
a database that must not be touched, killed runs and their temporary files, file names and labels
that carry terminal escapes, usage errors, and figure canvases too large to allocate.

Each case is generated here. Every refusal is exit 2 with one line on stderr, the inputs keep their
bytes, and the folders beside them keep their listings.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from histplot.cli.terminal import printable
from histplot.errors import HistplotError
from histplot.output import TEMP_PREFIX, atomic_write, refuse_input_overwrite, sweep_stale_temps

from conftest import REPO

HISTORY = json.dumps({"loss": [1.0, 0.6, 0.4, 0.35], "val_loss": [1.1, 0.7, 0.6, 0.65]})


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry under ``folder``: file bytes, symlink targets, folders."""
    out: dict[str, bytes | str] = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_symlink():
            out[rel] = "-> " + os.readlink(p)
        elif p.is_dir():
            out[rel] = "dir"
        else:
            out[rel] = p.read_bytes()
    return out


def one_line_refusal(r, *needles: str) -> str:
    err = r.stderr
    assert r.exit_code == 2, (r.exit_code, r.stdout, err)
    assert err.endswith("\n") and err.count("\n") == 1, repr(err)
    assert err.startswith("Error: ")
    for n in needles:
        assert n in err, (n, err)
    return err


# -- no input is ever overwritten -----------------------------------------------------------------


def test_report_refuses_an_input_named_like_its_summary(run, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text(HISTORY)
    before = snapshot(tmp_path)
    r = run("report", out / "summary.json", "-o", out, "-j", "1")
    one_line_refusal(r, "summary.json", "refusing to overwrite an input file")
    assert snapshot(tmp_path) == before  # no figures/, no summary.md, no temporary file


def test_report_refuses_an_input_where_its_figure_goes(run, tmp_path):
    # A history that happens to be named like a figure, under the output's figures/: the figure
    # of run "curve" in SVG is figures/curve.svg, the input itself.
    figures = tmp_path / "out" / "figures"
    figures.mkdir(parents=True)
    (figures / "curve.svg").write_text(HISTORY)
    before = snapshot(tmp_path)
    r = run("report", figures / "curve.svg", "-o", tmp_path / "out", "-j", "1")
    one_line_refusal(r, "curve.svg", "refusing to overwrite an input file")
    assert snapshot(tmp_path) == before


def test_report_refuses_an_output_hard_linked_to_an_input(run, tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "a.json").write_text(HISTORY)
    out = tmp_path / "out"
    out.mkdir()
    os.link(runs / "a.json", out / "index.html")
    before = snapshot(tmp_path)
    r = run("report", runs, "-o", out, "-j", "1")
    one_line_refusal(r, "index.html", "refusing to overwrite an input file", "a.json")
    assert snapshot(tmp_path) == before


def test_report_refuses_a_symlinked_figure_into_an_input_folder(run, tmp_path):
    # The run folder is the input (TensorBoard-style discovery gives folders too): a figure path
    # that is a symlink to a file inside it is refused as well.
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "a.json").write_text(HISTORY)
    figures = tmp_path / "out" / "figures"
    figures.mkdir(parents=True)
    (figures / "a.png").symlink_to(runs / "a.json")
    before = snapshot(tmp_path)
    r = run("report", runs, "-o", tmp_path / "out", "-j", "1")
    one_line_refusal(r, "a.png", "refusing to overwrite an input file")
    assert snapshot(tmp_path) == before


def test_report_into_its_input_folder_by_another_name_writes_nothing(run, tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "a.json").write_text(HISTORY)
    (tmp_path / "alias").symlink_to(runs)
    before = snapshot(tmp_path)
    one_line_refusal(run("report", runs, "-o", tmp_path / "alias", "-j", "1"))
    assert snapshot(tmp_path) == before


def test_report_github_never_appends_to_an_input(run, tmp_path, monkeypatch):
    (tmp_path / "a.json").write_text(HISTORY)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "a.json"))
    before = (tmp_path / "a.json").read_bytes()
    one_line_refusal(run("report", "a.json", "-o", "out", "-j", "1", "--github"), "refusing to overwrite")
    assert (tmp_path / "a.json").read_bytes() == before


@pytest.mark.parametrize("how", ["same", "hard link", "symlink", "other spelling"])
def test_plot_never_writes_over_its_input(run, tmp_path, how):
    src = tmp_path / "x.json"
    src.write_text(HISTORY)
    target = {
        "same": "x.json",
        "hard link": "linked.png",
        "symlink": "pointer.svg",
        "other spelling": "./sub/../x.json",
    }[how]
    (tmp_path / "sub").mkdir()
    if how == "hard link":
        os.link(src, tmp_path / target)
    elif how == "symlink":
        (tmp_path / target).symlink_to("x.json")
    before = snapshot(tmp_path)
    r = run("plot", "x.json", "-o", target)
    one_line_refusal(r, "refusing to overwrite an input file")
    assert snapshot(tmp_path) == before


def test_plot_overlay_and_parallel_never_write_over_an_input(run, tmp_path):
    (tmp_path / "a.json").write_text(HISTORY)
    (tmp_path / "b.json").write_text(HISTORY)
    os.link(tmp_path / "b.json", tmp_path / "both.png")
    before = snapshot(tmp_path)
    one_line_refusal(run("plot", "--overlay", "a.json", "b.json", "-o", "both.png"), "refusing to overwrite")
    one_line_refusal(run("parallel", "a.json", "b.json", "-o", "both.png"), "refusing to overwrite")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("target", ["x.csv", "./x.csv", "hard.csv", "soft.json"])
def test_convert_never_writes_over_its_input(run, tmp_path, target):
    src = tmp_path / "x.csv"
    src.write_text("epoch,loss,val_loss\n0,1.0,1.1\n1,0.5,0.7\n")
    os.link(src, tmp_path / "hard.csv")
    (tmp_path / "soft.json").symlink_to(src)
    before = snapshot(tmp_path)
    r = run("convert", "x.csv", "-o", target)
    one_line_refusal(r, "refusing to overwrite an input file")
    assert snapshot(tmp_path) == before


def test_watch_never_writes_its_figure_over_the_watched_file(run, tmp_path):
    (tmp_path / "log.csv").write_text("epoch,loss\n0,1.0\n1,0.5\n")
    os.link(tmp_path / "log.csv", tmp_path / "live.png")
    before = snapshot(tmp_path)
    r = run("watch", "log.csv", "--until-idle", "0")
    one_line_refusal(r, "live.png", "refusing to overwrite an input file")
    assert snapshot(tmp_path) == before


def test_refuse_input_overwrite_is_the_one_check(tmp_path):
    a = tmp_path / "a.json"
    a.write_text(HISTORY)
    folder = tmp_path / "tb"
    (folder / "train").mkdir(parents=True)
    (folder / "train" / "events").write_bytes(b"x")
    os.link(folder / "train" / "events", tmp_path / "events.png")
    refuse_input_overwrite([tmp_path / "b.png", tmp_path / "tb" / "new.png"], [a, folder, "-", None])
    for out, inputs in (
        (a, [a]),
        (tmp_path / "." / "a.json", [str(a)]),
        (tmp_path / "events.png", [folder]),  # a file inside an input folder, by inode
        (tmp_path / "later.csv", [tmp_path / "later.csv"]),  # watch: the input does not exist yet
    ):
        with pytest.raises(HistplotError, match="refusing to overwrite an input file"):
            refuse_input_overwrite([tmp_path / "fine.png", out], inputs)


# -- databases are read, never touched ------------------------------------------------------------


def _wal_mlflow_db(path: Path) -> None:
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    con.execute("CREATE TABLE runs (run_uuid TEXT, name TEXT, experiment_id INT, lifecycle_stage TEXT, start_time INT)")
    con.execute("CREATE TABLE metrics (run_uuid TEXT, key TEXT, step INT, value REAL, is_nan INT, timestamp INT)")
    con.execute("INSERT INTO runs VALUES ('r1', 'wal-run', 0, 'active', 1)")
    for step in range(6):
        con.execute("INSERT INTO metrics VALUES ('r1', 'loss', ?, ?, 0, ?)", (step, 1 / (step + 1), step))
        con.execute("INSERT INTO metrics VALUES ('r1', 'val_loss', ?, ?, 0, ?)", (step, 1.2 / (step + 1), step))
    con.commit()
    con.close()


def test_a_wal_mode_mlflow_database_is_read_without_creating_anything_beside_it(run, tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    _wal_mlflow_db(store / "mlflow.db")
    before = snapshot(store)
    assert list(before) == ["mlflow.db"]
    r = run("info", store / "mlflow.db", "--json", ok=True)
    assert json.loads(r.stdout)[0]["epochs"] == 6
    r = run("report", store, "-o", tmp_path / "out", "-j", "1", ok=True)
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["counts"]["read"] == 1
    assert snapshot(store) == before  # no mlflow.db-shm, no mlflow.db-wal, same bytes


# -- temporary files --------------------------------------------------------------------------------


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _stale(folder: Path, pid: int, age: float = 3600) -> Path:
    p = folder / f"{TEMP_PREFIX}{pid}-abc123.tmp"
    p.write_bytes(b"half a figure")
    old = time.time() - age
    os.utime(p, (old, old))
    return p


def test_a_rerun_removes_the_temporary_files_a_killed_run_left(run, tmp_path):
    figures = tmp_path / "out" / "figures"
    figures.mkdir(parents=True)
    dead = [_stale(figures, _dead_pid()), _stale(tmp_path / "out", _dead_pid())]
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        alive = _stale(figures, sleeper.pid)  # a concurrent run's file: not ours to remove
        not_ours = figures / ".curve.svg.x1y2.tmp"
        not_ours.write_bytes(b"someone else's")
        (tmp_path / "a.json").write_text(HISTORY)
        run("report", "a.json", "-o", "out", "-j", "1", ok=True)
        assert not any(p.exists() for p in dead)
        assert alive.exists() and not_ours.exists()
        assert sorted(p.name for p in figures.iterdir()) == sorted(["a.png", "a.svg", alive.name, not_ours.name])
    finally:
        sleeper.kill()
        sleeper.wait()


def test_sweep_keeps_files_newer_than_the_run(tmp_path):
    fresh = _stale(tmp_path, _dead_pid(), age=-60)  # written after this process started
    assert sweep_stale_temps(tmp_path) == []
    assert fresh.exists()


def test_atomic_write_removes_its_temporary_file_on_keyboard_interrupt(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(tmp_path / "x.json", "w") as fh:
            fh.write("partial")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


_SLOW_CONVERT = """
import contextlib, sys, time
import histplot.export, histplot.output

real = histplot.output.atomic_write

@contextlib.contextmanager
def slow(path, mode="wb"):
    with real(path, mode) as fh:
        fh.write("partial")
        fh.flush()
        print("writing", flush=True)
        time.sleep(60)
        yield fh

histplot.export.atomic_write = slow
sys.argv = ["histplot", "convert", "x.json", "-o", "x.csv"]
from histplot.cli import main
main()
"""


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_killed_convert_leaves_no_temporary_file(tmp_path, sig, code):
    (tmp_path / "x.json").write_text(HISTORY)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("HISTPLOT_DEBUG", None)
    p = subprocess.Popen(
        [sys.executable, "-c", _SLOW_CONVERT], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert p.stdout.readline() == b"writing\n"
        assert any(n.name.startswith(TEMP_PREFIX) for n in tmp_path.iterdir())
        p.send_signal(sig)
        _, err = p.communicate(timeout=30)
    finally:
        p.kill()
    assert p.returncode == code, err
    assert err.decode().strip() in ("Terminated", "Interrupted")
    assert sorted(n.name for n in tmp_path.iterdir()) == ["x.json"]


# -- terminal-safe text ---------------------------------------------------------------------------

HOSTILE = {
    "csi": "\x1b[2J\x1b[31m",
    "osc-bel": "\x1b]0;owned\x07",
    "osc-st": "\x1b]8;;http://x\x1b\\",
    "dcs": "\x1bP1$r\x1b\\",
    "single": "\x1bc",
    "c1-csi": "\x9b31m",
    "c1-osc": "\x9d0;t\x9c",
    "cr-bs": "ok\r\x08\x08",
    "bidi": "\u202etxt.exe\u202c\u2066\u2069\u200f\u061c",
    "lines": "a\nb\x0bc\x0cd\u2028e\u2029f",
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_printable_disarms_every_kind_of_sequence(kind):
    shown = printable("name" + HOSTILE[kind] + "end")
    assert shown.isprintable(), repr(shown)
    assert shown.startswith("name") and shown.endswith("end")
    assert "\\" in shown  # visibly escaped, not silently dropped


def test_printable_keeps_lines_only_when_asked_and_shows_undecodable_bytes():
    assert printable("a\nb\tc") == "a\\x0ab\\tc"
    assert printable("a\nb\tc\x1b", lines=True) == "a\nb\tc\\x1b"
    assert printable(os.fsdecode(b"bad\xff.json")) == "bad\\xff.json"
    assert printable("\u00e9t\u00e9 \u4e2d\u6587 \U0001f600") == "\u00e9t\u00e9 \u4e2d\u6587 \U0001f600"


def _hostile_name() -> str:
    return "run" + "".join(HOSTILE[k] for k in ("osc-bel", "bidi", "csi", "c1-osc")) + "\nnext.json"


def _raw(text: str) -> list[str]:
    bad = set("\x1b\x07\x9b\x9c\x9d\u202e\u2066\u200f\u061c\u2028")
    return [ch for ch in text if ch in bad]


def test_errors_naming_a_hostile_file_stay_one_printable_line(run, tmp_path):
    name = _hostile_name()
    r = run("info", name)  # no such file
    err = one_line_refusal(r, "no such file", "\\x1b]0;owned\\x07", "\\u202e")
    assert not _raw(err)
    (tmp_path / name).write_bytes(b"\x00\x01garbage")
    for cmd in (["info"], ["plot"], ["diagnose"], ["convert"]):
        r = run(*cmd, name)
        assert not _raw(one_line_refusal(r))


def test_a_readable_file_with_a_hostile_name_and_labels(run, tmp_path):
    name = _hostile_name()
    evil_key = "val_acc\x1b]0;pwn\x07\u202e"
    (tmp_path / name).write_text(json.dumps({"loss": [1.0, 0.5, 0.4], evil_key: [0.1, 0.2, 0.3]}))
    for cmd in (["info"], ["diagnose"], ["plot", "-o", "fig.png"]):
        r = run(*cmd, name)
        assert r.exit_code == 0, r.stderr
        assert not _raw(r.stdout) and not _raw(r.stderr)
    r = run("info", name)
    assert "\\x1b]0;owned\\x07" in r.stdout


def test_report_lists_unreadable_hostile_files_one_line_each(run, tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "good.json").write_text(HISTORY)
    (runs / ("bad" + HOSTILE["osc-bel"] + "\nforged line.json")).write_text("[1, 2")
    r = run("report", runs / "good.json", runs / ("bad" + HOSTILE["osc-bel"] + "\nforged line.json"), "-o", "out")
    assert r.exit_code == 0, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith("Error: ") and "forged line.json" in lines[0]
    assert not _raw(r.stderr)


@pytest.mark.parametrize(
    "args",
    [
        ["report", "x.json", "-o", "afile"],  # -o names a file where a folder is wanted
        ["plot", "x.json", "--config", "."],  # --config names a folder
        ["watch", "x.json", "-o", "."],  # watch's -o names a folder
        ["plot", "x.json", "--dpi", "5000"],
        ["diagnose", "x.json", "--patience", "-1"],
        ["plot"],  # no file
        ["nosuchcommand"],
        ["info", "x.json", "--bogus"],
        ["convert", "x.json", "--format", "xml"],
    ],
)
def test_usage_errors_are_one_line(run, tmp_path, args):
    (tmp_path / "x.json").write_text(HISTORY)
    (tmp_path / "afile").write_text("not a folder")
    before = snapshot(tmp_path)
    r = run(*args)
    err = one_line_refusal(r)
    assert "Usage:" not in err
    assert snapshot(tmp_path) == before


def test_usage_error_naming_a_hostile_path_is_one_printable_line(run, tmp_path):
    name = "f" + HOSTILE["osc-bel"] + "\n" + HOSTILE["bidi"]
    (tmp_path / name).write_text("a file, not a folder")
    (tmp_path / "x.json").write_text(HISTORY)
    r = run("report", "x.json", "-o", name)
    assert not _raw(one_line_refusal(r))


# -- figure size bounds ---------------------------------------------------------------------------


def test_config_canvas_beyond_the_limit_is_refused_before_anything_is_written(run, tmp_path):
    (tmp_path / "x.json").write_text(HISTORY)
    (tmp_path / "histplot.yaml").write_text("plot:\n  style:\n    size: [54, 30]\n    dpi: 1200\n")
    before = snapshot(tmp_path)
    for args in (["plot", "x.json"], ["report", "x.json", "-o", "out"], ["info", "x.json"]):
        err = one_line_refusal(run(*args), "histplot.yaml", "64800 x 36000 pixels", "16384")
        assert "plot.style" in err
    assert snapshot(tmp_path) == before


def test_cli_dpi_times_config_size_is_bounded(run, tmp_path):
    (tmp_path / "x.json").write_text(HISTORY)
    (tmp_path / "histplot.yaml").write_text("plot:\n  style:\n    size: [20, 10]\n")
    before = snapshot(tmp_path)
    one_line_refusal(run("plot", "x.json", "--dpi", "1200"), "--dpi", "24000 x 12000 pixels")
    assert snapshot(tmp_path) == before
    run("plot", "x.json", "--dpi", "300", "-o", "ok.png", ok=True)  # 6000 x 3000: allowed
    data = (tmp_path / "ok.png").read_bytes()
    assert (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) == (6000, 3000)


def test_a_default_size_figure_at_high_dpi_is_refused_at_drawing(run, tmp_path):
    # two panels (loss, accuracy): 10 x 4 inches, 57.6 M pixels at 1200 dpi
    (tmp_path / "x.json").write_text(json.dumps({"loss": [1.0, 0.5], "accuracy": [0.5, 0.7]}))
    one_line_refusal(run("plot", "x.json", "--dpi", "1200"), "12000 x 4800 pixels", "lower the dpi")
    assert snapshot(tmp_path) == {"x.json": (tmp_path / "x.json").read_bytes()}
    cols = {f"m{i}": [float(i), float(i) + 1] for i in range(12)}
    (tmp_path / "wide.json").write_text(json.dumps(cols))
    before = snapshot(tmp_path)
    one_line_refusal(run("parallel", "wide.json", "--dpi", "1200"), "pixels")
    assert snapshot(tmp_path) == before


def test_the_documented_limits_match_the_code():
    from histplot.output import MAX_PIXELS, MAX_SIDE_PX

    doc = (REPO / "docs" / "safety.md").read_text()
    assert f"{MAX_SIDE_PX}" in doc and f"{MAX_PIXELS // 1_000_000} M" in doc
