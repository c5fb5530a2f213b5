"""Small PNG thumbnails of report figures, for a page of hundreds of runs (Pillow: matplotlib needs it)."""

from __future__ import annotations

import io
from pathlib import Path

WIDTH = 240  # 1.5 times the displayed width: sharp enough on high-density screens, small
COLOURS = 32  # a palette this size keeps the curves' colours and makes the PNG a few kB


def thumbnail(png: Path, width: int = WIDTH) -> bytes:
    """``png`` scaled to ``width`` pixels wide, palette-quantised, as PNG bytes."""
    from PIL import Image

    with Image.open(png) as im:
        im = im.convert("RGB")
        height = max(1, round(im.height * width / im.width))
        small = im.resize((width, height), Image.Resampling.LANCZOS) if im.width > width else im
        small = small.quantize(colors=COLOURS, method=Image.Quantize.MEDIANCUT)
        buf = io.BytesIO()
        small.save(buf, format="PNG", optimize=True)
        return buf.getvalue()
