"""One function per kind of finding. Each takes the shared ``Context`` and returns (findings, notes).

Notes say what could not be assessed or why a near miss was not flagged; findings are what was
found. Thresholds come from ``Settings`` (see ``settings`` for their defaults).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..history import History
from ..naming import column_name, parse_name
from . import criteria
from .findings import Finding
from .monitor import auto_mode, choose_monitor, is_loss_like, mode_is_known, nonfinite_epochs, training_column
from .settings import Settings

Result = tuple[list[Finding], list[str]]
# Bounded "higher is better" names, whose error is 1 - value (or 100 - value in percent).
_BOUNDED = (
    "acc",
    "auc",
    "precision",
    "recall",
    "f1",
    "iou",
    "io_u",
    "dice",
    "jaccard",
    "specificity",
    "sensitivity",
    "mcc",
    "matthews",
    "score",
)


@dataclass
class Context:
    """The monitored series, as errors to minimise, and the training loss beside it."""

    history: History
    settings: Settings
    monitor: str
    mode: str
    notes: list[str]
    epochs: np.ndarray  # monitored epochs with a finite value
    values: np.ndarray  # their values
    err: np.ndarray  # the same as an error to minimise (Prechelt's E_va); NaN if undefined
    replay_epochs: np.ndarray  # epochs Keras would have seen a value at (finite or logged NaN/inf)
    replay_values: np.ndarray
    train_col: str | None
    train_epochs: np.ndarray = field(default_factory=lambda: np.array([], dtype=int))
    train_values: np.ndarray = field(default_factory=lambda: np.array([]))
    # Prechelt's E_tr: the training loss, or (without one) the training side of the monitor as an error.
    fit_col: str | None = None
    fit_epochs: np.ndarray = field(default_factory=lambda: np.array([], dtype=int))
    fit_err: np.ndarray = field(default_factory=lambda: np.array([]))

    @classmethod
    def build(cls, history: History, s: Settings) -> Context:
        monitor, notes = choose_monitor(history, s.monitor)
        mode = auto_mode(monitor) if s.mode == "auto" else s.mode
        if s.mode == "auto" and not mode_is_known(monitor):
            notes.append(f"direction unknown for '{monitor}': taken as lower-is-better (--mode max to change)")
        series = history.frame[monitor]
        v = series.to_numpy(dtype=float)
        ok = np.isfinite(v)
        epochs, values = series.index.to_numpy()[ok].astype(int), v[ok]
        err, why = _as_error(values, mode, parse_name(monitor)[1])
        if why:
            notes.append(why)
        bad = nonfinite_epochs(history, monitor)
        replay = np.array(sorted(set(epochs.tolist()) | set(bad)), dtype=int)
        train_col = training_column(history, monitor)
        ctx = cls(
            history,
            s,
            monitor,
            mode,
            notes,
            epochs,
            values,
            err,
            replay,
            series.reindex(replay).to_numpy(dtype=float),
            train_col,
        )
        if train_col:
            ctx.train_epochs, ctx.train_values = _finite(history.frame[train_col])
            ctx.fit_col, ctx.fit_epochs, ctx.fit_err = train_col, ctx.train_epochs, ctx.train_values
        else:
            fit = history.metrics().get(parse_name(monitor)[1], {}).get("train")
            if fit and fit != monitor and fit in history.frame.columns:
                ep, val = _finite(history.frame[fit])
                e, why = _as_error(val, mode, parse_name(fit)[1])
                if not why:
                    ctx.fit_col, ctx.fit_epochs, ctx.fit_err = fit, ep, e
        return ctx

    def fit_mean_around(self, epoch: int) -> float:
        """Mean training error over the ``tail`` values centred on ``epoch``."""
        if self.fit_err.size == 0:
            return math.nan
        i = int(np.searchsorted(self.fit_epochs, epoch, side="right")) - 1
        if i < 0:
            return math.nan
        n = self.settings.tail
        lo = max(0, min(i - n // 2, self.fit_err.size - n))
        return float(np.mean(self.fit_err[lo : lo + n]))

    @property
    def last_epoch(self) -> int:
        return int(self.history.frame.index[-1])

    @property
    def best_index(self) -> int:
        """Position of the best monitored value; ties go to the first."""
        return int(np.argmin(self.values) if self.mode == "min" else np.argmax(self.values))

    @property
    def best_epoch(self) -> int:
        return int(self.epochs[self.best_index])


def _finite(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    v = series.to_numpy(dtype=float)
    ok = np.isfinite(v)
    return series.index.to_numpy()[ok].astype(int), v[ok]


def _as_error(values: np.ndarray, mode: str, base: str) -> tuple[np.ndarray, str | None]:
    """Prechelt's criteria need an error to minimise: min mode as is, max mode 1 - value."""
    if mode == "min":
        return values.copy(), None
    bounded = any(w in base.lower() for w in _BOUNDED)
    if values.size and values.max() <= 1 and values.min() >= (-1 if bounded else 0):
        return 1.0 - values, None
    if bounded and values.size and values.min() >= 0 and values.max() <= 100:
        return 100.0 - values, None
    return -values, f"'{base}' is not a bounded score: generalization loss is undefined for it"


