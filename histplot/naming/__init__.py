"""Naming rules (DESIGN §2): which split, metric, role and direction a raw series name means.

Readers hand over raw column names (and, where the file shows it, the framework that wrote it);
``History.build`` turns them into Keras-style canonical names (``loss``, ``val_accuracy``,
``test_mse``, ``learning_rate``) with ``describe`` and ``column_name``, and keeps each column's
``SeriesInfo``. The framework conventions are the table in ``conventions``; the direction of a
metric is the table in ``direction``; the generic prefix/suffix rules below apply to every name no
convention row matches. These rules live here and only here.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from . import conventions
from .conventions import AUX, FINAL_EVAL, LEARNING_RATE, META, METRIC, ROLES, UNSPLIT
from .direction import direction
from .frameworks import detect_framework

__all__ = [
    "AUX",
    "FINAL_EVAL",
    "LEARNING_RATE",
    "META",
    "METRIC",
    "ROLES",
    "UNSPLIT",
    "SPLITS",
    "SPLIT_PREFIX",
    "SPLIT_WORDS",
    "ALIASES",
    "SeriesInfo",
    "clean_name",
    "column_name",
    "describe",
    "detect_framework",
    "direction",
    "parse_name",
]

SPLITS = ("train", "val", "test")

# "unsplit" metrics keep their own name: no prefix can say that the file did not say.
SPLIT_PREFIX = {"train": "", "val": "val_", "test": "test_", UNSPLIT: ""}


class SeriesInfo(NamedTuple):
    """What one column is: its split (None for run-level series), base metric, role and direction."""

    split: str | None
    base: str
    role: str = METRIC
    direction: str | None = None
    framework: str | None = None
    why: str = ""

    @property
    def drawn_as(self) -> str:
        """The word ``info`` prints: the split of a metric, else the role."""
        return self.split if self.role in (METRIC, FINAL_EVAL) and self.split else self.role


# Longest first, so "validation_" wins over "val_".
_PREFIXES = (
    ("validation_", "val"),
    ("training_", "train"),
    ("valid_", "val"),
    ("train_", "train"),
    ("eval_", "val"),
    ("test_", "test"),
    ("val_", "val"),
)

_SUFFIXES = (
    ("_validation", "val"),
    ("_valid", "val"),
    ("_train", "train"),
    ("_test", "test"),
    ("_val", "val"),
)

# Words that name a split when they stand alone as one part of a TensorBoard-style tag.
SPLIT_WORDS = {
    "train": "train",
    "training": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "eval": "val",
    "test": "test",
}

ALIASES = {
    "acc": "accuracy",
    "mean_absolute_error": "mae",
    "mean_squared_error": "mse",
    "mean_absolute_percentage_error": "mape",
    "root_mean_squared_error": "rmse",
    "lr": "learning_rate",
}

# Common metric names, lower-cased on input so that "Loss/train" and "loss" meet.
_KNOWN_BASES = {
    "loss",
    "accuracy",
    "auc",
    "precision",
    "recall",
    "f1",
    "f1_score",
    "mcc",
    "mae",
    "mse",
    "rmse",
    "mape",
    "error",
    "err",
    "iou",
    "dice",
    "learning_rate",
    "grad_norm",
    "time",
    "perplexity",
    "top_k_categorical_accuracy",
    "specificity",
    "jaccard",
} | set(ALIASES)

# Series that describe the run rather than a split's quality: drawn alone, never paired.
_AUX_PATTERN = re.compile(
    r"^(learning_rate|lr[-_/].*|.*learning_rate.*|grad_norm|momentum|weight_decay|"
    r"(epoch_)?time|.*_time|.*runtime.*|.*per_second|dur|duration|num_tokens|"
    r"num_input_tokens_seen|total_flos|eta_seconds|wall_?time)$",
    re.IGNORECASE,
)

_CLASS_SUFFIX = re.compile(r"^(?P<stem>.+?)_(?P<cls>\d+)$")


def _alias(base: str) -> str:
    """Apply aliases to a base name, keeping a per-class suffix such as ``acc_3``."""
    low = base.lower()
    if low in ALIASES:
        return ALIASES[low]
    if low in _KNOWN_BASES:
        return low
    m = _CLASS_SUFFIX.match(base)
    if m and m["stem"].lower() in _KNOWN_BASES:
        return f"{_alias(m['stem'])}_{m['cls']}"
    return base


def parse_name(raw: str, framework: str | None = None) -> tuple[str | None, str]:
    """Split a raw series name into (split, base); split is None for run-level series (lr, time).

    >>> parse_name("val_acc")
    ('val', 'accuracy')
    >>> parse_name("Loss/train")
    ('train', 'loss')
    """
    info = describe(raw, framework)
    return (info.split if info.role in (METRIC, FINAL_EVAL) else None), info.base


# A figure asks for the same few names thousands of times (every panel, legend and family lookup);
# the answer depends on the name and the writer alone.
@lru_cache(maxsize=8192)
def describe(raw: str, framework: str | None = None) -> SeriesInfo:
    """The ``SeriesInfo`` of a raw name written by ``framework`` (None: the writer is not known).

    >>> describe("metrics/mAP50-95(B)", "ultralytics")[:3]
    ('val', 'mAP50-95(B)', 'metric')
    """
    name = normalise(raw)
    row = conventions.apply(name, framework)
    if row is not None:
        split, base, role, source = row
        if role == METRIC:
            base = _alias(base)
        return SeriesInfo(split, base, role, direction(base) if role != META else None, framework, source)
    split, base = _generic(name)
    if _AUX_PATTERN.match(base):
        role = LEARNING_RATE if "learning_rate" in base.lower() or base.lower().startswith("lr") else AUX
        return SeriesInfo(None, base, role, None, framework, "generic run-level name")
    if _UNNAMED.match(name):
        return SeriesInfo(UNSPLIT, base, METRIC, None, framework, "an unnamed series: the file does not say")
    return SeriesInfo(
        split or "train",
        base,
        METRIC,
        direction(base),
        framework,
        "" if split else "no split marker: train, as Keras names it",
    )


# Series a reader had to name itself (lists without names): their split is unknown.
_UNNAMED = re.compile(r"^series_\d+$")

# Human headers ("Valid Acc.", "Learning Rate") and CamelCase split names ("TrainLoss", "ValAcc").
_CAMEL_SPLIT = re.compile(r"^(Train|Training|Val|Valid|Validation|Test|Eval)(?=[A-Z])(?P<rest>[A-Za-z0-9]+)$")
_CAMEL_SPLIT_END = re.compile(r"^(?P<rest>[A-Z][A-Za-z0-9]*?)(Train|Training|Val|Valid|Validation|Test|Eval)$")


def normalise(raw: str) -> str:
    """A name with human spelling undone: stripped, spaces in a plain header joined with ``_``,
    a trailing full stop dropped, CamelCase split words separated (``TrainLoss`` -> ``train_loss``)."""
    name = " ".join(str(raw).split())
    if " " in name and "/" not in name:
        name = "_".join(name.rstrip(".:").lower().replace(".", "").split())
    m = _CAMEL_SPLIT.match(name)
    if m:
        return f"{m.group(1).lower()}_{_snake(m['rest'])}"
    m = _CAMEL_SPLIT_END.match(name)
    if m and name[0].isupper():
        return f"{_snake(m['rest'])}_{m.group(2).lower()}"
    return name


def _snake(word: str) -> str:
    # A single capitalised word is lower-cased; an acronym-laden one keeps its spelling.
    return word.lower() if re.fullmatch(r"[A-Z][a-z0-9]*", word) else word


def _generic(name: str) -> tuple[str | None, str]:
    """(split or None, base) by the prefix/suffix/tag rules every writer shares."""
    split = None
    if "/" in name:
        parts = [p for p in name.split("/") if p]
        words = [SPLIT_WORDS.get(p.lower()) for p in parts]
        if len(parts) >= 2 and any(words):
            i = next(i for i, w in enumerate(words) if w)
            split = words[i]
            name = "/".join(p for j, p in enumerate(parts) if j != i)
    low = name.lower()
    if split is None:
        for prefix, sp in _PREFIXES:
            if low.startswith(prefix) and len(name) > len(prefix):
                split, name = sp, name[len(prefix) :]
                break
        else:
            for suffix, sp in _SUFFIXES:
                if low.endswith(suffix) and len(name) > len(suffix):
                    split, name = sp, name[: -len(suffix)]
                    break
    # PyTorch loops often write "train_acc_history"; Keras TensorBoard writes "epoch_loss".
    low = name.lower()
    if low.endswith("_history") and len(name) > len("_history"):
        name = name[: -len("_history")]
    if low.startswith("epoch_") and len(name) > len("epoch_"):
        name = name[len("epoch_") :]
    if split is None:
        # Keras multi-output: `reg_val_loss`, `fine_tune_val_accuracy` (a split word at an output boundary).
        m = _MID_SPLIT.match(name)
        if m and (m["m"].lower() in _KNOWN_BASES or direction(m["m"])):
            split, name = SPLIT_WORDS[m["sp"].lower()], f"{m['out']}_{m['m']}"
    return split, _alias(name)


_MID_SPLIT = re.compile(r"^(?P<out>.+?)_(?P<sp>val|valid|validation|test|train|training)_(?P<m>.+)$", re.IGNORECASE)


def clean_name(raw: object) -> str:
    """A printable series name: control and bidi-override characters dropped, white space collapsed.

    Names end up in figure text, SVG/XML and file names, where a NUL or a newline breaks the output.
    """
    # Control characters (NUL, newline) separate words; format characters (bidi overrides) vanish.
    text = "".join(
        " " if unicodedata.category(ch) == "Cc" else ch
        for ch in str(raw)
        if unicodedata.category(ch) not in ("Cf", "Cs", "Co", "Cn")
    )
    return " ".join(text.split()) or "unnamed"


def column_name(split: str | None, base: str) -> str:
    """The canonical column for a split and base: ``("val", "loss")`` -> ``val_loss``."""
    return base if split is None else SPLIT_PREFIX[split] + base
