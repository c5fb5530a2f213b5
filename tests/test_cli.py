"""The CLI: outputs, exit codes, one-line errors, and no output left behind on failure."""

import io
import json
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from conftest import SAMPLES

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def files_in(path):
    return sorted(p.name for p in path.iterdir())


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_plot_default_output_is_stem_png_in_cwd(run, tmp_path):
    r = run("plot", SAMPLES / "keras_classification.json", ok=True)
    out = tmp_path / "keras_classification.png"
    assert r.stdout.strip() == str(out)
    w, h = png_size(out)
    assert w >= 800 and h >= 300


def test_plot_several_inputs_into_a_directory(run, tmp_path):
    # files, folders and a database, two of them with a second figure; the browser test's report
    # draws every other sample
    names = ["fashion_confusion.json", "tensorboard_histograms", "mlruns", "mlflow.db", "lightning_metrics.csv"]
    samples = sorted(SAMPLES / n for n in names) + [SAMPLES / "keras_classification.json"]
    r = run("plot", *samples, "-o", tmp_path / "figs", ok=True)
    written = r.stdout.split()
    # runs that logged confusion matrices or histograms get a second figure beside their first
    main = [p for p in written if not p.endswith(("-confusion.png", "-distributions.png"))]
    assert len(written) == len(set(written)) and len(main) == len(samples)
    assert any(p.endswith("fashion_confusion-confusion.png") for p in written)
    assert any(p.endswith("tensorboard_histograms-distributions.png") for p in written)
    assert files_in(tmp_path / "figs") == sorted(p.split("/")[-1] for p in written)
    assert "keras_classification.png" in files_in(tmp_path / "figs")  # files are named by their stem
    assert all(png_size(tmp_path / "figs" / name)[0] > 400 for name in files_in(tmp_path / "figs"))


@pytest.mark.parametrize("fmt, magic", [("svg", b"<?xml"), ("pdf", b"%PDF-")])
def test_plot_formats(run, tmp_path, fmt, magic):
    run("plot", SAMPLES / "csvlogger_training.log", "--format", fmt, ok=True)
    out = tmp_path / f"csvlogger_training.{fmt}"
    assert out.read_bytes().startswith(magic)
    if fmt == "svg":
        root = ET.parse(out).getroot()
        assert root.tag.endswith("svg")


def test_format_from_output_suffix_and_mismatch(run, tmp_path):
    run("plot", SAMPLES / "overfitting_run.json", "-o", tmp_path / "x.svg", ok=True)
    assert (tmp_path / "x.svg").read_bytes().startswith(b"<?xml")
    r = run("plot", SAMPLES / "overfitting_run.json", "-o", tmp_path / "y.svg", "--format", "png")
    assert r.exit_code == 2
    assert "does not match --format png" in r.stderr


def test_svg_is_byte_for_byte_reproducible(run, tmp_path):
    run("plot", SAMPLES / "keras_classification.json", "-o", tmp_path / "a.svg", ok=True)
    run("plot", SAMPLES / "keras_classification.json", "-o", tmp_path / "b.svg", ok=True)
    a, b = (tmp_path / "a.svg").read_bytes(), (tmp_path / "b.svg").read_bytes()
    assert a == b
    assert b"<dc:date>" not in a


def test_svg_written_to_a_binary_file_is_matplotlibs_own_bytes(tmp_path):
    """write_figure puts a text layer over a binary file for matplotlib's SVG writer (faster than the
    codecs writer matplotlib would wrap it in): the same bytes, and the caller's file stays open."""
    import matplotlib

    import histplot
    from histplot.output import _NO_DATES, REPRODUCIBLE_RC, save_figure, write_figure

    fig = histplot.render(histplot.load(SAMPLES / "keras_classification.json"))
    theirs = io.BytesIO()
    with matplotlib.rc_context(REPRODUCIBLE_RC):
        fig.savefig(theirs, format="svg", metadata=_NO_DATES["svg"])
    ours = io.BytesIO()
    write_figure(fig, ours, fmt="svg")
    assert not ours.closed and ours.getvalue() == theirs.getvalue()
    save_figure(fig, tmp_path / "f.svg")
    assert (tmp_path / "f.svg").read_bytes() == theirs.getvalue()
    text = io.StringIO()  # a text file is written as it is
    write_figure(fig, text, fmt="svg")
    assert text.getvalue().encode() == theirs.getvalue()


def test_pdf_has_no_creation_date(run, tmp_path):
    run("plot", SAMPLES / "keras_classification.json", "-o", tmp_path / "a.pdf", ok=True)
    assert b"CreationDate" not in (tmp_path / "a.pdf").read_bytes()