def fmt(x: float) -> str:
    """A number as people read it in a one-line message."""
    if x is None or not math.isfinite(x):
        return str(x)
    return f"{x:.4g}"


def _pct(x: float) -> str:
    return f"{x:.0%}" if abs(x) >= 0.1 else f"{x:.1%}"


# -- best epoch -----------------------------------------------------------------------------------
def best_epoch(ctx: Context) -> Result:
    i, b, last = ctx.best_index, ctx.best_epoch, ctx.last_epoch
    after_epochs = int((ctx.history.frame.index > b).sum())
    after_values = int(ctx.values.size - i - 1)
    where = (
        "the last epoch" if after_epochs == 0 else f"{after_epochs} epoch{'s' if after_epochs != 1 else ''} after it"
    )
    msg = f"best {ctx.monitor} {fmt(ctx.values[i])} at epoch {b} of {last} ({where})"
    return [
        Finding(
            "best_epoch",
            "info",
            [b],
            {
                "epoch": b,
                "value": float(ctx.values[i]),
                "last_epoch": last,
                "epochs_after": after_epochs,
                "values_after": after_values,
            },
            msg,
        )
    ], []


# -- EarlyStopping replay -------------------------------------------------------------------------
def keras_replay(ctx: Context) -> criteria.KerasStop:
    s = ctx.settings
    return criteria.keras_early_stopping(
        ctx.replay_epochs,
        ctx.replay_values,
        mode=ctx.mode,
        patience=s.patience,
        min_delta=s.min_delta,
        baseline=s.baseline,
        start_from_epoch=s.start_from_epoch,
    )


def _callback(ctx: Context) -> str:
    s = ctx.settings
    extra = "".join(
        f", {k}={v}"
        for k, v in (("min_delta", s.min_delta), ("baseline", s.baseline), ("start_from_epoch", s.start_from_epoch))
        if v
    )
    return f"EarlyStopping(monitor='{ctx.monitor}', patience={s.patience}{extra})"


def early_stopping(ctx: Context) -> Result:
    stop = keras_replay(ctx)
    if stop.stopped_epoch is None:
        return [], [f"{_callback(ctx)} would not have stopped before the last epoch"]
    total = len(ctx.history.frame)
    after = int((ctx.history.frame.index > stop.stopped_epoch).sum())
    share = after / total
    msg = (
        f"{_callback(ctx)} would have stopped at epoch {stop.stopped_epoch} (its best: epoch "
        f"{stop.best_epoch}); {after} of {total} epochs ({share:.0%}) ran after that"
    )
    numbers = {
        "stopped_epoch": stop.stopped_epoch,
        "best_epoch": stop.best_epoch,
        "best": stop.best,
        "epochs_after_stop": after,
        "share_after_stop": share,
        "patience": ctx.settings.patience,
        "min_delta": ctx.settings.min_delta,
    }
    return [Finding("early_stopping", "info", [stop.stopped_epoch], numbers, msg)], []


