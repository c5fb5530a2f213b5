"""The live window of ``histplot watch --show``: the one place an interactive backend is used.

Imported only when a window is asked for, and never through pyplot: a Tk canvas is attached to a
plain ``Figure`` that shows the rendered figure as an image, so the window shows exactly what the
file holds, and no global figure registry keeps figures alive.
"""

from __future__ import annotations

import io
import os
import sys

from ..output import write_figure


def unavailable() -> str | None:
    """Why no window can be opened here (one line), or None when one can."""
    if sys.platform not in ("darwin", "win32") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return "no display (DISPLAY is not set)"
    try:
        import tkinter  # noqa: F401  (the toolkit of matplotlib's TkAgg backend)
    except ImportError:
        return "no GUI toolkit (tkinter is not installed)"
    return None


class Window:
    """A window that shows the latest figure; ``pause`` keeps it responsive between updates."""

    def __init__(self, title: str = "histplot watch") -> None:
        self.title = title
        self._manager = None
        self._image = None
        self._closed = False

    def is_open(self) -> bool:
        return self._manager is not None and not self._closed

    def show(self, fig) -> bool:
        """Show ``fig``; False once the user has closed the window."""
        if self._closed:
            return False
        pixels = _pixels(fig)
        try:
            if self._manager is None:
                self._open(pixels, fig)
            else:
                self._image.set_data(pixels)
                self._image.axes.set_xlim(-0.5, pixels.shape[1] - 0.5)
                self._image.axes.set_ylim(pixels.shape[0] - 0.5, -0.5)
                self._manager.canvas.draw_idle()
            self._manager.canvas.flush_events()
        except Exception:  # Tk raises TclError on a window the user closed
            self._closed = True
        return not self._closed

    def pause(self, seconds: float) -> None:
        """Wait ``seconds`` while handling the window's events (resize, close)."""
        try:
            self._manager.canvas.start_event_loop(seconds)
        except Exception:
            self._closed = True

    def _open(self, pixels, fig) -> None:
        from matplotlib.backends.backend_tkagg import FigureCanvasTkAgg
        from matplotlib.figure import Figure

        view = Figure(figsize=fig.get_size_inches(), dpi=fig.dpi)
        ax = view.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        self._image = ax.imshow(pixels, interpolation="antialiased")
        self._manager = FigureCanvasTkAgg.new_manager(view, 1)
        self._manager.set_window_title(self.title)
        self._manager.show()


def _pixels(fig):
    """The figure as an RGBA array, rendered the way the file is."""
    from matplotlib.image import imread

    buf = io.BytesIO()
    write_figure(fig, buf, fmt="png", dpi=int(fig.dpi))
    buf.seek(0)
    return imread(buf, format="png")