def test_never_overwrites_an_input(run, tmp_path):
    victim = tmp_path / "history.png"
    victim.write_bytes((SAMPLES / "keras_classification.json").read_bytes())
    before = victim.read_bytes()
    r = run("plot", victim)
    assert r.exit_code == 2
    assert "refusing to overwrite an input file" in r.stderr
    assert victim.read_bytes() == before


def test_one_output_file_for_several_inputs_is_refused(run, tmp_path):
    r = run("plot", SAMPLES / "keras_classification.json", SAMPLES / "overfitting_run.json", "-o", "one.png")
    assert r.exit_code == 2 and "give a directory instead" in r.stderr
    assert files_in(tmp_path) == []


def test_same_stem_in_two_folders_gets_two_figures(run, tmp_path):
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "history.json").write_bytes((SAMPLES / "overfitting_run.json").read_bytes())
    run("plot", tmp_path / "a/history.json", tmp_path / "b/history.json", "-o", tmp_path / "out", ok=True)
    assert files_in(tmp_path / "out") == ["a_history.png", "b_history.png"]


def test_metrics_selects_panels_and_unknown_metric_is_an_error(run, tmp_path):
    run("plot", SAMPLES / "keras_classification.json", "--metrics", "loss", "-o", "l.svg", ok=True)
    svg = (tmp_path / "l.svg").read_text()
    assert svg.count('id="axes_') == 1
    r = run("plot", SAMPLES / "keras_classification.json", "--metrics", "f2")
    assert r.exit_code == 2
    assert "no metric 'f2' in this history; it has: loss, accuracy, learning_rate" in r.stderr


def test_stdin(run, tmp_path):
    data = (SAMPLES / "keras_classification.json").read_text()
    run("plot", "-", "-o", "from_stdin.png", input=data, ok=True)
    png_size(tmp_path / "from_stdin.png")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty file"),
        (b'{"loss": [0.5, 0.4], "acc": [', "truncated JSON"),
        (b'{"name": "resnet"}', "not a training history"),
        (b"epoch,loss\n0,abc\n1,def\n", "not a training history"),
        (b'{"loss": ["x", 0.2]}', "non-numeric value 'x'"),
        (b'{"loss": [NaN, NaN]}', "no numeric series"),
    ],
)
@pytest.mark.parametrize("command", ["plot", "info", "convert"])
def test_bad_input_one_line_exit_2_nothing_written(run, tmp_path, content, message, command):
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    r = run(command, bad)
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"Error: {bad}: ") and message in lines[0]
    assert "Traceback" not in r.output
    assert files_in(tmp_path) == ["bad.json"]


def test_one_bad_file_among_good_ones_writes_nothing(run, tmp_path):
    (tmp_path / "bad.json").write_text("{")
    r = run("plot", SAMPLES / "keras_classification.json", tmp_path / "bad.json", "-o", "figs")
    assert r.exit_code == 2
    assert not (tmp_path / "figs").exists()


def test_missing_file_and_directory(run, tmp_path):
    r = run("plot", tmp_path / "nope.json")
    assert r.exit_code == 2 and r.stderr.strip() == f"Error: {tmp_path / 'nope.json'}: no such file"
    r = run("info", tmp_path)
    assert r.exit_code == 2 and "directory" in r.stderr


def test_malicious_pickle_via_cli(run, tmp_path):
    marker = tmp_path / "PWNED"
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(
        b"\x80\x02cos\nsystem\n(X"
        + f"touch {marker}".encode().join([len(f"touch {marker}").to_bytes(4, "little"), b""])
        + b"tR."
    )
    r = run("plot", evil)
    assert r.exit_code == 2
    assert "refers to 'os.system'" in r.stderr
    assert not marker.exists()
    assert files_in(tmp_path) == ["evil.pkl"]


def test_nan_and_inf_inside_a_history_are_plotted_not_errors(run, tmp_path):
    (tmp_path / "h.json").write_text('{"loss": [1.0, 0.8, NaN, Infinity, 0.5], "val_loss": [1.1, 0.9, 0.8, 0.85, 0.9]}')
    run("plot", tmp_path / "h.json", ok=True)
    png_size(tmp_path / "h.png")


