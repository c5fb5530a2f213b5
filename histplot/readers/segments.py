"""One rule for files that hold several runs: CSVLogger ``append=True``, JSON lines appended by a
resumed or restarted run (DeiT/DETR ``log.txt``, detectron2 ``metrics.json``), concatenated Keras
histories, Lightning ``version_N`` folders of one experiment.

The clock (epoch or iteration) goes back where a new run begins. A segment that starts again at
the file's first clock value (or before it) is a RESTART: a new run, of which the last is kept
(``--run N`` picks another) with a warning. A segment that starts later continues the run from a
checkpoint (Keras ``initial_epoch``, Lightning ``ckpt_path``, detectron2 ``resume=True``): it is
stitched onto the run before it, the resumed values winning from its first clock value on (the
checkpoint rewound the run there), and the file's own numbers are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ReadError


@dataclass
class Segment:
    start: int  # first row (inclusive)
    stop: int  # last row (exclusive)
    first: float  # clock value of its first row
    last: float  # clock value of its last row
    kind: str  # "start", "restart" or "resume"

    def describe(self, clock: str, shift: int) -> dict:
        return {
            "kind": self.kind,
            "rows": self.stop - self.start,
            f"{clock}s": [_n(self.first + shift), _n(self.last + shift)],
        }


def segments(clock: np.ndarray, ends: np.ndarray | None = None, *, repeat_restarts: bool = True) -> list[Segment]:
    """The file's segments: a new one wherever the clock does not increase, or after a row that
    ``ends`` marks as the last of its run (a writer's closing flush). An epoch written twice starts
    a new segment; a step written twice (``repeat_restarts=False``) may be a second kind of line at
    the same step (mmengine's validation line after the training line of that iteration)."""
    clock = np.asarray(clock, dtype=float)
    if clock.size == 0:
        return []
    new = clock[1:] <= clock[:-1] if repeat_restarts else clock[1:] < clock[:-1]
    if ends is not None:
        new = new | np.asarray(ends, dtype=bool)[:-1]
    starts = [0, *(np.flatnonzero(new) + 1).tolist()]
    bounds = list(zip(starts, [*starts[1:], clock.size]))
    origin = clock[0]
    out = []
    for i, (lo, hi) in enumerate(bounds):
        kind = "start" if i == 0 else ("restart" if clock[lo] <= origin else "resume")
        out.append(Segment(lo, hi, float(clock[lo]), float(clock[hi - 1]), kind))
    return out


def runs(clock: np.ndarray, segs: list[Segment]) -> list[np.ndarray]:
    """Row indices of each run, in clock order: restarts begin a run, resumes stitch onto one."""
    clock = np.asarray(clock, dtype=float)
    out: list[np.ndarray] = []
    for seg in segs:
        rows = np.arange(seg.start, seg.stop)
        if seg.kind == "resume" and out and clock[out[-1]].size:
            kept = out[-1][clock[out[-1]] < seg.first]
            out[-1] = np.concatenate([kept, rows])
        else:
            out.append(rows)
    return out


def pick(
    clock: np.ndarray,
    run: str | int | None,
    source: str | None,
    *,
    what: str = "epoch",
    shift: int = 0,
    ends: np.ndarray | None = None,
) -> tuple[np.ndarray, list[str], list[str], list[dict] | None]:
    """(rows to keep, warnings, notes, segment descriptions or None) for a clock read in file order.

    ``shift`` turns the file's numbers into the ones shown (1 for a 0-based epoch count).
    """
    clock = np.asarray(clock, dtype=float)
    segs = segments(clock, ends, repeat_restarts=what == "epoch")
    if len(segs) <= 1:
        return np.arange(clock.size), [], [], None
    all_runs = runs(clock, segs)
    warnings: list[str] = []
    notes: list[str] = []
    for seg in segs:
        if seg.kind == "resume":
            notes.append(
                f"the {what} count goes back to {_n(seg.first + shift)}: a run resumed from a checkpoint, "
                f"stitched onto the one before it (its values win from {what} {_n(seg.first + shift)} on)"
            )
    k = _choose(run, len(all_runs), source)
    rows = all_runs[k - 1]
    if len(all_runs) > 1 and run is None:
        lo, hi = clock[rows[0]] + shift, clock[rows[-1]] + shift
        warnings.append(
            f"the {what} count restarts {len(all_runs) - 1} time(s) (an appended log): {len(all_runs)} "
            f"runs in one file; kept the last ({what}s {_n(lo)}-{_n(hi)}), choose another with --run N"
        )
    return rows, warnings, notes, [s.describe(what, shift) for s in segs]


def off_grid(iterations: np.ndarray) -> np.ndarray:
    """Rows off a periodic writer's grid (detectron2 writes every 20 iterations, at 19, 39, ...,
    and once more after the last one): such a row is the closing flush of its run."""
    it = np.asarray(iterations, dtype=float)
    steps = np.diff(it)
    steps = steps[steps > 0]
    if it.size < 3 or not steps.size:
        return np.zeros(it.size, dtype=bool)
    values, counts = np.unique(steps, return_counts=True)
    period = values[np.argmax(counts)]
    if period < 2 or counts.max() < 0.5 * steps.size:
        return np.zeros(it.size, dtype=bool)
    off = (it + 1) % period != 0
    # a log on another grid (0, 100, 200, ...) has no flush rows: the rule is not for it
    return off if off.mean() < 0.2 else np.zeros(it.size, dtype=bool)


def _choose(run: str | int | None, n: int, source: str | None) -> int:
    if run in (None, "last"):
        return n
    if run == "first":
        return 1
    try:
        k = int(run)
    except (TypeError, ValueError):
        raise ReadError(f"--run is a run number 1-{n}, first or last; got {run!r}", source) from None
    if not 1 <= k <= n:
        raise ReadError(f"--run {k}: the file holds {n} runs", source)
    return k


def _n(x: float) -> int | float:
    return int(x) if float(x).is_integer() else float(x)
