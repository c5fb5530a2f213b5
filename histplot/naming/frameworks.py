"""Which framework wrote a file, from the file's own evidence: the set of names it holds.

Each test is a combination of names only that writer produces together (FRAMEWORK_NAMES.md), so a
hand-written loop that happens to log ``loss`` and ``lr`` is not taken for detectron2. Readers that
know more (a Lightning header, a Hugging Face ``log_history``) pass their answer instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .conventions import DETECTRON2, DETR, FASTAI, HF, KERAS, MMENGINE, TIMM, ULTRALYTICS, YOLOV5


def detect_framework(names: Iterable[str], hint: str | None = None) -> str | None:
    """The writer of a file holding ``names`` (raw series names), or None when nothing is telling."""
    if hint:
        return hint
    raw = [str(n).strip() for n in names]
    low = {n.lower() for n in raw}

    def has(pattern: str) -> bool:
        rx = re.compile(pattern, re.IGNORECASE)
        return any(rx.fullmatch(n) for n in raw)

    # §5 Ultralytics: lr/pgN with train/*_loss, or metrics/...(B|M|P) or metrics/accuracy_top1.
    if has(r"lr/pg\d+") and has(r"train/\w+") or has(r"metrics/.+\([BMPO]\)") and has(r"train/\w+_loss"):
        return ULTRALYTICS
    # §6 YOLOv5: x/lrN, lr/N, or obj_loss next to metrics/mAP_0.5.
    if has(r"x/lr\d+") or has(r"lr/\d+") and has(r"train/loss") or has(r"train/obj_loss") and has(r"metrics/.+"):
        return YOLOV5
    if has(r"metrics/accuracy_top\d") or has(r"metrics/mAP50(-95)?\(\w\)"):
        return ULTRALYTICS
    # §7 detectron2: total_loss with its timing keys or its training statistics.
    if "total_loss" in low and ({"data_time", "eta_seconds"} & low or has(r"(fast_rcnn|rpn|roi_head)/.+")):
        return DETECTRON2
    # §8 mmengine: train lines carry data_time and memory (detectron2 has no `memory`).
    if "data_time" in low and ("memory" in low or has(r"(coco|accuracy|pascal_voc)/.+")):
        return MMENGINE
    # §10 DETR/DeiT: train_* and test_* meters side by side, with n_parameters or train_lr.
    if has(r"train_\w+") and has(r"test_\w+") and ({"n_parameters", "train_lr"} & low):
        return DETR
    # §9 timm summary.csv: train_loss, eval_loss and eval_top1.
    if "train_loss" in low and "eval_loss" in low and ({"eval_top1", "eval_top5"} & low):
        return TIMM
    # §11 fastai Recorder: train_loss and valid_loss (fastai's own spelling) and no other split prefix.
    if {"train_loss", "valid_loss"} <= low and not has(r"(val|validation|eval|test)_.+"):
        return FASTAI
    # §4 Hugging Face: eval_* with *_runtime / *_samples_per_second from speed_metrics.
    if has(r"eval_.+") and has(r"(eval|train)_(runtime|samples_per_second|steps_per_second)"):
        return HF
    if has(r"val_.+") and not has(r"(train|valid|validation|eval|test)_.+"):
        return KERAS
    return None
