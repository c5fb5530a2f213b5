"""Naming rules (DESIGN §2): which split and which metric a raw series name means.

Readers hand over raw column names; ``History.build`` turns them into Keras-style canonical names
(``loss``, ``val_accuracy``, ``test_mse``, ``learning_rate``) with ``parse_name`` and ``column_name``.
These rules live here and only here.
"""

from __future__ import annotations

import re
import unicodedata

SPLITS = ("train", "val", "test")

SPLIT_PREFIX = {"train": "", "val": "val_", "test": "test_"}

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
_SPLIT_WORDS = {
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


def parse_name(raw: str) -> tuple[str | None, str]:
    """Split a raw series name into (split, base); split is None for run-level series (lr, time).

    >>> parse_name("val_acc")
    ('val', 'accuracy')
    >>> parse_name("Loss/train")
    ('train', 'loss')
    """
    name = raw.strip()
    split = None
    if "/" in name:
        parts = [p for p in name.split("/") if p]
        words = [_SPLIT_WORDS.get(p.lower()) for p in parts]
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
    base = _alias(name)
    if _AUX_PATTERN.match(base):
        return None, base
    return split or "train", base


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
