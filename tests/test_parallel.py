"""Parallel coordinates: axes in real units, one line per epoch or run, NaN as gaps."""

import numpy as np
import pytest

from histplot.errors import HistplotError
from histplot.figures.parallel import parallel
from histplot.history import History

from conftest import SAMPLES


def twins(fig):
    return {ax.get_label(): ax for ax in fig.axes if ax.get_label() and not ax.get_label().startswith("<")}


def host(fig):
    return fig.axes[0]


def test_by_epoch_one_line_per_epoch_axes_keep_real_units():
    h = History.build({"loss": [2.0, 1.0, 0.5, 0.4], "val_loss": [2.2, 1.4, 1.0, 1.2], "lr": [1e-2, 1e-3, 1e-4, 1e-4]})
    fig = parallel([h], by="epoch")
    axes = twins(fig)
    assert list(axes) == ["loss", "val_loss", "learning_rate"]
    lo, hi = axes["loss"].get_ylim()
    assert lo < 0.4 < 2.0 < hi and hi - 2.0 < 0.1
    assert axes["learning_rate"].get_yscale() == "log"
    lines = host(fig).lines
    assert len(lines) == 4
    # Epoch 1 holds every axis's maximum: drawn at the top of each (normalised 1.0).
    top = [ln for ln in lines if np.allclose(ln.get_ydata()[:2], [1.0, 1.0])]
    assert len(top) == 1


def test_nan_leaves_a_gap():
    h = History.build({"loss": [1.0, 0.8, 0.7], "val_loss": [1.1, None, 0.9], "acc": [0.1, 0.2, 0.3]})
    fig = parallel([h], by="epoch")
    ys = [ln.get_ydata() for ln in host(fig).lines]
    assert sum(np.isnan(y).sum() for y in ys) == 1


def test_by_run_uses_best_values_and_hyperparameters():
    a = History.build(
        {"loss": [1.0, 0.5], "val_loss": [1.2, 0.9], "val_acc": [0.5, 0.7]},
        source="a.json",
        meta={"params": {"optimizer": "adam", "batch_size": 32}},
    )
    b = History.build(
        {"loss": [1.0, 0.3, 0.2], "val_loss": [1.1, 0.6, 0.8], "val_acc": [0.6, 0.8, 0.75]},
        source="b.json",
        meta={"params": {"optimizer": "sgd", "batch_size": 64}},
    )
    fig = parallel([a, b], by="run")
    axes = twins(fig)
    assert list(axes) == ["best loss", "best val_loss", "best val_accuracy", "batch_size", "optimizer", "epochs"]
    assert [t.get_text() for t in axes["optimizer"].get_yticklabels()] == ["adam", "sgd"]
    assert len(host(fig).lines) == 2
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert sorted(legend) == ["a", "b"]
    # Colour defaults to the best validation value; b's best val_accuracy (0.8) is the highest.
    assert fig.axes[-1].get_ylabel() == "best val_loss"


def test_errors_name_the_problem():
    h = History.build({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]})
    with pytest.raises(HistplotError, match="--color nope: no such series"):
        parallel([h], by="epoch", color="nope")
    with pytest.raises(HistplotError, match="one file"):
        parallel([h, h], by="epoch")
    with pytest.raises(HistplotError, match="at least two series"):
        parallel([History.build({"loss": [1.0, 0.5]})], by="epoch")


def test_cli_parallel_writes_figures(run, tmp_path):
    r = run("parallel", SAMPLES / "overfitting_run.json", ok=True)
    assert r.stdout.strip() == "overfitting_run_parallel.png"
    assert (tmp_path / "overfitting_run_parallel.png").read_bytes()[:4] == b"\x89PNG"
    run(
        "parallel",
        SAMPLES / "overfitting_run.json",
        SAMPLES / "keras_classification.json",
        "--color",
        "val_accuracy",
        "-o",
        "runs.svg",
        ok=True,
    )
    assert (tmp_path / "runs.svg").read_bytes().startswith(b"<?xml")
    r = run("parallel", SAMPLES / "overfitting_run.json", "--color", "zzz")
    assert r.exit_code == 2 and "no such series" in r.stderr
