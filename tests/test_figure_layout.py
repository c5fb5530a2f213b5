"""Figures that hold up on real runs (issue 16): the panel budget, hidden-series footers, outlier-robust
y ranges, readable axes. Generated histories only, drawn at low dpi."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from histplot.figures.layout import BUDGET, layout, left_out
from histplot.figures.options import FigureOptions, figure_options
from histplot.figures.panels import render
from histplot.figures.xaxis import engineering
from histplot.history import History

from conftest import visible_axes

ENTITIES = [f"ENT{i:02d}" for i in range(23)]


def token_classification(epochs: int = 6) -> History:
    return History.build(token_series(epochs))


def token_series(epochs: int = 6, entities: int = len(ENTITIES)) -> dict[str, list[float]]:
    """A seqeval run as the HF token-classification example logs it: per-entity precision, recall, F1 and
    support (``eval_<ENT>_number``), overall metrics, loss, learning rate and the Trainer's timing."""
    rng = np.random.default_rng(0)
    data: dict[str, list[float]] = {}
    t = np.arange(1, epochs + 1)
    data["loss"] = list(1.0 / t)
    data["eval_loss"] = list(1.1 / t + 0.05)
    for i, ent in enumerate(ENTITIES[:entities]):
        for kind in ("precision", "recall", "f1"):
            data[f"eval_{ent}_{kind}"] = list(np.clip(0.3 + 0.02 * i + 0.05 * t + rng.normal(0, 0.01, epochs), 0, 1))
        data[f"eval_{ent}_number"] = [100.0 + i] * epochs
    for k, kind in enumerate(("precision", "recall", "f1", "accuracy")):
        data[f"eval_overall_{kind}"] = list(0.5 + 0.01 * k + 0.05 * t)
    data["learning_rate"] = list(5e-5 * (1 - t / (epochs + 1)))
    for timing in ("eval_runtime", "eval_samples_per_second", "eval_steps_per_second", "epoch_time"):
        data[timing] = list(10.0 + rng.normal(0, 1, epochs))
    return data


def test_a_95_series_run_stays_within_the_budget():
    assert len(token_series()) >= 95
    h = token_classification()
    plan = layout(h)
    names = [p.name for p in plan.panels]
    assert len(names) <= BUDGET
    assert names[0] == "loss" and names[-1] == "learning_rate"  # losses first, the learning rate last
    overall = names.index("overall_f1")
    families = [p for p in plan.panels if p.kind == "family"]
    assert {p.name for p in families} == {"precision_family", "recall_family", "f1_family"}
    assert all(names.index(p.name) > overall for p in families)  # overall metrics before per-entity ones
    f1 = next(p for p in families if p.name == "f1_family")
    labels = [style["label"] for _, style in f1.series]
    assert labels[-1] == "overall" or labels[-1] == "overall f1"
    # the top members by final value, best first
    final = {ent: token_series()[f"eval_{ent}_f1"][-1] for ent in ENTITIES}
    assert labels[:-1] == sorted(ENTITIES, key=lambda e: -final[e])[:10]
    assert len(labels) - 1 == 10 and f1.note == "top 10 of 23"
    assert "precision, recall, f1: top 10 of 23 by final value" in plan.footer()


def test_timing_is_hidden_and_said_in_the_footer():
    h = token_classification()
    hidden = left_out(h)
    assert {"eval_runtime", "eval_samples_per_second", "epoch_time"} <= set(hidden)
    fig = render(h)
    drawn = {c for ax in fig.axes for line in ax.lines for c in [line.get_label()]}
    assert "eval runtime" not in drawn
    footer = fig._supxlabel.get_text()
    assert "not shown (4): eval runtime" in footer and "--all" in footer
    assert "\n" not in footer


def test_all_and_metrics_bring_hidden_series_back():
    h = token_classification()
    every = render(h, options=FigureOptions(every=True))
    assert "eval_runtime" in visible_axes(every)
    assert len(visible_axes(every)) > BUDGET
    one = render(h, metrics=["eval_runtime"])
    assert list(visible_axes(one)) == ["eval_runtime"] and one._supxlabel is None


