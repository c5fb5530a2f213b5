"""Figures: panels of one history (``panels.render``), overlays, parallel coordinates, annotations,
and the options, styles, smoothing, decimation and x axes they share. ``files.plot`` writes them."""
