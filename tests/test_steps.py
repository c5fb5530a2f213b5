"""Step-level series: the epoch summary (DESIGN §2), the step x axis, decimation (§6), samples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

import histplot
from histplot.figures.decimation import minmax
from histplot.figures.panels import render
from histplot.figures.xaxis import frame_for_x
from histplot.history import History
from histplot.steps import Runs

from conftest import SAMPLES


def test_epoch_frame_is_step_mean_unless_epoch_value_given():
    steps = pd.DataFrame(
        {"train_loss": [1.0, 0.8, 0.6, 0.2], "val_loss": [0.9, 0.85, 0.7, 0.65], "grad_norm": [1.0, 3.0, 2.0, 2.0]},
        index=[10, 20, 30, 40],
    )
    h = History.build({"loss": [0.77, None]}, epochs=[1, 2], steps=steps, step_epochs=[1, 1, 2, 2])
    assert h.frame.loc[1, "loss"] == 0.77  # the source's epoch value wins
    assert h.frame.loc[2, "loss"] == pytest.approx(0.4)  # else the mean of the epoch's steps
    assert h.frame["val_loss"].tolist() == [0.85, 0.65]  # held-out: the epoch's last evaluation
    assert h.frame["grad_norm"].tolist() == [2.0, 2.0]
    assert h.steps.index.name == "step" and list(h.steps.columns) == ["loss", "val_loss", "grad_norm"]
    assert h.meta["epoch_steps"] == {1: 20, 2: 40}


def test_minmax_keeps_envelope():
    rng = np.random.default_rng(0)
    y = rng.normal(size=100_000)
    y[12345], y[67890] = 50.0, -40.0
    x = np.arange(len(y))
    xs, ys = minmax(x, y, max_points=1000)
    assert len(xs) <= 1002 and np.all(np.diff(xs) > 0)
    assert ys.max() == 50.0 and ys.min() == -40.0 and xs[0] == 0 and xs[-1] == len(y) - 1
    assert minmax(x[:10], y[:10])[0].tolist() == list(range(10))


def test_step_axis_places_epoch_values_at_epoch_end():
    h = histplot.load(SAMPLES / "hf_trainer_state.json")
    frame, label = frame_for_x(h, "step")
    assert label == "step" and frame.index.name == "step"
    assert frame["val_loss"].dropna().index.tolist() == [40, 80, 120, 160, 200, 240]
    fig = render(h, x="step")
    ax = next(a for a in fig.axes if a.get_label() == "loss")
    assert ax.get_xlabel() == "step"
    assert len(ax.lines[0].get_xdata()) == 24


def test_plot_x_option(run):
    run("plot", SAMPLES / "lightning_metrics.csv", "--x", "step", "-o", "l.png", ok=True)
    result = run("plot", SAMPLES / "keras_classification.json", "--x", "step", "-o", "k.png")
    assert result.exit_code == 2 and "--x epoch" in result.stderr


# -- Runs: per-epoch reductions of step rows, checked against pandas' groupby -----------------------

_values = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(float("nan")), st.just(float("inf")))


@hsettings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 6), _values), max_size=60), sort=st.booleans())
def test_runs_reduce_like_pandas_groupby(rows, sort):
    if sort:
        rows = sorted(rows, key=lambda r: r[0])  # the usual log: epochs never decrease
    keys = np.array([k for k, _ in rows], dtype=np.int64)
    values = np.array([v for _, v in rows], dtype=np.float64)
    expected = pd.Series(values).groupby(keys)
    runs = Runs(keys)
    assert runs.keys.tolist() == sorted(set(keys.tolist()))
    np.testing.assert_allclose(runs.mean(values), expected.mean().to_numpy(), rtol=1e-12, equal_nan=True)
    np.testing.assert_array_equal(runs.last(values), expected.last().to_numpy())
    np.testing.assert_array_equal(runs.max(values), expected.max().to_numpy())
    np.testing.assert_array_equal(runs.min(values), expected.min().to_numpy())


def test_runs_of_a_group_without_values_give_nan():
    runs = Runs(np.array([1, 1, 2, 3, 3]))
    v = np.array([np.nan, np.nan, 4.0, 5.0, np.nan])
    assert runs.mean(v)[0] != runs.mean(v)[0] and runs.mean(v)[1:].tolist() == [4.0, 5.0]
    assert np.isnan(runs.last(v)[0]) and runs.last(v)[1:].tolist() == [4.0, 5.0]
