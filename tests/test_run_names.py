"""Run names from where writers put their files (issue 16): figure titles and report file names."""

from __future__ import annotations

import json

import pytest

from histplot.figures.panels import render
from histplot.history import History
from histplot.naming.runs import run_name, run_name_of
from histplot.readers import load
from histplot.readers.discovery import Candidate
from histplot.reports.results import slugs


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("runs/detect/train3/results.csv", "train3"),  # Ultralytics
        ("tb/resnet-lr3/events.out.tfevents.1700000000.host.1.0", "resnet-lr3"),  # TensorBoard run folder
        ("logs/fit/20240101-1200/train/events.out.tfevents.1.host.v2", "20240101-1200"),  # Keras: split subfolder
        ("mnist/version_3/metrics.csv", "mnist/version_3"),  # Lightning experiment and version
        ("out/bert-ner/trainer_state.json", "bert-ner"),  # HF output folder
        ("out/bert-ner/checkpoint-500/trainer_state.json", "bert-ner/checkpoint-500"),
        ("work_dirs/rtm/20240101_120000/vis_data/scalars.json", "20240101_120000"),  # mmengine
        ("experiments/my_history.json", None),  # a file named by its author names itself
        ("-", None),
    ],
)
def test_run_name_from_the_path(path, name):
    assert run_name(path) == name


def mlflow_run(tmp_path, run_id="5a6b7c8d9e0f11223344556677889900", name="brave-owl-42"):
    run = tmp_path / "mlruns" / "0" / run_id
    (run / "metrics").mkdir(parents=True)
    (run / "tags").mkdir()
    (run / "metrics" / "loss").write_text("1700000000000 0.9 0\n1700000001000 0.7 1\n1700000002000 0.6 2\n")
    (run / "tags" / "mlflow.runName").write_text(name)
    return run


def test_mlflow_runs_are_named_by_run_name_not_id(tmp_path):
    run = mlflow_run(tmp_path)
    assert run_name(str(run)) == "brave-owl-42"
    assert run_name(str(run / "metrics" / "loss")) == "brave-owl-42"
    other = mlflow_run(tmp_path, run_id="ab" * 16, name="calm-fox-7")
    (other / "tags" / "mlflow.runName").unlink()
    (other / "meta.yaml").write_text("artifact_uri: x\nrun_name: calm-fox-7\nstatus: 3\n")
    assert slugs([Candidate(str(run), False), Candidate(str(other), False)]) == ["brave-owl-42", "calm-fox-7"]


def test_report_names_stay_unique_when_run_names_repeat():
    paths = ["a/runs/detect/train/results.csv", "b/runs/detect/train/results.csv", "c/train/results.csv"]
    got = slugs([Candidate(p, False) for p in paths])
    assert len(set(got)) == 3 and all("train" in g for g in got)


def test_titles_name_the_run(tmp_path):
    folder = tmp_path / "out" / "ner-run" / "checkpoint-80"
    folder.mkdir(parents=True)
    state = {"log_history": [{"loss": 1.0 / (i + 1), "epoch": i + 1, "step": 10 * (i + 1)} for i in range(3)]}
    (folder / "trainer_state.json").write_text(json.dumps(state))
    fig = render(load(str(folder / "trainer_state.json")))
    assert fig.get_suptitle().startswith("ner-run/checkpoint-80  (")
    # no folder to go by: the Trainer's best checkpoint names its output folder
    meta = {
        "source": "x__trainer_state.json",
        "trainer_state": {"best_model_checkpoint": "/c/d/magalu_model/checkpoint-200"},
    }
    assert run_name_of(meta) == "magalu_model"
    # nothing at all: the file name
    h = History.build({"loss": [1.0, 0.5]}, source="/tmp/some_history.json")
    assert render(h).get_suptitle().startswith("some_history  (2 epochs")
