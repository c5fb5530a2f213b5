"""Comparing runs: overlay structure, mean ± std bands, ranking (library and CLI)."""

import json

import numpy as np
import pytest
from matplotlib.collections import PolyCollection

from histplot.diagnosis.ranking import rank
from histplot.diagnosis.run import diagnose
from histplot.diagnosis.verdict import render as render_verdict
from histplot.errors import HistplotError
from histplot.figures.overlay import band_stats, overlay, run_labels
from histplot.history import History


def run(loss, val_loss, source, **extra):
    cols = {"loss": loss, "val_loss": val_loss, **extra}
    return History.build(cols, source=source, fmt="keras_json")


def axes_by_name(fig):
    return {ax.get_label(): ax for ax in fig.axes if ax.get_visible() and ax.get_label()}


@pytest.fixture
def three():
    return [
        run([1.0, 0.8, 0.6, 0.5], [1.1, 0.9, 0.8, 0.85], "a/run.json", accuracy=[0.5, 0.6, 0.7, 0.8]),
        run([1.2, 0.9, 0.7, 0.6], [1.3, 1.0, 0.9, 0.9], "b/run.json", accuracy=[0.4, 0.5, 0.6, 0.7]),
        run([0.9, 0.7, 0.5], [1.0, 0.8, 0.75], "c/other.json", accuracy=[0.6, 0.7, 0.8]),
    ]


def test_overlay_draws_one_line_per_run_and_split_with_a_colour_per_run(three):
    fig = overlay(three, labels=["A", "B", "C"])
    axes = axes_by_name(fig)
    assert list(axes) == ["loss", "accuracy"]
    loss = axes["loss"]
    assert [ln.get_label() for ln in loss.lines] == [
        "A (train)",
        "A (validation)",
        "B (train)",
        "B (validation)",
        "C (train)",
        "C (validation)",
    ]
    colours = [ln.get_color() for ln in loss.lines]
    assert colours[0] == colours[1] and colours[2] == colours[3] and colours[4] == colours[5]
    assert len({str(c) for c in colours}) == 3
    assert [ln.get_linestyle() for ln in loss.lines] == ["-", "--"] * 3
    np.testing.assert_array_equal(loss.lines[4].get_xydata(), [[1, 0.9], [2, 0.7], [3, 0.5]])
    # accuracy has only a training split: one line per run, in the run's colour
    assert [ln.get_color() for ln in axes["accuracy"].lines] == colours[::2]
    [legend] = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["A", "B", "C", "train", "validation"]
    assert loss.get_legend() is None
    assert fig.get_suptitle() == "3 runs: A, B, C"


def test_overlay_labels_default_to_run_names_made_unique(three):
    assert run_labels(three) == ["a/run", "b/run", "other"]
    with pytest.raises(HistplotError, match="2 label"):
        overlay(three, labels=["x", "y"])


def test_overlay_metrics_selects_panels_and_rejects_unknown_names(three):
    assert list(axes_by_name(overlay(three, metrics=["val_loss"]))) == ["loss"]
    with pytest.raises(HistplotError, match="no metric 'f1'"):
        overlay(three, metrics=["f1"])


def test_band_statistics_match_numpy_with_runs_of_different_length(three):
    stats = band_stats([h.frame["val_loss"] for h in three])
    assert stats["n"].tolist() == [3, 3, 3, 2]
    for epoch in (1, 2, 3):
        values = [h.frame.loc[epoch, "val_loss"] for h in three]
        assert stats.loc[epoch, "mean"] == pytest.approx(np.mean(values))
        assert stats.loc[epoch, "std"] == pytest.approx(np.std(values, ddof=1))
    assert stats.loc[4, "mean"] == pytest.approx(np.mean([0.85, 0.9]))
    assert stats.loc[4, "std"] == pytest.approx(np.std([0.85, 0.9], ddof=1))


def test_band_with_a_single_run_left_has_no_width_and_ignores_non_finite():
    a = run([1.0, 2.0, np.inf], [1.0, 1.0, 1.0], "a.json")
    b = run([3.0, 4.0], [1.0, 1.0], "b.json")
    stats = band_stats([a.frame["loss"], b.frame["loss"]])
    assert stats["n"].tolist() == [2, 2, 0]
    assert stats.loc[1, "mean"] == 2.0 and np.isnan(stats.loc[3, "mean"])


