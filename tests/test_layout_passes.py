"""LayoutOnce measures a figure a second time only where that can change the layout, and its layout
is matplotlib's: the oracle is matplotlib's own constrained layout (two passes, always) on the same
figure, built twice."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib import _constrained_layout
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

import histplot
from histplot.figures.annotate import annotate_history
from histplot.figures.layout_once import LayoutOnce

from conftest import SAMPLES, corpus_dir

TOLERANCE = 1e-9  # figure fractions: a millionth of a pixel on these figures


@pytest.fixture
def passes(monkeypatch):
    """How many times each layout measured the figure (matplotlib's engine included)."""
    calls = []
    real = _constrained_layout.make_layout_margins
    monkeypatch.setattr(_constrained_layout, "make_layout_margins", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def _positions(fig) -> np.ndarray:
    return np.array([ax.get_position().bounds for ax in fig.axes])


def _ours_and_matplotlibs(make, passes) -> int:
    """``make(engine)`` builds a figure with that layout engine and lays it out: with LayoutOnce and with
    matplotlib's own engine, the positions agree. Returns how many times LayoutOnce measured."""
    before = len(passes)
    ours = make(LayoutOnce())
    measured = len(passes) - before
    ref = make(ConstrainedLayoutEngine())
    assert len(passes) - before - measured == 2  # the oracle always measures twice
    np.testing.assert_allclose(_positions(ours), _positions(ref), rtol=0, atol=TOLERANCE)
    if ours._suptitle is not None:
        assert ours._suptitle.get_position() == pytest.approx(ref._suptitle.get_position(), abs=TOLERANCE)
    return measured


def _laid_out(fig: Figure) -> Figure:
    fig.get_layout_engine().execute(fig)
    return fig


def _panels(engine, extra=None, *, ncols=2, xlim=None, ylabel="loss") -> Figure:
    fig = Figure(figsize=(10, 4), layout=engine)
    x = np.arange(1, 101)
    for i, ax in enumerate(fig.subplots(1, ncols)):
        ax.plot(x, np.exp(-x / 30) + i, label="train")
        ax.plot(x, np.exp(-x / 40) + i, "--", label="validation")
        ax.set_title(f"panel {i}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        if xlim:
            ax.set_xlim(*xlim)
        if extra:
            extra(fig, ax)
        else:
            ax.legend(loc="best")
    fig.suptitle("run (100 epochs)")
    return _laid_out(fig)


def _long_legend(ax, n: int) -> None:
    for i in range(n):
        ax.plot([], [], label=f"entry {i}")
    ax.legend(fontsize=8)


def test_a_figure_of_plain_panels_is_measured_once(passes):
    assert _ours_and_matplotlibs(_panels, passes) == 1


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param(lambda fig, ax: ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0)), id="legend-outside"),
        pytest.param(lambda fig, ax: fig.colorbar(ax.scatter([1, 2], [1, 2], c=[0, 1]), ax=ax), id="colorbar"),
        pytest.param(lambda fig, ax: ax.text(1.02, 0.5, "a note", transform=ax.transAxes), id="text-outside"),
        pytest.param(lambda fig, ax: ax.set_title("left", loc="left"), id="left-title"),
        pytest.param(lambda fig, ax: ax.plot([1, 100], [0, 1], clip_on=False), id="unclipped-line"),
        pytest.param(lambda fig, ax: _long_legend(ax, 24), id="legend-too-big"),
    ],
)
def test_what_moves_with_the_axes_size_is_measured_again(passes, extra):
    assert _ours_and_matplotlibs(lambda engine: _panels(engine, extra), passes) == 2


def test_a_tick_label_sticking_out_near_an_end_is_measured_again(passes):
    # the last x tick (100) a hair inside the right end: its label sticks out by an amount that
    # depends on the axes' width, and nothing else stands out on that side
    assert _ours_and_matplotlibs(lambda engine: _panels(engine, xlim=(0, 100.5)), passes) == 2
    # at the very end it sticks out as far at any width
    assert _ours_and_matplotlibs(lambda engine: _panels(engine, xlim=(0, 100)), passes) == 1


def _random_figure(engine, spec: dict) -> Figure:
    fig = Figure(figsize=spec["size"], layout=engine)
    for ax in fig.subplots(spec["rows"], spec["cols"], squeeze=False).ravel():
        n = spec["n"]
        ax.plot(np.arange(n), spec["scale"] * np.linspace(0, spec["hi"], n), label="a long series name")
        ax.set_title(spec["label"][:12])
        ax.set_ylabel(spec["label"])
        ax.set_xlabel("step")
        if spec["legend"] == "outside":
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        elif spec["legend"] != "none":
            ax.legend(loc=spec["legend"])
    fig.suptitle("sweep")
    return _laid_out(fig)


@pytest.mark.filterwarnings("ignore:constrained_layout not applied")  # a random figure may not fit
def test_random_figures_are_laid_out_as_matplotlib_does(passes):
    rng = np.random.default_rng(21)
    measured = []
    for _ in range(40):
        spec = {
            "rows": int(rng.integers(1, 4)),
            "cols": int(rng.integers(1, 4)),
            "size": (float(rng.uniform(4, 14)), float(rng.uniform(2.5, 9))),
            "scale": float(10.0 ** rng.integers(-6, 7)),
            "n": int(rng.integers(2, 400)),
            "hi": float(rng.uniform(0.5, 3.0)),
            "legend": str(rng.choice(["best", "upper right", "outside", "none"])),
            "label": "m" * int(rng.integers(1, 40)),
        }
        measured.append(_ours_and_matplotlibs(lambda engine, spec=spec: _random_figure(engine, spec), passes))
    assert 1 in measured and 2 in measured  # both ways were taken, and both agree with matplotlib


def test_the_samples_figures_are_matplotlibs_layouts(passes):
    measured = []
    for path in sorted(SAMPLES.iterdir()):
        h = histplot.load(path)

        def make(engine, h=h):
            fig = histplot.render(h)
            fig.set_layout_engine(engine)
            return _laid_out(fig)

        measured.append(_ours_and_matplotlibs(make, passes))
    # most sample figures hold only panels with their legends inside: measured once
    assert measured.count(1) >= len(measured) // 2, measured


def _corpus_files() -> list:
    root = corpus_dir()
    if root is None:
        return []
    return sorted(p for d in root.iterdir() if d.is_dir() for p in d.iterdir() if p.is_file())


@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_figures_are_matplotlibs_layouts(passes, path):
    """Every real run's annotated figure, laid out by LayoutOnce and by matplotlib's engine."""
    try:
        h = histplot.load(path)
    except histplot.HistplotError:
        pytest.skip("not readable without --trust-pickle or an option")

    def make(engine):
        fig = histplot.render(h)
        fig.set_layout_engine(engine)
        if annotate_history(fig, h).first("best_epoch") is None:  # placing its label lays the figure out
            _laid_out(fig)
        return fig

    _ours_and_matplotlibs(make, passes)
