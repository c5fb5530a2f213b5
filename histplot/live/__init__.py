"""Live: follow a growing history file, redraw and re-diagnose it (``watch``), the notebook loop
(``loop.Live``) and the Tk window."""