def test_all_and_no_robust_on_the_command_line(tmp_path, run):
    path = tmp_path / "h.json"
    path.write_text(json.dumps(token_series(entities=2)))  # small: --all draws every series
    assert figure_options(None, every=True, robust=False) == FigureOptions(every=True, robust=False)
    r = run("plot", path, "--all", "--no-robust", "-o", tmp_path / "out.png", "--dpi", "30", ok=True)
    assert (tmp_path / "out.png").stat().st_size > 0, r.stderr
    info = run("info", path, ok=True)
    hidden = next(line for line in info.stdout.splitlines() if line.startswith("  hidden"))
    assert "eval_runtime" in hidden


def spiked() -> History:
    rng = np.random.default_rng(1)
    n = 30
    train = 0.6 - 0.01 * np.arange(n) + rng.normal(0, 0.005, n)
    val = 0.45 + 0.004 * (np.arange(n) - 10) ** 2 / 10 + rng.normal(0, 0.005, n)
    val[17] = 7.4  # one bad validation pass
    return History.build({"loss": list(train), "val_loss": list(val)})


def test_a_spike_does_not_flatten_the_panel_and_is_marked_on_the_edge():
    ax = visible_axes(render(spiked()))["loss"]
    low, high = ax.get_ylim()
    assert high < 2.0 and low > 0.0  # the bulk (0.3-0.9), not 0-7.4
    edge = [line for line in ax.lines if line.get_label() == "_outside"]
    assert len(edge) == 1
    assert edge[0].get_xdata().tolist() == [18] and edge[0].get_marker() == "^"
    assert any("1 above" in t.get_text() for t in ax.texts)


def test_no_robust_and_ylim_take_in_every_point():
    ax = visible_axes(render(spiked(), options=FigureOptions(robust=False)))["loss"]
    assert ax.get_ylim()[1] > 7.4
    ax = visible_axes(render(spiked(), options=figure_options(None, ylim=("loss=0:10",))))["loss"]
    assert ax.get_ylim() == (0.0, 10.0)
    assert not [line for line in ax.lines if line.get_label() == "_outside"]


def test_a_loss_falling_by_orders_of_magnitude_gets_a_log_axis():
    loss = list(2071 * np.exp(-np.arange(40) / 6.0) + 4.5)
    assert visible_axes(render(History.build({"loss": loss})))["loss"].get_yscale() == "log"


def test_a_constant_series_shows_its_value_once():
    h = History.build({"loss": [1.0, 0.8, 0.7, 0.6], "learning_rate": [1e-3] * 4})
    fig = render(h)
    FigureCanvasAgg(fig).draw()
    ax = visible_axes(fig)["learning_rate"]
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels == ["0.001"]


def test_engineering_notation():
    assert [engineering(x) for x in (0, 950, 20000, 1_500_000, 2e9)] == ["0", "950", "20k", "1.5M", "2G"]


def _overlaps(boxes) -> bool:
    return any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_step_tick_labels_never_overlap_on_a_long_run():
    steps = pd.DataFrame({"loss": np.linspace(2.0, 0.1, 600)}, index=np.linspace(2_500, 1_500_000, 600).astype(int))
    h = History.build(
        {"loss": [1.0, 0.5, 0.2]}, epochs=[1, 2, 3], steps=steps, step_epochs=[1] * 200 + [2] * 200 + [3] * 200
    )
    fig = render(h, x="step")
    fig.set_dpi(40)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = visible_axes(fig)["loss"]
    labels = [t for t in ax.get_xticklabels() if t.get_text() and t.get_visible()]
    xmin, xmax = ax.get_xlim()
    shown = [t for t in labels if xmin <= t.get_position()[0] <= xmax]
    assert len(shown) >= 3
    assert all(t.get_text()[-1] in "kM0" for t in shown)
    assert any(t.get_text().endswith("M") for t in shown)
    assert not _overlaps([t.get_window_extent(renderer) for t in shown])


@pytest.mark.parametrize("x", ["epoch"])
def test_epoch_ticks_are_integers(x):
    fig = render(History.build({"loss": [1.0, 0.8, 0.7, 0.6, 0.5]}), x=x)
    FigureCanvasAgg(fig).draw()
    ticks = visible_axes(fig)["loss"].get_xticks()
    assert all(float(t).is_integer() for t in ticks)


