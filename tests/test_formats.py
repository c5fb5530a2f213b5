"""Readers of issue 5 on files written in each framework's exact layout (made here, in tmp_path)."""

from __future__ import annotations

import json
import os
import sqlite3
import sys

import numpy as np
import pytest

import histplot
from histplot.errors import ReadError, UnsafePickleError
from histplot.readers import readers

from conftest import REPO

sys.path.insert(0, str(REPO / "scripts" / "samples"))
import _torchfile  # noqa: E402

# -- Lightning ----------------------------------------------------------------------------------
LIGHTNING = """epoch,lr-Adam,step,train_loss_epoch,train_loss_step,\
val_acc/dataloader_idx_0,val_acc/dataloader_idx_1,val_loss
,0.001,0,,,,,
0,,9,,0.90,,,
0,,19,,0.70,,,
0,,19,,,0.50,0.40,0.85
0,,19,0.80,,,,
,0.0005,20,,,,,
1,,29,,0.60,,,
1,,39,,0.40,,,
1,,39,,,0.60,0.45,0.75
1,,39,0.50,,,,
"""


def test_lightning_forks_sparse_rows_and_dataloaders(tmp_path):
    f = tmp_path / "version_0" / "metrics.csv"
    f.parent.mkdir()
    f.write_text(LIGHTNING.replace("\n", "\r\n"))
    (f.parent / "hparams.yaml").write_text("lr: 0.001\nbatch_size: 32\n")
    h = histplot.load(f)
    assert h.meta["format"] == "lightning_csv"
    assert h.frame.index.tolist() == [1, 2]
    assert h.frame["loss"].tolist() == [0.80, 0.50]  # the _epoch value, not the mean of steps
    assert h.frame["val_loss"].tolist() == [0.85, 0.75]
    assert h.frame["val_acc/dataloader_idx_1"].tolist() == [0.40, 0.45]
    assert h.frame["lr-Adam"].tolist() == [0.001, 0.0005]  # empty epoch cells: epoch of the next row
    assert h.steps["loss"].dropna().to_dict() == {9: 0.9, 19: 0.7, 29: 0.6, 39: 0.4}
    assert h.meta["hparams"] == {"lr": 0.001, "batch_size": 32}
    assert h.meta["epoch_steps"] == {1: 19, 2: 39}
    # the folder and the hparams.yaml beside it read the same
    assert histplot.load(f.parent).frame.equals(h.frame)
    assert histplot.load(f.parent / "hparams.yaml").frame.equals(h.frame)


def test_lightning_old_insertion_order_and_step_mean(tmp_path):
    f = tmp_path / "metrics.csv"
    f.write_text("train_loss,train_acc,epoch,step\n1.0,0.5,0,49\n0.8,0.6,0,99\n0.6,0.7,1,149\n0.4,0.8,1,199\n")
    h = histplot.load(f)
    assert h.frame["loss"].tolist() == pytest.approx([0.9, 0.5])  # mean over the epoch's steps
    assert h.frame["accuracy"].tolist() == pytest.approx([0.55, 0.75])


def test_lightning_logs_root_takes_latest_version_with_warning(tmp_path):
    for n, loss in ((1, 0.5), (10, 0.25)):
        d = tmp_path / "lightning_logs" / f"version_{n}"
        d.mkdir(parents=True)
        (d / "metrics.csv").write_text(f"epoch,step,val_loss\n0,9,{loss}\n")
    h = histplot.load(tmp_path / "lightning_logs")
    assert h.frame["val_loss"].tolist() == [0.25]
    assert "version_10" in h.meta["warnings"][0]
    assert histplot.load(tmp_path / "lightning_logs", run="1").frame["val_loss"].tolist() == [0.5]


# -- Hugging Face -------------------------------------------------------------------------------
def _state(log):
    return {
        "best_metric": 0.4,
        "best_model_checkpoint": "out/checkpoint-4",
        "epoch": 2.0,
        "global_step": 8,
        "is_world_process_zero": True,
        "log_history": log,
        "max_steps": 8,
        "num_train_epochs": 2,
    }


