"""Constrained layout that is worked out once per figure, not once per draw.

matplotlib's constrained layout measures every tick label, title and legend again each time a figure
is drawn. A histplot figure is drawn up to three times (placing the best-epoch label, then PNG, then
SVG) and laying it out costs about as much as drawing it. ``LayoutOnce`` lays the figure out again
only when something the layout depends on has changed: the figure's size, its axes, their titles,
labels, limits or scales, or the figure's own titles. Changing the dpi does not: the layout is kept in
fractions of the figure, which scale with it.

Within one layout, matplotlib measures everything twice: once where the axes start, then again
where the first pass put them, because moving the axes may change what stands around them (a longer
axis gets more ticks). ``LayoutOnce`` measures again only when the second pass can give another
answer: a tick moved, a tick label near an end sticks out by an amount that depends on the axis's
length and decides a margin, or the figure holds something whose room depends on the axes' size (a
legend anchored outside its axes or too big for them, an artist left in the layout outside the axes'
clip, a colorbar, a figure legend, fixed-aspect axes). Elsewhere every margin stands a fixed number
of points off the axes (the layout ignores a label's length along its axis) and the second pass
would repeat the first: the positions agree with matplotlib's to a millionth of a pixel, which can
still tip a pixel snap or a tie between two places for the best-epoch label (10 of the 332 figures of
a report of the samples and corpus). docs/figures.md, "Layout".
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
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


def _ticks(fig) -> tuple:
    """Every axis's tick positions where the axes are now (the locators only: nothing is measured)."""
    return tuple(
        (tuple(axis.get_majorticklocs()), tuple(axis.get_minorticklocs()))
        for ax in fig.axes
        for axis in (ax.xaxis, ax.yaxis)
    )


def _sizes(fig) -> list[tuple[float, float]]:
    """Each axes' width and height in pixels."""
    return [tuple(ax.bbox.size) for ax in fig.axes]


def _clipped_to(artist, ax) -> bool:
    """Clipped to the axes' box: matplotlib counts such an artist when its clip box differs from the
    axes' box in the last bit (the two are computed along different transforms), yet it stays inside."""
    box = artist.get_clip_box() if artist.get_clip_on() and artist.get_clip_path() is None else None
    return box is not None and bool(np.allclose(box.extents, ax.bbox.extents, rtol=0, atol=1e-6))


def _fixed_room(fig, renderer, before: list) -> bool:
    """Whether what each axes needs around it is the same at its size ``before`` (pixels) and now, ticks aside."""
    from matplotlib.legend import Legend
    from matplotlib.spines import Spine

    if fig.legends or any(ax.get_aspect() != "auto" or ax.get_label() == "<colorbar>" for ax in fig.axes):
        return False
    for ax, (w0, h0) in zip(fig.axes, before):
        if ax.get_title("left") or ax.get_title("right"):
            return False  # the layout counts a title at its middle: off-centre, that moves with the width
        if not _ends_clear(ax, renderer, ((w0, ax.bbox.width), (h0, ax.bbox.height)), fig.dpi):
            return False
        for artist in ax.get_default_bbox_extra_artists():
            if isinstance(artist, Spine) or artist is ax.patch or _clipped_to(artist, ax):
                continue  # the axes' own box, its edge, or inside it
            if not (isinstance(artist, Legend) and _fits(artist, ax, renderer, (w0, h0), fig.dpi)):
                return False
    return True


def _fits(legend, ax, renderer, before: tuple[float, float], dpi: float) -> bool:
    """Whether ``legend`` stands inside its axes at both sizes, so the box the axes count holds it:
    placed at a corner or side of the axes (or the best of them) and smaller than the axes, padding
    included, before and now. Measures its size only (its best place is a search of its own)."""
    from matplotlib.offsetbox import OffsetBox

    if legend.get_bbox_to_anchor() is not ax.bbox or getattr(legend, "_loc", None) not in range(11):
        return False  # anchored elsewhere, or at a point of the user's
    box = next((c for c in legend.get_children() if isinstance(c, OffsetBox)), None)
    if box is None:
        return False
    size = box.get_bbox(renderer)
    pad = 2 * legend.borderaxespad * legend.prop.get_size_in_points() * dpi / 72
    return all(size.width + pad <= w and size.height + pad <= h for w, h in (before, ax.bbox.size))


def _tick_labels(axis) -> list[tuple[float, int, object]] | None:
    """(fraction along the axis, 1 or 2 for the side, label) of each tick label drawn; None if unsure."""
    lo, hi = axis.get_transform().transform(axis.get_view_interval())
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo == hi:
        return None
    out = []
    for tick_list, locs in ((axis.majorTicks, axis.get_majorticklocs()), (axis.minorTicks, axis.get_minorticklocs())):
        if len(tick_list) < len(locs):
            return None
        for tick, loc in zip(tick_list, locs):
            f = (axis.get_transform().transform(loc) - lo) / (hi - lo)
            if 0 <= f <= 1:
                out += [
                    (float(f), side, label)
                    for side, label in ((1, tick.label1), (2, tick.label2))
                    if label.get_visible() and label.get_text()
                ]
    return out


