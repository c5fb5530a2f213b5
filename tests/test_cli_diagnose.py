"""``histplot diagnose`` and ``plot`` annotations through the CLI: exit codes, formats, config."""

from __future__ import annotations

import json

import numpy as np

from conftest import SAMPLES

OVERFIT = SAMPLES / "overfitting_run.json"
CLEAN = SAMPLES / "keras_classification.json"


def test_no_kind_flag_reports_all_and_does_not_fail(run):
    r = run("diagnose", OVERFIT, ok=True)
    assert "monitored val_loss (min)" in r.stdout
    lines = r.stdout.splitlines()
    assert any(line.split()[:2] == ["warning", "overfitting"] for line in lines)
    assert any(line.split()[:2] == ["info", "best_epoch"] for line in lines)
    assert "\x1b[" not in r.stdout  # no colours when not a TTY


def test_kind_flag_fails_by_default(run):
    r = run("diagnose", "--overfit", OVERFIT)
    assert r.exit_code == 1
    assert "FAIL    overfitting (--fail-on)" in r.stdout
    assert run("diagnose", "--overfit", CLEAN).exit_code == 0


def test_fail_on_overrides_the_flags(run):
    assert run("diagnose", "--overfit", "--fail-on", "none", OVERFIT).exit_code == 0
    assert run("diagnose", "--fail-on", "overfitting", OVERFIT).exit_code == 1
    assert run("diagnose", "--divergence", OVERFIT).exit_code == 0


def test_several_files_one_block_each_exit_1_if_any_fails(run):
    r = run("diagnose", "--overfit", CLEAN, OVERFIT)
    assert r.exit_code == 1
    blocks = r.stdout.strip().split("\n\n")
    assert len(blocks) == 2
    assert blocks[0].startswith(str(CLEAN)) and "FAIL" not in blocks[0]
    assert blocks[1].startswith(str(OVERFIT)) and "FAIL" in blocks[1]


def test_bad_input_exits_2_with_one_line(run, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    r = run("diagnose", "--overfit", bad)
    assert r.exit_code == 2
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("Error: ")
    r = run("diagnose", "--fail-on", "overfit,bogus", OVERFIT)
    assert r.exit_code == 2 and "unknown finding kind 'bogus'" in r.stderr
    r = run("diagnose", "--monitor", "val_nope", OVERFIT)
    assert r.exit_code == 2 and "no series 'val_nope'" in r.stderr
    assert run("diagnose", "--criterion", "zz", OVERFIT).exit_code == 2


def test_json_schema(run):
    r = run("diagnose", "--format", "json", "--overfit", OVERFIT, CLEAN)
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    assert set(data) == {"schema", "fail_on", "exit_code", "files"}
    assert data["schema"] == "histplot.diagnose/1" and data["exit_code"] == 1
    assert data["fail_on"] == ["overfitting"]
    f0 = data["files"][0]
    assert set(f0) == {
        "source",
        "label",
        "epochs",
        "monitor",
        "mode",
        "kinds",
        "settings",
        "findings",
        "notes",
        "final_eval",
        "failed",
        "failing_kinds",
    }
    assert f0["kinds"] == ["overfitting"] and f0["failed"] is True
    over = next(f for f in f0["findings"] if f["kind"] == "overfitting")
    assert set(over) == {"kind", "severity", "epochs", "numbers", "message"}
    assert set(over["numbers"]) >= {"best_epoch", "onset", "gl_end", "gap_growth"}
    assert data["files"][1]["failed"] is False


def test_markdown_table(run):
    r = run("diagnose", "--format", "markdown", OVERFIT, ok=True)
    lines = r.stdout.splitlines()
    assert lines[0] == "## histplot diagnose"
    assert "| kind | severity | epochs | finding |" in lines
    row = next(line for line in lines if line.startswith("| overfitting |"))
    assert row.split(" | ")[1:3] == ["warning", "19-60"]


def test_options_beat_config_which_beats_defaults(run, tmp_path):
    (tmp_path / "histplot.yaml").write_text("diagnose:\n  alpha: 500\n  patience: 2\n")
    r = run("diagnose", "--overfit", "--format", "json", OVERFIT)  # ./histplot.yaml: GL 214 % < 500 %
    assert r.exit_code == 0
    assert json.loads(r.stdout)["files"][0]["settings"]["patience"] == 2
    assert run("diagnose", "--overfit", "--alpha", "5", OVERFIT).exit_code == 1
    other = tmp_path / "team.yaml"
    other.write_text("diagnose:\n  fail_on: [overfitting]\n")
    assert run("diagnose", "--config", other, OVERFIT).exit_code == 1


def test_unknown_config_key_is_named(run, tmp_path):
    (tmp_path / "histplot.yaml").write_text("diagnose:\n  alpah: 3\n")
    r = run("diagnose", OVERFIT)
    assert r.exit_code == 2 and "alpah" in r.stderr


def test_no_validation_says_so(run, tmp_path):
    p = tmp_path / "train_only.json"
    p.write_text(json.dumps({"loss": list(np.linspace(1, 0.2, 12))}))
    r = run("diagnose", p, ok=True)
    assert "monitored loss (min)" in r.stdout and "no validation series" in r.stdout


def test_plot_annotates_unless_told_not_to(run, tmp_path):
    r = run("plot", OVERFIT, "-o", tmp_path / "a.svg", ok=True)
    annotated = (tmp_path / "a.svg").read_text()
    run("plot", OVERFIT, "-o", tmp_path / "b.svg", "--no-annotate", ok=True)
    plain = (tmp_path / "b.svg").read_text()
    assert "overfitting from epoch 19" in annotated and "overfitting from" not in plain
    assert "EarlyStopping(patience=5) would stop: epoch 21" in annotated and "EarlyStopping" not in plain
    assert r.exit_code == 0
