"""The monitored series: which column to watch, and whether lower or higher is better."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..errors import HistplotError
from ..history import History
from ..metrics.families import class_members
from ..naming import column_name, direction, parse_name

# Loss-like bases are minimised and are what "the held-out loss" means when `loss` itself is absent.
_LOSS_WORDS = re.compile(
    r"(^|_)(loss|losses|err|error|errors|mse|mae|rmse|mape|msle|nll|"
    r"perplexity|ppl|wer|cer|ter|crossentropy|cross_entropy|bce|ce|kl|divergence|"
    r"hinge|huber|logcosh|poisson|distance)($|_)",
    re.IGNORECASE,
)


# Accuracy-like bases are maximised (Keras' metric `_direction == "up"`, by name here).
_MAX_WORDS = re.compile(
    r"(accuracy|acc$|^acc_|_acc$|_acc_|auc|precision|recall|(^|_)f1|fbeta|f_?score|"
    r"(^|_)mcc|matthews|(^|_)iou|io_u|dice|jaccard|specificity|sensitivity|(^|_)r2|"
    r"r_squared|psnr|ssim|(^|_)map(\d+)?($|_)|bleu|rouge|meteor|kappa|"
    r"informedness|markedness|(^|_)npv|(^|_)tpr|(^|_)tnr|hit_?rate|ndcg|reward)",
    re.IGNORECASE,
)


def is_loss_like(base: str) -> bool:
    return bool(_LOSS_WORDS.search(base)) or direction(base) == "lower"


_TOTAL = re.compile(r"(^|_)(total|overall|combined|sum)(_|$)", re.IGNORECASE)


def loss_rank(base: str) -> int:
    """Which loss stands for the run: ``loss`` itself, then a total (detectron2's ``total_loss``,
    YOLO's summed ``total_loss``), then any other loss; a component such as ``loss_box_reg`` may
    rise while the total falls (more foreground proposals matched), so it comes last."""
    if base == "loss":
        return 0
    if not is_loss_like(base):
        return 3
    return 1 if _TOTAL.search(base) else 2


def auto_mode(name: str) -> str:
    """``min`` for losses and errors, ``max`` for higher-is-better names (``naming.direction``'s table);
    ``min`` when the direction is unknown (``mode_is_known`` says so)."""
    base = parse_name(name)[1]
    if is_loss_like(base):
        return "min"
    known = direction(base)
    if known:
        return "max" if known == "higher" else "min"
    return "max" if _MAX_WORDS.search(base) else "min"


def mode_is_known(name: str) -> bool:
    """Whether the direction of a series comes from its name (else ``auto_mode`` assumed ``min``)."""
    base = parse_name(name)[1]
    return bool(direction(base) or _LOSS_WORDS.search(base) or _MAX_WORDS.search(base))


def has_values(frame: pd.DataFrame, col: str) -> bool:
    return col in frame.columns and bool(np.isfinite(frame[col].to_numpy(dtype=float)).any())


# A held-out metric a loop never computed is often written as a placeholder: 0 or -1 on every epoch.
_PLACEHOLDERS = (0.0, -1.0)


def never_computed(frame: pd.DataFrame, col: str) -> float | None:
    """The placeholder (0 or -1) a series holds on every one of its (at least two) finite values."""
    v = frame[col].to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 2:
        return None
    return next((p for p in _PLACEHOLDERS if np.all(v == p)), None)


def choose_monitor(history: History, monitor: str | None = None) -> tuple[str, list[str]]:
    """The column to monitor and notes on the choice (DESIGN §5 default order)."""
    frame = history.frame
    if monitor:
        col = monitor if monitor in frame.columns else column_name(*parse_name(monitor))
        if col not in frame.columns:
            raise HistplotError(
                f"no series '{monitor}' to monitor; columns: {', '.join(map(str, frame.columns))}",
                history.meta.get("source"),
            )
        if not has_values(frame, col):
            raise HistplotError(f"series '{col}' has no finite values to monitor", history.meta.get("source"))
        return col, []
    notes: list[str] = []
    groups = history.metrics()
    placeholder = {}
    for cols in groups.values():
        for split in ("val", "test"):
            if split in cols and has_values(frame, cols[split]):
                p = never_computed(frame, cols[split])
                if p is not None:
                    placeholder[cols[split]] = p
                    notes.append(f"'{cols[split]}' is {p:g} on every epoch (never computed): not monitored")

    def usable(col: str) -> bool:
        return has_values(frame, col) and col not in placeholder

    for name in ("val_loss", "test_loss"):
        if usable(name):
            return name, notes
    for split in ("val", "test"):
        empty = [c[split] for c in groups.values() if split in c and not has_values(frame, c[split])]
        notes += [f"'{c}' has no values" for c in empty]
    # Metrics histplot derived are no held-out loss (an error rate per class, fpr_3), and a
    # per-class member never stands for the run: the file's own series first, then derived
    # run-level ones (accuracy and MCC of a confusion matrix), per-class ones last.
    derived = set(history.meta.get("derived") or {})
    per_class = set(class_members(groups))

    def rank(item: tuple[str, dict]) -> tuple[int, int]:
        base, cols = item
        made = any(c in derived for c in cols.values())
        return (2 if base in per_class else int(made), loss_rank(base))

    ordered = sorted(groups.items(), key=rank)
    for base, cols in ordered:
        if is_loss_like(base) and not any(c in derived for c in cols.values()):
            for split in ("val", "test"):
                if split in cols and usable(cols[split]):
                    return cols[split], notes
    for _, cols in ordered:
        for split in ("val", "test"):
            if split in cols and usable(cols[split]):
                return cols[split], notes + [f"no held-out loss: monitoring '{cols[split]}'"]
    train = [cols["train"] for cols in groups.values() if "train" in cols and has_values(frame, cols["train"])]
    train.sort(key=lambda c: (c != "loss", loss_rank(parse_name(c)[1])))
    if train:
        return train[0], notes + [
            f"no validation series: monitoring the training series '{train[0]}'; overfitting cannot be assessed"
        ]
    unsplit = [c for c in history.unsplit() if has_values(frame, c)]
    if unsplit:
        return unsplit[0], notes + [
            f"no series says its split: monitoring '{unsplit[0]}' (split unknown); overfitting cannot be assessed"
        ]
    raise HistplotError("no metric series with finite values to diagnose", history.meta.get("source"))


def training_column(history: History, monitor: str) -> str | None:
    """The training loss the overfitting, divergence and spike checks watch.

    The training side of a loss-like monitor (``test_mse`` -> ``mse``), else ``loss``, else the
    first training series with a loss-like name.
    """
    frame = history.frame
    groups = history.metrics()
    base = parse_name(monitor)[1]
    candidates = [groups.get(base, {}).get("train")] if is_loss_like(base) else []
    candidates.append("loss")
    candidates += [
        cols.get("train") for b, cols in sorted(groups.items(), key=lambda bc: loss_rank(bc[0])) if is_loss_like(b)
    ]
    for c in candidates:
        if c and parse_name(c)[0] == "train" and has_values(frame, c):
            return c
    return None
