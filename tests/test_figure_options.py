"""Figure options (smoothing, log axes, y limits, panels, style) and histplot.yaml's plot: and aliases:."""

import json
import math

import numpy as np
import pytest
from PIL import Image

from histplot.errors import ConfigError
from histplot.figures.options import FigureOptions, figure_options
from histplot.figures.panels import RAW_ALPHA, render
from histplot.figures.smoothing import ema
from histplot.history import History
from histplot.readers.aliases import apply_aliases

from conftest import visible_axes


def test_ema_is_tensorboards_debiased_average_computed_by_hand():
    # w = 0.5: last = 0.5*last + 0.5*v, divided by 1 - 0.5**n (n = finite values so far)
    #   v=1: last 0.5,   / 0.5   = 1
    #   v=2: last 1.25,  / 0.75  = 5/3
    #   NaN: passed through, n unchanged
    #   v=4: last 2.625, / 0.875 = 3
    np.testing.assert_allclose(ema([1.0, 2.0, math.nan, 4.0], 0.5), [1.0, 5 / 3, math.nan, 3.0])
    # w = 0.9: the first point is the first value, not 10% of it; then 0.9 / (1 - 0.81)
    np.testing.assert_allclose(ema([10.0, 0.0], 0.9), [10.0, 0.9 / 0.19])
    # a leading gap: the first finite value starts the average
    np.testing.assert_allclose(ema([math.nan, 2.0, 4.0], 0.5), [math.nan, 2.0, 2.5 / 0.75])
    # infinities stay, without moving the average
    np.testing.assert_allclose(ema([1.0, math.inf, 3.0], 0.5), [1.0, math.inf, 1.75 / 0.75])
    # weight 0 is no smoothing; a constant series is returned as it is
    np.testing.assert_array_equal(ema([3.0, 1.0], 0.0), [3.0, 1.0])
    np.testing.assert_array_equal(ema([0.1] * 50, 0.99), [0.1] * 50)


@pytest.mark.parametrize("weight", [1.0, -0.1, "x"])
def test_ema_rejects_weights_outside_0_1(weight):
    with pytest.raises(ConfigError, match="smoothing weight"):
        ema([1.0, 2.0], weight)


def history():
    return History.build(
        {
            "loss": [2.0, 1.0, 0.5, 0.4],
            "val_loss": [2.1, 1.2, 0.9, math.nan],
            "accuracy": [0.2, 0.5, 0.7, 0.8],
            "lr": [0.1, 0.1, 0.01, 0.01],
        },
        source="run.json",
        fmt="keras_json",
    )


def test_smoothing_draws_the_smoothed_curve_over_a_faint_raw_one_and_leaves_the_history_alone():
    h = history()
    before = h.frame.copy()
    loss = visible_axes(render(h, options=FigureOptions(smooth=0.6)))["loss"]
    raw_train, train, raw_val, val = loss.lines
    assert raw_train.get_alpha() == RAW_ALPHA and train.get_alpha() is None
    np.testing.assert_array_equal(raw_train.get_ydata(), [2.0, 1.0, 0.5, 0.4])
    np.testing.assert_allclose(train.get_ydata(), ema([2.0, 1.0, 0.5, 0.4], 0.6))
    np.testing.assert_allclose(val.get_ydata(), ema([2.1, 1.2, 0.9], 0.6))
    # the legend gives the raw values (smoothing changes the drawing only): val_loss is monitored
    assert [t.get_text() for t in loss.get_legend().get_texts()] == ["train 0.4", "validation 0.9 (best 0.9 @ 3)"]
    assert h.frame.equals(before)
    lr = visible_axes(render(h, options=FigureOptions(smooth=0.6)))["learning_rate"]
    assert len(lr.lines) == 1  # a schedule is drawn as it is