# -- overfitting ----------------------------------------------------------------------------------
def _onset(ctx: Context) -> tuple[int | None, str]:
    """The first epoch after the best at which the chosen criterion fires, and its description."""
    s, b = ctx.settings, ctx.best_epoch
    name = s.criterion_name
    if name == "keras":
        stop = keras_replay(ctx).stopped_epoch
        return (stop if stop is not None and stop > b else None), f"EarlyStopping(patience={s.patience})"
    if name == "gl":
        hits = criteria.gl_firings(ctx.epochs, ctx.err, s.alpha)
        label = f"GL > {s.alpha:g}"
    elif name == "pq":
        hits = [
            e for e, _, _ in criteria.pq_firings(ctx.epochs, ctx.err, ctx.fit_epochs, ctx.fit_err, s.pq_alpha, s.strip)
        ]
        label = f"PQ{s.pq_alpha:g} (k={s.strip})"
    else:
        hits = criteria.up_firings(ctx.epochs, ctx.err, s.up_strips, s.strip)
        label = f"UP{s.up_strips} (k={s.strip})"
    return next((e for e in hits if e > b), None), label


def _gap(ctx: Context, epoch: int, tail: bool) -> float:
    """Held-out minus training loss (same metric) at ``epoch``, or over the last ``tail`` values."""
    if ctx.train_col is None:
        return math.nan
    held = column_name(parse_name(ctx.monitor)[0], parse_name(ctx.train_col)[1])
    frame = ctx.history.frame
    if held not in frame.columns:
        return math.nan
    both = frame[[held, ctx.train_col]].replace([np.inf, -np.inf], np.nan).dropna()
    if tail:
        part = both.tail(ctx.settings.tail)
    else:
        part = both[both.index <= epoch].tail(1)
    if part.empty:
        return math.nan
    return float(part[held].mean() - part[ctx.train_col].mean())


def end_gl(ctx: Context) -> float:
    """GL at the end of the run: the mean of the last ``tail`` errors against the lowest mean of
    ``tail`` consecutive errors.

    Averaging only the end (as DESIGN §5 words it) compares a mean with the single lowest point,
    which noise biases low: a flat run with 4 % noise would read about 8 % "worse". Averaging both
    sides the same way keeps one noisy point from making or breaking the verdict at either end.
    """
    n = ctx.settings.tail
    e = ctx.err
    if e.size < n:
        return criteria.gl_of(float(np.mean(e)), float(np.min(e)))
    means = np.convolve(e, np.ones(n) / n, mode="valid")
    return criteria.gl_of(float(means[-1]), float(means.min()))


def overfitting(ctx: Context) -> Result:
    s = ctx.settings
    if parse_name(ctx.monitor)[0] == "train":
        return [], []
    i, b = ctx.best_index, ctx.best_epoch
    e_opt = ctx.err[i]
    if not (math.isfinite(e_opt) and e_opt > 0):
        return [], [
            f"generalization loss is undefined for {ctx.monitor} (best error {fmt(e_opt)} <= 0): "
            "overfitting not assessed"
        ]
    after = ctx.values.size - i - 1
    if after < s.tail:
        if after:
            return [], [f"only {after} monitored value(s) after the best epoch {b}: too early to call overfitting"]
        return [], []
    onset, label = _onset(ctx)
    gl_end = end_gl(ctx)
    # Both ends averaged over `tail` values, for the same reason as end_gl.
    train_best = ctx.fit_mean_around(b)
    train_end = float(np.mean(ctx.fit_err[-s.tail :])) if ctx.fit_err.size else math.nan
    train_bad = ctx.fit_col is not None and any(e > b for e in nonfinite_epochs(ctx.history, ctx.fit_col))
    train_improved = math.isfinite(train_best) and train_end < train_best and not train_bad
    if onset is None:
        return [], []
    if not gl_end > s.alpha:
        return [], [
            f"{ctx.monitor} got worse after epoch {b} ({label} at epoch {onset}) but recovered: "
            f"GL of the mean of the last {s.tail} values is {gl_end:.1f}% <= {s.alpha:g}%"
        ]
    if not train_improved:
        what = "no training series" if ctx.fit_col is None else f"training {ctx.fit_col} did not keep improving"
        return [], [f"{ctx.monitor} got worse after epoch {b} but {what}: not called overfitting"]
    gap_best, gap_end = _gap(ctx, b, tail=False), _gap(ctx, b, tail=True)
    fell = 1 - train_end / train_best if train_best > 0 else math.nan
    numbers = {
        "best_epoch": b,
        "best_value": float(ctx.values[i]),
        "onset": onset,
        "criterion": s.criterion_name,
        "gl_end": gl_end,
        "alpha": s.alpha,
        "train_column": ctx.fit_col,
        "train_best": train_best,
        "train_end": train_end,
        "gap_best": gap_best,
        "gap_end": gap_end,
        "gap_growth": gap_end - gap_best,
        "values_after_best": after,
    }
    split = {"val": "validation", "test": "test"}.get(parse_name(ctx.monitor)[0], "held-out")
    gap = (
        f"; the {split}-training gap grew from {fmt(gap_best)} to {fmt(gap_end)}"
        if math.isfinite(gap_best) and math.isfinite(gap_end)
        else ""
    )
    trend = f"fell {_pct(fell)}" if math.isfinite(fell) and ctx.fit_col == ctx.train_col else "kept improving"
    msg = (
        f"{ctx.monitor} overfits from epoch {onset} ({label}): {gl_end:.0f}% worse than its best at epoch {b} "
        f"at the end while training {ctx.fit_col} {trend}{gap}; keep epoch {b}'s weights or regularise more"
    )
    last = int(ctx.epochs[-1])
    return [Finding("overfitting", "warning", [onset, last] if last != onset else [onset], numbers, msg)], []