HF_LOG = [
    {"epoch": 0, "eval_a_loss": 2.0, "eval_a_runtime": 1.0, "eval_b_loss": 3.0, "eval_b_runtime": 1.0, "step": 0},
    {"epoch": 0.25, "grad_norm": 1.0, "learning_rate": 1e-3, "loss": 1.0, "step": 1},
    {"epoch": 0.75, "grad_norm": 1.0, "learning_rate": 1e-3, "loss": 0.8, "step": 3},
    {"epoch": 1.0, "grad_norm": 1.0, "learning_rate": 1e-3, "loss": 0.6, "step": 4},
    {"epoch": 1.0, "eval_a_loss": 0.5, "eval_a_runtime": 1.0, "eval_b_loss": 0.9, "eval_b_runtime": 1.0, "step": 4},
    {"epoch": 1.0, "predict_loss": 0.55, "predict_runtime": 2.0},
    {"epoch": 1.5, "grad_norm": 1.0, "learning_rate": 5e-4, "loss": 0.4, "step": 6},
    {"epoch": 2.0, "eval_a_loss": 0.4, "eval_a_runtime": 1.0, "eval_b_loss": 0.8, "eval_b_runtime": 1.0, "step": 8},
    {
        "epoch": 2.0,
        "step": 8,
        "total_flos": 1.0,
        "train_loss": 0.7,
        "train_runtime": 9.0,
        "train_samples_per_second": 1.0,
        "train_steps_per_second": 1.0,
    },
]


def test_hf_float_epochs_eval_sets_and_summary(tmp_path):
    ckpt = tmp_path / "out" / "checkpoint-8"
    ckpt.mkdir(parents=True)
    (ckpt / "trainer_state.json").write_text(json.dumps(_state(HF_LOG), indent=2, sort_keys=True))
    h = histplot.load(tmp_path / "out")  # the output folder: its latest checkpoint
    assert h.meta["format"] == "hf_trainer_state"
    assert h.frame.index.tolist() == [1, 2]
    assert h.frame["loss"].tolist() == pytest.approx([0.8, 0.4])  # 0.25, 0.75, 1.0 -> epoch 1
    assert h.frame["val_a_loss"].tolist() == [0.5, 0.4]  # not the step-0 evaluation
    assert h.frame["val_b_loss"].tolist() == [0.9, 0.8]
    assert h.frame.loc[1, "test_loss"] == 0.55  # predict_* without a step, placed by epoch
    assert h.steps.loc[0, "val_a_loss"] == 2.0  # evaluation before training kept by step
    assert h.meta["best_metric"] == 0.4 and h.meta["eval_sets"] == ["a", "b"]
    assert h.meta["scalars"]["train_runtime"] == 9.0
    assert not any("runtime" in c for c in h.frame.columns)
    assert h.label == "out_checkpoint-8"


def test_hf_empty_log_history_is_rejected(tmp_path):
    f = tmp_path / "trainer_state.json"
    f.write_text(json.dumps(_state([])))
    with pytest.raises(ReadError, match="log_history' is empty"):
        histplot.load(f)


# -- torch.save ---------------------------------------------------------------------------------
@pytest.mark.parametrize("save", [_torchfile.save_zip, _torchfile.save_legacy], ids=["zip", "legacy"])
def test_torch_save_without_torch(tmp_path, save):
    T = _torchfile.Tensor
    obj = {
        "train_loss": [T(0.9), T(0.7), T(0.5)],
        "val_loss": T([1.0, 0.8, 0.75], "float64"),
        "epoch": T([0, 1, 2], "int64"),
        "optimizer": {"state": {0: {"exp_avg": T([[1.0, 2.0]])}}},
    }
    f = tmp_path / "hist.pt"
    save(obj, f)
    h = histplot.load(f)
    assert h.meta["format"] == "torch_save"
    assert h.frame["loss"].tolist() == pytest.approx([0.9, 0.7, 0.5])
    assert h.frame["val_loss"].tolist() == [1.0, 0.8, 0.75]
    assert h.frame.index.tolist() == [1, 2, 3]
    assert any("optimizer" in n for n in h.notes)


def test_torch_state_dict_is_rejected(tmp_path):
    T = _torchfile.Tensor
    f = tmp_path / "model.pt"
    _torchfile.save_zip({"conv.weight": T(np.ones((2, 2))), "fc.weight": T(np.ones((3, 2)))}, f)
    with pytest.raises(ReadError, match="state_dict"):
        histplot.load(f)


