"""Baseline for the large case: read metrics.csv with pandas and plot every logged point with pyplot.

Usage: naive_plot.py METRICS.csv OUT.png
"""

import sys

import matplotlib.pyplot as plt
import pandas as pd

df = pd.read_csv(sys.argv[1])
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
steps = df.dropna(subset=["train_loss_step"])
axes[0].plot(steps["step"], steps["train_loss_step"], label="train_loss_step")
epochs = df.dropna(subset=["val_loss"])
axes[0].plot(epochs["step"], epochs["val_loss"], label="val_loss")
axes[0].legend()
axes[1].plot(epochs["epoch"], epochs["val_acc"], label="val_acc")
axes[1].legend()
fig.savefig(sys.argv[2])