def test_band_figure_draws_the_mean_and_a_std_band_per_split(three):
    fig = overlay(three, band=True)
    loss = axes_by_name(fig)["loss"]
    mean_val = [ln for ln in loss.lines if ln.get_label() == "validation mean"][0]
    expected = band_stats([h.frame["val_loss"] for h in three])
    np.testing.assert_allclose(mean_val.get_ydata(), expected["mean"].to_numpy())
    bands = [c for c in loss.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2  # train and validation
    val_band = bands[1].get_paths()[0].vertices[:, 1]
    lo = expected["mean"] - expected["std"]
    hi = expected["mean"] + expected["std"]
    assert val_band.min() == pytest.approx(lo.min()) and val_band.max() == pytest.approx(hi.max())
    [legend] = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "train mean",
        "train ±1 std",
        "validation mean",
        "validation ±1 std",
    ]
    # the last epoch has two of the three runs: the figure says so
    assert "3 at 1-3, 2 at 4 (of 3 runs)" in legend.get_title().get_text()


def test_rank_orders_by_best_value_in_min_and_max_mode(three):
    d = [diagnose(h) for h in three]
    ranked = rank(d)
    assert [r.label for r in ranked] == ["other", "run", "run"]
    assert [r.source for r in ranked] == ["c/other.json", "a/run.json", "b/run.json"]
    assert [r.best for r in ranked] == [0.75, 0.8, 0.9] and [r.rank for r in ranked] == [1, 2, 3]
    by_acc = rank(
        [
            diagnose(run([1, 1], [1, 1], f"{i}.json", val_accuracy=acc), monitor="val_accuracy")
            for i, acc in enumerate([[0.5, 0.7], [0.9, 0.6], [0.7, 0.7]])
        ]
    )
    assert by_acc[0].mode == "max"
    assert [(r.source, r.rank, r.best, r.best_epoch) for r in by_acc] == [
        ("1.json", 1, 0.9, 1),
        ("0.json", 2, 0.7, 2),
        ("2.json", 2, 0.7, 1),
    ]


def test_rank_refuses_runs_monitoring_different_series(three):
    other = History.build({"loss": [1.0, 0.5], "val_accuracy": [0.5, 0.6]}, source="x.json")
    with pytest.raises(HistplotError, match="--monitor"):
        rank([diagnose(three[0]), diagnose(other)])


def test_rank_in_text_markdown_and_json(three):
    d = [diagnose(h) for h in three]
    text = render_verdict(d, "text", rank=True)
    assert "Ranking by best val_loss (lower is better)" in text
    table = text[text.index("Ranking") :].splitlines()
    assert [line.split() for line in table[2:]] == [
        ["1", "c/other.json", "0.75", "3", "3"],
        ["2", "a/run.json", "0.8", "3", "4"],
        ["3", "b/run.json", "0.9", "3", "4"],
    ]
    md = render_verdict(d, "markdown", rank=True)
    assert "| 1 | c/other.json | 0.75 | 3 | 3 |" in md
    data = json.loads(render_verdict(d, "json", rank=True))
    assert [r["source"] for r in data["rank"]] == ["c/other.json", "a/run.json", "b/run.json"]
    assert "rank" not in json.loads(render_verdict(d, "json"))


def write(tmp_path, name, **cols):
    p = tmp_path / name
    p.write_text(json.dumps(cols))
    return p


def test_cli_overlay_band_labels_and_rank(tmp_path, run):  # noqa: F811 - the CLI fixture
    a = write(tmp_path, "a.json", loss=[1.0, 0.5, 0.4], val_loss=[1.1, 0.7, 0.6])
    b = write(tmp_path, "b.json", loss=[1.0, 0.6, 0.5], val_loss=[1.2, 0.8, 0.9])
    r = run("plot", "--overlay", a, b, "--label", "x,y", "-o", tmp_path / "cmp.svg", ok=True)
    assert r.stdout.strip() == str(tmp_path / "cmp.svg") and "<!-- y -->" in (tmp_path / "cmp.svg").read_text()
    r = run("plot", "--band", a, b, "--smooth", "0.5", ok=True)
    assert r.stdout.strip() == str(tmp_path / "overlay.png") and (tmp_path / "overlay.png").stat().st_size > 0
    r = run("plot", "--overlay", a, b, "--label", "x")
    assert r.exit_code == 2 and "1 label(s) given for 2 runs" in r.stderr
    r = run("plot", a, "--label", "x")
    assert r.exit_code == 2 and "--overlay" in r.stderr
    odd = write(tmp_path, "odd.svg", loss=[1.0, 0.5])  # a history whose name looks like a figure
    r = run("plot", "--overlay", a, odd, "-o", odd)
    assert r.exit_code == 2 and "overwrite an input" in r.stderr
    r = run("diagnose", a, b, "--rank", "--format", "json", ok=True)
    assert [x["source"] for x in json.loads(r.stdout)["rank"]] == [str(a), str(b)]