def test_torch_zip_with_a_foreign_global_is_refused(tmp_path):
    import zipfile

    f = tmp_path / "evil.pt"
    with zipfile.ZipFile(f, "w") as zf:
        zf.writestr("archive/data.pkl", b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00echo\x85R.")
    with pytest.raises(UnsafePickleError, match="os.system"):
        histplot.load(f)


# -- MLflow -------------------------------------------------------------------------------------
def _mlflow_run(root, exp, run_id, name, metrics):
    run = root / exp / run_id
    for key, rows in metrics.items():
        p = run / "metrics" / key
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("".join(f"{1700000000000 + i} {v} {s}\n" for i, (s, v) in enumerate(rows)))
    (run / "tags").mkdir(parents=True, exist_ok=True)
    (run / "tags" / "mlflow.runName").write_text(name)
    (run / "params").mkdir(exist_ok=True)
    (run / "params" / "lr").write_text("0.01")


def test_mlflow_file_store_runs_and_selection(tmp_path):
    root = tmp_path / "mlruns"
    _mlflow_run(root, "1", "aaaa1111", "first", {"train/loss": [(0, 1.0), (1, 0.5)], "val_loss": [(0, 1.1), (1, 0.7)]})
    _mlflow_run(root, "1", "bbbb2222", "second", {"loss": [(10, 2.0), (20, 1.0), (30, 0.5)]})
    with pytest.raises(ReadError, match="2 runs here.*--run"):
        histplot.load(root)
    h = histplot.load(root, run="first")
    assert h.frame["loss"].tolist() == [1.0, 0.5] and h.frame["val_loss"].tolist() == [1.1, 0.7]
    assert h.label == "first" and h.meta["params"] == {"lr": "0.01"}
    h = histplot.load(root / "1" / "bbbb2222")  # a run folder; steps 10, 20, 30 are not epochs
    assert h.meta["x"] == "step" and h.steps["loss"].to_dict() == {10: 2.0, 20: 1.0, 30: 0.5}
    assert histplot.load(root, run="bbbb").label == "second"  # id prefix
    assert histplot.load(root / "1" / "aaaa1111" / "metrics").frame["loss"].tolist() == [1.0, 0.5]


def test_mlflow_db_read_only(tmp_path):
    sys.path.insert(0, str(REPO / "scripts"))
    from samples.formats import mlflow_db

    db = tmp_path / "mlflow.db"
    mlflow_db(db)
    con = sqlite3.connect(db)
    con.execute(
        "INSERT INTO metrics VALUES ('val/loss', 0, 0, ?, 6, 1)",
        (con.execute("SELECT run_uuid FROM runs").fetchone()[0],),
    )
    con.commit()
    con.close()
    before = db.read_bytes()
    os.chmod(db, 0o444)
    h = histplot.load(db)
    assert h.meta["format"] == "mlflow" and h.label == "vit-sample"
    assert h.epochs == 7 and np.isnan(h.frame.loc[7, "val_loss"])  # is_nan -> NaN
    assert h.meta["params"]["epochs"] == "6"
    assert db.read_bytes() == before


# -- TensorBoard (written by the tensorboard package itself) -------------------------------------
def _write_events(folder, points, tensor=False):
    from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, types_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    w = EventFileWriter(str(folder))
    for step, tag, value in points:
        if tensor:  # TF2 / Keras: scalars as tensors of the scalars plugin
            v = summary_pb2.Summary.Value(
                tag=tag,
                tensor=tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, float_val=[value]),
                metadata=summary_pb2.SummaryMetadata(
                    plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars")
                ),
            )
        else:  # PyTorch SummaryWriter / tensorboardX: simple_value
            v = summary_pb2.Summary.Value(tag=tag, simple_value=value)
        w.add_event(event_pb2.Event(wall_time=1.0 + step, step=step, summary=summary_pb2.Summary(value=[v])))
    w.close()


@pytest.mark.tensorboard
def test_tensorboard_keras_train_validation_pairing(tmp_path):
    pytest.importorskip("tensorboard")
    logs = tmp_path / "logs"
    _write_events(
        logs / "train",
        [(e, "epoch_loss", 1.0 / (e + 1)) for e in range(3)] + [(e, "epoch_learning_rate", 0.01) for e in range(3)],
        tensor=True,
    )
    _write_events(
        logs / "validation",
        [(e, "epoch_loss", 1.5 / (e + 1)) for e in range(3)]
        + [(100 + e, "evaluation_loss_vs_iterations", 1.5 / (e + 1)) for e in range(3)],
        tensor=True,
    )
    h = histplot.load(logs)
    assert h.meta["format"] == "tensorboard"
    assert h.frame.index.tolist() == [1, 2, 3]
    assert h.frame["loss"].tolist() == pytest.approx([1.0, 0.5, 1 / 3])
    assert h.frame["val_loss"].tolist() == pytest.approx([1.5, 0.75, 0.5])
    assert "learning_rate" in h.frame.columns and h.label == "logs"


