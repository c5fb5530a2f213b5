"""Annotations drawn from the findings, checked on the figure's structure."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from matplotlib.patches import Polygon, Rectangle

import histplot
from histplot.figures.annotate import annotate_history
from histplot.figures.panels import render
from histplot.history import History

from conftest import SAMPLES


def axes_by_label(fig):
    return {ax.get_label(): ax for ax in fig.axes}


def spans(ax):
    return [p for p in ax.patches if isinstance(p, (Polygon, Rectangle))]


def test_overfitting_sample_marks():
    h = histplot.load(SAMPLES / "overfitting_run.json")
    fig = render(h)
    d = annotate_history(fig, h)
    loss = axes_by_label(fig)["loss"]
    stars = [ln for ln in loss.lines if ln.get_marker() == "*"]
    assert len(stars) == 1
    best = d.first("best_epoch").numbers
    assert stars[0].get_xydata().tolist() == [[best["epoch"], best["value"]]]
    assert any(t.get_text() == f"best {best['value']:.4g}\nepoch {best['epoch']}" for t in loss.texts)
    [span] = [p for p in spans(loss) if p.get_label().startswith("overfitting")]
    xs = span.get_xy()[:, 0] if isinstance(span, Polygon) else [span.get_x(), span.get_x() + span.get_width()]
    assert (min(xs), max(xs)) == (d.first("overfitting").numbers["onset"], 60)
    stop = d.first("early_stopping").numbers["stopped_epoch"]
    vlines = [ln for ln in loss.lines if ln.get_label().startswith("EarlyStopping")]
    assert vlines and vlines[0].get_xdata()[0] == stop
    labels = [t.get_text() for t in loss.get_legend().get_texts()]
    last = h.frame["loss"].iloc[-1], h.frame["val_loss"].iloc[-1]
    assert labels == [
        f"train {last[0]:.4g}",
        f"validation {last[1]:.4g} (best {best['value']:.4g} @ {best['epoch']})",
        "overfitting from epoch 19",
        "EarlyStopping(patience=5) would stop: epoch 21",
    ]
    # panels that are not loss-like stay as they were drawn
    assert not spans(axes_by_label(fig)["accuracy"])


def test_clean_run_has_only_the_best_marker():
    h = histplot.load(SAMPLES / "keras_classification.json")
    fig = render(h)
    annotate_history(fig, h)
    loss = axes_by_label(fig)["loss"]
    assert [ln.get_marker() for ln in loss.lines if ln.get_marker() == "*"] == ["*"]
    assert not spans(loss)


def test_nan_epochs_are_marked():
    loss = list(np.linspace(1, 0.4, 10)) + [np.nan] * 5
    val = list(np.linspace(1.1, 0.5, 10)) + [np.nan] * 5
    h = History.build({"loss": loss, "val_loss": val}, source="nan.json")
    fig = render(h)
    annotate_history(fig, h)
    ax = axes_by_label(fig)["loss"]
    [span] = [p for p in spans(ax) if p.get_label() == "NaN/inf from epoch 11"]
    crosses = [ln for ln in ax.lines if ln.get_marker() == "x"]
    assert crosses[0].get_xdata().tolist() == [11, 12, 13, 14, 15]
    assert ax.get_xlim()[1] >= 15  # the NaN region is in view although no curve reaches it


def test_no_pyplot_in_the_package():
    src = Path(histplot.__file__).parent
    pattern = re.compile(r"matplotlib\.pyplot|from matplotlib import .*pyplot")
    offenders = [p.name for p in src.rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
