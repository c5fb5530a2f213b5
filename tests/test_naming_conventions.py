"""The naming table, row by row: raw name and framework -> split, base, role, direction.

Each row is a convention of ../shared/FRAMEWORK_NAMES.md (section in the comment); the expected
values are written from that document, not from what the code prints.
"""

import json

import numpy as np
import pytest

import histplot
from histplot.history import History
from histplot.naming import describe, detect_framework, direction
from histplot.readers.aliases import apply_aliases

H, L, U = "higher", "lower", None

ROWS = [
    # §1 Keras 2/3: bare = train, val_ = validation, multi-output and model-prefixed names
    ("loss", "keras", "train", "loss", "metric", L),
    ("val_loss", "keras", "val", "loss", "metric", L),
    ("accuracy", "keras", "train", "accuracy", "metric", H),
    ("val_accuracy", "keras", "val", "accuracy", "metric", H),
    ("acc", None, "train", "accuracy", "metric", H),
    ("top_5_accuracy", "keras", "train", "top_5_accuracy", "metric", H),
    ("mae", "keras", "train", "mae", "metric", L),
    ("val_mean_absolute_error", None, "val", "mae", "metric", L),
    ("reg_val_loss", None, "val", "reg_loss", "metric", L),
    ("val_output_1_loss", None, "val", "output_1_loss", "metric", L),
    ("output_1_loss", None, "train", "output_1_loss", "metric", L),
    ("dense_2_accuracy", None, "train", "dense_2_accuracy", "metric", H),
    ("val_dense_2_accuracy", None, "val", "dense_2_accuracy", "metric", H),
    ("conv2d_3_loss", None, "train", "conv2d_3_loss", "metric", L),
    ("functional_1_accuracy", None, "train", "functional_1_accuracy", "metric", H),
    ("age_prediction_mae", None, "train", "age_prediction_mae", "metric", L),
    ("val_age_prediction_mae", None, "val", "age_prediction_mae", "metric", L),
    ("fine_tune_val_accuracy", None, "val", "fine_tune_accuracy", "metric", H),
    ("lr", "keras", None, "learning_rate", "learning_rate", U),
    ("learning_rate", "keras", None, "learning_rate", "learning_rate", U),
    ("learning_rate_adam", "keras", None, "learning_rate_adam", "learning_rate", U),
    ("epoch", None, None, "epoch", "meta", U),
    # §2 Keras TensorBoard
    ("epoch_loss", None, "train", "loss", "metric", L),
    ("epoch_learning_rate", None, None, "learning_rate", "learning_rate", U),
    # §3 Lightning
    ("train_loss", "lightning", "train", "loss", "metric", L),
    ("valid_acc", "lightning", "val", "accuracy", "metric", H),
    ("loss/val", "lightning", "val", "loss", "metric", L),
    ("test_acc", "lightning", "test", "accuracy", "metric", H),
    ("lr-Adam", "lightning", None, "lr-Adam", "learning_rate", U),
    ("lr-SGD/pg1", "lightning", None, "lr-SGD/pg1", "learning_rate", U),
    ("lr-Adam-momentum", "lightning", None, "lr-Adam-momentum", "aux", U),
    ("hp_metric", "lightning", None, "hp_metric", "meta", U),
    # §4 Hugging Face
    ("eval_loss", "hf", "val", "loss", "metric", L),
    ("eval_accuracy", "hf", "val", "accuracy", "metric", H),
    ("eval_bleu", "hf", "val", "bleu", "metric", H),
    ("eval_rouge1", "hf", "val", "rouge1", "metric", H),
    ("eval_wer", "hf", "val", "wer", "metric", L),
    ("test_f1", "hf", "test", "f1", "metric", H),
    ("predict_loss", "hf", "test", "loss", "metric", L),
    ("predict_rouge-l", "hf", "test", "rouge-l", "metric", H),
    ("eval_runtime", "hf", None, "eval_runtime", "aux", U),
    ("eval_samples_per_second", "hf", None, "eval_samples_per_second", "aux", U),
    ("train_steps_per_second", "hf", None, "train_steps_per_second", "aux", U),
    ("total_flos", "hf", None, "total_flos", "meta", U),
    ("grad_norm", "hf", None, "grad_norm", "aux", U),
    ("train/learning_rate", "hf", None, "learning_rate", "learning_rate", U),
    ("eval/loss", "hf", "val", "loss", "metric", L),
    ("eval_PER_f1", "hf", "val", "PER_f1", "metric", H),
    ("eval_LOC_number", "hf", None, "eval_LOC_number", "meta", U),
    # §5 Ultralytics
    ("train/box_loss", "ultralytics", "train", "box_loss", "metric", L),
    ("val/box_loss", "ultralytics", "val", "box_loss", "metric", L),
    ("train/dfl_loss", "ultralytics", "train", "dfl_loss", "metric", L),
    ("val/seg_loss", "ultralytics", "val", "seg_loss", "metric", L),
    ("metrics/precision(B)", "ultralytics", "val", "precision(B)", "metric", H),
    ("metrics/recall(B)", "ultralytics", "val", "recall(B)", "metric", H),
    ("metrics/mAP50(B)", "ultralytics", "val", "mAP50(B)", "metric", H),
    ("metrics/mAP50-95(B)", "ultralytics", "val", "mAP50-95(B)", "metric", H),
    ("metrics/mAP50-95(M)", None, "val", "mAP50-95(M)", "metric", H),
    ("metrics/precision(P)", None, "val", "precision(P)", "metric", H),
    ("metrics/accuracy_top1", "ultralytics", "val", "accuracy_top1", "metric", H),
    ("metrics/accuracy_top5", None, "val", "accuracy_top5", "metric", H),
    ("lr/pg0", "ultralytics", None, "learning_rate/pg0", "learning_rate", U),
    ("lr/pg2", None, None, "learning_rate/pg2", "learning_rate", U),
    ("time", "ultralytics", None, "time", "aux", U),
    # §6 YOLOv5
    ("train/obj_loss", "yolov5", "train", "obj_loss", "metric", L),
    ("metrics/precision", "yolov5", "val", "precision", "metric", H),
    ("metrics/mAP_0.5", "yolov5", "val", "mAP_0.5", "metric", H),
    ("metrics/mAP_0.5:0.95", "yolov5", "val", "mAP_0.5:0.95", "metric", H),
    ("x/lr0", "yolov5", None, "learning_rate/pg0", "learning_rate", U),
    ("x/lr2", None, None, "learning_rate/pg2", "learning_rate", U),
    ("lr/0", "yolov5", None, "learning_rate/pg0", "learning_rate", U),
    ("test/loss", "yolov5", "val", "loss", "metric", L),
    # §7 detectron2
    ("total_loss", "detectron2", "train", "total_loss", "metric", L),
    ("loss_cls", "detectron2", "train", "loss_cls", "metric", L),
    ("loss_box_reg", "detectron2", "train", "loss_box_reg", "metric", L),
    ("loss_rpn_loc", "detectron2", "train", "loss_rpn_loc", "metric", L),
    ("lr", "detectron2", None, "learning_rate", "learning_rate", U),
    ("time", "detectron2", None, "time", "aux", U),
    ("data_time", "detectron2", None, "data_time", "aux", U),
    ("eta_seconds", "detectron2", None, "eta_seconds", "aux", U),
    ("rank_data_time", "detectron2", None, "rank_data_time", "aux", U),
    # training-batch statistics: aux (drawn alone, never paired), since they are not quality on held-out data
    ("fast_rcnn/cls_accuracy", "detectron2", None, "fast_rcnn/cls_accuracy", "aux", H),
    ("fast_rcnn/false_negative", "detectron2", None, "fast_rcnn/false_negative", "aux", L),
    ("roi_head/num_fg_samples", "detectron2", None, "roi_head/num_fg_samples", "aux", U),
    ("rpn/num_pos_anchors", None, None, "rpn/num_pos_anchors", "aux", U),
    ("mask_rcnn/accuracy", None, None, "mask_rcnn/accuracy", "aux", H),
    ("bbox/AP", "detectron2", "val", "bbox/AP", "metric", H),
    ("bbox/AP50", None, "val", "bbox/AP50", "metric", H),
    ("bbox/AP-hazelnut", None, "val", "bbox/AP-hazelnut", "metric", H),
    ("segm/APs", None, "val", "segm/APs", "metric", H),
    # §8 mmengine
    ("coco/bbox_mAP", "mmengine", "val", "coco/bbox_mAP", "metric", H),
    ("accuracy/top1", "mmengine", "val", "accuracy/top1", "metric", H),
    ("coco/AP .5", "mmengine", "val", "coco/AP .5", "metric", H),
    ("loss_bbox", "mmengine", "train", "loss_bbox", "metric", L),
    ("memory", "mmengine", None, "memory", "aux", U),
    ("data_time", "mmengine", None, "data_time", "aux", U),
    ("lr", "mmengine", None, "learning_rate", "learning_rate", U),
    ("val/accuracy", "mmengine", "val", "accuracy", "metric", H),
    # §9 timm
    ("train_loss", "timm", "train", "loss", "metric", L),
    ("eval_loss", "timm", "val", "loss", "metric", L),
    ("eval_top1", "timm", "val", "top1", "metric", H),
    ("eval_top5", "timm", "val", "top5", "metric", H),
    # §10 DETR / DeiT: test_* is the validation set, labelled val
    ("train_lr", "detr", None, "learning_rate", "learning_rate", U),
    ("test_acc1", "detr", "val", "acc1", "metric", H),
    ("test_acc5", "detr", "val", "acc5", "metric", H),
    ("test_loss", "detr", "val", "loss", "metric", L),
    ("train_loss_ce_0", "detr", "train", "loss_ce_0", "metric", L),
    ("train_loss_bbox_unscaled", "detr", "train", "loss_bbox_unscaled", "metric", L),
    ("test_class_error", "detr", "val", "class_error", "metric", L),
    ("n_parameters", "detr", None, "n_parameters", "meta", U),
    ("test_acc1", None, "test", "acc1", "metric", H),
    # §11 fastai: metrics after valid_loss are computed on the validation set
    ("train_loss", "fastai", "train", "loss", "metric", L),
    ("valid_loss", "fastai", "val", "loss", "metric", L),
    ("accuracy", "fastai", "val", "accuracy", "metric", H),
    ("error_rate", "fastai", "val", "error_rate", "metric", L),
    ("time", "fastai", None, "time", "aux", U),
    # human headers, CamelCase, stray whitespace
    ("Train Loss", None, "train", "loss", "metric", L),
    ("Valid Loss", None, "val", "loss", "metric", L),
    ("Valid Acc.", None, "val", "accuracy", "metric", H),
    ("Learning Rate", None, None, "learning_rate", "learning_rate", U),
    ("Test Accuracy", None, "test", "accuracy", "metric", H),
    ("TrainLoss", None, "train", "loss", "metric", L),
    ("ValAcc", None, "val", "accuracy", "metric", H),
    ("ValSpearman", None, "val", "spearman", "metric", H),
    ("val_loss\t", None, "val", "loss", "metric", L),
    ("LMOutput_loss", None, "train", "LMOutput_loss", "metric", L),
    # meta and unsplit
    ("Final F1 Score", None, None, "final_f1_score", "meta", U),
    ("phase_starts", None, None, "phase_starts", "meta", U),
    ("series_2", None, "unsplit", "series_2", "metric", U),
    ("support", None, None, "support", "meta", U),
]


