"""The Figure histplot returns: a plain matplotlib Figure that also shows itself in Jupyter.

histplot never uses pyplot, so a kernel has no backend hook that would draw its figures; IPython's
rich display asks the object itself instead (``_repr_png_`` / ``_repr_svg_``). The format is the
package setting ``histplot.display_format`` ("png", the default, or "svg"), read at display time.
"""

from __future__ import annotations

import io
import sys

from matplotlib.figure import Figure

from ..output import write_figure

DISPLAY_FORMATS = ("png", "svg")


def display_format() -> str:
    """``histplot.display_format`` when the package has been imported and it is valid, else png."""
    fmt = getattr(sys.modules.get("histplot"), "display_format", "png")
    return fmt if fmt in DISPLAY_FORMATS else "png"


class HistplotFigure(Figure):
    """A matplotlib Figure (``savefig`` and everything else unchanged) with rich display for Jupyter."""

    def _bytes(self, fmt: str) -> bytes:
        buf = io.BytesIO()
        write_figure(self, buf, fmt=fmt, dpi=int(self.dpi))
        return buf.getvalue()

    def _repr_png_(self) -> bytes | None:
        return self._bytes("png") if display_format() == "png" else None

    def _repr_svg_(self) -> str | None:
        return self._bytes("svg").decode("utf-8") if display_format() == "svg" else None
