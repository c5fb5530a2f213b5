"""The option bundles through the CLI: every command that reads histories takes the same reader
options, --config and --no-derive; readers refuse options that do not apply to them; --dpi has one
default source; derived metrics and aliases reach diagnose and parallel."""

from __future__ import annotations

import json
import struct

import pytest

from histplot.cli import cli

READING = ("plot", "diagnose", "report", "info", "convert", "watch", "parallel")
SHARED = {
    "--from",
    "--run",
    "--validation-freq",
    "--trust-pickle",
    "--max-bytes",
    "--config",
    "--no-derive",
}

CSV = "epoch,loss,val_loss\n0,1.0,1.1\n1,0.8,0.9\n2,0.7,0.85\n3,0.6,0.84\n"

COUNTS = {
    "loss": [0.69, 0.54, 0.46, 0.41],
    "val_loss": [0.60, 0.52, 0.51, 0.53],
    "val_tp": [40.0, 88.0, 92.0, 90.0],
    "val_fp": [15.0, 12.0, 13.0, 9.0],
    "val_tn": [85.0, 88.0, 87.0, 91.0],
    "val_fn": [60.0, 12.0, 8.0, 10.0],
}


def png_width(path) -> int:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">I", data[16:20])[0]


def options_of(command: str) -> set[str]:
    return {opt for p in cli.commands[command].params for opt in p.opts if opt.startswith("--")}


@pytest.mark.parametrize("command", READING)
def test_every_reading_command_takes_the_shared_options(command):
    assert SHARED <= options_of(command)


def test_dpi_has_one_meaning():
    dpis = [[p for p in cli.commands[c].params if "--dpi" in p.opts] for c in ("plot", "report", "watch", "parallel")]
    assert all(len(d) == 1 for d in dpis)
    assert len({(d[0].help, d[0].type.min, d[0].type.max, d[0].show_default) for d in dpis}) == 1
    assert "plot.style.dpi" in dpis[0][0].help  # no default of its own: histplot.yaml's, else FigureOptions'


@pytest.mark.parametrize(
    "command, extra",
    [
        ("info", ()),
        ("plot", ()),
        ("diagnose", ()),
        ("convert", ()),
        ("parallel", ()),
        ("report", ("-o", "rep", "--strict")),
        ("watch", ("--until-idle", "0.5", "--interval", "0.05")),
    ],
)
def test_reader_refuses_an_option_that_does_not_apply(run, tmp_path, command, extra):
    (tmp_path / "run.csv").write_text(CSV)
    r = run(command, "run.csv", "--validation-freq", "3", *extra)
    assert r.exit_code == 2
    assert "Error: run.csv: --validation-freq does not apply to keras_csv files" in r.stderr
    assert r.stderr.count("does not apply") == 1


def test_option_refused_by_name_and_format(run, tmp_path):
    (tmp_path / "h.json").write_text(json.dumps({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}))
    r = run("info", "h.json", "--run", "2")
    assert r.exit_code == 2
    assert r.stderr.strip() == "Error: h.json: --run does not apply to keras_json files"
    r = run("info", "h.json", "--trust-pickle")
    assert r.exit_code == 2
    assert "--trust-pickle does not apply to keras_json files" in r.stderr
    # an option the reader takes still works
    r = run("info", "h.json", "--validation-freq", "1", "--json", ok=True)
    assert json.loads(r.stdout)[0]["epochs"] == 2


def test_library_load_refuses_an_option_the_reader_does_not_take(tmp_path):
    from histplot.errors import ConfigError
    from histplot.readers import load

    p = tmp_path / "run.csv"
    p.write_text(CSV)
    with pytest.raises(ConfigError, match="--validation-freq does not apply to keras_csv files"):
        load(p, validation_freq=2)
    assert load(p, validation_freq=None, trust_pickle=False).epochs == 4  # None/False: not given
    assert load(p, run="last").epochs == 4


def test_diagnose_monitors_a_derived_metric_info_lists(run, tmp_path):
    (tmp_path / "counts.json").write_text(json.dumps(COUNTS))
    info = json.loads(run("info", "counts.json", "--json", ok=True).stdout)[0]
    assert "val_f1" in info["derived"]
    r = run("diagnose", "counts.json", "--monitor", "val_f1", "--format", "json", ok=True)
    data = json.loads(r.stdout)
    [d] = data["files"]
    assert d["monitor"] == "val_f1"
    assert d["mode"] == "max"
    # --no-derive: the same monitor is then unknown, for diagnose as for info
    r = run("diagnose", "counts.json", "--monitor", "val_f1", "--no-derive")
    assert r.exit_code == 2
    assert "val_f1" in r.stderr


def test_parallel_honours_aliases(run, tmp_path):
    (tmp_path / "h.json").write_text(
        json.dumps({"loss": [1.0, 0.7, 0.6], "my_err": [0.5, 0.4, 0.3], "val_my_err": [0.6, 0.5, 0.45]})
    )
    r = run("parallel", "h.json", "--metrics", "error,val_error", "-o", "pc.png")
    assert r.exit_code == 2  # no such series without the aliases
    assert not (tmp_path / "pc.png").exists()
    (tmp_path / "histplot.yaml").write_text("aliases:\n  my_err: error\n")
    r = run("parallel", "h.json", "--metrics", "error,val_error", "-o", "pc.png", ok=True)
    assert r.stdout.strip() == "pc.png"
    assert (tmp_path / "pc.png").stat().st_size > 0


def test_parallel_dpi_from_config_then_option(run, tmp_path):
    (tmp_path / "h.json").write_text(json.dumps({"loss": [1.0, 0.7, 0.6], "val_loss": [1.1, 0.8, 0.75]}))
    run("parallel", "h.json", "-o", "a.png", ok=True)
    (tmp_path / "histplot.yaml").write_text("plot:\n  style:\n    dpi: 50\n")
    run("parallel", "h.json", "-o", "b.png", ok=True)
    run("parallel", "h.json", "-o", "c.png", "--dpi", "200", ok=True)
    default, from_config, given = (png_width(tmp_path / f"{n}.png") for n in "abc")
    assert from_config == pytest.approx(default / 2, abs=2)
    assert given == pytest.approx(default * 2, abs=2)


def test_watch_dpi_from_config(run, tmp_path):
    (tmp_path / "run.csv").write_text(CSV)
    run("watch", "run.csv", "-o", "a.png", "--until-idle", "0.3", "--interval", "0.05", ok=True)
    (tmp_path / "histplot.yaml").write_text("plot:\n  style:\n    dpi: 50\n")
    run("watch", "run.csv", "-o", "b.png", "--until-idle", "0.3", "--interval", "0.05", ok=True)
    assert png_width(tmp_path / "b.png") == pytest.approx(png_width(tmp_path / "a.png") / 2, abs=2)


def test_watch_reads_line_formats_with_the_aliases_and_checks_the_options(tmp_path):
    """watch parses CSVLogger and JSON-lines files itself, growing; they get the same aliases and the
    same refusal of options as ``load`` gives them."""
    from histplot.errors import ConfigError
    from histplot.live.follow import Follower

    path = tmp_path / "log.csv"
    path.write_text("epoch,loss,my_err,val_my_err\n0,1.0,0.5,0.6\n1,0.8,0.4,0.5\n")
    h = Follower(path, read_opts={"aliases": {"my_err": "error"}}).poll()
    assert {"error", "val_error"} <= set(h.frame.columns) and "my_err" not in h.frame.columns
    with pytest.raises(ConfigError, match="--validation-freq does not apply to keras_csv files"):
        Follower(path, read_opts={"validation_freq": 2}).poll()