@pytest.mark.parametrize("raw, framework, split, base, role, direction_", ROWS, ids=[f"{r[1]}:{r[0]}" for r in ROWS])
def test_convention(raw, framework, split, base, role, direction_):
    info = describe(raw, framework)
    assert (info.split, info.base, info.role, info.direction) == (split, base, role, direction_)


@pytest.mark.parametrize(
    "name, want",
    [
        ("test_acc1", "higher"),
        ("val_top5", "higher"),
        ("mIoU", "higher"),
        ("aAcc", "higher"),
        ("dice_coef", "higher"),
        ("auc", "higher"),
        ("r2", "higher"),
        ("mcc", "higher"),
        ("kappa", "higher"),
        ("psnr", "higher"),
        ("ssim", "higher"),
        ("bleu", "higher"),
        ("rougeL", "higher"),
        ("f1_score", "higher"),
        ("loss", "lower"),
        ("error", "lower"),
        ("err", "lower"),
        ("wer", "lower"),
        ("cer", "lower"),
        ("perplexity", "lower"),
        ("rmse", "lower"),
        ("mape", "lower"),
        ("DiarizationErrorRate", "lower"),
        ("dice_loss", "lower"),
        ("DiarizationErrorRate/Precision", "higher"),
        ("val_tp", None),
        ("eval_gen_len", None),
        ("foo", None),
    ],
)
def test_direction_table(name, want):
    assert direction(name) == want


