"""Baseline for the small case: the tutorial way to plot a Keras history.

json + matplotlib.pyplot, an accuracy figure and a loss figure, two ``savefig`` calls; as in
"Display Deep Learning Model Training History in Keras", with ``savefig`` instead of ``show``.
Usage: tutorial.py HISTORY.json OUTDIR
"""

import json
import sys

import matplotlib.pyplot as plt

with open(sys.argv[1]) as f:
    history = json.load(f)
out = sys.argv[2]

plt.plot(history["accuracy"])
plt.plot(history["val_accuracy"])
plt.title("model accuracy")
plt.ylabel("accuracy")
plt.xlabel("epoch")
plt.legend(["train", "test"], loc="upper left")
plt.savefig(f"{out}/accuracy.png")
plt.close()

plt.plot(history["loss"])
plt.plot(history["val_loss"])
plt.title("model loss")
plt.ylabel("loss")
plt.xlabel("epoch")
plt.legend(["train", "test"], loc="upper left")
plt.savefig(f"{out}/loss.png")
plt.close()
