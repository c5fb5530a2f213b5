"""Small PNG thumbnails of report figures, for a page of hundreds of runs (Pillow: matplotlib needs it)."""

from __future__ import annotations

import io
from pathlib import Path

WIDTH = 240  # 1.5 times the displayed width: sharp enough on high-density screens, small
COLOURS = 32  # a palette this size keeps the curves' colours and makes the PNG a few kB
# Pillow shrinks by whole factors first, then resamples what is left: at 3 its docs call the result
# practically the same as resampling the full image, at a fraction of the time.
REDUCING_GAP = 3.0


def thumbnail(png: Path, width: int = WIDTH) -> bytes:
    """The PNG file ``png`` scaled to ``width`` pixels wide, palette-quantised, as PNG bytes."""
    from PIL import Image

    with Image.open(png) as im:
        return _small(im.convert("RGB"), width)


def thumbnail_of_canvas(fig, width: int = WIDTH) -> bytes | None:
    """The thumbnail of what ``fig``'s Agg canvas drew last (the PNG just saved through it), without
    decoding that PNG again (half a thumbnail's time); None when the figure has no Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = fig.canvas
    if not isinstance(canvas, FigureCanvasAgg) or getattr(canvas, "renderer", None) is None:
        return None
    rgba = canvas.buffer_rgba()
    h, w = rgba.shape[:2]
    return _small(Image.frombuffer("RGBA", (w, h), rgba, "raw", "RGBA", 0, 1).convert("RGB"), width)


def _small(im, width: int) -> bytes:
    from PIL import Image

    height = max(1, round(im.height * width / im.width))
    if im.width > width:
        im = im.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
    small = im.quantize(colors=COLOURS, method=Image.Quantize.MEDIANCUT)
    buf = io.BytesIO()
    small.save(buf, format="PNG")  # optimize=True: 3 % smaller, 8 times the time
    return buf.getvalue()