@pytest.mark.parametrize(
    "names, want",
    [
        (["epoch", "time", "train/box_loss", "metrics/mAP50(B)", "lr/pg0"], "ultralytics"),
        (["epoch", "train/box_loss", "metrics/mAP_0.5", "x/lr0"], "yolov5"),
        (["iteration", "total_loss", "loss_cls", "data_time", "eta_seconds", "lr"], "detectron2"),
        (["lr", "data_time", "time", "loss", "memory", "iter", "step"], "mmengine"),
        (["train_lr", "train_loss", "test_loss", "test_acc1", "epoch", "n_parameters"], "detr"),
        (["epoch", "train_loss", "eval_loss", "eval_top1", "eval_top5", "lr"], "timm"),
        (["epoch", "train_loss", "valid_loss", "accuracy", "time"], "fastai"),
        (["loss", "val_loss", "accuracy", "val_accuracy"], "keras"),
        (["loss", "lr", "step"], None),
    ],
)
def test_framework_from_the_names(names, want):
    assert detect_framework(names) == want


def test_ultralytics_history_pairs_validator_metrics_and_draws_one_lr():
    lr = [1e-3, 5e-4, 1e-4]
    h = History.build(
        {
            "train/box_loss": [3, 2, 1],
            "val/box_loss": [3, 2.5, 2],
            "metrics/precision(B)": [0.1, 0.2, 0.3],
            "lr/pg0": lr,
            "lr/pg1": lr,
            "lr/pg2": [1e-2, 5e-3, 1e-3],
        },
        source="results.csv",
    )
    assert h.meta["framework"] == "ultralytics"
    assert h.metrics() == {
        "box_loss": {"train": "box_loss", "val": "val_box_loss"},
        "precision(B)": {"val": "val_precision(B)"},
    }
    assert h.learning_rates() == ["learning_rate/pg0", "learning_rate/pg2"]
    assert any("'lr/pg1' is identical to 'lr/pg0'" in n for n in h.notes)