def test_log_y_and_ylim_apply_to_the_named_panels_only():
    opts = figure_options(log_y="accuracy", ylim=("loss=0:3", "accuracy=0.1:"))
    axes = visible_axes(render(history(), options=opts))
    assert axes["accuracy"].get_yscale() == "log" and axes["loss"].get_yscale() == "linear"
    assert axes["loss"].get_ylim() == (0.0, 3.0)
    assert axes["accuracy"].get_ylim()[0] == pytest.approx(0.1) and axes["accuracy"].get_ylim()[1] > 0.8
    every = visible_axes(render(history(), options=figure_options(log_y="all", ylim=(":5",))))
    assert all(ax.get_yscale() == "log" for ax in every.values())
    assert all(ax.get_ylim()[1] == 5.0 for ax in every.values())
    # validation's column name also names its panel
    assert visible_axes(render(history(), options=figure_options(log_y="val_loss")))["loss"].get_yscale() == "log"


@pytest.mark.parametrize(
    "value, message", [(("2:1",), "low limit"), (("loss=a:1",), "'a' is not a number"), (("12",), "LO:HI")]
)
def test_bad_ylim_is_an_error(value, message):
    with pytest.raises(ConfigError, match=message):
        figure_options(ylim=value)


def test_yaml_panels_group_metrics_and_skip_missing_ones():
    cfg = {"plot": {"panels": [["accuracy", "loss"], ["learning_rate"], ["f1"]]}}
    fig = render(history(), options=figure_options(cfg))
    axes = visible_axes(fig)
    assert list(axes) == ["accuracy+loss", "learning_rate"]
    shared = axes["accuracy+loss"]
    assert len({ln.get_color() for ln in shared.lines}) == 2  # a colour per metric
    assert {ln.get_linestyle() for ln in shared.lines} == {"-", "--"}
    # --metrics beats the config's panels
    assert list(visible_axes(render(history(), metrics=["loss"], options=figure_options(cfg)))) == ["loss"]


def test_precedence_option_over_config_over_default():
    cfg = {"plot": {"smooth": 0.8, "log_y": ["loss"], "style": {"dpi": 50}}, "_path": "histplot.yaml"}
    assert figure_options().smooth is None and figure_options().dpi == 100
    assert figure_options(cfg).smooth == 0.8 and figure_options(cfg).log_y == ("loss",)
    opts = figure_options(cfg, smooth=0.3, dpi=70, log_y="all")
    assert (opts.smooth, opts.dpi, opts.log_y) == (0.3, 70, True)
    assert figure_options(cfg, smooth=None).smooth == 0.8  # None: not given


def write(path, text):
    path.write_text(text)
    return path


def keras(tmp_path, name="h.json", **cols):
    cols = cols or {"loss": [1.0, 0.6, 0.5], "val_loss": [1.1, 0.8, 0.9]}
    return write(tmp_path / name, json.dumps(cols))


def test_cli_dpi_from_option_then_config_then_default(tmp_path, run):
    h = keras(tmp_path)
    run("plot", h, "-o", "default.png", ok=True)
    write(tmp_path / "histplot.yaml", "plot:\n  style:\n    dpi: 50\n    size: [6, 3]\n")
    run("plot", h, "-o", "config.png", ok=True)
    run("plot", h, "-o", "option.png", "--dpi", "80", ok=True)
    widths = {n: Image.open(tmp_path / f"{n}.png").size for n in ("default", "config", "option")}
    assert widths["default"][0] == 640  # one panel: 6.4 in at 100 dpi
    assert widths["config"] == (300, 150) and widths["option"] == (480, 240)


@pytest.mark.parametrize(
    "yaml_text, key",
    [
        ("plot:\n  smoth: 0.5\n", "plot.smoth"),
        ("plot:\n  smooth: lots\n", "plot.smooth"),
        ("plot:\n  smooth: 1.5\n", "plot.smooth"),
        ("plot:\n  style:\n    name: no-such-style\n", "plot.style.name"),
        ("plot:\n  style:\n    dpi: 2.5\n", "plot.style.dpi"),
        ("plot:\n  style:\n    colour: red\n", "plot.style.colour"),
        ("plot:\n  formats: [png, gif]\n", "plot.formats"),
        ("plot:\n  panels: [[loss], 3]\n", "plot.panels[1]"),
        ("plot:\n  log_y: 3\n", "plot.log_y"),
        ("plot:\n  ylim: {loss: high}\n", "plot.ylim.loss"),
        ("aliases:\n  my_err: [1]\n", "aliases.my_err"),
        ("colours: {}\n", "colours"),
    ],
)
def test_config_errors_name_the_key_and_exit_2(tmp_path, run, yaml_text, key):
    h = keras(tmp_path)
    write(tmp_path / "histplot.yaml", yaml_text)
    for command in (("plot", h), ("info", h), ("diagnose", h)):
        r = run(*command)
        assert r.exit_code == 2, (command, r.stdout)
        [line] = r.stderr.splitlines()
        assert line.startswith("Error: ") and "histplot.yaml" in line and key in line, line