@pytest.mark.tensorboard
def test_tensorboard_simple_values_and_step_series(tmp_path):
    pytest.importorskip("tensorboard")
    run = tmp_path / "runs" / "May04_22-14-54_host"
    # 12,000 points: more than EventAccumulator's default 10,000 per tag, all must be read
    pts = [(s, "Loss/train", 1.0 + (s % 7)) for s in range(0, 120000, 10)]
    pts += [(s, "Loss/val", 0.5) for s in range(0, 120000, 12000)]
    _write_events(run, pts)
    h = histplot.load(run)
    assert len(h.steps) == 12000 and h.steps["loss"].max() == 7.0
    assert h.meta["x"] == "step"
    f = next(run.glob("events.out.tfevents.*"))
    assert histplot.load(f).steps.equals(h.steps)  # a single file reads the same


def test_tensorboard_without_the_package(tmp_path, monkeypatch):
    import builtins

    head = b'\x18\x00\x00\x00\x00\x00\x00\x00\xa3\x7fK"\t\x00\x00\x00\x00\x00\x00\xf0?\x1a\rbrain.Event:2'
    f = tmp_path / "events.out.tfevents.1.host"
    f.write_bytes(head)
    real_import = builtins.__import__

    def no_tensorboard(name, *args, **kwargs):
        if name == "tensorboard" or name.startswith("tensorboard."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tensorboard)
    monkeypatch.delitem(sys.modules, "tensorboard", raising=False)
    assert readers()["tensorboard"].sniff(head, str(f)) >= 0.9  # sniffing needs no package
    # scalars are read without the package too (histplot's own TFRecord and protobuf parsing)
    import hostile_cases

    f.write_bytes(hostile_cases.tensorboard_events(3))
    assert histplot.load(f).frame["loss"].tolist() == pytest.approx([1.0, 0.5, 1 / 3])


# -- JSON lines, YAML, stdin --------------------------------------------------------------------
def test_jsonl_resumed_run_last_occurrence_wins(tmp_path):
    f = tmp_path / "log.txt"
    rows = [
        {"epoch": e, "train_loss": v, "test_acc1": a}
        for e, v, a in ((0, 1.0, 0.1), (1, 0.9, 0.2), (0, 0.95, 0.15), (1, 0.8, 0.3), (2, 0.7, 0.4))
    ]
    f.write_text("\n".join(json.dumps(r) for r in rows) + '\n{"epoch": 3, "train_lo')
    h = histplot.load(f)
    assert h.meta["format"] == "jsonl"
    assert h.frame["loss"].tolist() == [0.95, 0.8, 0.7]
    assert any("restart" in w for w in h.meta["warnings"])
    assert any("cut off" in n for n in h.notes)


def test_jsonl_detectron2_iterations_are_steps(tmp_path):
    f = tmp_path / "metrics.json"
    f.write_text(
        "".join(json.dumps({"iteration": i, "total_loss": 2.0 / (i + 1), "lr": 0.01}) + "\n" for i in (19, 39, 59))
    )
    h = histplot.load(f)
    assert h.steps.index.tolist() == [19, 39, 59] and h.meta["x"] == "step"


@pytest.mark.parametrize(
    "text",
    [
        "loss:\n- 0.9\n- 0.5\nval_loss:\n- 1.0\n- 0.7\n",
        "- epoch: 1\n  loss: 0.9\n  val_loss: 1.0\n- epoch: 2\n  loss: 0.5\n  val_loss: 0.7\n",
    ],
)
def test_yaml_layouts(tmp_path, text):
    f = tmp_path / "history.yaml"
    f.write_text(text)
    h = histplot.load(f)
    assert h.meta["format"] == "yaml"
    assert h.frame["loss"].tolist() == [0.9, 0.5] and h.frame["val_loss"].tolist() == [1.0, 0.7]


