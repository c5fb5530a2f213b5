"""Derived metrics through the CLI: plot/info/convert derive by default, --no-derive, --config."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import SAMPLES

BINARY = {
    "loss": [0.69, 0.54, 0.46],
    "tp": [120.0, 301.0, 0.0],
    "fp": [80.0, 41.0, 0.0],
    "tn": [310.0, 349.0, 400.0],
    "fn": [290.0, 109.0, 10.0],
    "val_loss": [0.60, 0.52, 0.51],
    "val_tp": [40.0, 88.0, 92.0],
    "val_fp": [15.0, 12.0, 13.0],
    "val_tn": [85.0, 88.0, 87.0],
    "val_fn": [60.0, 12.0, 8.0],
}


@pytest.fixture
def binary(tmp_path):
    p = tmp_path / "run.json"
    p.write_text(json.dumps(BINARY))
    return p


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_convert_derives_by_default(run, binary):
    r = run("convert", binary, ok=True)
    table = rows(r.stdout)
    assert float(table[0]["precision"]) == pytest.approx(120 / 200)
    assert float(table[1]["val_recall"]) == pytest.approx(88 / 100)
    assert table[2]["precision"] == ""  # 0/0: NaN, written as an empty cell
    assert float(table[2]["recall"]) == 0.0
    mcc = (88 * 88 - 12 * 12) / (100 * 100 * 100 * 100) ** 0.5
    assert float(table[1]["val_mcc"]) == pytest.approx(mcc)


def test_no_derive(run, binary):
    r = run("convert", binary, "--no-derive", ok=True)
    assert list(rows(r.stdout)[0]) == ["epoch", *BINARY]
    r = run("info", binary, "--no-derive", "--json", ok=True)
    data = json.loads(r.stdout)[0]
    assert "precision" not in data["metrics"]
    assert data["derived"] == {}
    assert data["derivable"]["val_precision"] == ["val_tp", "val_fp"]


def test_info_lists_derived_metrics_and_inputs(run, binary):
    r = run("info", binary, ok=True)
    assert "  derived  (--no-derive to skip)" in r.stdout
    assert "    precision  <- tp, fp  [train, val]" in r.stdout
    assert "    specificity, fpr  <- tn, fp  [train, val]" in r.stdout
    data = json.loads(run("info", binary, "--json", ok=True).stdout)[0]
    assert data["derived"]["mcc"] == ["tp", "fp", "tn", "fn"]
    assert data["metrics"]["f1"]["val"]["last"] == pytest.approx(2 * 92 / (2 * 92 + 13 + 8), rel=1e-5)
    r = run("info", binary, "--no-derive", ok=True)
    assert "  derivable  (not added: --no-derive)" in r.stdout


def test_info_folds_per_class_families(run):
    r = run("info", SAMPLES / "multiclass_10.json", ok=True)
    assert "    f1_k, k=0-9 " in r.stdout
    assert "f1_3 " not in r.stdout
    assert "    macro_precision, macro_recall, macro_f1" not in r.stdout  # one line per input family
    assert "    macro_f1  <- f1_k  [train, val]" in r.stdout
    assert "    precision_k  <- tp_k, fp_k  [train, val; k=0-9]" in r.stdout
    assert len(r.stdout.splitlines()) < 50  # unfolded, the 14 per-class metrics would add ~250 lines


def test_config_expressions_in_cwd(run, binary, tmp_path):
    (tmp_path / "histplot.yaml").write_text("derive:\n  tn_fn_ratio: tn / fn\n  youden: recall + specificity - 1\n")
    table = rows(run("convert", binary, ok=True).stdout)
    assert float(table[0]["tn_fn_ratio"]) == pytest.approx(310 / 290)
    assert float(table[0]["val_tn_fn_ratio"]) == pytest.approx(85 / 60)
    assert float(table[1]["val_youden"]) == pytest.approx(float(table[1]["val_informedness"]))
    r = run("info", binary, ok=True)
    assert "    youden  <- recall, specificity  [train, val]" in r.stdout


def test_config_option_points_elsewhere(run, binary, tmp_path):
    conf = tmp_path / "conf" / "team.yaml"
    conf.parent.mkdir()
    conf.write_text("derive:\n  fn_share: fn / (tp + fn)\n")
    table = rows(run("convert", binary, "--config", conf, ok=True).stdout)
    assert float(table[0]["val_fn_share"]) == pytest.approx(0.6)
    assert "fn_share" not in rows(run("convert", binary, ok=True).stdout)[0]


@pytest.mark.parametrize("command", ["plot", "info", "convert"])
@pytest.mark.parametrize(
    "expr,problem",
    [
        ("__import__('os').getcwd()", "derive.bad: '__import__('os').getcwd' is not a known function"),
        ("tp +", "derive.bad: not a valid expression"),
        ("tp / nosuch", "derive.bad: unknown column 'nosuch'"),
    ],
)
def test_bad_expression_exits_2_with_one_line(run, binary, tmp_path, command, expr, problem):
    (tmp_path / "histplot.yaml").write_text(f'derive:\n  ok: tp / fn\n  bad: "{expr}"\n')
    r = run(command, binary)
    assert r.exit_code == 2
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("Error: ")
    assert "histplot.yaml: " + problem in lines[0]
    assert not list(tmp_path.glob("*.png"))


def test_missing_config_file(run, binary):
    r = run("info", binary, "--config", "nope.yaml")
    assert r.exit_code == 2
    assert r.stderr.strip() == "Error: nope.yaml: config file not found"


def test_bad_config_is_refused_before_reading(run, tmp_path):
    (tmp_path / "histplot.yaml").write_text("derive:\n  x: tp <\n")
    r = run("info", "does-not-exist.json")
    assert r.exit_code == 2
    assert "derive.x" in r.stderr and "does-not-exist" not in r.stderr


def test_plot_metrics_selects_derived_panels(run, binary, tmp_path):
    r = run("plot", binary, "--metrics", "f1", "-o", tmp_path / "f1.png", ok=True)
    assert (tmp_path / "f1.png").stat().st_size > 1000
    r = run("plot", binary, "--metrics", "nosuch")
    assert r.exit_code == 2
    assert "no metric 'nosuch'" in r.stderr
    r = run("plot", binary, "--no-derive", "--metrics", "f1")
    assert r.exit_code == 2  # without derive there is no f1


def test_plot_samples(run, tmp_path):
    r = run("plot", SAMPLES / "imbalanced_binary.json", SAMPLES / "multiclass_10.json", "-o", tmp_path, ok=True)
    assert r.stdout.split() == [str(tmp_path / "imbalanced_binary.png"), str(tmp_path / "multiclass_10.png")]
