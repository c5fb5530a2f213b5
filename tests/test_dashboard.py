"""The dashboard layout and per-class panels, checked on structure and plotted data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from histplot.errors import HistplotError
from histplot.figures.panels import panels, render
from histplot.history import History
from histplot.metrics.derive import derive
from histplot.readers import load

from conftest import SAMPLES, visible_axes


@pytest.fixture(scope="module")
def binary():
    return derive(load(str(SAMPLES / "imbalanced_binary.json")))


@pytest.fixture(scope="module")
def multi():
    return derive(load(str(SAMPLES / "multiclass_10.json")))


def test_binary_dashboard_layout(binary):
    assert [p.name for p in panels(binary)] == [
        "loss",
        "precision_recall_f1",
        "mcc",
        "specificity_balanced_accuracy",
        "accuracy",
    ]
    fig = render(binary)
    ax = visible_axes(fig)["precision_recall_f1"]
    lines = {line.get_label(): line for line in ax.lines}
    assert set(lines) == {f"{m} ({s})" for m in ("precision", "recall", "F1") for s in ("train", "validation")}
    # one colour per metric, the split in the line style
    assert lines["precision (train)"].get_color() == lines["precision (validation)"].get_color()
    assert lines["precision (train)"].get_color() != lines["recall (train)"].get_color()
    assert lines["F1 (train)"].get_linestyle() == "-" and lines["F1 (validation)"].get_linestyle() == "--"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["precision", "recall", "F1", "train", "validation"]
    y = lines["recall (validation)"].get_xydata()
    np.testing.assert_allclose(y[:, 1], binary.frame["val_recall"].to_numpy())


def test_undefined_values_are_gaps_not_joined():
    h = derive(
        History.build(
            {
                "tp": [5, 0, 6, 7],
                "fp": [1, 0, 1, 1],
                "tn": [10, 10, 9, 9],
                "fn": [2, 5, 1, 0],
                "val_tp": [np.nan, 3, np.nan, 4],
                "val_fp": [np.nan, 1, np.nan, 0],
                "val_tn": [np.nan, 5, np.nan, 5],
                "val_fn": [np.nan, 1, np.nan, 1],
            }
        )
    )
    fig = render(h, metrics=["precision"])
    train, val = fig.axes[0].lines
    xy = train.get_xydata()
    assert xy[:, 0].tolist() == [1, 2, 3, 4] and np.isnan(xy[1, 1])  # 0/0 at epoch 2: a gap
    assert val.get_xydata()[:, 0].tolist() == [2, 4]  # no validation on epochs 1, 3: joined over


def test_hidden_panels_stay_selectable(binary):
    assert [p.name for p in panels(binary, ["f1", "npv", "tp", "val_mcc", "precision_recall_f1"])] == [
        "f1",
        "npv",
        "tp",
        "mcc",
        "precision_recall_f1",
    ]
    with pytest.raises(HistplotError, match="no metric 'nosuch'"):
        panels(binary, ["nosuch"])


def test_multiclass_dashboard_and_per_class_panels(multi):
    # multiclass MCC and kappa from the per-class count sums (Gorodkin's R_K), beside the macro averages
    assert [p.name for p in panels(multi)] == [
        "loss",
        "mcc",
        "macro_precision_recall_f1",
        "accuracy",
        "kappa",
        "f1_per_class",
        "recall_per_class",
        "precision_per_class",
    ]
    fig = render(multi)
    ax = visible_axes(fig)["f1_per_class"]
    assert ax.get_title() == "F1 per class (validation)"
    labels = [line.get_label() for line in ax.lines]
    assert sorted(labels[:-1], key=int) == [str(k) for k in range(10)] and labels[-1] == "macro"
    assert len({line.get_color() for line in ax.lines}) == 11
    # legend order follows where the lines end, best class first
    ends = [line.get_xydata()[-1, 1] for line in ax.lines[:-1]]
    assert ends == sorted(ends, reverse=True)
    legend = ax.get_legend()
    # each class's label, then its last value
    texts = [t.get_text() for t in legend.get_texts()]
    assert [t.split(":")[0] for t in texts[:-1]] == labels[:-1] and texts[-1].startswith("macro ")
    assert texts[0] == f"{labels[0]}: {ends[0]:.4g}"
    assert legend.get_bbox_to_anchor().bounds[0] > ax.get_position().x1 * fig.bbox.width * 0.99  # outside
    cat = next(line for line in ax.lines if line.get_label() == "3")
    np.testing.assert_allclose(cat.get_xydata()[:, 1], multi.frame["val_f1_3"].to_numpy())


def test_per_class_selection(multi):
    assert [p.name for p in panels(multi, ["f1"])] == ["f1_per_class"]
    assert [p.name for p in panels(multi, ["f1_3"])] == ["f1_3"]
    # "mcc" is the multiclass MCC of the run; its per-class family is one name away
    assert [p.name for p in panels(multi, ["tp", "mcc"])] == ["tp_per_class", "mcc"]
    assert [p.name for p in panels(multi, ["mcc_per_class"])] == ["mcc_per_class"]
    # the file's matrices give an overall mcc of its own, so the family is named in full
    assert [p.name for p in panels(multi, ["tp", "mcc_per_class"])] == ["tp_per_class", "mcc_per_class"]
    [p] = panels(multi, ["f1_3"])
    assert [c for c, _ in p.series] == ["f1_3", "val_f1_3"]


def test_files_own_per_class_family_shares_a_panel(tmp_path):
    data = {"loss": [1.0, 0.5]} | {f"train/acc_{k}": [0.1 * k, 0.1 * k + 0.05] for k in range(7)}
    p = tmp_path / "h.json"
    p.write_text(json.dumps(data))
    h = derive(load(str(p)))
    assert [x.name for x in panels(h)] == ["loss", "accuracy_per_class"]


def test_without_counts_layout_is_unchanged():
    h = derive(
        History.build(
            {
                "loss": [1.0, 0.5],
                "val_loss": [1.1, 0.7],
                "precision": [0.5, 0.6],
                "recall": [0.4, 0.5],
                "lr": [0.1, 0.1],
            }
        )
    )
    assert [p.name for p in panels(h)] == ["loss", "precision", "recall", "learning_rate"]


def test_no_derive_with_counts_draws_the_counts():
    h = History.build({"loss": [1.0], "tp": [1.0], "fp": [1.0], "tn": [1.0], "fn": [1.0]})
    assert [p.name for p in panels(h)] == ["loss", "tp", "fp", "tn", "fn"]


def test_derived_rmse_is_selectable_not_drawn_twice():
    h = derive(History.build({"mse": [4.0, 1.0], "test_mse": [9.0, 4.0]}))
    assert [p.name for p in panels(h)] == ["mse"]
    [p] = panels(h, ["rmse"])
    assert [c for c, _ in p.series] == ["rmse", "test_rmse"]
    own = derive(History.build({"mse": [4.0, 1.0], "rmse": [2.0, 1.0]}))
    assert [p.name for p in panels(own)] == ["mse", "rmse"]
