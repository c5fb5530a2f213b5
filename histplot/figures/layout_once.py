"""Constrained layout that is worked out once per figure, not once per draw.

matplotlib's constrained layout measures every tick label, title and legend again each time a figure
is drawn. A histplot figure is drawn up to three times (placing the best-epoch label, then PNG, then
SVG) and laying it out costs about as much as drawing it. ``LayoutOnce`` lays the figure out again
only when something the layout depends on has changed: the figure's size, its axes, their titles,
labels, limits or scales, or the figure's own titles. Changing the dpi does not: the layout is kept in
fractions of the figure, which scale with it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from matplotlib.layout_engine import ConstrainedLayoutEngine


def _texts(artist) -> tuple:
    return tuple(t.get_text() if t is not None else None for t in artist)


def signature(fig) -> tuple:
    """What a figure's layout depends on, as a value that compares equal when the layout would."""
    axes = tuple(
        (
            id(ax),
            ax.get_visible(),
            ax.get_title(),
            ax.get_title("left"),
            ax.get_xlabel(),
            ax.get_ylabel(),
            ax.get_xlim(),
            ax.get_ylim(),
            ax.get_xscale(),
            ax.get_yscale(),
            ax.get_legend() is not None,
        )
        for ax in fig.axes
    )
    own = _texts(getattr(fig, name, None) for name in ("_suptitle", "_supxlabel", "_supylabel"))
    return tuple(fig.get_size_inches()), axes, own


class LayoutOnce(ConstrainedLayoutEngine):
    """``layout="constrained"``, run again only when ``signature`` of the figure has changed."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._laid_out: tuple | None = None

    def invalidate(self) -> None:
        """Lay the figure out again at the next draw (a change ``signature`` does not see)."""
        self._laid_out = None

    def execute(self, fig):
        key = signature(fig)
        if key == self._laid_out:
            return None
        result = super().execute(fig)
        self._laid_out = signature(fig)  # the layout itself may update ticks and limits
        return result

    @contextlib.contextmanager
    def saving(self, fig) -> Iterator[None]:
        """Around ``savefig``: where the figure is laid out already, hide the engine from it.

        ``savefig`` draws a figure that has a layout engine twice, once with drawing switched off so
        that the engine can lay it out, then for real. Laid out already, the first draw only walks
        every tick and text again: a quarter of a report run's time. matplotlib itself saves with the
        engine switched off once that first draw is done."""
        current = self._laid_out is not None and signature(fig) == self._laid_out
        if not current or getattr(fig, "_layout_engine", None) is not self:
            yield
            return
        fig._layout_engine = None  # not set_layout_engine("none"): that leaves a placeholder engine
        try:
            yield
        finally:
            fig._layout_engine = self
