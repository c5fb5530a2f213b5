"""Hugging Face ``Trainer`` state: ``trainer_state.json``'s ``log_history`` (FORMATS §1.5).

- Training entries (``loss``, ``learning_rate``, ``grad_norm`` and whatever a custom trainer logs)
  are step series; each epoch gets their mean.
- Evaluation entries (any ``eval_*`` key) are kept by step too; each epoch gets its last
  evaluation. Several eval sets give ``eval_<set>_<metric>`` and stay apart (``val_<set>_<metric>``).
- Float epochs map to the epoch they fall in: 0.33 -> 1, and a whole number N is the end of
  epoch N (``_scalars.epoch_of``). An evaluation at step 0 (before training) is kept by step only.
- The final ``train_runtime`` summary entry is no curve: its values go to ``meta["scalars"]``;
  ``eval_runtime``/``*_per_second`` speed fields are skipped.
- Entries without ``step`` (``predict_*`` from ``trainer.predict``) are placed by their epoch;
  ``predict_`` means the test split.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from ..errors import ReadError
from ..history import History
from . import _budget
from ._io import open_source, read_text, strip_head
from ._scalars import epoch_of

NAME = "hf_trainer_state"
DESCRIPTION = "Hugging Face Trainer trainer_state.json (log_history), or its checkpoint folder"

_SPEED = re.compile(r"^(eval|test|predict)(_.+)?_(runtime|samples_per_second|steps_per_second)$")
_EVAL_SET = re.compile(r"^eval_(.+)_runtime$")
_SUMMARY_KEYS = ("train_runtime", "train_samples_per_second")
_STATE_KEYS = (
    "best_metric",
    "best_model_checkpoint",
    "best_global_step",
    "global_step",
    "max_steps",
    "num_train_epochs",
    "logging_steps",
    "eval_steps",
    "train_batch_size",
)


def sniff(head: bytes, path: str | None) -> float:
    h = strip_head(head)
    if h[:1] != b"{":
        return 0.0
    if b'"log_history"' in h:
        return 0.95
    return 0.4 if b'"global_step"' in h and b'"is_world_process_zero"' in h else 0.0


def sniff_dir(path: Path) -> float:
    return 0.95 if _state_file(path) is not None else 0.0


def read_dir(path: Path, *, source: str | None = None, **_) -> History:
    state = _state_file(path)
    if state is None:
        raise ReadError("no trainer_state.json in this folder or its checkpoint-N folders", source)
    with open_source(state) as buf:
        h = read(buf, source=str(state))
    if state.parent != path:
        h.notes.append(f"read the latest checkpoint's state: {state.parent.name}/trainer_state.json")
    return h


def _state_file(path: Path) -> Path | None:
    if (path / "trainer_state.json").is_file():
        return path / "trainer_state.json"
    checkpoints = [p for p in path.glob("checkpoint-*") if (p / "trainer_state.json").is_file()]
    numbered = [p for p in checkpoints if p.name[11:].isdigit()]
    if not numbered:
        return None
    return max(numbered, key=lambda p: int(p.name[11:])) / "trainer_state.json"


def read(buf: BinaryIO, *, source: str | None = None, **_) -> History:
    text = read_text(buf, source)
    _budget.charge_json(text)
    try:
        state = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReadError(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", source) from exc
    if not isinstance(state, dict) or not isinstance(state.get("log_history"), list):
        raise ReadError("no 'log_history' list: not a Hugging Face trainer_state.json", source)
    log = [e for e in state["log_history"] if isinstance(e, dict)]
    if not log:
        raise ReadError(
            f"'log_history' is empty: the Trainer logged nothing (logging_steps "
            f"{state.get('logging_steps', '?')}, max_steps {state.get('max_steps', '?')})",
            source,
        )
    notes: list[str] = []
    meta: dict[str, Any] = {"trainer_state": {k: state[k] for k in _STATE_KEYS if k in state}}
    if state.get("best_metric") is not None:
        meta["best_metric"] = state["best_metric"]
    label = _label(source)
    if label:
        meta["label"] = label
    train_rows, eval_rows, stepless, skipped = [], [], [], set()
    for entry in log:
        if any(k in entry for k in _SUMMARY_KEYS):
            scalars = {k: float(v) for k, v in entry.items() if k not in ("epoch", "step") and _is_number(v)}
            meta.setdefault("scalars", {}).update(scalars)
            notes.append("final training summary (train_runtime, ...): kept in meta, not drawn")
            continue
        values = {}
        for k, v in entry.items():
            if k in ("epoch", "step"):
                continue
            if _SPEED.match(k):
                skipped.add(k)
            elif _is_number(v):
                values[_rename(k)] = float(v)
            else:
                skipped.add(k)
        if not values:
            continue
        row = {"step": entry.get("step"), "epoch": entry.get("epoch"), **values}
        if not _is_number(row["step"]):
            stepless.append(row)
        elif any(k.startswith(("eval_", "test_")) for k in values):
            eval_rows.append(row)
        else:
            train_rows.append(row)
    if skipped:
        notes.append(f"not drawn: {', '.join(sorted(skipped)[:6])}{', ...' if len(skipped) > 6 else ''}")
    sets = sorted({m[1] for k in _keys(log) if (m := _EVAL_SET.match(k))})
    if sets:
        meta["eval_sets"] = sets
        notes.append(f"{len(sets)} eval sets ({', '.join(sets)}): one column per set, val_<set>_<metric>")
    if any(k.startswith("predict_") for k in _keys(log)):
        notes.append("predict_* entries read as the test split")
    return _assemble(train_rows, eval_rows, stepless, source, notes, meta)


def _assemble(
    train_rows: list[dict],
    eval_rows: list[dict],
    stepless: list[dict],
    source: str | None,
    notes: list[str],
    meta: dict,
) -> History:
    rows = pd.DataFrame(train_rows + eval_rows)
    # an entry without a key logged nothing for it (evaluation every N steps): missing, not NaN
    written = (
        pd.DataFrame([{k: True for k in r} for r in train_rows + eval_rows], index=rows.index, columns=rows.columns)
        .fillna(False)
        .astype(bool)
    )
    steps = step_epochs = step_present = None
    by_step = False
    if not rows.empty:
        rows["step"] = rows["step"].astype(float)
        if "epoch" not in rows or pd.to_numeric(rows["epoch"], errors="coerce").isna().all():
            # a custom trainer's log without epochs is read by step: no epoch axis is invented
            by_step = True
            rows["epoch"] = rows["step"].rank(method="dense")
            meta["x"] = "step"
            notes.append(
                "no entry records its epoch: read by step (row N of the table is the N-th logged "
                "step; plot --x step shows the steps)"
            )
        else:
            rows["epoch"] = _fill_epochs(rows)
        before = (rows["step"] == 0) & rows.index.isin(range(len(train_rows), len(rows)))
        if before.any():
            notes.append("evaluation at step 0 (before training) kept by step only")
        ep = rows["epoch"].map(lambda e: e if by_step else epoch_of(e) if pd.notna(e) else np.nan).astype(float)
        ep[before] = np.nan
        rows = rows.assign(_ep=ep).sort_values("step", kind="stable")
        written = written.loc[rows.index].drop(columns=["epoch", "step"])
        grouped = rows.groupby("step", sort=True)
        steps = grouped.last().drop(columns=["epoch", "_ep"])
        step_present = written.groupby(rows["step"].to_numpy(), sort=True).any()
        step_present.index = steps.index
        step_epochs = grouped["_ep"].min().to_numpy()
    cols, epochs, present = {}, None, {}
    if stepless:
        frame = pd.DataFrame(stepless).drop(columns=["step"])
        had = (
            pd.DataFrame([{k: True for k in r} for r in stepless], index=frame.index, columns=frame.columns)
            .fillna(False)
            .astype(bool)
        )
        frame = frame[frame["epoch"].map(_is_number)]
        frame["epoch"] = frame["epoch"].map(epoch_of)
        had = had.loc[frame.index].drop(columns=["epoch"])
        had = had.groupby(frame["epoch"].to_numpy()).any()
        frame = frame.groupby("epoch").last()
        epochs = frame.index.to_numpy(dtype=np.int64)
        cols = {c: frame[c].to_numpy() for c in frame.columns}
        present = {c: had[c].to_numpy() for c in frame.columns}
        notes.append(f"{len(stepless)} entries without a step placed by their epoch")
    return History.build(
        cols,
        epochs=epochs,
        source=source,
        fmt=NAME,
        notes=notes,
        steps=steps,
        step_epochs=step_epochs,
        meta=meta,
        present=present,
        step_present=step_present,
    )


def _fill_epochs(rows: pd.DataFrame) -> pd.Series:
    """Entries without ``epoch`` (custom trainers) take the epoch of the next logged step."""
    ep = pd.to_numeric(rows["epoch"], errors="coerce")
    if ep.isna().all():
        raise ReadError("no entry records its epoch")
    order = rows["step"].argsort(kind="stable")
    filled = ep.iloc[order].bfill().ffill()
    return filled.reindex(rows.index)


def _rename(key: str) -> str:
    return "test_" + key[len("predict_") :] if key.startswith("predict_") else key


def _keys(log: list[dict]) -> set[str]:
    return {k for e in log for k in e}


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _label(source: str | None) -> str | None:
    """``trainer_state.json`` says nothing; its folder (run or checkpoint) names the run."""
    if not source or source == "-":
        return None
    p = Path(source)
    if p.stem != "trainer_state" or not p.parent.name:
        return None
    if p.parent.name.startswith("checkpoint-") and p.parent.parent.name:
        return f"{p.parent.parent.name}_{p.parent.name}"
    return p.parent.name
