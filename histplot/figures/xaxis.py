"""The x axis of a figure: by epoch, by global step, or by wall-clock time (DESIGN §2, each series
has its own clock)."""

from __future__ import annotations

import pandas as pd

from ..errors import HistplotError
from ..history import History

X_AXES = ("epoch", "step", "time")
# elapsed seconds shown in the largest unit that keeps the numbers readable
_UNITS = ((2 * 3600, "h", 3600.0), (120, "min", 60.0), (0, "s", 1.0))


def default_x(history: History) -> str:
    """``step`` for runs whose steps are not epochs or that span fewer than 3 epochs, else ``epoch``."""
    if history.steps is None:
        return "epoch"
    if history.meta.get("x") == "step" or history.epochs < 3:
        return "step"
    return "epoch"


def frame_for_x(history: History, x: str | None = None) -> tuple[pd.DataFrame, str]:
    """The frame to draw and its x label: by epoch, or by global step (step series at their own
    steps, epoch-level series at the last step of their epoch)."""
    x = x or default_x(history)
    if x not in X_AXES:
        raise HistplotError(f"unknown x axis '{x}'; choose one of {', '.join(X_AXES)}")
    if x == "epoch":
        return history.frame, "epoch"
    if x == "time":
        return _by_time(history)
    epoch_steps = history.meta.get("epoch_steps") or {}
    if history.steps is None and not epoch_steps:
        raise HistplotError("this history records no steps: plot it with --x epoch", history.meta.get("source"))
    out = history.steps.copy() if history.steps is not None else pd.DataFrame()
    at = [epoch_steps.get(int(e)) for e in history.frame.index]
    placed = history.frame.loc[[a is not None for a in at]]
    placed.index = pd.Index([a for a in at if a is not None], name="step")
    placed = placed[[c for c in placed.columns if c not in out.columns]]
    placed = placed.groupby(level=0).last()
    out = placed if out.empty else out.join(placed, how="outer")
    out = out[
        [c for c in history.frame.columns if c in out.columns]
        + [c for c in out.columns if c not in history.frame.columns]
    ]
    out.index.name = "step"
    return out.sort_index(), "step"


STEP_BINS_PER_INCH = 1.5  # "1.25M" at 10 pt is about 0.45 in wide: labels 0.67 in apart never touch


def engineering(x: float, _pos=None) -> str:
    """A step count as people say it: 950, 20k, 1.5M, 2G."""
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:.3g}{suffix}"
    return f"{x:.3g}"


def step_ticks(ax) -> None:
    """Few, round, engineering-notation ticks on a step axis, however long the run."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator  # start-up time: matplotlib only when drawing

    width = ax.get_position().width * ax.figure.get_figwidth()
    nbins = max(2, int(width * STEP_BINS_PER_INCH))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=nbins, integer=True, steps=[1, 2, 2.5, 5, 10], min_n_ticks=2))
    ax.xaxis.set_major_formatter(FuncFormatter(engineering))


def time_unit(seconds: float) -> tuple[str, float]:
    """(unit, seconds per unit) for a run that lasted ``seconds``: s, min or h."""
    return next((u, d) for limit, u, d in _UNITS if seconds >= limit)


def _by_time(history: History) -> tuple[pd.DataFrame, str]:
    """Epoch-level series at their epoch's elapsed time, step series at their step's, where the
    source recorded wall-clock time (TensorBoard wall_time, MLflow timestamps, a time column)."""
    epoch_t, step_t = history.time, history.step_time
    if (epoch_t is None or epoch_t.empty) and (step_t is None or step_t.empty):
        raise HistplotError(
            "this history records no wall-clock time: plot it with --x epoch or --x step", history.meta.get("source")
        )
    parts = []
    if epoch_t is not None and not epoch_t.empty:
        placed = history.frame.loc[history.frame.index.isin(epoch_t.index)]
        placed.index = pd.Index(epoch_t.reindex(placed.index).to_numpy(), name="time")
        parts.append(placed)
    if history.steps is not None and step_t is not None and not step_t.empty:
        steps = history.steps.loc[history.steps.index.isin(step_t.index)]
        steps = steps[[c for c in steps.columns if not parts or c not in parts[0].columns]]
        steps.index = pd.Index(step_t.reindex(steps.index).to_numpy(), name="time")
        parts.append(steps)
    out = parts[0] if len(parts) == 1 else parts[0].join(parts[1], how="outer")
    out = out.groupby(level=0).last().sort_index()
    unit, per = time_unit(float(out.index.max()) if len(out) else 0.0)
    out.index = pd.Index(out.index.to_numpy(dtype=float) / per, name=f"time ({unit})")
    return out, f"time ({unit})"