# -- divergence -----------------------------------------------------------------------------------
def _loss_columns(ctx: Context) -> list[str]:
    frame = ctx.history.frame
    cols = [c for c in frame.columns if parse_name(c)[0] is not None and is_loss_like(parse_name(c)[1])]
    if ctx.monitor not in cols:
        cols.append(ctx.monitor)
    return cols


def divergence(ctx: Context) -> Result:
    s = ctx.settings
    frame = ctx.history.frame
    out: list[Finding] = []
    bad = {c: nonfinite_epochs(ctx.history, c) for c in _loss_columns(ctx)}
    bad = {c: e for c, e in bad.items() if e}
    if bad:
        first = min(e[0] for e in bad.values())
        cols = [c for c, e in bad.items() if e[0] == first]
        kind = "inf" if np.isinf(frame.at[first, cols[0]]) else "NaN"
        n = len(bad[cols[0]])
        msg = (
            f"{', '.join(cols)} became non-finite ({kind}) at epoch {first} ({n} non-finite epoch"
            f"{'s' if n != 1 else ''}): lower the learning rate, clip gradients, and check the inputs for NaN/inf"
        )
        out.append(
            Finding(
                "divergence",
                "error",
                [first],
                {
                    "first_nonfinite_epoch": first,
                    "columns": sorted(bad),
                    "nonfinite_epochs": {c: len(e) for c, e in bad.items()},
                },
                msg,
            )
        )
    rise = _explosion(ctx.train_epochs, ctx.train_values, s.divergence_ratio, s.divergence_epochs)
    if rise is not None:
        onset, m_epoch, m, last = rise
        msg = (
            f"training {ctx.train_col} rose from its minimum {fmt(m)} (epoch {m_epoch}) to more than "
            f"{s.divergence_ratio:g}x it from epoch {onset} and stayed there ({fmt(last)} at the end): "
            "the run diverged; lower the learning rate or add warm-up and gradient clipping"
        )
        out.append(
            Finding(
                "divergence",
                "error",
                [onset],
                {
                    "onset": onset,
                    "running_min": m,
                    "running_min_epoch": m_epoch,
                    "last_value": last,
                    "ratio_end": last / m,
                    "ratio": s.divergence_ratio,
                    "column": ctx.train_col,
                },
                msg,
            )
        )
    return out, []


def _explosion(epochs: np.ndarray, values: np.ndarray, ratio: float, min_epochs: int):
    """(onset, epoch of the running minimum, that minimum, last value) for a loss that rose above
    ``ratio`` x its running minimum and stayed above it to the end for ``min_epochs`` values."""
    n = values.size
    if n < min_epochs + 1:
        return None
    run_min = np.minimum.accumulate(values)
    # suffix minimum: the lowest value from each position to the end
    suffix_min = np.minimum.accumulate(values[::-1])[::-1]
    for t in range(1, n - min_epochs + 1):
        m = run_min[t - 1]
        if m > 0 and suffix_min[t] > ratio * m:
            j = int(np.flatnonzero(values[:t] == m)[0])
            return int(epochs[t]), int(epochs[j]), float(m), float(values[-1])
    return None