def test_robust_from_histplot_yaml():
    from histplot.errors import ConfigError

    assert figure_options({"plot": {"robust": False}}).robust is False
    assert figure_options({"plot": {"robust": False}}, robust=True).robust is True  # the command line wins
    with pytest.raises(ConfigError, match="plot.robust must be true or false"):
        figure_options({"plot": {"robust": "no"}})


def test_identical_metrics_share_one_panel():
    same = [0.5, 0.7, 0.8]
    h = History.build(
        {
            "loss": [1.0, 0.7, 0.6],
            "val_accuracy": same,
            "val_f1": same,
            "val_precision": same,
            "val_recall": [0.4, 0.6, 0.7],
        }
    )
    plan = layout(h)
    titles = {p.name: p.title for p in plan.panels}
    assert titles["accuracy"] == "accuracy = f1 = precision"
    assert "f1" not in titles and "recall" in titles
    assert [p.name for p in layout(h, ["f1"]).panels] == ["f1"]  # still drawn alone when named


def test_the_best_epoch_label_stays_clear_of_ticks_titles_and_legends():
    from histplot.figures.files import figure

    # the best validation loss is the last and lowest point: the label's first place would leave the axes
    n = 12
    h = History.build({"loss": list(np.linspace(1.0, 0.3, n)), "val_loss": list(np.linspace(1.1, 0.25, n))})
    fig = figure(h)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = visible_axes(fig)["loss"]
    [label] = [t for t in ax.texts if t.get_text().startswith("best ")]
    box = label.get_window_extent(renderer)
    inside = ax.get_window_extent(renderer)
    assert inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0 and box.y1 <= inside.y1
    others = [ax.title, *ax.get_xticklabels(), *ax.get_yticklabels()]
    assert not any(box.overlaps(t.get_window_extent(renderer)) for t in others if t.get_text())
    assert not box.overlaps(ax.get_legend().get_window_extent(renderer))


def test_per_class_ap_family_skips_a_class_never_evaluated():
    nan = float("nan")
    h = History.build(
        {
            "loss": [1.0, 0.8, 0.6],
            "bbox/AP": [40.0, 55.0, 60.0],
            "bbox/AP-cat": [35.0, 50.0, 58.0],
            "bbox/AP-dog": [45.0, 60.0, 62.0],
            "bbox/AP-numbers": [nan, nan, nan],
        },
        fmt="jsonl",
        meta={"framework": "detectron2"},
    )
    [family] = [p for p in layout(h).panels if p.kind == "family"]
    assert [style["label"] for _, style in family.series] == ["dog", "cat", "overall"]
    assert family.title == "bbox/AP per class (validation)"


def test_an_overlaid_run_at_another_level_is_not_an_outlier():
    from histplot.figures.overlay import overlay

    low = History.build({"loss": list(np.linspace(1.0, 0.8, 30)), "lr": [1e-3] * 30}, source="a.json")
    high = History.build({"loss": list(np.linspace(4.5, 4.1, 10)), "lr": [1e-3] * 10}, source="b.json")
    fig = overlay([low, high])
    axes = {ax.get_label(): ax for ax in fig.axes if ax.get_visible() and ax.get_label()}
    lo, hi = axes["loss"].get_ylim()
    assert lo <= 0.8 and hi >= 4.5  # both runs in full
    assert "learning_rate" in axes  # the learning-rate panel, as in single-run figures


def test_thousands_of_series_stay_bounded(tmp_path, run):
    """The default figure keeps its budget; --all over a file of 2,000 series is refused in one line
    (drawing them took minutes) and writes nothing."""
    cols = {f"m{i:04d}": [1.0 / (e + 1 + i % 7) for e in range(5)] for i in range(2000)}
    h = History.build(cols)
    assert len(layout(h).panels) <= BUDGET
    path = tmp_path / "wide.csv"
    pd.DataFrame(cols).to_csv(path, index_label="epoch")
    r = run("plot", path, "--all", "-o", tmp_path / "wide.png")
    assert r.exit_code == 2 and "--all asks for 2000 panels" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "wide.png").exists()
