"""Believable training curves: exponential decay toward a floor, noise, and an optional U-turn."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def decay(n: int, start: float, floor: float, rate: float) -> np.ndarray:
    """start at epoch 1, approaching floor: floor + (start - floor) * exp(-rate * (epoch - 1))."""
    t = np.arange(n)
    return floor + (start - floor) * np.exp(-rate * t)


def noisy(values: np.ndarray, rng: np.random.Generator, scale: float) -> np.ndarray:
    """Multiplicative noise, so small values stay positive."""
    return values * np.exp(rng.normal(0.0, scale, size=len(values)))


def r6(values) -> list[float]:
    """Round to 6 significant digits: stable text across platforms and numpy versions."""
    return [float(f"{v:.6g}") for v in values]


def write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj) + "\n", encoding="utf-8")
