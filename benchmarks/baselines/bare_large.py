"""Reference for the large case: ``pandas.read_csv``, then the epoch rows drawn as a bare figure.

The least a tool drawing with matplotlib does with the 2M-row metrics.csv: no step summaries,
nothing derived or diagnosed, no annotations, no layout engine (the figure of ``bare_figures``).
Whatever histplot does on top of this costs more; against ``read_csv.py`` it shows how much of the
1.3x budget the drawing alone takes.

Usage: bare_large.py METRICS.csv OUT.png
"""

import sys

import pandas as pd
from bare_figures import two_panels

df = pd.read_csv(sys.argv[1])
epochs = df.dropna(subset=["val_loss"])
x = epochs["epoch"].to_numpy() + 1
fig = two_panels(
    "metrics  (400 epochs)",
    {
        "loss": [
            (x, epochs["train_loss_epoch"].to_numpy(), "-", "train"),
            (x, epochs["val_loss"].to_numpy(), "--", "validation"),
        ],
        "accuracy": [(x, epochs["val_acc"].to_numpy(), "--", "validation")],
    },
)
fig.savefig(sys.argv[2], dpi=100)