def _reach(label, dpi: float) -> float:
    """More than ``label`` can stretch in any direction, in pixels, without measuring it (no glyph is
    wider than an em, no line taller than 1.5 em)."""
    lines = label.get_text().split("\n")
    return (max(map(len, lines)) + 1.5 * len(lines)) * label.get_fontsize() * dpi / 72


def _ends_clear(ax, renderer, sizes: tuple[tuple[float, float], tuple[float, float]], dpi: float) -> bool:
    """Whether no tick label sticks out past an end of its axis by an amount that changes with the axis's
    length and decides a margin (``sizes``: the axes' width and height in pixels, before and now).

    A label at an end sticks out as far at any length; one near an end, by its reach beyond its tick
    less its tick's distance from the end, which changes with the length. That decides nothing where
    the other axis's tick labels (or the title, on top) stand out further on that side. Only labels
    that could reach an end are measured."""
    labels = {"x": _tick_labels(ax.xaxis), "y": _tick_labels(ax.yaxis)}
    if labels["x"] is None or labels["y"] is None:
        return False
    near = [
        (name, f, end, room, label)
        for name, lengths in (("x", sizes[0]), ("y", sizes[1]))
        for f, _, label in labels[name]
        for end, room in ((0, f), (1, 1 - f))
        if 0 < room and room * min(lengths) < _reach(label, dpi)
    ]
    if not near:
        return True
    ext: dict[int, object] = {}

    def extent(label):
        if id(label) not in ext:
            ext[id(label)] = label.get_window_extent(renderer)
        return ext[id(label)]

    def cover(name: str, end: int) -> float:
        """How far the labels that do not move with the length stand out at this end of this axis."""
        if name == "x":  # the y tick labels beside it, left or right
            return max((extent(b).width for _, side, b in labels["y"] if side == end + 1), default=0.0)
        title = [ax.title.get_window_extent(renderer).height] if end == 1 and ax.get_title() else []
        return max([*title, *(extent(b).height for _, side, b in labels["x"] if side == end + 1)], default=0.0)

    frame = ax.bbox
    for name, f, end, room, label in near:
        box, lengths = extent(label), sizes[0] if name == "x" else sizes[1]
        start, now = (frame.x0, frame.width) if name == "x" else (frame.y0, frame.height)
        low, high = (box.x0, box.x1) if name == "x" else (box.y0, box.y1)
        tick = start + f * now
        reach = tick - low if end == 0 else high - tick
        out = [reach - room * length for length in lengths]  # beyond the end, before and now
        if max(out) > 0 and out[0] != out[1] and max(out) > cover(name, end):
            return False
    return True


# matplotlib's do_constrained_layout, step by step (matplotlib._constrained_layout)
_STEPS = (
    "make_layoutgrids",
    "make_layout_margins",
    "make_margin_suptitles",
    "match_submerged_margins",
    "check_no_collapsed_axes",
    "reposition_axes",
    "reset_margins",
)


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
        result = self._lay_out(fig)
        self._laid_out = signature(fig)  # the layout itself may update ticks and limits
        return result

    def _lay_out(self, fig):
        """matplotlib's ``do_constrained_layout`` (whose steps it calls), the second pass when needed."""
        try:
            from matplotlib import _constrained_layout as cl
        except ImportError:
            cl = None
        if cl is None or not all(hasattr(cl, step) for step in _STEPS) or self._compress or not fig.axes:
            return super().execute(fig)  # another matplotlib, or a layout histplot does not use: both passes
        width, height = fig.get_size_inches()
        pads = {"w_pad": self._params["w_pad"] / width, "h_pad": self._params["h_pad"] / height}
        spaces = {"hspace": self._params["hspace"], "wspace": self._params["wspace"]}
        renderer = fig._get_renderer()
        grids = cl.make_layoutgrids(fig, None, rect=self._params["rect"])
        if not grids["hasgrids"]:
            return super().execute(fig)
        ticks, sizes = _ticks(fig), _sizes(fig)
        for second in (False, True):
            cl.make_layout_margins(grids, fig, renderer, **pads, **spaces)
            cl.make_margin_suptitles(grids, fig, renderer, **pads)
            cl.match_submerged_margins(grids, fig)
            grids[fig].update_variables()
            if not cl.check_no_collapsed_axes(grids, fig):
                return super().execute(fig)  # which warns, as matplotlib does, and leaves the axes be
            cl.reposition_axes(grids, fig, renderer, **pads, **spaces)
            cl.reset_margins(grids, fig)
            if second or (_ticks(fig) == ticks and _fixed_room(fig, renderer, sizes)):
                break
        return grids

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