def test_yaml_tags_are_not_constructed(tmp_path):
    f = tmp_path / "history.yaml"
    f.write_text("loss: !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(ReadError, match="not valid YAML"):
        histplot.load(f, fmt="yaml")


@pytest.mark.parametrize("name", ["timm_log.txt", "history.yaml", "hf_trainer_state.json", "torch_history.pt"])
def test_stdin(run, name):
    from conftest import SAMPLES

    data = (SAMPLES / name).read_bytes()
    result = run("info", "-", "--json", input=data, ok=True)
    assert json.loads(result.stdout)[0]["epochs"] == 6


def test_nano_gpt_style_pickle_of_torch_tensors(tmp_path):
    """torch.storage._load_from_bytes inside a plain pickle decodes without torch."""
    T = _torchfile.Tensor
    f = tmp_path / "losses.pkl"
    f.write_bytes(
        _torchfile.dumps_plain(
            [{"step": s, "train_loss": T(v), "val_loss": T(v + 0.1)} for s, v in ((0, 2.5), (99, 2.0), (199, 1.5))]
        )
    )
    h = histplot.load(f)
    assert h.meta["format"] == "pickle"
    assert h.steps["loss"].to_dict() == {0: 2.5, 99: 2.0, 199: 1.5}
    assert h.frame["val_loss"].tolist() == pytest.approx([2.6, 2.1, 1.6])


def test_formats_listing_and_unknown_content(run, tmp_path):
    out = run("formats", ok=True).stdout
    for name in ("lightning_csv", "hf_trainer_state", "torch_save", "mlflow", "tensorboard", "jsonl", "yaml"):
        assert name in out
    (tmp_path / "notes.txt").write_text("Epoch 1/3 | Loss: 0.69\nEpoch 2/3 | Loss: 0.55\n")
    result = run("info", tmp_path / "notes.txt")
    assert result.exit_code == 2
    assert "tried keras_json" in result.stderr and "tensorboard" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("bad", ["inf", "-3", "1e300"])
def test_lightning_epochs_that_are_not_epoch_numbers_are_refused(tmp_path, bad):
    from histplot.errors import ReadError
    from histplot.readers import load

    f = tmp_path / "metrics.csv"
    f.write_text(f"epoch,step,train_loss\n0,0,1.0\n{bad},1,0.5\n")
    with pytest.raises(ReadError, match="epoch"):
        load(str(f))


# -- legacy results.txt (YOLOv5 2020-21, YOLOv7, ultralytics/yolov3) --------------------------------
def _results_txt(rows: list[list[float]], planned: int, twelfth=None) -> str:
    """Lines as train.py wrote them: '%10s' * 2 + '%10.4g' * 13."""
    out = []
    for e, (box, obj, cls, p, r, m50, m95, vbox) in enumerate(rows):
        twelve = m95 if twelfth is None else twelfth(p, r)
        vals = [box, obj, cls, box + obj + cls, 40 + e, 640, p, r, m50, twelve, vbox, 0.01, 0.005]
        out.append(("%10s" * 2 + "%10.4g" * 13) % (f"{e}/{planned - 1}", f"{4.5 + e / 100:.3g}G", *vals))
    return "\n".join(out) + "\n"


def _detection_rows(n: int) -> list[list[float]]:
    return [
        [0.1 / (e + 1), 0.05, 0.02 / (e + 1), 0.3 + e / 50, 0.4 + e / 60, 0.35 + e / 60, 0.2 + e / 80, 0.09 - e / 500]
        for e in range(n)
    ]


def test_yolov5_legacy_results_txt(tmp_path):
    p = tmp_path / "results.txt"
    p.write_text(_results_txt(_detection_rows(8), planned=10))
    h = histplot.load(p)
    assert h.meta["format"] == "yolo_results_txt"
    assert h.epochs == 8 and list(h.frame.index) == list(range(1, 9))  # '0/9' is the first of 10 epochs
    assert {h.split(c) for c in ("val_precision", "val_mAP_0.5:0.95", "val_box_loss")} == {"val"}
    assert h.split("box_loss") == "train" and h.split("total_loss") == "train"
    assert h.frame["val_precision"].iloc[0] == pytest.approx(0.3)
    assert h.frame["gpu_mem"].iloc[-1] == pytest.approx(4.57)  # GiB, from '4.57G'
    assert all(h.info(c).role != "metric" for c in ("gpu_mem", "labels"))
    assert h.meta["planned_epochs"] == 10 and any("8 of 10 planned" in n for n in h.notes)
    assert histplot.diagnose(h).first("best_epoch") is not None


def test_yolov3_results_txt_has_f1_where_yolov5_has_map(tmp_path):
    p = tmp_path / "results.txt"
    p.write_text(_results_txt(_detection_rows(6), planned=6, twelfth=lambda p, r: 2 * p * r / (p + r)))
    h = histplot.load(p)
    assert "val_f1" in h.frame.columns and "val_mAP_0.5:0.95" not in h.frame.columns


def test_results_txt_cut_off_mid_line_keeps_the_whole_lines(tmp_path):
    p = tmp_path / "results.txt"
    p.write_text(_results_txt(_detection_rows(5), planned=5) + "       5/9     4.6G   0.0201")
    h = histplot.load(p)
    assert h.epochs == 5 and any("last line" in n for n in h.notes)
