"""Stopping criteria as published: the Keras 3 ``EarlyStopping`` replay and Prechelt's GL, P_k, PQ, UP.

Everything here works on plain (epoch, value) sequences: the caller decides which epochs carry a
value, so sparse validation (Keras ``validation_freq``) is handled once, upstream, and epochs without
a value are never counted. Epochs are the 1-based numbers of ``History.frame``.

References: ``keras/src/callbacks/early_stopping.py`` (Keras 3) and L. Prechelt, "Early Stopping —
But When?", Neural Networks: Tricks of the Trade, LNCS 1524 (1998). See FORMATS.md §2.

Departures of JuliaAI/EarlyStopping.jl that are *not* copied here, on purpose:
- its ``PQ`` measures progress over the last ``k`` training losses wherever the check falls; here
  P_k is only evaluated at the end of strips aligned at multiples of ``k`` (epochs k, 2k, ...), as
  in the paper;
- its ``Patience`` (UP alias) counts consecutive increases between successive evaluations; here
  UP_s compares validation errors ``k`` epochs apart, at ``s`` successive strip ends;
- it divides by ``|E_opt|``; here GL is undefined (NaN) when ``E_opt <= 0``, since the ratio then
  has no meaning as a "loss of generalisation".
Where validation is sparse and the strip end itself has no value, the strip's latest value is used
(the paper measures validation at strip ends only, so this never differs for dense validation).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


# -- Keras 3 EarlyStopping ------------------------------------------------------------------------
@dataclass(frozen=True)
class KerasStop:
    """What ``EarlyStopping`` would have done: ``stopped_epoch`` is None when it never stops."""

    stopped_epoch: int | None
    best_epoch: int | None
    best: float | None
    wait: int


def keras_early_stopping(
    epochs: Sequence[int],
    values: Sequence[float],
    *,
    mode: str = "min",
    patience: int = 0,
    min_delta: float = 0.0,
    baseline: float | None = None,
    start_from_epoch: int = 0,
) -> KerasStop:
    """Replay Keras 3 ``EarlyStopping.on_epoch_end`` over the epochs that have a monitored value.

    Each (epoch, value) pair is one call with the value present; a NaN value is a logged NaN and,
    as in Keras, never counts as an improvement. ``start_from_epoch`` compares against Keras' own
    0-based epoch, as the callback does.
    """
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', not {mode!r}")
    delta = abs(min_delta)
    if mode == "min":
        delta = -delta

    def improves(current: float, reference: float | None) -> bool:
        if reference is None:
            return True
        shifted = current - delta
        return shifted < reference if mode == "min" else shifted > reference

    best: float | None = None
    best_epoch: int | None = None
    wait = 0
    for epoch, current in zip(epochs, values):
        epoch0 = int(epoch) - 1
        if epoch0 < start_from_epoch:
            continue
        wait += 1
        if improves(float(current), best):
            best, best_epoch = float(current), int(epoch)
            # Keras resets the wait only when the baseline is beaten too.
            if baseline is None or improves(float(current), baseline):
                wait = 0
            continue
        if wait >= patience and epoch0 > 0:
            return KerasStop(int(epoch), best_epoch, best, wait)
    return KerasStop(None, best_epoch, best, wait)


# -- Prechelt 1998 --------------------------------------------------------------------------------
def generalization_loss(errors: Sequence[float]) -> np.ndarray:
    """GL(t) = 100 * (E_va(t) / E_opt(t) - 1) for each value, E_opt the running minimum.

    NaN where E_opt <= 0 (undefined) or the value itself is NaN.
    """
    e = np.asarray(errors, dtype=float)
    with np.errstate(invalid="ignore"):
        e_opt = np.fmin.accumulate(e) if e.size else e
    out = np.full(e.shape, np.nan)
    ok = np.isfinite(e) & np.isfinite(e_opt) & (e_opt > 0)
    out[ok] = 100.0 * (e[ok] / e_opt[ok] - 1.0)
    return out


def gl_of(value: float, e_opt: float) -> float:
    """GL of one value against a given optimum; NaN when undefined."""
    if not (math.isfinite(value) and math.isfinite(e_opt)) or e_opt <= 0:
        return math.nan
    return 100.0 * (value / e_opt - 1.0)


def strip_ends(first: int, last: int, k: int) -> list[int]:
    """Ends of the training strips n+1..n+k (n divisible by k) that lie within [first, last]."""
    start = max(k, math.ceil(first / k) * k)
    return list(range(start, last + 1, k))


def training_progress(train_epochs: Sequence[int], train_errors: Sequence[float], t: int, k: int) -> float:
    """P_k(t) = 1000 * (sum E_tr over the strip / (k' * min E_tr over the strip) - 1).

    The strip is epochs t-k+1..t; k' counts the strip's finite training values (k when the
    training series is complete). NaN when the strip has none or its minimum is <= 0.
    """
    ep = np.asarray(train_epochs)
    tr = np.asarray(train_errors, dtype=float)
    strip = tr[(ep > t - k) & (ep <= t)]
    strip = strip[np.isfinite(strip)]
    if strip.size == 0 or strip.min() <= 0:
        return math.nan
    return 1000.0 * (strip.sum() / (strip.size * strip.min()) - 1.0)


def _strip_value(epochs: np.ndarray, errors: np.ndarray, t: int, k: int) -> tuple[int, float] | None:
    """The validation value of the strip ending at t: at t itself, else the strip's latest one."""
    inside = np.flatnonzero((epochs > t - k) & (epochs <= t) & ~np.isnan(errors))
    if inside.size == 0:
        return None
    i = inside[-1]
    return int(epochs[i]), float(errors[i])


def gl_firings(epochs: Sequence[int], errors: Sequence[float], alpha: float) -> list[int]:
    """Epochs t with GL(t) > alpha (GL_alpha stops after the first of them)."""
    gl = generalization_loss(errors)
    return [int(e) for e, g in zip(epochs, gl) if g > alpha]


def pq_firings(
    epochs: Sequence[int],
    errors: Sequence[float],
    train_epochs: Sequence[int],
    train_errors: Sequence[float],
    alpha: float,
    k: int = 5,
) -> list[tuple[int, float, float]]:
    """Strip ends where GL(t) / P_k(t) > alpha, as (epoch of the value, GL, P_k).

    A strip whose training progress is 0 (perfectly flat training) fires as soon as GL > 0.
    """
    ep = np.asarray(epochs, dtype=int)
    er = np.asarray(errors, dtype=float)
    gl = generalization_loss(er)
    out = []
    if ep.size == 0:
        return out
    for t in strip_ends(int(ep.min()), int(ep.max()), k):
        hit = _strip_value(ep, er, t, k)
        if hit is None:
            continue
        i = int(np.flatnonzero(ep == hit[0])[0])
        g = gl[i]
        p = training_progress(train_epochs, train_errors, t, k)
        if not (math.isfinite(g) and math.isfinite(p)):
            continue
        ratio = math.inf if p == 0 and g > 0 else (g / p if p > 0 else 0.0)
        if ratio > alpha:
            out.append((hit[0], float(g), float(p)))
    return out


def up_firings(epochs: Sequence[int], errors: Sequence[float], s: int, k: int = 5) -> list[int]:
    """Strip ends t where E_va rose at s successive strip ends: E_va(t) > E_va(t-k), s times in a row.

    A strip with no validation value breaks the run of increases.
    """
    ep = np.asarray(epochs, dtype=int)
    er = np.asarray(errors, dtype=float)
    out: list[int] = []
    if ep.size == 0:
        return out
    run = 0
    previous: tuple[int, float] | None = None
    for t in strip_ends(int(ep.min()), int(ep.max()), k):
        hit = _strip_value(ep, er, t, k)
        if hit is None:
            run, previous = 0, None
            continue
        if previous is not None and hit[1] > previous[1]:
            run += 1
        else:
            run = 0
        if run >= s:
            out.append(hit[0])
        previous = hit
    return out
