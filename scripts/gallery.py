"""``make gallery``: render a fixed list of real runs from $HISTPLOT_CORPUS into gallery/ with an index.html,
so that every figure change is looked at on real runs before it lands.

    HISTPLOT_CORPUS=/path/to/corpus python scripts/gallery.py [OUT]

A file missing from the corpus is skipped with a line; one that fails to render is listed with its
error (the gallery is for eyes, not a test: it never stops at the first problem).
"""

from __future__ import annotations

import html
import os
import sys
from pathlib import Path

# (corpus path, what to look at)
RUNS = (
    ("ultralytics/PolarisYong__Microalgae_Identification_YOLOv11__runs_detect_train_results.csv",
     "Ultralytics detect: no time panel, lr titled 'learning rate'"),
    ("ultralytics/vbalab__YOLO26m-pose-hands__runs_pose_train_results.csv",
     "Ultralytics pose: 6 losses, box and pose metrics within the budget"),
    ("ultralytics/chrismuntean__YOLO11n-pose-hands__runs_pose_train_results.csv", "Ultralytics pose, lr/pg0"),
    ("detectron2/K-Merrick__water-meters__output_metrics.json", "detectron2: per-class AP family, no eta/data_time"),
    ("detectron2/Adityagupta2590__Detection_fish__output_metrics.json", "detectron2: appended runs, Mask R-CNN"),
    ("jsonl/rhit-kangd2__detr__output_dir_log.txt", "DETR: auxiliary losses collapsed"),
    ("other/holtin__detr__outputs_log.txt", "DETR: 100 keys a line"),
    ("hf_trainer_state/gilvanveras__marketplace_products__ner_model_trainer_state.json",
     "HF token classification: identical micro metrics"),
    ("hf_trainer_state/hyunbool__SummaRuNNer__model_trainer_state.json", "HF: very large step numbers"),
    ("hf_trainer_state/aaravarora01__agent-memory-redteam__trainer_state.json", "TRL GRPO: many namespaces"),
    ("tensorboard/BhushanMalusare__Car-Segmentation-using-YOLOv8__runs_segment_train_events.out.tfevents"
     ".1704028631.72b26bb9fa40.601.0", "TensorBoard (Ultralytics)"),
    ("tensorboard/Ghailen-Ben-Achour__detectron2_detection__output_events.out.tfevents.1628430255"
     ".db4a6b63f2f6.1641.3", "TensorBoard (detectron2, NaN AP)"),
    ("lightning_csv/Awritrojit__AIOPS_learning_mnist__lightning_logs_version_16_metrics.csv", "Lightning CSVLogger"),
    ("lightning_csv/sankalpjena__GNN-RANS-Flow__logs_csv_logs_version_0_metrics.csv", "Lightning, step-level val"),
    ("keras_json/arvindxsharma__ecg-arrhythmia-1dcnn__results_history.json", "Keras: ReduceLROnPlateau steps"),
    ("keras_json/DiscreetAI__keras-gpt-2-doublehead__training_history.json", "Keras multi-output"),
    ("keras_csv/4hmetcakmak__BraTS2020CapstoneProject__training.log", "Keras CSVLogger"),
    ("mlflow/AttentionSeekers__CNNtention__mlruns_998492728198223474_63d2a0913fb8432abd45f92446950e0b_metrics",
     "MLflow metrics folder"),
    ("mmengine/kv-chiu__Fruit-Classification__Ear-Keypoints-Detection_logs_mmpose_scalars.json", "MMPose"),
)  # fmt: skip


def main(argv: list[str]) -> int:
    corpus = os.environ.get("HISTPLOT_CORPUS")
    if not corpus:
        print("set HISTPLOT_CORPUS to the corpus folder", file=sys.stderr)
        return 2
    out = Path(argv[1] if len(argv) > 1 else "gallery")
    out.mkdir(parents=True, exist_ok=True)
    from histplot.errors import HistplotError
    from histplot.figures.files import figure, safe_stem
    from histplot.metrics.derive import derive
    from histplot.output import save_figure
    from histplot.readers import load

    rows = []
    for rel, why in RUNS:
        path = Path(corpus) / rel
        if not path.exists():
            print(f"skipped (not in the corpus): {rel}")
            continue
        name = safe_stem(path.name)[:90] + ".png"
        try:
            h = derive(load(str(path)))
            save_figure(figure(h), out / name, fmt="png", dpi=80)
        except (HistplotError, ValueError, OSError) as exc:
            print(f"failed: {rel}: {exc}")
            rows.append(f"<h2>{html.escape(rel)}</h2><p>{html.escape(why)}</p><pre>{html.escape(str(exc))}</pre>")
            continue
        print(f"rendered {out / name}")
        rows.append(
            f"<h2>{html.escape(rel)}</h2><p>{html.escape(why)}</p>"
            f'<img src="{html.escape(name)}" style="max-width:100%">'
        )
    page = "<!doctype html><meta charset=utf-8><title>histplot gallery</title><h1>histplot gallery</h1>" + "".join(rows)
    (out / "index.html").write_text(page, encoding="utf-8")
    print(f"open {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