def test_meta_series_leave_the_frame_and_unnamed_series_stay_unsplit():
    h = History.build(
        {"series_1": [1.0, 0.5, 0.2], "phase_starts": [1, 3, np.nan], "Final F1 Score": [np.nan] * 2 + [0.8]}
    )
    assert list(h.frame.columns) == ["series_1"]
    assert h.unsplit() == ["series_1"] and h.split("series_1") == "unsplit"
    assert h.meta["meta_series"]["phase_starts"] == [1.0, 3.0]
    assert h.meta["scalars"]["Final F1 Score"] == 0.8
    assert "train" not in h.splits()


def test_keras_multi_output_pairs_per_output():
    h = History.build(
        {
            "loss": [2, 1],
            "reg_loss": [1, 0.5],
            "reg_val_loss": [1.2, 0.9],
            "val_loss": [2.1, 1.5],
            "dense_2_accuracy": [0.5, 0.6],
            "val_dense_2_accuracy": [0.4, 0.5],
        }
    )
    assert h.metrics()["reg_loss"] == {"train": "reg_loss", "val": "val_reg_loss"}
    assert h.metrics()["dense_2_accuracy"] == {"train": "dense_2_accuracy", "val": "val_dense_2_accuracy"}


def test_aliases_set_roles():
    h = History.build({"loss": [2, 1], "gpu_temp": [60, 70], "score": [0.1, 0.2], "seed": [1, 1]})
    h = apply_aliases(h, {"gpu_temp": "aux", "score": "val", "seed": "meta"})
    assert h.aux() == ["gpu_temp"]
    assert h.split("score") == "val"
    assert "seed" not in h.frame.columns and h.meta["meta_series"]["seed"] == [1.0, 1.0]


