"""Peer for the small case: livelossplot's ``PlotLosses`` with its matplotlib output writing a PNG,
fed the Keras history epoch by epoch as a training loop would, drawn once at the end (run with the
peers' venv, ``make bench-peers``).

Usage: peer_livelossplot.py HISTORY.json OUT.png
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
from livelossplot import PlotLosses  # noqa: E402
from livelossplot.outputs import MatplotlibPlot  # noqa: E402

with open(sys.argv[1], encoding="utf-8") as fh:
    history = json.load(fh)
plot = PlotLosses(outputs=[MatplotlibPlot(figpath=sys.argv[2])])
for epoch in range(len(history["loss"])):
    plot.update({name: values[epoch] for name, values in history.items()})
plot.send()
