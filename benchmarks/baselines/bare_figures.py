"""Reference for the many case: the least a tool drawing with matplotlib does for N runs, and nothing more.

N two-panel figures of 100-epoch curves (loss and accuracy, train and validation, titles, labels,
grid, legends, a suptitle), each written as a PNG and an SVG, in one process per core, as
``histplot report`` works. No files read, nothing derived or diagnosed, no annotations and no
layout engine: whatever histplot does on top of this costs more. Its time divided into the 500
``histplot plot`` processes is the best ratio any report drawn with matplotlib can reach.

Usage: bare_figures.py N OUT_DIR [JOBS]
"""

import multiprocessing
import os
import sys

import numpy as np
from matplotlib.figure import Figure

EPOCHS = np.arange(1, 101)


def two_panels(title: str, panels: dict) -> Figure:
    """``panels``: name -> [(x, y, line style, label)]; a figure with nothing but the curves."""
    fig = Figure(figsize=(10, 4))
    for ax, (name, curves) in zip(fig.subplots(1, 2), panels.items()):
        for x, y, style, label in curves:
            ax.plot(x, y, style, label=label)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    return fig


def draw(i: int) -> None:
    rng = np.random.default_rng(i)
    fig = two_panels(
        f"run{i:03d}  (100 epochs)",
        {
            name: [
                (EPOCHS, np.cumsum(rng.random(100)) / 50, style, label)
                for style, label in (("-", "train"), ("--", "validation"))
            ]
            for name in ("loss", "accuracy")
        },
    )
    out = sys.argv[2]
    fig.savefig(os.path.join(out, f"run{i:03d}.png"), dpi=100)
    fig.savefig(os.path.join(out, f"run{i:03d}.svg"))


if __name__ == "__main__":
    n, jobs = int(sys.argv[1]), int(sys.argv[3]) if len(sys.argv) > 3 else os.cpu_count()
    os.makedirs(sys.argv[2], exist_ok=True)
    draw(0)  # fonts and caches loaded once, before the workers fork, as histplot's report does
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        pool.map(draw, range(n), chunksize=4)
