"""histplot: plot and diagnose deep-learning training histories.

>>> import histplot
>>> h = histplot.load("history.json")          # any supported format
>>> h = histplot.derive(h)                      # precision, F1, MCC... from tp/fp/tn/fn
>>> histplot.plot(h, "out/")                    # figures
>>> histplot.info(h)["metrics"].keys()
>>> histplot.diagnose(h).findings                # best epoch, overfitting, divergence, ...
>>> fig = histplot.overlay([h1, h2], band=True)  # runs compared in one figure
>>> live = histplot.Live("live.png", on_finding=print)   # in a training loop:
>>> live.update(epoch, {"loss": loss, "val_loss": val_loss})

In Jupyter, a figure returned by ``render``, ``overlay`` or ``parallel`` shows itself (PNG; set
``histplot.display_format = "svg"`` for SVG); ``load`` and every function taking a history also take
a dict of lists (Keras ``history.history``), a Keras ``History``, a list of per-epoch dicts, a
DataFrame or a ``Live``.

Heavy packages (pandas, matplotlib) load on first use, so ``import histplot`` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ._version import __version__

#: How figures show themselves in Jupyter: "png" or "svg" (read each time a figure is displayed).
display_format = "png"

# Public name -> the module that defines it. No sub-module of histplot has a public name: importing
# a sub-module binds it on this package under its name, which would hide the function of that name.
# A name is resolved on first use and then kept in the package's namespace (no lookup next time).
_API = {
    "load": "histplot.readers.registry",
    "History": "histplot.history",
    "plot": "histplot.figures.files",
    "render": "histplot.figures.panels",
    "overlay": "histplot.figures.overlay",
    "confusion_figure": "histplot.figures.confusion",
    "distribution_figure": "histplot.figures.distributions",
    "info": "histplot.overview",
    "convert": "histplot.export",
    "diagnose": "histplot.diagnosis.run",
    "derive": "histplot.metrics.derive",
    "Live": "histplot.live.loop",
    "watch": "histplot.live.watch",
    "Follower": "histplot.live.follow",
    "HistplotError": "histplot.errors",
    "ReadError": "histplot.errors",
}

__all__ = ["__version__", *_API]


def _pin(name: str) -> Any:
    value = getattr(import_module(_API[name]), name)
    globals()[name] = value
    return value


def __getattr__(name: str) -> Any:
    if name in _API:
        return _pin(name)
    raise AttributeError(f"module 'histplot' has no attribute '{name}'")