def test_info_text_and_json(run):
    r = run("info", SAMPLES / "csvlogger_training.log", ok=True)
    assert "format   keras_csv" in r.stdout
    assert "epochs   30 (1-30)" in r.stdout
    assert "acc -> accuracy" in r.stdout
    r = run("info", "--json", SAMPLES / "csvlogger_training.log", SAMPLES / "pytorch_regression.pkl", ok=True)
    data = json.loads(r.stdout)
    assert [d["format"] for d in data] == ["keras_csv", "pickle"]
    assert data[0]["epochs"] == 30
    assert set(data[0]["metrics"]) == {"accuracy", "loss"}
    assert set(data[0]["metrics"]["loss"]) == {"train", "val"}
    assert list(data[0]["other_series"]) == ["learning_rate"]
    assert data[1]["splits"] == ["train", "test"]
    assert data[1]["metrics"]["mse"]["test"]["values"] == 50


def test_convert_csv_to_stdout_and_json_file(run, tmp_path):
    r = run("convert", SAMPLES / "csvlogger_training.log", ok=True)
    lines = r.stdout.splitlines()
    assert lines[0] == "epoch,accuracy,loss,learning_rate,val_accuracy,val_loss"
    assert lines[1].startswith("1,") and lines[-1].startswith("30,")
    run("convert", SAMPLES / "csvlogger_training.log", "-o", tmp_path / "h.json", ok=True)
    records = json.loads((tmp_path / "h.json").read_text())
    assert len(records) == 30 and records[0]["epoch"] == 1
    assert set(records[0]) == {"epoch", "accuracy", "loss", "learning_rate", "val_accuracy", "val_loss"}


def test_convert_round_trips_through_histplot(run, tmp_path):
    run("convert", SAMPLES / "pytorch_regression.pkl", "-o", tmp_path / "h.csv", "--no-derive", ok=True)
    from histplot.readers import load

    a, b = load(SAMPLES / "pytorch_regression.pkl").frame, load(tmp_path / "h.csv").frame
    assert list(b.columns) == list(a.columns) == ["mse", "test_mse"]
    assert (abs(a - b) < 1e-9).all().all()
    run("convert", SAMPLES / "pytorch_regression.pkl", "-o", tmp_path / "d.csv", ok=True)
    d = load(tmp_path / "d.csv").frame
    assert set(d.columns) == {"mse", "test_mse", "rmse", "test_rmse"}
    assert (abs(d["test_rmse"] ** 2 - a["test_mse"]) < 1e-6).all()


def test_convert_by_step_writes_every_logged_step_with_its_epoch(run, tmp_path):
    from histplot.readers import load

    h = load(SAMPLES / "lightning_metrics.csv")
    r = run("convert", SAMPLES / "lightning_metrics.csv", "--by", "step", ok=True)
    table = pd.read_csv(io.StringIO(r.stdout))
    assert list(table.columns[:2]) == ["step", "epoch"]
    assert table["step"].tolist() == h.steps.index.tolist()
    np.testing.assert_allclose(table["loss"].to_numpy(), h.steps["loss"].to_numpy())
    # each step's epoch: the epoch whose last step is at or after it
    ends = h.meta["epoch_steps"]
    for step, epoch in zip(table["step"], table["epoch"]):
        assert step <= ends[epoch] and (epoch == 1 or step > ends[epoch - 1])
    # a file with no step series says so in one line
    bad = run("convert", SAMPLES / "keras_classification.json", "--by", "step")
    assert bad.exit_code == 2 and "no step-level series" in bad.stderr


def test_convert_of_a_file_without_epochs_is_by_step(run, tmp_path):
    p = tmp_path / "metrics.json"
    p.write_text("\n".join(json.dumps({"iteration": i, "total_loss": 1.0 / i}) for i in (20, 40, 60)) + "\n")
    r = run("convert", p, ok=True)
    assert r.stdout.splitlines()[0].startswith("step,") and len(r.stdout.splitlines()) == 4


def test_csv_append_warning_goes_to_stderr(run, tmp_path):
    (tmp_path / "training.log").write_text("epoch,loss\n0,0.9\n1,0.8\n0,0.7\n")
    r = run("info", tmp_path / "training.log", ok=True)
    assert "Warning:" in r.stderr and "kept the last" in r.stderr


def test_version_and_help(run):
    from histplot import __version__

    assert run("--version", ok=True).stdout.strip() == f"histplot, version {__version__}"
    assert "Examples:" in run("--help", ok=True).stdout


@pytest.mark.parametrize("command", ["plot", "info", "convert", "formats"])
def test_every_command_has_help_with_an_example(run, command):
    out = run(command, "--help", ok=True).stdout
    assert "Example" in out and f"histplot {command}" in out
