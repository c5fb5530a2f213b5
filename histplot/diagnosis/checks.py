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

from ..display import number, split_name
from ..history import History
from ..naming import column_name, parse_name
from . import criteria
from .findings import Finding
from .monitor import auto_mode, choose_monitor, is_loss_like, mode_is_known, training_column
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
        bad = history.nonfinite(monitor)
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
    msg = f"best {ctx.monitor} {number(ctx.values[i])} at epoch {b} of {last} ({where})"
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
            f"generalization loss is undefined for {ctx.monitor} (best error {number(e_opt)} <= 0): "
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
    train_bad = ctx.fit_col is not None and any(e > b for e in ctx.history.nonfinite(ctx.fit_col))
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
    held_out = parse_name(ctx.monitor)[0]
    split = split_name(held_out) if held_out in ("val", "test") else "held-out"
    gap = (
        f"; the {split}-training gap grew from {number(gap_best)} to {number(gap_end)}"
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


def _unrecovered(values: np.ndarray, present: np.ndarray, bad: np.ndarray) -> int | None:
    """Position of the first logged non-finite value after the series' last finite value (the run
    never came back from it), or None when finite values follow every non-finite one."""
    finite = present & np.isfinite(values)
    last_finite = int(np.flatnonzero(finite)[-1]) if finite.any() else -1
    after = np.flatnonzero(bad & (np.arange(values.size) > last_finite))
    return int(after[0]) if after.size else None


def nonfinite_runs(history: History, cols: list[str]) -> tuple[dict[str, int], dict[str, list[int]]]:
    """({column: first epoch of a non-finite stretch it never recovered from},
    {column: epochs of logged NaN/inf that finite values followed}). Only logged values count:
    a missing value is never evidence of divergence."""
    final: dict[str, int] = {}
    recovered: dict[str, list[int]] = {}
    for c in cols:
        bad_epochs = history.nonfinite(c)
        if not bad_epochs:
            continue
        series = history.frame[c]
        v = series.to_numpy(dtype=float)
        present = history.present[c].to_numpy(dtype=bool)
        bad = present & ~np.isfinite(v)
        at = _unrecovered(v, present, bad)
        if at is not None:
            final[c] = int(series.index[at])
        before = [e for e in bad_epochs if at is None or e < int(series.index[at])]
        if before:
            recovered[c] = before
    return final, recovered


def divergence(ctx: Context) -> Result:
    s = ctx.settings
    frame = ctx.history.frame
    out: list[Finding] = []
    final, _ = nonfinite_runs(ctx.history, _loss_columns(ctx))
    if final:
        first = min(final.values())
        cols = [c for c, e in final.items() if e == first]
        kind = "inf" if np.isinf(frame.at[first, cols[0]]) else "NaN"
        counts = {c: len(ctx.history.nonfinite(c)) for c in final}
        n = counts[cols[0]]
        msg = (
            f"{', '.join(cols)} became non-finite ({kind}) at epoch {first} and never recovered ({n} non-finite "
            f"epoch{'s' if n != 1 else ''}): lower the learning rate, clip gradients, and check the inputs for NaN/inf"
        )
        out.append(
            Finding(
                "divergence",
                "error",
                [first],
                {
                    "first_nonfinite_epoch": first,
                    "columns": sorted(final),
                    "nonfinite_epochs": counts,
                },
                msg,
            )
        )
    rise = _explosion(ctx.train_epochs, ctx.train_values, s.divergence_ratio, s.divergence_epochs)
    if rise is not None:
        onset, m_epoch, m, last = rise
        msg = (
            f"training {ctx.train_col} rose from its minimum {number(m)} (epoch {m_epoch}) to more than "
            f"{s.divergence_ratio:g}x it from epoch {onset} and stayed there ({number(last)} at the end): "
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
    runaway = negative_runaway(ctx)
    if runaway is not None:
        col, onset, scale, last = runaway
        msg = (
            f"{col} ran away to large negative values: from {number(scale if scale else 0)} in size at the start to "
            f"{number(last)} at the end, below -{s.negative_runaway:g}x that from epoch {onset}, and still falling: "
            "a likelihood whose variance collapsed (Gaussian NLL) diverged; bound the predicted variance "
            "(a floor or softplus + epsilon) or lower the learning rate"
        )
        out.append(
            Finding(
                "divergence",
                "error",
                [onset],
                {
                    "onset": onset,
                    "column": col,
                    "initial_scale": scale,
                    "last_value": last,
                    "negative_runaway": s.negative_runaway,
                },
                msg,
            )
        )
    return out, []


def transient(ctx: Context) -> Result:
    """Logged NaN/inf the run came back from (a skipped mixed-precision step, one bad batch)."""
    out: list[Finding] = []
    _, recovered = nonfinite_runs(ctx.history, _loss_columns(ctx))
    steps = ctx.history.steps
    step_hits: dict[str, list] = {}
    if steps is not None:
        for c in steps.columns:
            if parse_name(c)[0] is None or not is_loss_like(parse_name(c)[1]):
                continue
            bad = ctx.history.step_nonfinite(c)
            if not bad:
                continue
            v = steps[c].to_numpy(dtype=float)
            present = ctx.history.step_present[c].to_numpy(dtype=bool)
            at = _unrecovered(v, present, present & ~np.isfinite(v))
            cut = None if at is None else steps.index[at]
            kept = [b for b in bad if cut is None or b < cut]
            if kept:
                step_hits[c] = kept
    for c in sorted(set(recovered) | set(step_hits)):
        epochs, at_steps = recovered.get(c, []), step_hits.get(c)
        where = []
        if at_steps:
            where.append(f"step{'s' if len(at_steps) > 1 else ''} {_list([_num(x) for x in at_steps])}")
        if epochs:
            where.append(f"epoch{'s' if len(epochs) > 1 else ''} {_list(epochs)}")
        msg = (
            f"{c} was non-finite (NaN/inf) at {' and '.join(where)} and the run recovered: finite values follow; "
            "a skipped mixed-precision step or a bad batch, not a diverged run"
        )
        numbers = {"column": c, "epochs": epochs}
        if at_steps:
            numbers["steps"] = [_num(x) for x in at_steps]
        out.append(
            Finding(
                "transient", "warning", epochs, numbers, msg, steps=[_num(x) for x in at_steps] if at_steps else None
            )
        )
    return out, []


def _num(x) -> int | float:
    f = float(x)
    return int(f) if f.is_integer() else f


def negative_runaway(ctx: Context) -> tuple[str, int, float, float] | None:
    """(column, onset epoch, initial scale, last value) for a loss that ran away to large negative
    values: it ends more than ``negative_runaway`` x the size of its first value below zero, stayed
    there for ``divergence_epochs`` values, and is still at its lowest at the end (a collapsing
    Gaussian NLL falls without bound). A loss that merely goes a little negative (a PINN residual,
    an NLL of well-predicted data) stays far above that line."""
    s = ctx.settings
    cols = [c for c in (ctx.train_col, ctx.monitor) if c and auto_mode(c) == "min"]
    for col in dict.fromkeys(cols):
        ep, v = _finite(ctx.history.frame[col])
        if v.size < s.divergence_epochs + 1:
            continue
        scale = float(abs(v[0])) or float(np.max(np.abs(v[: s.tail])))
        if scale == 0:
            continue
        line = -s.negative_runaway * scale
        below = v < line
        k = s.divergence_epochs
        # below the line to the end, for at least k values, and the lowest value among the last `tail`
        if below[-k:].all() and int(np.argmin(v)) >= v.size - s.tail:
            start = v.size - 1
            while start > 0 and below[start - 1]:
                start -= 1
            return col, int(ep[start]), scale, float(v[-1])
    return None


def _explosion(epochs: np.ndarray, values: np.ndarray, ratio: float, min_epochs: int):
    """(onset, epoch of the running minimum, that minimum, last value) for a loss that rose above
    ``ratio`` x its running minimum and stayed above it to the end for ``min_epochs`` values."""
    n = values.size
    if n < min_epochs + 1:
        return None
    # A rise is measured from the lowest level of a trailing running median (5 values, or a
    # twentieth of a long series such as a per-batch loss), so that one lucky low value in a noisy
    # loss is not taken for a level the run reached; the message names the lowest value itself.
    window = min(max(5, n // 20), 51)
    level = pd.Series(values).rolling(window, min_periods=1).median().to_numpy() if n >= 10 else values
    base = np.minimum.accumulate(level)
    run_min = np.minimum.accumulate(values)
    # suffix minimum: the lowest value from each position to the end
    suffix_min = np.minimum.accumulate(values[::-1])[::-1]
    for t in range(1, n - min_epochs + 1):
        m = run_min[t - 1]
        if m > 0 and base[t - 1] > 0 and suffix_min[t] > ratio * base[t - 1]:
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
    # A spike rises above what came before it. A point no higher than every earlier one is the run's
    # first steep descent (a loss falling by orders of magnitude in its first steps), not a spike.
    if out:
        before = np.r_[np.inf, np.fmin.accumulate(values)[:-1]]
        out = [(i, r) for i, r in out if values[i] > before[i]]
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
    return any(e > last for c in cols for e in ctx.history.nonfinite(c))


def _progress(ctx: Context) -> tuple[tuple[int, float] | None, list[str]]:
    if _ended_nonfinite(ctx) or negative_runaway(ctx) is not None:
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
    "transient": transient,
    "spike": spike,
    "plateau": plateau,
    "still_improving": still_improving,
}
