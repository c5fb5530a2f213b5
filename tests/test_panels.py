"""Figures by structure: panels, legends, the data drawn, scales."""

import numpy as np
import pytest

from histplot.figures.panels import render
from histplot.figures.style import SPLIT_STYLE
from histplot.history import History

from conftest import visible_axes


def test_panel_per_metric_train_and_validation_together():
    h = History.build(
        {
            "acc": [0.5, 0.6, 0.7],
            "loss": [1.0, 0.8, 0.7],
            "val_loss": [1.1, 0.9, 0.95],
            "val_acc": [0.4, 0.5, 0.55],
            "lr": [1e-3, 1e-3, 1e-4],
        },
        source="run.json",
        fmt="keras_json",
    )
    fig = render(h)
    axes = visible_axes(fig)
    assert list(axes) == ["loss", "accuracy", "learning_rate"]
    loss = axes["loss"]
    # last values; the monitored val_loss also its best and the epoch of it
    assert [t.get_text() for t in loss.get_legend().get_texts()] == ["train 0.7", "validation 0.95 (best 0.9 @ 2)"]
    np.testing.assert_array_equal(loss.lines[0].get_xydata(), [[1, 1.0], [2, 0.8], [3, 0.7]])
    np.testing.assert_array_equal(loss.lines[1].get_xydata(), [[1, 1.1], [2, 0.9], [3, 0.95]])
    assert loss.lines[0].get_color() == SPLIT_STYLE["train"]["color"]
    assert loss.lines[1].get_linestyle() == "--"
    assert loss.get_xlabel() == "epoch" and loss.get_ylabel() == "loss"
    assert axes["learning_rate"].get_yscale() == "log"
    assert loss.get_yscale() == "linear"
    assert fig.get_suptitle() == "run  (3 epochs, keras_json)"


def test_same_colours_in_every_panel():
    h = History.build({"loss": [1, 0.5], "val_loss": [1, 0.6], "mae": [3, 2], "val_mae": [3, 2.5]})
    axes = visible_axes(render(h))
    assert axes["loss"].lines[1].get_color() == axes["mae"].lines[1].get_color() == SPLIT_STYLE["val"]["color"]


def test_test_split_pairs_with_train():
    h = History.build({"train_mse": [3.0, 2.0], "test_mse": [3.5, 2.6]})
    ax = visible_axes(render(h))["mse"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train 2", "test 2.6 (best 2.6 @ 2)"]


def test_sparse_validation_is_joined_with_markers_on_its_own_epochs():
    h = History.build({"loss": [0.9, 0.71, 0.6, 0.52, 0.47, 0.43], "val_loss": [None, 0.75, None, 0.66, None, 0.70]})
    ax = visible_axes(render(h))["loss"]
    np.testing.assert_array_equal(ax.lines[1].get_xydata(), [[2, 0.75], [4, 0.66], [6, 0.70]])
    assert ax.lines[1].get_marker() == "o"


def test_only_finite_values_are_drawn():
    h = History.build({"loss": [1.0, float("nan"), float("inf"), 0.5]})
    ax = visible_axes(render(h))["loss"]
    np.testing.assert_array_equal(ax.lines[0].get_xydata(), [[1, 1.0], [4, 0.5]])


def test_losses_spanning_decades_get_a_log_axis():
    h = History.build({"loss": [1e6, 1e4, 1e2, 1.0]})
    assert visible_axes(render(h))["loss"].get_yscale() == "log"


def test_single_epoch_is_visible():
    h = History.build({"loss": [0.69], "val_loss": [0.72]})
    ax = visible_axes(render(h))["loss"]
    assert all(line.get_marker() == "o" for line in ax.lines)
    assert ax.get_xlim() == (0.5, 1.5)
    assert list(ax.get_xticks()) == [1]


def test_metrics_selection_and_title():
    h = History.build({"loss": [1, 0.5], "acc": [0.2, 0.4]})
    fig = render(h, metrics=["accuracy"], title="mine")
    assert list(visible_axes(fig)) == ["accuracy"]
    assert fig.get_suptitle() == "mine"


def _drawn(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def test_every_tick_says_its_own_value_in_the_range_drawn():
    """No "1e-5" or "+1" above the axis, also where the bulk drawn is tiny but outliers are not (a real
    PINN loss drew "1e-5" above ticks -7.0 ... -9.0) and where given limits reach beyond the values;
    so the panel title sits at the top of the axes without measuring the axis at every draw."""
    from histplot.figures.options import figure_options

    bulk = list(-9e-5 + 2e-5 * np.exp(-np.arange(60) / 10))
    tiny = History.build({"loss": [*bulk[:30], 0.5, *bulk[30:]]}, source="r.json")
    wide = History.build({"loss": [1.0 / (e + 1) for e in range(20)]}, source="r.json")
    given = figure_options(ylim=("loss=1000000:5000000",))
    for fig in (render(tiny), render(wide, options=given)):
        renderer = _drawn(fig)
        for ax in visible_axes(fig).values():
            assert ax.yaxis.get_offset_text().get_text() == "", ax.get_title()
            labels = [(t.get_text(), t.get_position()[1]) for t in ax.get_yticklabels() if t.get_text()]
            assert labels, ax.get_title()
            for text, at in labels:  # the label is the value where it stands
                assert float(text.replace("\u2212", "-")) == pytest.approx(at, rel=0.01, abs=1e-12), labels
            title = ax.title.get_window_extent(renderer)
            assert title.y0 >= ax.get_window_extent(renderer).y1  # above the axes, clear of the ticks
