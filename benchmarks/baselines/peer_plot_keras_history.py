"""Peer for the small case: plot_keras_history's ``plot_history`` writing a PNG of a Keras history JSON,
as its README shows (run with the peers' venv, ``make bench-peers``).

Usage: peer_plot_keras_history.py HISTORY.json OUT.png
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
from plot_keras_history import plot_history  # noqa: E402

with open(sys.argv[1], encoding="utf-8") as fh:
    history = json.load(fh)
plot_history(history, path=sys.argv[2])
