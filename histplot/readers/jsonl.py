"""JSON lines: one object per epoch or per step, as timm/DeiT/DETR (``log.txt``), detectron2
(``metrics.json``) and many hand-written loops write them.

Rows with an ``epoch`` are epochs; rows with only a ``step``/``iteration`` are step series. These
files are opened in append mode, so a restarted or resumed run continues the same file and its
clock goes back (DeiT: 0, 1, 0, 1, 2, ...; detectron2: iteration 19..999 then 19 again): the
shared rule of ``segments`` keeps the last run (restart) or stitches a resumed one on. detectron2
evaluates once more after training: the evaluation keys on a run's last line are its final
evaluation (FRAMEWORK_NAMES 7). A last line cut off mid-write is dropped with a note; a bad line
elsewhere is an error.
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from ..errors import ReadError
from ..history import History
from . import _budget, segments
from ._evidence import split_evidence
from ._io import read_text, strip_head
from ._objects import build_history, from_object

# timm/DeiT/DETR write the parameter count on every line
_RUN_FIELDS = ("n_parameters",)

NAME = "jsonl"
DESCRIPTION = "JSON lines, one object per epoch or step (timm/DeiT/DETR log.txt, detectron2 metrics.json)"


def sniff(head: bytes, path: str | None) -> float:
    lines = [ln.strip() for ln in strip_head(head).split(b"\n") if ln.strip()]
    if len(lines) < 2:
        return 0.0
    if all(ln.startswith(b"{") and ln.endswith(b"}") for ln in lines[:-1]) and lines[-1].startswith(b"{"):
        return 0.9
    return 0.0


def read(
    buf: BinaryIO, *, source: str | None = None, validation_freq: int | None = None, run: str | None = None, **_
) -> History:
    text = read_text(buf, source)
    _budget.charge_json(text)
    lines = [(i, ln.strip()) for i, ln in enumerate(text.splitlines(), 1) if ln.strip()]
    records, notes = parse_lines(lines, source, last_may_be_cut=True)
    return from_records(records, source=source, validation_freq=validation_freq, notes=notes, run=run)


def parse_lines(
    lines: list[tuple[int, str]], source: str | None = None, *, last_may_be_cut: bool = False
) -> tuple[list[dict[str, Any]], list[str]]:
    """(records, notes) from (line number, text) pairs; ``histplot watch`` feeds appended lines."""
    records: list[dict[str, Any]] = []
    notes: list[str] = []
    for k, (i, line) in enumerate(lines):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            if last_may_be_cut and k == len(lines) - 1 and records:
                notes.append(f"last line {i} is cut off: dropped")
                break
            raise ReadError(f"line {i} is not JSON: {exc.msg}", source) from exc
        if not isinstance(obj, dict):
            raise ReadError(f"line {i} is a {type(obj).__name__}, not an object", source)
        records.append(obj)
    return records, notes


def from_records(
    records: list[dict[str, Any]],
    *,
    source: str | None = None,
    validation_freq: int | None = None,
    notes: list[str] | None = None,
    run: str | None = None,
    **_,
) -> History:
    """A History from the records ``parse_lines`` gives (one or more batches concatenated)."""
    notes = list(notes or [])
    if not records:
        raise ReadError("no JSON objects", source)
    warnings: list[str] = []
    runs_meta: dict[str, Any] = {}
    mixed = _two_clocks(records, source, notes)
    if mixed is not None:
        return mixed
    records = _one_run(records, run, source, warnings, notes, runs_meta)
    records, final, where = _final_evaluation(records)
    constant = {
        k: records[0][k] for k in _RUN_FIELDS if k in records[0] and all(r.get(k) == records[0][k] for r in records)
    }
    if constant:
        records = [{k: v for k, v in r.items() if k not in constant} for r in records]
        notes.append(f"run constant(s) {', '.join(constant)} kept in meta, not drawn")
    cols = from_object(records, source, validation_freq=validation_freq)
    cols.notes[:0] = notes + warnings
    cols.meta.update(runs_meta)
    evidence = split_evidence([[k for k, v in r.items() if v is not None] for r in records])
    h = build_history(cols, source=source, fmt=NAME, final=final, final_where=where, split_evidence=evidence)
    h.meta["warnings"] = warnings
    h.meta.setdefault("scalars", {}).update({k: float(v) for k, v in constant.items() if isinstance(v, (int, float))})
    return h


def _clock(records: list[dict]) -> tuple[str, np.ndarray] | None:
    """The key whose whole numbers order the lines: ``epoch`` when every line has one, else the
    step key (``iteration``, ``step``, ``iter``) every line carries."""
    for key in ("epoch", "iteration", "step", "iter", "global_step"):
        values = [r.get(key) for r in records]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            arr = np.asarray(values, dtype=float)
            if np.any(arr != np.round(arr)):
                return None  # fractional epochs: one row per step, not a count that can restart
            return key, arr
    return None


def _one_run(
    records: list[dict], run: str | None, source: str | None, warnings: list[str], notes: list[str], meta: dict
) -> list[dict]:
    found = _clock(records)
    if found is None:
        return records
    key, clock = found
    # detectron2 writes every 20 iterations and once more when a run ends, so an off-grid
    # iteration closes its run even where the next run's first line has a higher number
    ends = segments.off_grid(clock) if key == "iteration" else None
    shift = 1 if key == "epoch" and clock.min() == 0 else 0
    rows, warn, note, segs = segments.pick(clock, run, source, what=key, shift=shift, ends=ends)
    if segs is None:
        return records
    warnings.extend(warn)
    notes.extend(note)
    meta["runs"] = segs
    return [records[i] for i in rows]


def _final_evaluation(records: list[dict]) -> tuple[list[dict], dict[str, Any], str | None]:
    """detectron2's EvalHook evaluates once more after the last iteration (``after_train``): the
    evaluation keys (those only some lines carry) on a run's last line are its final evaluation,
    whether on a line of their own at ``iteration = max_iter`` or merged into the last training
    line. Only for ``iteration`` logs without epochs, detectron2's layout."""
    if len(records) < 3 or any("epoch" in r for r in records) or not all("iteration" in r for r in records):
        return records, {}, None
    counts: dict[str, int] = {}
    for r in records:
        for k in r:
            counts[k] = counts.get(k, 0) + 1
    common = {k for k, n in counts.items() if n > len(records) / 2}
    last = records[-1]
    evals = [k for k in last if k not in common and k != "iteration"]
    if not evals:
        return records, {}, None
    final = {k: last[k] for k in evals}
    rest = {k: v for k, v in last.items() if k not in evals}
    it = last["iteration"]
    if set(rest) <= {"iteration"}:
        where = f"line at iteration {it}, after the last training iteration ({records[-2].get('iteration')})"
        return records[:-1], final, where
    return [*records[:-1], rest], final, f"evaluation after training, on the last line (iteration {it})"