# -- spikes ---------------------------------------------------------------------------------------
def spikes(values: np.ndarray, factor: float, neighbours: int, recovery: float) -> list[tuple[int, float]]:
    """Positions of points above ``factor`` x the median of their ``neighbours`` on each side, that
    the series later comes back under ``recovery`` x that median; with the ratio to the median."""
    values = np.asarray(values, dtype=float)
    n, k = values.size, neighbours
    # Points near the ends have short windows: one by one. The rest (millions in a step log) at once.
    ends = [*range(min(k, n)), *range(max(k, n - k), n)]
    out = [hit for i in ends if (hit := _spike_at(values, i, factor, k, recovery)) is not None]
    if 2 * k >= 4 and n > 2 * k:
        out += _interior_spikes(values, factor, k, recovery)
    return sorted(out)


def _spike_at(values: np.ndarray, i: int, factor: float, k: int, recovery: float) -> tuple[int, float] | None:
    around = np.concatenate([values[max(0, i - k) : i], values[i + 1 : i + 1 + k]])
    if around.size < 4:
        return None
    med = float(np.median(around))
    if med <= 0 or values[i] <= factor * med:
        return None
    later = values[i + 1 : i + 1 + k]
    if later.size and later.min() <= recovery * med:
        return i, float(values[i] / med)
    return None


def _interior_spikes(
    values: np.ndarray, factor: float, k: int, recovery: float, chunk: int = 1 << 16
) -> list[tuple[int, float]]:
    """``_spike_at`` for every point with ``k`` neighbours on each side, vectorised. A median is
    never below its window's minimum, so points not above ``factor`` x that minimum are skipped
    before any median is taken; NaN compares false throughout, exactly as in ``_spike_at``."""
    n = values.size
    mins = window_min(values, k)  # mins[j] = min(values[j:j + k])
    centre = np.arange(k, n - k)
    left_min, right_min = mins[centre - k], mins[centre + 1]
    with np.errstate(invalid="ignore"):
        maybe = (values[centre] > factor * np.minimum(left_min, right_min)) | np.isnan(values[centre])
    cand, later_min = centre[maybe], right_min[maybe]
    offsets = np.r_[np.arange(-k, 0), np.arange(1, k + 1)]
    out: list[tuple[int, float]] = []
    for lo in range(0, cand.size, chunk):
        idx = cand[lo : lo + chunk]
        med = np.median(values[idx[:, None] + offsets], axis=1)
        v = values[idx]
        with np.errstate(invalid="ignore", divide="ignore"):
            hit = ~((med <= 0) | (v <= factor * med)) & (later_min[lo : lo + chunk] <= recovery * med)
            ratio = v / med
        out += [(int(i), float(r)) for i, r in zip(idx[hit], ratio[hit])]
    return out


