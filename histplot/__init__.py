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

Heavy packages (pandas, matplotlib) load on first use, so ``import histplot`` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ._version import __version__

_API = {
    "load": "histplot.readers.registry",
    "History": "histplot.history",
    "plot": "histplot.plotting",
    "render": "histplot.render",
    "overlay": "histplot.overlay",
    "info": "histplot.summary",
    "convert": "histplot.convert",
    "diagnose": "histplot.diagnose",
    "derive": "histplot.derive",
    "Live": "histplot.live",
    "watch": "histplot.watch",
    "Follower": "histplot.follow",
    "HistplotError": "histplot.errors",
    "ReadError": "histplot.errors",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'histplot' has no attribute '{name}'")
