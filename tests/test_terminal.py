"""The command line in a terminal: info's table, diagnose's wrapping, colour, -q/-v, -o checks,
folders of runs, shell completion and the config command."""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import SAMPLES

OVERFIT = SAMPLES / "overfitting_run.json"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(autouse=True)
def plain_env(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


def test_info_table_per_split(run):
    r = run("info", OVERFIT, ok=True)
    lines = r.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    head = next(line for line in lines if line.split()[:2] == ["series", "split"])
    assert head.split() == ["series", "split", "last", "best", "@ep", "min", "max", "n/miss/inf", "trend"]
    val = lines[lines.index(next(line for line in lines if line.strip().startswith("loss"))) + 1].split()
    # val_loss: last 2.009, best 0.6172 at epoch 16 (lower is better), min, max, 60 present
    assert val[:5] == ["val", "2.009", "0.6172", "16", "0.6172"] and val[6] == "60/0/0"
    assert set(val[7]) <= set("▁▂▃▄▅▆▇█") and len(val[7]) >= 8
    acc = next(line for line in lines if line.strip().startswith("accuracy")).split()
    assert acc[4] == "60"  # train accuracy: best (highest) at the last epoch


def test_info_json_has_best_and_counts(run):
    import json

    [data] = json.loads(run("info", OVERFIT, "--json", ok=True).stdout)
    val = data["metrics"]["loss"]["val"]
    assert (val["best"], val["best_epoch"], val["mode"]) == (pytest.approx(0.6172, abs=1e-4), 16, "min")
    assert (val["present"], val["missing"], val["non_finite"]) == (60, 0, 0)
    assert data["metrics"]["accuracy"]["val"]["mode"] == "max"


def test_info_counts_missing_and_non_finite(run, tmp_path):
    (tmp_path / "h.json").write_text('{"loss": [1.0, NaN, Infinity, 0.5], "val_loss": [1.0, 0.9, 0.8, 0.7]}')
    r = run("info", tmp_path / "h.json", ok=True)
    row = next(line for line in r.stdout.splitlines() if line.strip().startswith("loss")).split()
    # a JSON NaN is a logged value like Infinity: 4 present, none missing, 2 non-finite
    assert row[1:4] == ["train", "0.5", "0.5"] and row[7] == "4/0/2"


def test_info_is_wider_in_a_wide_terminal(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "130")
    lines = run("info", OVERFIT, ok=True).stdout.splitlines()
    assert 80 < max(len(line) for line in lines) <= 130


def test_diagnose_wraps_with_a_hanging_indent(run, monkeypatch):
    one_line = run("diagnose", OVERFIT).stdout.splitlines()
    assert max(len(line) for line in one_line) > 150  # piped: one line per finding, for grep
    monkeypatch.setenv("COLUMNS", "100")
    lines = run("diagnose", OVERFIT).stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    start = next(i for i, line in enumerate(lines) if "overfitting " in line)
    indent = lines[start].index("val_loss overfits")
    assert lines[start + 1].startswith(" " * indent) and not lines[start + 1][indent].isspace()


def test_colour(run, monkeypatch):
    assert ANSI.search(run("--color", "always", "diagnose", OVERFIT).stdout)
    assert not ANSI.search(run("--color", "never", "diagnose", OVERFIT).stdout)
    assert not ANSI.search(run("diagnose", OVERFIT).stdout)  # auto: not a terminal
    monkeypatch.setattr("histplot.cli.terminal.sys.stdout.isatty", lambda: True, raising=False)
    from histplot.cli.terminal import wants_color

    class Tty:
        def isatty(self):
            return True

    assert wants_color("auto", Tty()) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert wants_color("auto", Tty()) is False
    assert wants_color("always", Tty()) is True


def test_quiet_and_verbose(run, tmp_path):
    quiet = run("-q", "diagnose", OVERFIT).stdout
    assert "warning overfitting" in quiet and "info " not in quiet and "best_epoch" not in quiet
    r = run("-q", "plot", OVERFIT, "-o", tmp_path / "q.png", ok=True)
    assert r.stdout == "" and (tmp_path / "q.png").is_file()
    r = run("-v", "info", SAMPLES / "hf_trainer_state.json", ok=True)
    assert "note: " in r.stderr and "not drawn" in r.stderr
    assert "note: " not in run("info", SAMPLES / "hf_trainer_state.json", ok=True).stderr


@pytest.mark.parametrize("name", ["x.txt", "x.gif", "fig.pngg"])
def test_unknown_suffix_is_one_line_error(run, tmp_path, name):
    r = run("plot", OVERFIT, "-o", tmp_path / name)
    assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1 and "unknown figure format" in r.stderr
    assert not (tmp_path / name).exists()


def test_jpeg_and_folder_outputs(run, tmp_path):
    run("plot", OVERFIT, "-o", tmp_path / "x.jpg", ok=True)
    assert (tmp_path / "x.jpg").read_bytes()[:3] == b"\xff\xd8\xff"
    run("plot", OVERFIT, "-o", f"{tmp_path / 'figs.v2'}/", ok=True)
    assert (tmp_path / "figs.v2" / "overfitting_run.png").is_file()


def test_plot_to_stdout(run, monkeypatch):
    r = run("plot", OVERFIT, "-o", "-", ok=True)
    assert r.stdout_bytes.startswith(b"\x89PNG")
    r = run("plot", OVERFIT, "-o", "-", "--format", "svg", ok=True)
    assert b"<svg" in r.stdout_bytes[:2000]
    r = run("plot", OVERFIT, SAMPLES / "history.yaml", "-o", "-")
    assert r.exit_code == 2 and "add --overlay" in r.stderr
    assert (
        run("plot", OVERFIT, SAMPLES / "history.yaml", "--overlay", "-o", "-", ok=True).stdout_bytes[:4] == b"\x89PNG"
    )
    from histplot.cli import commands

    real = commands.binary_stdout

    def tty_stdout():
        stream = real()
        stream.isatty = lambda: True
        return stream

    monkeypatch.setattr(commands, "binary_stdout", tty_stdout)
    r = run("plot", OVERFIT, "-o", "-")
    assert r.exit_code == 2 and "terminal" in r.stderr and r.stdout_bytes == b""


@pytest.fixture
def keras_folder(tmp_path):
    folder = tmp_path / "five"
    folder.mkdir()
    for i, name in enumerate(["overfitting_run", "keras_classification", "imbalanced_binary", "multiclass_10"]):
        shutil.copy(SAMPLES / f"{name}.json", folder / f"run{i}.json")
    shutil.copy(SAMPLES / "history.yaml", folder / "run4.yaml")
    (folder / "notes.txt").write_text("not a history\n")
    return folder


def test_folders_are_searched_like_report(run, keras_folder, tmp_path):
    r = run("plot", keras_folder, "-o", f"{tmp_path / 'figs'}/", ok=True)
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == [f"run{i}.png" for i in range(5)]
    info = run("info", keras_folder, "--json", ok=True)
    import json

    assert [d["source"] for d in json.loads(info.stdout)] == [
        str(keras_folder / n) for n in ("run0.json", "run1.json", "run2.json", "run3.json", "run4.yaml")
    ]
    diag = run("diagnose", keras_folder, "--format", "json")
    assert len(json.loads(diag.stdout)["files"]) == 5
    samples = run("info", SAMPLES, "--json", ok=True)
    # every sample (a file or a run folder each), not only the MLflow run
    assert len(json.loads(samples.stdout)) == len(list(SAMPLES.iterdir()))
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run("plot", empty)
    assert r.exit_code == 2 and "holds no history" in r.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(run, shell):
    out = run("completion", shell, ok=True).stdout
    assert "_HISTPLOT_COMPLETE" in out and f"{shell}_complete" in out


def test_config_print_and_init(run, tmp_path):
    out = run("config", ok=True).stdout
    assert out.startswith("# defaults") and "patience: 5" in out and "dpi: 100" in out
    r = run("config", "--init", ok=True)
    starter = (tmp_path / "histplot.yaml").read_text()
    assert r.stdout.strip() == "histplot.yaml" and starter.startswith("# histplot.yaml")
    out = run("config", ok=True).stdout
    assert out.startswith("# from histplot.yaml") and "patience: 5" in out
    (tmp_path / "histplot.yaml").write_text(starter.replace("patience: 5", "patience: 9"))
    assert "patience: 9" in run("config", ok=True).stdout
    r = run("config", "--init")
    assert r.exit_code == 2 and "already exists" in r.stderr
    assert "patience: 9" in (tmp_path / "histplot.yaml").read_text()  # not overwritten