def test_aliases_rename_a_teams_names_for_every_command(tmp_path, run):
    h = keras(
        tmp_path, loss=[1.0, 0.6, 0.5], holdout_cost=[1.1, 0.7, 0.9], my_err=[0.5, 0.4, 0.3], val_my_err=[0.6, 0.5, 0.5]
    )
    write(
        tmp_path / "histplot.yaml",
        "aliases:\n  holdout_cost: val_loss   # one column\n  my_err: error              # a metric, in every split\n",
    )
    info = json.loads(run("info", h, "--json", ok=True).stdout)[0]
    columns = {base: {split: v["column"] for split, v in splits.items()} for base, splits in info["metrics"].items()}
    assert columns["loss"] == {"train": "loss", "val": "val_loss"}
    assert columns["error"] == {"train": "error", "val": "val_error"}
    r = run("diagnose", h, "--format", "json", ok=True)
    assert json.loads(r.stdout)["files"][0]["monitor"] == "val_loss"
    run("plot", h, "-o", "h.png", ok=True)


def test_an_alias_never_replaces_a_column_the_file_has():
    h = History.build({"loss": [1.0, 0.5], "val_loss": [1.0, 0.9], "cost": [3.0, 2.0]}, source="x.json")
    out = apply_aliases(h, {"cost": "val_loss", "loss": "train_loss"})
    assert list(out.frame.columns) == ["loss", "val_loss", "cost"]
    assert out.frame["val_loss"].tolist() == [1.0, 0.9]
    assert any("already has 'val_loss'" in n for n in out.meta["notes"])
    renamed = apply_aliases(h, {"cost": "val_error"})
    assert renamed.meta["original_names"]["val_error"] == "cost"
    assert renamed.meta["aliased"] == {"val_error": "cost"}


def test_report_honours_formats_and_figure_options_from_yaml(tmp_path, run):
    runs = tmp_path / "runs"
    runs.mkdir()
    keras(runs, "a.json")
    write(tmp_path / "histplot.yaml", "plot:\n  formats: [png]\n  smooth: 0.5\n")
    run("report", runs, "-o", "out", "-j", "1", ok=True)
    assert sorted(p.name for p in (tmp_path / "out/figures").iterdir()) == ["a.png"]
    html = (tmp_path / "out/index.html").read_text()
    # PNG figures only: no SVG figure stored in the page (the page's own parallel-coordinates <svg> aside)
    assert 'src="data:image/png;base64,' in html and 'data-mime="image/svg+xml"' not in html
    summary = json.loads((tmp_path / "out/summary.json").read_text())
    assert summary["runs"][0]["figures"] == {"png": "figures/a.png"}
    write(tmp_path / "histplot.yaml", "plot:\n  formats: [svg, pdf]\n")
    run("report", runs, "-o", "out2", "-j", "1", "--smooth", "0.5", "--log-y", ok=True)
    assert sorted(p.name for p in (tmp_path / "out2/figures").iterdir()) == ["a.pdf", "a.svg"]


def test_the_documented_example_config_is_valid(tmp_path):
    import re

    from histplot.config import load_config

    from conftest import REPO

    text = (REPO / "docs/config.md").read_text()
    section = text[text.index("## Example") :]
    example = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    config = load_config(write(tmp_path / "histplot.yaml", example))
    opts = figure_options(config)
    assert opts.panels[1] == ("accuracy", "auc") and opts.style == "seaborn-v0_8-whitegrid"
    assert opts.formats == ("png", "svg") and opts.ylim == (("accuracy", 0.5, 1.0),)
