"""Framework naming conventions as data: raw name (and writer) -> split, base, role.

Each row is read from the writer's own source (../shared/FRAMEWORK_NAMES.md gives the file and
function per row; the section number is in ``source``). A row applies to the frameworks it lists,
or to every file when it lists none: those rows are names no framework uses for anything else
(Ultralytics' ``metrics/mAP50(B)``, detectron2's ``fast_rcnn/...`` statistics). Rows are tried in
order and the first full match (case-insensitive) wins; a name no row matches goes to the generic
prefix/suffix rules in ``naming``.

``split`` is ``train``/``val``/``test``, None for run-level series, or ``"{sp}"`` to take the split
word the pattern captured. ``base`` is a template over the pattern's groups.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Roles a series can have (DESIGN §2): metrics have a split; the others are not paired.
METRIC = "metric"
LEARNING_RATE = "learning_rate"
AUX = "aux"
FINAL_EVAL = "final_eval"
META = "meta"
ROLES = (METRIC, LEARNING_RATE, AUX, FINAL_EVAL, META)

# A metric whose split the file does not say: shown as such, never taken for train.
UNSPLIT = "unsplit"

KERAS = "keras"
LIGHTNING = "lightning"
HF = "hf"
ULTRALYTICS = "ultralytics"
YOLOV5 = "yolov5"
DETECTRON2 = "detectron2"
MMENGINE = "mmengine"
TIMM = "timm"
DETR = "detr"  # DETR and DeiT share main.py's log.txt conventions
FASTAI = "fastai"
FRAMEWORKS = (KERAS, LIGHTNING, HF, ULTRALYTICS, YOLOV5, DETECTRON2, MMENGINE, TIMM, DETR, FASTAI)
YOLO = (ULTRALYTICS, YOLOV5)


@dataclass(frozen=True)
class Rule:
    pattern: str
    split: str | None
    base: str
    role: str
    frameworks: tuple[str, ...] = ()
    source: str = ""

    def match(self, name: str, framework: str | None) -> re.Match | None:
        if self.frameworks and framework not in self.frameworks:
            return None
        return _compiled(self.pattern).fullmatch(name)


_CACHE: dict[str, re.Pattern] = {}


def _compiled(pattern: str) -> re.Pattern:
    if pattern not in _CACHE:
        _CACHE[pattern] = re.compile(pattern, re.IGNORECASE)
    return _CACHE[pattern]


_SPLIT = r"(?P<sp>train|training|val|valid|validation|eval|test)"
_TIMING = (
    r"time|data_time|rank_data_time|iter_time|eta|eta_seconds|memory|mem|gpu_mem|max_mem|max_memory|"
    r"wall_?time|duration|dur|epoch_time|elapsed|elapsed_time|timestamp|_timestamp|_runtime|runtime|"
    r"grad_norm|gradient_norm|momentum|weight_decay|num_tokens|num_input_tokens_seen|throughput|"
    r"samples_per_second|steps_per_second|tokens_per_second|it_per_s|batch_size|labels|instances"
)

RULES: tuple[Rule, ...] = (
    # --- learning rates: one panel, whatever the writer called the parameter groups ---
    Rule(r"(?:x/)?lr(?P<g>\d+)", None, "learning_rate/pg{g}", LEARNING_RATE, source="§6 YOLOv5 x/lr0..2"),
    Rule(r"lr/pg(?P<g>\d+)", None, "learning_rate/pg{g}", LEARNING_RATE, source="§5 Ultralytics lr/pgN"),
    Rule(r"lr/(?P<g>\d+)", None, "learning_rate/pg{g}", LEARNING_RATE, source="§6 YOLOv5 classify lr/0"),
    Rule(r"lr-.+-momentum|lr-.+/momentum", None, "{0}", AUX, source="§3 Lightning LearningRateMonitor"),
    Rule(r"lr-.+", None, "{0}", LEARNING_RATE, source="§3 Lightning LearningRateMonitor"),
    Rule(
        r"(?:train[_/])?(?:lr|learning_rate)",
        None,
        "learning_rate",
        LEARNING_RATE,
        source="§1 Keras lr/learning_rate, §4 HF train/learning_rate, §10 DETR train_lr",
    ),
    Rule(
        r"learning_rate_(?P<opt>.+)",
        None,
        "learning_rate_{opt}",
        LEARNING_RATE,
        source="§1 Keras 3 ReduceLROnPlateau per optimizer",
    ),
    # --- detectron2 training statistics: ratios and counts on the training batch, not quality ---
    Rule(
        r"(?P<h>fast_rcnn|roi_head|rpn|mask_rcnn)/(?P<m>.+)",
        None,
        "{h}/{m}",
        AUX,
        source="§7 detectron2 _log_classification_stats, label_and_sample_proposals, RPN.losses",
    ),
    # --- evaluation results flattened with '/' (detectron2, COCO evaluators) ---
    Rule(
        r"(?P<t>bbox|segm|keypoints|panoptic|sem_seg)/(?P<m>.+)",
        "val",
        "{t}/{m}",
        METRIC,
        source="§7 detectron2 flatten_results_dict",
    ),
    # --- Ultralytics / YOLOv5 validator metrics ---
    Rule(r"metrics/(?P<m>.+\([A-Z]\))", "val", "{m}", METRIC, source="§5 Ultralytics *Metrics.keys"),
    Rule(r"metrics/(?P<m>accuracy_top\d+|mAP.*)", "val", "{m}", METRIC, source="§5/§6 classify and mAP keys"),
    Rule(r"metrics/(?P<m>.+)", "val", "{m}", METRIC, YOLO, "§6 YOLOv5 Loggers.keys"),
    Rule(r"x/(?P<m>.+)", None, "{m}", AUX, YOLO, "§6 YOLOv5 x/ group"),
    Rule(
        r"test/(?P<m>.+)",
        "val",
        "{m}",
        METRIC,
        YOLO,
        "§6 YOLOv5 classify: the evaluation folder is named test when it exists; evaluated every epoch",
    ),
    # --- timing, memory, counters: run-level, never paired ---
    Rule(rf"(?:{_SPLIT}[_/])?(?P<m>{_TIMING})", None, "{0}", AUX, source="§4 HF speed_metrics, §7, §8, §11"),
    Rule(
        r"(?P<sp>train|eval|test|predict)_(?P<m>runtime|samples_per_second|steps_per_second|tokens_per_second)",
        None,
        "{sp}_{m}",
        AUX,
        source="§4 HF speed_metrics",
    ),
    Rule(
        r"total_flos|n_parameters|n_params|num_params|num_parameters|hp_metric|img_size|imgsz",
        None,
        "{0}",
        META,
        source="§4 HF train-end entry, §10 DETR n_parameters, §3 hp_metric placeholder",
    ),
    # --- Hugging Face: predict() metrics are test; seqeval per-entity counts are support, not quality ---
    Rule(
        r"(?:eval|test|predict)_(?P<e>.+)_number|(?P<f>.*_)?support",
        None,
        "{0}",
        META,
        source="§4 HF compute_metrics (seqeval <entity>_number = support)",
    ),
    Rule(r"predict_(?P<m>.+)", "test", "{m}", METRIC, (HF,), "§4 HF Trainer.predict"),
    Rule(r"train_loss", "train", "loss", METRIC, (HF,), "§4 HF Trainer.train (train-end summary)"),
    # --- DETR / DeiT: test_* is the evaluation on the validation set every epoch ---
    Rule(r"test_(?P<m>.+)", "val", "{m}", METRIC, (DETR,), "§10 deit main.py: test_* is the validation set"),
    # --- mmengine: metric prefixes are evaluator names (coco/, accuracy/), the lines are val lines ---
    Rule(
        r"(?P<p>(?!train/|val/|test/)[^/]+)/(?P<m>.+)",
        "val",
        "{p}/{m}",
        METRIC,
        (MMENGINE,),
        "§8 mmengine BaseMetric.evaluate prefix",
    ),
    # --- fastai: Recorder writes train_loss, valid_loss, then the metrics computed on valid ---
    Rule(r"(?!train_|valid_)(?P<m>.+)", "val", "{m}", METRIC, (FASTAI,), "§11 fastai Recorder.metric_names"),
    # --- an index stored as if it were a metric (an `epoch` list, phase start epochs) ---
    Rule(
        r"epoch|epochs|step|steps|global_step|iteration|iter|(?P<m>.+_)?(?:starts|start_epochs|indices)|phases?",
        None,
        "{0}",
        META,
        source="an index list, not a measurement",
    ),
    # --- summaries written once: never a series ---
    Rule(r"final[_ ](?P<m>.+)", None, "{0}", META, source="a summary value named as one"),
)


def apply(name: str, framework: str | None) -> tuple[str | None, str, str, str] | None:
    """(split, base, role, source) from the first row matching ``name``, or None."""
    for rule in RULES:
        m = rule.match(name, framework)
        if m is None:
            continue
        groups = {k: v or "" for k, v in m.groupdict().items()}
        base = rule.base.format(m.group(0), **groups)
        split = rule.split.format(**groups) if rule.split and "{" in rule.split else rule.split
        return split, base, rule.role, rule.source
    return None
