"""A figure is laid out once however many times it is drawn, and looks as if it were laid out each time."""

from __future__ import annotations

import contextlib
import io

import pytest

import histplot
from histplot.figures.annotate import annotate_history
from histplot.figures.confusion import confusion_figure
from histplot.figures.layout_once import LayoutOnce
from histplot.figures.panels import render
from histplot.output import write_figure

from conftest import SAMPLES


@pytest.fixture
def layouts(monkeypatch):
    """How many times constrained layout really ran."""
    calls = []
    real = LayoutOnce._lay_out
    monkeypatch.setattr(LayoutOnce, "_lay_out", lambda self, fig: calls.append(1) or real(self, fig))
    return calls


def _annotated(name="overfitting_run.json"):
    h = histplot.load(SAMPLES / name)
    fig = render(h)
    d = annotate_history(fig, h)
    assert d.first("best_epoch") is not None  # the figure carries a label to place
    return fig


def _png(fig, dpi=100) -> bytes:
    buf = io.BytesIO()
    write_figure(fig, buf, fmt="png", dpi=dpi)
    return buf.getvalue()


def test_placing_the_label_and_three_saves_lay_out_once(layouts):
    fig = _annotated()
    assert isinstance(fig.get_layout_engine(), LayoutOnce)
    assert len(layouts) == 1  # placing the best-epoch label laid the figure out
    for fmt in ("png", "svg", "png"):
        write_figure(fig, io.BytesIO(), fmt=fmt)
    assert len(layouts) == 1


def test_the_same_pixels_as_a_layout_on_every_draw():
    once = _annotated()
    every = _annotated()
    every.set_layout_engine("constrained")
    assert _png(once) == _png(every)
    # At another dpi text is hinted at other pixel sizes; the layout found at the figure's dpi is
    # kept rather than found again, so a panel edge may move by a pixel, never more.
    _png(once, dpi=200), _png(every, dpi=200)
    width, height = once.get_size_inches() * 200
    for a, b in zip(once.axes, every.axes):
        (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = a.get_position().extents, b.get_position().extents
        assert max(abs(ax0 - bx0), abs(ax1 - bx1)) * width <= 2.5
        assert max(abs(ay0 - by0), abs(ay1 - by1)) * height <= 2.5


def test_a_change_the_layout_depends_on_lays_out_again(layouts):
    fig = _annotated()
    write_figure(fig, io.BytesIO(), fmt="png")
    n = len(layouts)
    fig.set_size_inches(fig.get_size_inches() * 1.5)
    write_figure(fig, io.BytesIO(), fmt="png")
    assert len(layouts) == n + 1
    fig.axes[0].set_title("a much longer title than the panel had before it was changed")
    fig.axes[0].set_ylim(-1e6, 1e6)
    write_figure(fig, io.BytesIO(), fmt="png")
    assert len(layouts) == n + 2
    fig.suptitle("a new figure title")
    write_figure(fig, io.BytesIO(), fmt="png")
    assert len(layouts) == n + 3


def test_confusion_figure_is_laid_out_once(layouts):
    fig = confusion_figure(histplot.load(SAMPLES / "fashion_confusion.json"))
    write_figure(fig, io.BytesIO(), fmt="png")
    write_figure(fig, io.BytesIO(), fmt="svg")
    assert len(layouts) == 1


def _counting_draws(fig) -> list:
    calls = []
    real = fig.draw
    fig.draw = lambda renderer: calls.append(1) or real(renderer)
    return calls


def test_a_laid_out_figure_is_drawn_once_per_save_and_looks_the_same():
    """savefig draws a figure with a layout engine twice (the first, not rendered, to lay it out); a
    figure laid out already is drawn once, gives the bytes of the two draws, and keeps its engine.
    Once changed, it is laid out at the save again."""
    fig, twice = _annotated(), _annotated()
    twice.get_layout_engine().saving = lambda fig: contextlib.nullcontext()  # savefig as matplotlib has it
    engine = fig.get_layout_engine()
    draws, both = _counting_draws(fig), _counting_draws(twice)
    for fmt in ("png", "svg"):
        buf, again = io.BytesIO(), io.BytesIO()
        write_figure(fig, buf, fmt=fmt)
        write_figure(twice, again, fmt=fmt)
        assert buf.getvalue() == again.getvalue(), fmt
    assert len(both) == 4
    assert len(draws) == 2 and fig.get_layout_engine() is engine
    fig.axes[0].set_ylim(-5, 5)
    write_figure(fig, io.BytesIO(), fmt="png")
    assert len(draws) == 4  # laid out at the save: the first draw does it
    write_figure(fig, io.BytesIO(), fmt="png")
    assert len(draws) == 5