def _two_clocks(records: list[dict], source: str | None, notes: list[str]) -> History | None:
    """mmengine's ``scalars.json`` (FRAMEWORK_NAMES 8): training lines carry ``epoch`` (1-based) and
    ``step`` = global iteration; validation lines carry neither ``epoch`` nor ``iter`` and their
    ``step`` is the epoch number (``log_metric_by_epoch``, the default) or else the iteration.
    Two clocks under one key: training lines become step series, validation lines epochs."""
    train = [r for r in records if "epoch" in r and "step" in r]
    val = [r for r in records if "epoch" not in r and "iter" not in r and "step" in r]
    if not train or not val or len(train) + len(val) != len(records):
        return None
    num = (int, float)
    if not all(isinstance(r["epoch"], num) and isinstance(r["step"], num) for r in train) or not all(
        isinstance(r["step"], num) for r in val
    ):
        return None
    t_epoch = np.asarray([r["epoch"] for r in train], dtype=float)
    t_step = np.asarray([r["step"] for r in train], dtype=float)
    v_step = np.asarray([r["step"] for r in val], dtype=float)
    if v_step.min() >= 1 and v_step.max() <= t_epoch.max() and np.all(np.diff(v_step) > 0):
        v_epoch = v_step.astype(np.int64)
        notes.append(
            "validation lines are logged by epoch and training lines by iteration (mmengine): two clocks, kept apart"
        )
    else:
        at = np.searchsorted(t_step, v_step, side="right") - 1
        v_epoch = t_epoch[np.maximum(at, 0)].astype(np.int64)
        notes.append("validation lines are logged by iteration (mmengine): placed in the epoch of that iteration")
    skip = {"epoch", "iter", "step"}
    timing = {"time", "data_time"}
    vcols: dict[str, list] = {}
    for r in val:
        for k in r:
            if k not in skip and k not in timing and k not in vcols:
                vcols[k] = []
    frame = pd.DataFrame([{k: r.get(k) for k in vcols} for r in val], index=v_epoch)
    frame = frame.groupby(level=0).last()
    if any(k in timing for r in val for k in r):
        notes.append("validation lines' time/data_time (evaluation timing) not drawn")
    steps = pd.DataFrame([{k: v for k, v in r.items() if k not in skip} for r in train], index=t_step)
    # Every value of a validation line is the evaluator's, whatever its name (PCK, AUC, NME carry no
    # evaluator prefix): the line's shape is the evidence.
    return History.build(
        {k: frame[k].to_numpy() for k in frame.columns},
        epochs=frame.index.to_numpy(),
        source=source,
        fmt=NAME,
        notes=notes,
        steps=steps,
        step_epochs=t_epoch,
        split_evidence={k: "val" for k in frame.columns},
    )