def window_min(values: np.ndarray, k: int) -> np.ndarray:
    """``min(values[j:j + k])`` for every ``j`` (NaN where the window holds one), in a few passes
    whatever ``k`` (van Herk / Gil-Werman): within blocks of ``k``, running minima from the left and
    from the right; a window spans at most two blocks, the right end of one and the left of the next."""
    n = values.size
    if k < 1 or n < k:
        return np.zeros(0)
    blocks = np.full(-(-n // k) * k, np.inf)
    blocks[:n] = values
    blocks = blocks.reshape(-1, k)
    from_left = np.minimum.accumulate(blocks, axis=1).ravel()
    from_right = np.minimum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.minimum(from_right[: n - k + 1], from_left[k - 1 : n])


def spike(ctx: Context) -> Result:
    s = ctx.settings
    if ctx.train_col is None:
        return [], []
    steps = ctx.history.steps
    # Step-level logs are diagnosed on their steps: an epoch mean would hide a one-batch spike.
    if steps is not None and ctx.train_col in steps.columns:
        series = steps[ctx.train_col].replace([np.inf, -np.inf], np.nan).dropna()
        values, positions, unit = series.to_numpy(dtype=float), series.index, "step"
        cause = "a bad batch or data shard, or a learning-rate schedule bug"
    else:
        values, positions, unit = ctx.train_values, ctx.train_epochs, "epoch"
        cause = "a bad data shard or a learning-rate schedule bug"
    hits = spikes(values, s.spike_factor, s.spike_neighbours, s.spike_recovery)
    if not hits:
        return [], []
    where = [int(positions[i]) for i, _ in hits]
    msg = (
        f"training {ctx.train_col} spiked at {unit}{'s' if len(where) > 1 else ''} {_list(where)} (up to "
        f"{max(r for _, r in hits):.0f}x the local median) and recovered: look for {cause}"
    )
    numbers = {f"{unit}s": where, "ratios": [r for _, r in hits], "column": ctx.train_col}
    if unit == "step":
        return [Finding("spike", "warning", [], numbers, msg, steps=where)], []
    return [Finding("spike", "warning", where, numbers, msg)], []


def _list(xs: list[int]) -> str:
    return ", ".join(map(str, xs[:8])) + (f" and {len(xs) - 8} more" if len(xs) > 8 else "")


# -- plateau and still improving ------------------------------------------------------------------
def _window_change(ctx: Context) -> tuple[int, float] | None:
    """(w, relative improvement of the last w values' median over the w before it)."""
    w = min(ctx.settings.window, ctx.err.size // 2)
    if w < 3 or not np.isfinite(ctx.err).all():
        return None
    before, last = float(np.median(ctx.err[-2 * w : -w])), float(np.median(ctx.err[-w:]))
    if before == 0:
        return None
    return w, (before - last) / abs(before)


def _past_best(ctx: Context) -> bool:
    """Whether the end of the run is more than alpha percent worse than its best (overfit/diverged)."""
    gl = end_gl(ctx)
    return math.isfinite(gl) and gl > ctx.settings.alpha


def _ended_nonfinite(ctx: Context) -> bool:
    """Whether the monitored or training series went NaN/inf after the last monitored value."""
    last = int(ctx.epochs[-1])
    cols = [c for c in (ctx.monitor, ctx.train_col) if c]
    return any(e > last for c in cols for e in nonfinite_epochs(ctx.history, c))


def _progress(ctx: Context) -> tuple[tuple[int, float] | None, list[str]]:
    if _ended_nonfinite(ctx):
        return None, []
    change = _window_change(ctx)
    if change is None:
        return None, [f"too few {ctx.monitor} values to judge a plateau or progress"]
    return change, []


def plateau(ctx: Context) -> Result:
    change, notes = _progress(ctx)
    if change is None:
        return [], notes
    w, rel = change
    tol = ctx.settings.min_improvement
    if abs(rel) > tol or _past_best(ctx):
        return [], []
    first = int(ctx.epochs[-w])
    msg = (
        f"{ctx.monitor} has plateaued over epochs {first}-{ctx.epochs[-1]}: the median of the last {w} values "
        f"moved {rel:+.1%} against the {w} before (tolerance {tol:.0%}); more epochs will not help at this "
        "learning rate: stop earlier or lower it"
    )
    return [
        Finding(
            "plateau",
            "info",
            [first, int(ctx.epochs[-1])],
            {"window": w, "relative_change": rel, "tolerance": tol},
            msg,
        )
    ], []


def still_improving(ctx: Context) -> Result:
    change, notes = _progress(ctx)
    if change is None:
        return [], notes
    w, rel = change
    tol = ctx.settings.min_improvement
    # "Still improving" means the recent values are the best ones, not a rebound after a dip.
    if rel <= tol or ctx.best_index < ctx.values.size - max(ctx.settings.tail, w // 2) or _past_best(ctx):
        return [], []
    first, last = int(ctx.epochs[-w]), int(ctx.epochs[-1])
    msg = (
        f"{ctx.monitor} is still improving: the median of the last {w} values is {rel:.1%} better than the "
        f"{w} before and the best is at epoch {ctx.best_epoch} of {ctx.last_epoch}; training longer would "
        "probably help"
    )
    return [
        Finding(
            "still_improving",
            "info",
            [first, last],
            {"window": w, "relative_change": rel, "tolerance": tol, "best_epoch": ctx.best_epoch},
            msg,
        )
    ], []


CHECKS: dict[str, Callable[[Context], Result]] = {
    "best_epoch": best_epoch,
    "early_stopping": early_stopping,
    "overfitting": overfitting,
    "divergence": divergence,
    "spike": spike,
    "plateau": plateau,
    "still_improving": still_improving,
}
