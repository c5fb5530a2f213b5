"""Every series keeps its own clock (issue 14): per-epoch and per-step series, final evaluations,
restarted and resumed runs. Each file here is generated in the layout its framework writes
(FRAMEWORK_NAMES.md); the real-file twins are in the corpus."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

import histplot
from histplot.overview import info


# -- per-step series beside per-epoch series ------------------------------------------------------
def _write_events(folder, points, tensor=False):
    from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, types_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    w = EventFileWriter(str(folder))
    for step, tag, value in points:
        if tensor:
            v = summary_pb2.Summary.Value(
                tag=tag,
                tensor=tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, float_val=[value]),
                metadata=summary_pb2.SummaryMetadata(
                    plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars")
                ),
            )
        else:
            v = summary_pb2.Summary.Value(tag=tag, simple_value=value)
        w.add_event(event_pb2.Event(wall_time=1000.0 + step, step=step, summary=summary_pb2.Summary(value=[v])))
    w.close()


@pytest.mark.tensorboard
def test_keras_tensorboard_epoch_tags_beside_a_batch_tag(tmp_path):
    pytest.importorskip("tensorboard")
    # Keras: epoch_* at global_step = epoch (0-based), batch_* at the batch counter (8 batches an epoch)
    points = [(e, "epoch_loss", 1.0 / (e + 1)) for e in range(60)]
    points += [(e, "epoch_accuracy", 0.5 + e / 200) for e in range(60)]
    points += [(b, "batch_loss", 2.0 / (b + 1)) for b in range(480)]
    _write_events(tmp_path / "train", points, tensor=True)
    h = histplot.load(tmp_path / "train" / next(p.name for p in (tmp_path / "train").iterdir()))
    assert h.epochs == 60 and list(h.frame.index) == list(range(1, 61))
    assert h.frame.loc[60, "loss"] == pytest.approx(1 / 60)
    assert "batch_loss" not in h.frame.columns
    assert h.steps is not None and len(h.steps) == 480 and h.steps.index[-1] == 479
    assert h.clocks["loss"] == "epoch"
    assert not h.final


def test_pickle_batch_losses_with_steps_per_epoch(tmp_path):
    batch = np.linspace(2.0, 0.1, 1120)
    d = {
        "batch_losses": [float(x) for x in batch],
        "test_loss": [float(x) for x in np.linspace(1.5, 0.3, 80)],
        "test_acc": [float(x) for x in np.linspace(0.5, 0.9, 80)],
        "steps_per_epoch": 14,
    }
    p = tmp_path / "history.pkl"
    p.write_bytes(pickle.dumps(d))
    h = histplot.load(p)
    assert h.epochs == 80 and h.frame.index[-1] == 80
    assert len(h.steps) == 1120 and h.steps.index[0] == 1 and h.steps.index[-1] == 1120
    assert h.meta["epoch_steps"][1] == 14 and h.meta["epoch_steps"][80] == 1120
    # the epoch value of a per-batch series is the mean over its 14 steps
    assert h.frame.loc[1, "batch_losses"] == pytest.approx(batch[:14].mean())
    assert h.frame.loc[80, "batch_losses"] == pytest.approx(batch[-14:].mean())
    assert h.clocks["batch_losses"] == "epoch from steps" and h.clocks["test_loss"] == "epoch"


def test_pickle_per_batch_list_without_a_mapping_stays_steps(tmp_path):
    d = {"batch_loss": [1.0 / (i + 1) for i in range(1001)], "val_loss": [0.5, 0.4, 0.3]}
    p = tmp_path / "history.pkl"
    p.write_bytes(pickle.dumps(d))
    h = histplot.load(p)
    assert h.epochs == 3  # 1001 is no multiple of 3: the batch list is never counted as epochs
    assert len(h.steps) == 1001 and "batch_loss" not in h.frame.columns


@pytest.mark.tensorboard
def test_hugging_face_tensorboard_maps_steps_by_train_epoch(tmp_path):
    pytest.importorskip("tensorboard")
    points = []
    for step in range(1, 432):
        points += [
            (step, "train/loss", 3.0 / step),
            (step, "train/learning_rate", 1e-4),
            (step, "train/epoch", step / 143.67),
        ]
    for epoch, step in ((1, 144), (2, 288), (3, 431)):
        points.append((step, "eval/loss", 1.0 / epoch))
    _write_events(tmp_path / "run", points)
    h = histplot.load(tmp_path / "run")
    assert h.epochs == 3
    assert h.frame.loc[3, "val_loss"] == pytest.approx(1 / 3)
    assert len(h.steps) == 431


def test_hugging_face_log_history_without_epoch_is_read_by_step(tmp_path):
    log = [{"step": s, "loss": 1.0 / s} for s in range(10, 110, 10)] + [{"step": 100, "eval_loss": 0.2}]
    p = tmp_path / "trainer_state.json"
    p.write_text(json.dumps({"log_history": log, "global_step": 100}))
    h = histplot.load(p)
    assert not h.epoch_clock and info(h)["epochs"] is None
    assert info(h)["steps"]["first"] == 10 and info(h)["steps"]["last"] == 100
    assert h.steps.loc[100, "val_loss"] == pytest.approx(0.2)


# -- final evaluations ------------------------------------------------------------------------------
LIGHTNING_FIT_THEN_TEST = (
    "train_loss,epoch,step,val_loss,val_acc,test_loss,test_acc\n"
    "0.9,0,49,,,,\n,0,99,0.80,0.70,,\n"
    "0.7,1,149,,,,\n,1,199,0.60,0.80,,\n"
    "0.5,2,249,,,,\n,2,299,0.65,0.79,,\n"
    ",3,300,,,0.30,0.95\n"
)


def test_lightning_test_after_fit_is_a_final_evaluation(tmp_path):
    p = tmp_path / "metrics.csv"
    p.write_text(LIGHTNING_FIT_THEN_TEST)
    h = histplot.load(p)
    assert h.epochs == 3 and list(h.frame.index) == [1, 2, 3]
    assert "test_loss" not in h.frame.columns
    assert h.final["test_loss"] == pytest.approx(0.30) and h.final["test_accuracy"] == pytest.approx(0.95)
    assert "epoch 3" in h.meta["final_eval"]["where"]
    d = histplot.diagnose(h)
    best = [f for f in d.findings if f.kind == "best_epoch"]
    assert best and best[0].epochs[0] == 2  # val_loss lowest at epoch 2; the test row is no epoch


def test_lightning_validate_only_file_keeps_its_epoch(tmp_path):
    """A test-only file (trainer.test() without fit) is just test values at its epoch."""
    p = tmp_path / "metrics.csv"
    p.write_text("test_loss,test_acc,epoch,step\n0.3,0.9,0,0\n")
    h = histplot.load(p)
    assert h.epochs == 1 and not h.final


def test_lightning_one_batch_epochs_are_not_a_final_evaluation(tmp_path):
    rows = "".join(f"{1 / (e + 1)},{e},{e}\n" for e in range(6))
    p = tmp_path / "metrics.csv"
    p.write_text("loss,epoch,step\n" + rows)
    h = histplot.load(p)
    assert h.epochs == 6 and not h.final


def _detectron2_lines(last_iter, *, evals=(), final=None):
    lines = []
    for it in range(19, last_iter + 1, 20):
        row = {"iteration": it, "total_loss": 2.0 / (it + 1), "lr": 0.01, "time": 0.2, "data_time": 0.01}
        if it in evals:
            row.update({"bbox/AP": 50.0 + it / 100, "bbox/APs": float("nan")})
        lines.append(row)
    if final is not None:
        lines.append({"iteration": final, "bbox/AP": 70.0, "bbox/APs": float("nan")})
    return lines


def test_detectron2_iteration_clock_restart_and_final_evaluation(tmp_path):
    first = _detectron2_lines(199)  # an earlier run of 200 iterations, appended to
    aborted = [{"iteration": 14, "total_loss": 1.9, "lr": 0.01, "time": 0.2, "data_time": 0.01}]
    last = _detectron2_lines(299, evals=(99, 199), final=300)
    p = tmp_path / "metrics.json"
    p.write_text("".join(json.dumps(r) + "\n" for r in first + aborted + last))
    h = histplot.load(p)
    i = info(h)
    assert i["epochs"] is None and not h.epoch_clock  # iteration is a step clock, no epochs
    assert i["steps"]["first"] == 19 and i["steps"]["last"] == 299
    assert [r["kind"] for r in i["runs"]] == ["start", "restart", "restart"]
    assert any("kept the last" in w for w in h.meta["warnings"])
    assert any(v == pytest.approx(70.0) for v in h.final.values())
    assert "iteration 300" in i["final_eval"]["where"]
    first_run = histplot.load(p, run=1)
    assert info(first_run)["steps"]["last"] == 199


def test_detectron2_final_evaluation_merged_into_the_last_line(tmp_path):
    lines = _detectron2_lines(1799, evals=(499, 999, 1499, 1799))
    p = tmp_path / "metrics.json"
    p.write_text("".join(json.dumps(r) + "\n" for r in lines))
    h = histplot.load(p)
    assert h.final and "1799" in h.meta["final_eval"]["where"]
    assert info(h)["steps"]["last"] == 1799  # the training values of that line stay


def test_yolov5_closing_row_is_a_final_evaluation(tmp_path):
    header = "epoch,train/box_loss,train/obj_loss,metrics/precision,metrics/recall,val/box_loss,val/obj_loss,x/lr0"
    rows = [f"{e},{0.1 - e / 100},{0.05},{0.2 + e / 10},{0.3},{0.09},{0.04},{0.01}" for e in range(5)]
    closing = "5,0.61,0.33,0.088,0.041"  # epoch = epochs, left-shifted: precision, recall, val losses
    p = tmp_path / "results.csv"
    p.write_text("\n".join([header, *rows, closing]) + "\n")
    h = histplot.load(p)
    assert h.epochs == 5 and h.frame.index[-1] == 5
    values = list(h.final.values())
    assert values == pytest.approx([0.61, 0.33, 0.088, 0.041])
    assert not h.frame.isna().any().any()  # no half-empty sixth row


@pytest.mark.tensorboard
def test_ultralytics_tensorboard_repeated_last_step_is_a_final_evaluation(tmp_path):
    pytest.importorskip("tensorboard")
    points = [(e, "train/loss", 1.0 / e) for e in range(1, 11)]
    points += [(e, "metrics/accuracy_top1", 0.5 + e / 100) for e in range(1, 11)]
    points += [(10, "metrics/accuracy_top1", 0.61)]  # best-model validation at the last step again
    _write_events(tmp_path / "run", points)
    h = histplot.load(tmp_path / "run")
    assert h.epochs == 10
    assert h.frame.loc[10].filter(like="accuracy_top1").iloc[0] == pytest.approx(0.6)
    assert list(h.final.values()) == [pytest.approx(0.61)]


# -- mmengine: two clocks under one key --------------------------------------------------------------
def test_mmengine_train_by_iteration_and_val_by_epoch(tmp_path):
    lines = []
    it = 0
    for epoch in range(1, 4):
        for _ in range(2):
            it += 50
            lines.append(
                {
                    "lr": 0.01,
                    "loss": 1.0 / it,
                    "time": 0.3,
                    "data_time": 0.01,
                    "epoch": epoch,
                    "iter": it,
                    "memory": 1000,
                    "step": it,
                }
            )
        lines.append({"accuracy/top1": 50.0 + epoch, "data_time": 0.02, "time": 0.1, "step": epoch})
    p = tmp_path / "scalars.json"
    p.write_text("".join(json.dumps(r) + "\n" for r in lines))
    h = histplot.load(p)
    assert h.epochs == 3 and list(h.frame.index) == [1, 2, 3]
    assert h.frame.filter(like="top1").iloc[:, 0].tolist() == [51.0, 52.0, 53.0]
    assert len(h.steps) == 6 and h.steps.index[-1] == 300


@pytest.mark.parametrize("with_iter", [True, False])
def test_mmengine_validation_lines_hold_validation_metrics_whatever_their_names(tmp_path, with_iter):
    """MMPose's evaluators log PCK, AUC and NME with no evaluator prefix; the training lines of an
    epoch-based loop may carry no ``iter`` key. A value on a validation line is a validation value."""
    lines = []
    for epoch in range(1, 5):
        for k in range(3):
            step = (epoch - 1) * 3 + k + 1
            line = {"lr": 0.01, "loss": 1.0 / step, "acc_pose": 0.5, "epoch": epoch, "step": step}
            lines.append({**line, "iter": step} if with_iter else line)
        lines.append({"PCK": 0.9 + epoch / 100, "NME": 0.05 - epoch / 1000, "time": 0.1, "step": epoch})
    p = tmp_path / "scalars.json"
    p.write_text("".join(json.dumps(r) + "\n" for r in lines))
    h = histplot.load(p)
    assert h.epochs == 4
    splits = {h.info(c).base: h.split(c) for c in h.frame.columns if h.split(c)}
    assert splits["PCK"] == "val" and splits["NME"] == "val"
    assert splits["loss"] == "train" and splits["acc_pose"] == "train"


def test_mmengine_iteration_based_is_steps_only(tmp_path):
    lines = [{"lr": 0.01, "loss": 1.0 / s, "iter": s, "memory": 10, "step": s} for s in range(50, 1050, 50)]
    lines.append({"mIoU": 40.0, "aAcc": 80.0, "step": 1000})
    p = tmp_path / "scalars.json"
    p.write_text("".join(json.dumps(r) + "\n" for r in lines))
    h = histplot.load(p)
    assert info(h)["epochs"] is None and info(h)["runs"] is None
    assert info(h)["steps"]["last"] == 1000


# -- restarted and resumed runs ----------------------------------------------------------------------
def test_csvlogger_resumed_run_is_stitched_with_its_own_epoch_numbers(tmp_path):
    first = [f"{e},{1.0 / (e + 1)}" for e in range(20)]
    resumed = [f"{e},{0.5 / (e + 1)}" for e in range(15, 25)]  # fit(initial_epoch=15) after a crash at 19
    p = tmp_path / "training.log"
    p.write_text("epoch,loss\n" + "\n".join(first + resumed) + "\n")
    h = histplot.load(p)
    assert list(h.frame.index) == list(range(1, 26))
    assert h.frame.loc[15, "loss"] == pytest.approx(1 / 15)  # before the checkpoint: the first segment
    assert h.frame.loc[16, "loss"] == pytest.approx(0.5 / 16)  # from epoch 15 (0-based) on: the resumed one
    assert any("resumed from a checkpoint" in n for n in h.notes)
    assert not h.meta["warnings"]
    assert [r["kind"] for r in info(h)["runs"]] == ["start", "resume"]


def test_csvlogger_kept_segment_keeps_its_epoch_numbers(tmp_path):
    # a restart, then a run resumed at epoch 15: the kept run starts at the file's epoch 0
    rows = [f"{e},{1.0}" for e in range(3)] + [f"{e},{0.9}" for e in range(20)] + [f"{e},{0.1}" for e in range(15, 18)]
    p = tmp_path / "training.log"
    p.write_text("epoch,loss\n" + "\n".join(rows) + "\n")
    h = histplot.load(p)
    assert list(h.frame.index) == list(range(1, 19))
    assert h.frame.loc[16, "loss"] == pytest.approx(0.1)
    assert len(h.meta["warnings"]) == 1 and "2 runs in one file" in h.meta["warnings"][0]
    first = histplot.load(p, run=1)
    assert list(first.frame.index) == [1, 2, 3]


def test_jsonl_resumed_run_is_stitched(tmp_path):
    lines = [{"epoch": e, "train_loss": 1.0 / (e + 1), "test_loss": 1.2 / (e + 1)} for e in range(10)]
    lines += [{"epoch": e, "train_loss": 0.5 / (e + 1), "test_loss": 0.6 / (e + 1)} for e in range(5, 13)]
    p = tmp_path / "log.txt"
    p.write_text("".join(json.dumps(r) + "\n" for r in lines))
    h = histplot.load(p)
    assert list(h.frame.index) == list(range(1, 14))
    assert h.frame.loc[5, "loss"] == pytest.approx(1 / 5) and h.frame.loc[6, "loss"] == pytest.approx(0.5 / 6)


def _version(folder, rows):
    folder.mkdir(parents=True)
    (folder / "metrics.csv").write_text("train_loss,epoch,step\n" + "".join(f"{v},{e},{s}\n" for v, e, s in rows))


def test_lightning_versions_resumed_from_a_checkpoint_are_stitched(tmp_path):
    logs = tmp_path / "lightning_logs"
    _version(logs / "version_0", [(1.0 / (e + 1), e, 10 * e + 9) for e in range(5)])
    _version(logs / "version_1", [(0.5 / (e + 1), e, 10 * e + 9) for e in range(4, 8)])  # ckpt_path: epoch 4 on
    h = histplot.load(logs)
    assert list(h.frame.index) == list(range(1, 9))
    assert h.frame.loc[4, "loss"] == pytest.approx(1 / 4) and h.frame.loc[5, "loss"] == pytest.approx(0.5 / 5)
    assert [r["kind"] for r in h.meta["runs"]] == ["start", "resume"]


def test_lightning_version_that_starts_again_is_a_new_run(tmp_path):
    logs = tmp_path / "lightning_logs"
    _version(logs / "version_0", [(1.0, e, e) for e in range(5)])
    _version(logs / "version_1", [(0.5, e, e) for e in range(3)])
    h = histplot.load(logs)
    assert list(h.frame.index) == [1, 2, 3]
    assert any("versions here" in w for w in h.meta["warnings"])


# -- shown and reported ----------------------------------------------------------------------------
def test_info_and_diagnose_report_the_final_evaluation(tmp_path, run):
    p = tmp_path / "metrics.csv"
    p.write_text(LIGHTNING_FIT_THEN_TEST)
    out = run("info", str(p), ok=True).output
    assert "final" in out and "test_loss = 0.3" in out
    data = json.loads(run("info", "--json", str(p), ok=True).output)
    data = data[0] if isinstance(data, list) else data
    assert data["epochs"] == 3 and data["final_eval"]["values"]["test_loss"] == pytest.approx(0.3)
    verdict = json.loads(run("diagnose", "--format", "json", str(p), ok=True).output)
    assert verdict["files"][0]["final_eval"]["values"]["test_loss"] == pytest.approx(0.3)
    assert verdict["files"][0]["epochs"] == 3
    assert "final evaluation" in run("diagnose", str(p), ok=True).output


# -- wall-clock time as a third x axis --------------------------------------------------------------
def test_time_column_gives_elapsed_time_and_the_time_axis(tmp_path, run):
    rows = [f"{e + 1},{(e + 1) * 600.0},{1.0 / (e + 1)},{1.2 / (e + 1)}" for e in range(10)]
    p = tmp_path / "results.csv"
    p.write_text("epoch,time,train/loss,val/loss\n" + "\n".join(rows) + "\n")
    h = histplot.load(p)
    assert h.time.loc[10] == pytest.approx(6000.0) and h.time.index[0] == 1
    from histplot.figures.xaxis import frame_for_x

    frame, label = frame_for_x(h, "time")
    assert label == "time (min)" and frame.index[-1] == pytest.approx(100.0)
    result = run("plot", str(p), "--x", "time", "-o", str(tmp_path / "t.png"))
    assert result.exit_code == 0 and (tmp_path / "t.png").stat().st_size > 1000


@pytest.mark.tensorboard
def test_tensorboard_wall_time_gives_the_time_axis(tmp_path):
    pytest.importorskip("tensorboard")
    _write_events(tmp_path / "run", [(s, "loss", 1.0 / (s + 1)) for s in range(0, 5000, 50)])  # wall_time 1000 + step
    h = histplot.load(tmp_path / "run")
    assert h.step_time is not None and h.step_time.loc[4950] == pytest.approx(4950.0)
    from histplot.figures.xaxis import frame_for_x

    frame, label = frame_for_x(h, "time")
    assert label == "time (min)" and frame.index[-1] == pytest.approx(4950 / 60)  # 82.5 min: under 2 h


def test_time_axis_without_time_is_a_one_line_error(tmp_path, run):
    p = tmp_path / "history.json"
    p.write_text(json.dumps({"loss": [1.0, 0.5, 0.25], "val_loss": [1.1, 0.6, 0.4]}))
    result = run("plot", str(p), "--x", "time", "-o", str(tmp_path / "t.png"))
    assert result.exit_code == 2
    assert "records no wall-clock time" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "t.png").exists()


def test_figure_marks_the_final_evaluation_after_the_last_epoch(tmp_path):
    p = tmp_path / "metrics.csv"
    p.write_text(LIGHTNING_FIT_THEN_TEST)
    from histplot.figures.panels import render

    fig = render(histplot.load(p))
    ax = next(a for a in fig.axes if a.get_label() == "loss")
    marks = [ln for ln in ax.lines if ln.get_label().startswith("final test")]
    assert len(marks) == 1
    assert list(marks[0].get_xdata()) == [4] and list(marks[0].get_ydata()) == [pytest.approx(0.30)]


def test_concatenated_keras_histories_follow_the_same_rule(tmp_path):
    loss = [1.0, 0.9, 0.8, 0.7, 0.6, 0.55, 0.5, 0.4, 0.3]
    p = tmp_path / "history.json"
    p.write_text(json.dumps({"epoch": [0, 1, 2, 3, 4, 3, 4, 5, 6], "loss": loss}))  # fit(initial_epoch=3) appended
    h = histplot.load(p)
    assert list(h.frame.index) == [1, 2, 3, 4, 5, 6, 7]
    assert h.frame["loss"].tolist() == [1.0, 0.9, 0.8, 0.55, 0.5, 0.4, 0.3]
    p.write_text(json.dumps({"epoch": [0, 1, 2, 3, 4, 0, 1, 2, 3], "loss": loss}))  # a second fit from scratch
    h = histplot.load(p)
    assert list(h.frame.index) == [1, 2, 3, 4] and h.frame["loss"].tolist() == [0.55, 0.5, 0.4, 0.3]
    assert "2 runs in one file" in h.meta["warnings"][0]


@pytest.mark.tensorboard
def test_lightning_tensorboard_test_after_fit_is_a_final_evaluation(tmp_path):
    """TensorBoardLogger: trainer.test() after fit() logs test_* once, at the final global step
    (FRAMEWORK_NAMES 3), in a second event file of the run folder beside hparams.yaml."""
    pytest.importorskip("tensorboard")
    run = tmp_path / "tb_logs" / "mlp" / "version_0"
    points = []
    for e in range(6):
        for s in range(e * 10 + 4, e * 10 + 10, 5):
            points.append((s, "train_loss", 1.0 / (s + 1)))
        points += [(e * 10 + 9, "val_loss", 0.5 + abs(e - 3) / 10), (e * 10 + 9, "epoch", float(e))]
    _write_events(run, points)
    _write_events(run, [(60, "test_loss", 0.61), (60, "test_acc", 0.87), (60, "epoch", 6.0)])
    (run / "hparams.yaml").write_text("lr: 0.003\n")
    h = histplot.load(run)
    assert h.epochs == 6
    assert h.final == pytest.approx({"test_loss": 0.61, "test_accuracy": 0.87})
    assert "test_loss" not in h.frame.columns
    # searched for runs, the folder is one run: hparams.yaml belongs to it
    from histplot.readers.discovery import expand

    assert [c.path for c in expand([str(tmp_path / "tb_logs")])] == [str(run)]


def test_hparams_yaml_is_never_a_run_of_its_own(tmp_path, run):
    tb = tmp_path / "tb_logs" / "version_0"
    tb.mkdir(parents=True)
    (tb / "hparams.yaml").write_text("lr: 0.003\nbatch_size: 32\n")
    r = run("info", tmp_path / "tb_logs")
    assert "hparams.yaml" not in r.stdout + r.stderr


@pytest.mark.tensorboard
def test_lightning_tensorboard_step_and_epoch_forks_are_one_metric(tmp_path):
    """self.log(..., on_step=True, on_epoch=True) under TensorBoardLogger writes train_loss_step and
    train_loss_epoch: the epoch tag is the metric's value per epoch, as in metrics.csv."""
    pytest.importorskip("tensorboard")
    points = []
    for e in range(4):
        steps = range(e * 10, e * 10 + 10)  # every step logged, as log_every_n_steps=1
        points += [(s, "train_loss_step", 1.0 / (s + 2)) for s in steps]
        points += [(e * 10 + 9, "train_loss_epoch", 0.5 / (e + 1)), (e * 10 + 9, "val_loss", 0.6 / (e + 1))]
        points += [(e * 10 + 9, "epoch", float(e))]
    _write_events(tmp_path, points)
    h = histplot.load(tmp_path)
    assert h.frame["loss"].tolist() == pytest.approx([0.5, 0.25, 0.5 / 3, 0.125])
    assert h.split("loss") == "train" and "loss_epoch" not in h.frame.columns