def test_figures_draw_unsplit_series_as_such_and_one_lr_panel():
    from histplot.figures.panels import panels

    h = History.build({f"series_{i}": [1.0 / i, 0.5, 0.2] for i in range(1, 5)})
    ps = panels(h)
    assert [p.name for p in ps] == ["series_1", "series_2", "series_3", "series_4"]  # not "classes 1-4"
    assert all(style["label"] == "split unknown" for p in ps for _, style in p.series)
    lr = [1e-3, 5e-4, 1e-4]
    h = History.build({"train/box_loss": [3, 2, 1], "lr/pg0": lr, "lr/pg1": [2e-3, 1e-3, 2e-4], "lr/pg2": lr})
    lr_panels = [p for p in panels(h) if "learning_rate" in p.name]
    assert len(lr_panels) == 1
    assert [c for c, _ in lr_panels[0].series] == ["learning_rate/pg0", "learning_rate/pg1"]


def test_tab_separated_log_with_trailing_tabs_and_human_headers(tmp_path):
    import histplot

    path = tmp_path / "train.log"
    path.write_text("epoch\tTrain Loss\tValid Loss\tValid Acc.\t\n1\t0.9\t1.0\t50\t\n2\t0.7\t0.8\t60\t\n")
    h = histplot.load(path)
    assert list(h.frame.columns) == ["loss", "val_loss", "val_accuracy"]
    assert h.frame["val_accuracy"].tolist() == [50.0, 60.0]


def test_hugging_face_per_entity_metrics_form_families(tmp_path):
    """run_ner.py flattens seqeval's report to eval_<ENTITY>_<metric> beside eval_overall_*: one
    panel per metric with a line per entity and the overall line last; the support counts
    (eval_<ENTITY>_number) are no metric."""
    from histplot.figures.panels import panels

    entities = ("LOC", "MISC", "ORG", "PER")
    log = []
    for epoch in (1, 2, 3):
        log.append({"loss": 1.0 / epoch, "learning_rate": 1e-5, "epoch": float(epoch), "step": epoch * 100})
        row = {"eval_loss": 0.5 / epoch, "epoch": float(epoch), "step": epoch * 100}
        for i, e in enumerate(entities):
            row |= {
                f"eval_{e}_{m}": 0.5 + i / 10 + epoch / 100 + j / 50
                for j, m in enumerate(("precision", "recall", "f1"))
            }
            row[f"eval_{e}_number"] = 100 * (i + 1)
        row |= {f"eval_overall_{m}": 0.7 + epoch / 100 + j / 50 for j, m in enumerate(("precision", "recall", "f1"))}
        log.append(row)
    path = tmp_path / "trainer_state.json"
    path.write_text(json.dumps({"log_history": log, "global_step": 300, "epoch": 3.0}))
    h = histplot.load(path)
    drawn = {p.name: [c for c, _ in p.series] for p in panels(h)}
    for metric in ("precision", "recall", "f1"):
        members = drawn[f"{metric}_family"]
        assert sorted(members[:-1]) == [f"val_{e}_{metric}" for e in entities]
        assert members[-1] == f"val_overall_{metric}"
    numbers = [c for c in h.frame.columns if c.endswith("_number")]
    assert all(h.info(c).role != "metric" for c in numbers)
    assert not any(c.endswith("_number") for cols in drawn.values() for c in cols)
