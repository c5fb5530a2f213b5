"""Which way is better for a metric, by its name: one table for best epoch, ranking, report and legends.

A name is matched word by word (words are the parts between ``_``, ``/``, ``-``, ``.``, spaces and
brackets, CamelCase split), so ``test_acc1``, ``metrics/mAP50-95(B)``, ``bbox/AP75`` and
``DiarizationErrorRate`` each find their word. Lower-is-better words win over higher ones because a
name that mentions both is a loss or an error *of* something (``dice_loss``, ``accuracy_error``).
A name matching neither is "unknown": callers say so instead of assuming.
"""

from __future__ import annotations

import re

HIGHER = "higher"
LOWER = "lower"

# Whole words (after lower-casing). Regexes so that numbered forms (acc1, top5, ap50, map50) match.
_LOWER_WORDS = re.compile(
    r"^(loss|losses|err|error|errors|errorrate|mse|mae|rmse|mape|smape|msle|rmsle|nll|nlloss|"
    r"perplexity|ppl|wer|cer|ter|der|crossentropy|cross|entropy|bce|ce|kl|kld|divergence|"
    r"hinge|huber|logcosh|poisson|distance|fid|lpips|false|miss|confusion|alarm|"
    r"fpr|fnr|eer|chamfer|epe|nme|ade|fde|regret|cost|energy|penalty)$"
)
_HIGHER_WORDS = re.compile(
    r"^(accuracy|acc|acc\d+|top\d+|top|aacc|macc|precision|prec|recall|rec|f1|f\d|fbeta|fscore|"
    r"f1score|score|mcc|matthews|iou|miou|io|dice|jaccard|specificity|sensitivity|r2|rsquared|"
    r"psnr|ssim|map|map\d+|ap|ap\d+|aps|apm|apl|ar|ar\d+|ars|arm|arl|auc|auroc|auprc|roc|"
    r"bleu|bleu\d|rouge|rouge\d|rougel|rougelsum|meteor|chrf|kappa|cohen|informedness|markedness|"
    r"npv|ppv|tpr|tnr|hitrate|hit|ndcg|mrr|reward|return|spearman|pearson|correlation|corr|"
    r"explained|coverage|bertscore|exact|match|em|pck|oks|dsc|qwk)$"
)
# Names where a "higher" word is followed by a lower word mean the error: `fast_rcnn/false_negative`.
_PHRASES_LOWER = re.compile(r"false_?(negative|positive)s?|error_?rate|miss_?rate|1_?-_?acc", re.IGNORECASE)


def words(name: str) -> list[str]:
    """Lower-case words of a metric name; CamelCase and digit runs after letters kept together."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)
    return [w for w in re.split(r"[\s_/\-.:()\[\]@,]+", spaced.lower()) if w]


def direction(name: str) -> str | None:
    """``"higher"``, ``"lower"`` or None (unknown) for a metric name or base.

    >>> direction("test_acc1"), direction("val_loss"), direction("metrics/mAP50-95(B)"), direction("foo")
    ('higher', 'lower', 'higher', None)
    """
    if "/" in name.strip("/"):
        # The last part of a tag names the quantity: `DiarizationErrorRate/Precision`, `loss/train`.
        last = _direction(name.strip("/").rsplit("/", 1)[1])
        if last:
            return last
    return _direction(name)


def _direction(name: str) -> str | None:
    if _PHRASES_LOWER.search(name):
        return LOWER
    # Whole lower-cased parts too: CamelCase splitting would cut an acronym plural (`APs`) in two.
    ws = words(name) + [w for w in re.split(r"[\s_/\-.:()\[\]@,]+", name.lower()) if w]
    # Plural lists (`val_psnrs`, `losses`, `accuracies`) name the same quantity.
    ws += [w[:-1] for w in ws if w.endswith("s") and len(w) > 3] + [w[:-3] + "y" for w in ws if w.endswith("ies")]
    if any(_LOWER_WORDS.match(w) for w in ws):
        return LOWER
    if any(_HIGHER_WORDS.match(w) for w in ws):
        return HIGHER
    # Glued names (valacc, trainloss, cls_accuracy written clsaccuracy): look inside the word.
    joined = "".join(ws)
    if re.search(r"loss|error|mse|mae", joined):
        return LOWER
    if re.search(r"accuracy|precision|recall|f1score", joined):
        return HIGHER
    return None


def mode(name: str, default: str = "min") -> str:
    """``"min"`` or ``"max"`` for early stopping and best epoch; ``default`` when the direction is unknown."""
    d = direction(name)
    return {LOWER: "min", HIGHER: "max"}.get(d, default) if d else default
