"""A missing value is not a NaN (issue 14): every reader records what the file wrote, the step
summaries and derived metrics keep it, diagnose and info use only logged values, and ``convert``
writes both so that its output reads back to the same History."""

from __future__ import annotations

import json
import math
import pickle
import sys

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

import histplot
from histplot.diagnosis.run import diagnose
from histplot.export import to_text
from histplot.history import History
from histplot.overview import info

from conftest import REPO

sys.path.insert(0, str(REPO / "scripts" / "samples"))
import _torchfile  # noqa: E402

NAN = float("nan")
# The series every reader test writes: epoch 2 has no value, epoch 3 logged NaN.
LOSS = [1.0, None, NAN, 0.5, 0.4]
VAL = [1.1, 1.0, 0.9, 0.8, 0.7]


def _csv(tmp_path, marker):
    p = tmp_path / "training.log"
    cells = {None: marker}
    rows = [
        f"{e},{cells.get(v, 'nan' if v is not None and math.isnan(v) else v)},{w}"
        for e, (v, w) in enumerate(zip(LOSS, VAL))
    ]
    p.write_text("epoch,loss,val_loss\n" + "\n".join(rows) + "\n")
    return p


def _keras_json(tmp_path):
    p = tmp_path / "history.json"
    p.write_text(json.dumps({"loss": LOSS, "val_loss": VAL}))  # None -> null, NaN -> NaN
    assert "null" in p.read_text() and "NaN" in p.read_text()
    return p


def _jsonl(tmp_path):
    p = tmp_path / "log.txt"
    lines = []
    for e, (v, w) in enumerate(zip(LOSS, VAL)):
        rec = {"epoch": e, "val_loss": w}
        if v is not None:
            rec["loss"] = v  # a record without the key: missing
        lines.append(json.dumps(rec))
    p.write_text("\n".join(lines) + "\n")
    return p


def _yaml(tmp_path):
    p = tmp_path / "history.yaml"
    p.write_text("loss: [1.0, null, .nan, 0.5, 0.4]\nval_loss: [1.1, 1.0, 0.9, 0.8, 0.7]\n")
    return p


def _pickle(tmp_path):
    p = tmp_path / "history.pkl"
    p.write_bytes(pickle.dumps({"loss": LOSS, "val_loss": VAL}))
    return p


def _torch(tmp_path):
    T = _torchfile.Tensor
    p = tmp_path / "history.pt"
    _torchfile.save_zip({"loss": [T(1.0), None, T(NAN), T(0.5), T(0.4)], "val_loss": T(VAL, "float64")}, p)
    return p


def _lightning(tmp_path):
    p = tmp_path / "metrics.csv"
    rows = ["epoch,step,loss,val_loss"]
    for e, (v, w) in enumerate(zip(LOSS, VAL)):
        cell = "" if v is None else ("nan" if math.isnan(v) else repr(v))
        rows.append(f"{e},{e * 10 + 9},{cell},{w}")
    p.write_text("\n".join(rows) + "\n")
    return p


def _hf(tmp_path):
    log = []
    for e, (v, w) in enumerate(zip(LOSS, VAL), 1):
        log.append({"loss": w, "epoch": float(e), "step": e * 10})
        if v is not None:  # no evaluation at epoch 2: the entry is simply not there
            log.append({"eval_loss": v, "epoch": float(e), "step": e * 10})
    p = tmp_path / "trainer_state.json"
    p.write_text(json.dumps({"log_history": log, "global_step": 50}))
    return p


def _tensorboard(tmp_path):
    pytest.importorskip("tensorboard")
    from test_formats import _write_events

    logs = tmp_path / "logs"
    points = [(e, "epoch_loss", v) for e, v in enumerate(LOSS) if v is not None]
    points += [(e, "epoch_accuracy", 0.5 + e / 10) for e in range(5)]
    _write_events(logs / "train", points, tensor=True)
    return logs


def _mlflow(tmp_path):
    run = tmp_path / "mlruns" / "1" / "abcd1234"
    (run / "metrics").mkdir(parents=True)
    (run / "metrics" / "loss").write_text(
        "".join(
            f"{1700000000000 + s} {'nan' if math.isnan(v) else v} {s}\n" for s, v in enumerate(LOSS) if v is not None
        )
    )
    (run / "metrics" / "val_loss").write_text("".join(f"{1700000000000 + s} {v} {s}\n" for s, v in enumerate(VAL)))
    return run


# (writer, the column that holds LOSS, the format histplot must detect)
READERS = [
    (lambda t: _csv(t, "NA"), "loss", "keras_csv"),
    (lambda t: _csv(t, ""), "loss", "keras_csv"),
    (_keras_json, "loss", "keras_json"),
    (_jsonl, "loss", "jsonl"),
    (_yaml, "loss", "yaml"),
    (_pickle, "loss", "pickle"),
    (_torch, "loss", "torch_save"),
    (_lightning, "loss", "lightning_csv"),
    (_hf, "val_loss", "hf_trainer_state"),
    (_tensorboard, "loss", "tensorboard"),
    (_mlflow, "loss", "mlflow"),
]
IDS = [
    "csv-NA",
    "csv-empty",
    "keras_json",
    "jsonl",
    "yaml",
    "pickle",
    "torch",
    "lightning",
    "hf",
    "tensorboard",
    "mlflow",
]


def assert_same_history(a: History, b: History) -> None:
    pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=True)
    pd.testing.assert_frame_equal(a.present, b.present)


@pytest.mark.parametrize("write, col, fmt", READERS, ids=IDS)
def test_reader_keeps_a_missing_cell_and_a_logged_nan_apart(tmp_path, write, col, fmt):
    path = write(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    h = histplot.load(path)
    assert h.meta["format"] == fmt
    assert h.frame.index.tolist() == [1, 2, 3, 4, 5]
    assert h.present[col].tolist() == [True, False, True, True, True]
    assert h.missing(col) == [2]
    assert h.nonfinite(col) == [3]
    assert h.counts(col) == {"present": 4, "missing": 1, "nonfinite": 1}
    assert h.frame[col].iloc[[0, 3, 4]].tolist() == pytest.approx([1.0, 0.5, 0.4])  # float32 in a tensor
    summary = info(h)["metrics"]["loss"][History.split(col)]
    assert (summary["present"], summary["missing"], summary["non_finite"]) == (4, 1, 1)
    # convert, then read the output back: the same frame and the same mask, CSV and JSON
    for suffix in ("csv", "json"):
        out = tmp_path / f"converted.{suffix}"
        out.write_text(to_text(h, suffix))
        back = histplot.load(out)
        assert_same_history(h, back)
    assert {p: p.read_bytes() for p in before} == before  # inputs never modified


def test_convert_writes_empty_for_missing_and_nan_for_logged(tmp_path):
    h = histplot.load(_keras_json(tmp_path))
    csv_text = to_text(h, "csv")
    assert csv_text.splitlines()[1:4] == ["1,1.0,1.1", "2,,1.0", "3,nan,0.9"]
    records = json.loads(to_text(h, "json"))  # standard JSON: no NaN literal
    assert records[1]["loss"] is None and records[2]["loss"] == "nan"
    inf = History.build({"loss": [1.0, float("inf"), float("-inf"), 0.5]})
    assert to_text(inf, "csv").splitlines()[2:4] == ["2,inf", "3,-inf"]
    assert [r["loss"] for r in json.loads(to_text(inf, "json"))] == [1.0, "inf", "-inf", 0.5]


def test_full_precision_round_trip(tmp_path):
    values = [0.1 + 0.2, 1 / 3, 1e-300, 123456789.123456789, None, float("nan")]
    h = History.build({"loss": values, "val_loss": [1.0] * 6})
    for suffix in ("csv", "json"):
        out = tmp_path / f"h.{suffix}"
        out.write_text(to_text(h, suffix))
        assert_same_history(h, histplot.load(out))


# -- steps, derived metrics, aliases -----------------------------------------------------------------
def test_epoch_from_steps_logged_nan_propagates_and_missing_is_skipped():
    steps = pd.DataFrame({"loss": [1.0, NAN, 0.5, 0.4, 0.3, 0.2]}, index=[1, 2, 3, 4, 5, 6])
    mask = pd.DataFrame({"loss": [True, True, True, False, True, True]}, index=steps.index)
    h = History.build({}, steps=steps, step_epochs=[1, 1, 2, 2, 3, 3], step_present=mask)
    assert math.isnan(h.frame.loc[1, "loss"])  # a NaN batch makes the epoch mean NaN, as in Keras
    assert h.nonfinite("loss") == [1]
    assert h.frame.loc[2, "loss"] == 0.5  # the missing step is not counted
    assert h.frame.loc[3, "loss"] == pytest.approx(0.25)
    assert h.step_nonfinite("loss") == [2]
    # a whole epoch without a written step is missing
    mask.loc[[3, 4], "loss"] = False
    h = History.build({}, steps=steps, step_epochs=[1, 1, 2, 2, 3, 3], step_present=mask)
    assert h.missing("loss") == [2] and h.nonfinite("loss") == [1]


def test_derived_cell_is_present_only_where_its_inputs_are():
    from histplot.metrics.derive import derive

    h = History.build(
        {
            "true_positives": [1, 0, None, NAN, 4],
            "false_positives": [1, 0, 2, 1, 0],
            "true_negatives": [5, 5, 5, 5, 5],
            "false_negatives": [0, 0, 1, 1, 1],
        }
    )
    d = derive(h)
    # epoch 2: 0/0 precision is undefined (a gap); 3: an input missing; 4: an input logged NaN
    assert d.present["precision"].tolist() == [True, False, False, True, True]
    assert d.nonfinite("precision") == [4]
    assert d.missing("precision") == [2, 3]


def test_aliases_keep_the_mask():
    from histplot.readers.aliases import apply_aliases

    h = History.build({"my_loss": [1.0, None, NAN]})
    a = apply_aliases(h, {"my_loss": "loss"})
    assert a.nonfinite("loss") == [3] and a.missing("loss") == [2]


# -- diagnose: a missing value is never evidence of divergence ------------------------------------------
STATE = st.sampled_from(["value", "value", "value", "nan", "missing"])


def _write(tmp_path, kind: str, cols: dict[str, list]) -> object:
    n = len(next(iter(cols.values())))
    if kind == "json":
        p = tmp_path / "h.json"
        p.write_text(json.dumps(cols))
    elif kind == "csv":
        p = tmp_path / "h.log"
        cell = lambda v, i: ("NA" if i % 2 else "") if v is None else ("nan" if math.isnan(v) else repr(v))  # noqa: E731
        rows = [",".join([str(i)] + [cell(cols[c][i], i) for c in cols]) for i in range(n)]
        p.write_text("epoch," + ",".join(cols) + "\n" + "\n".join(rows) + "\n")
    else:
        p = tmp_path / "h.jsonl"
        recs = [{"epoch": i, **{c: cols[c][i] for c in cols if cols[c][i] is not None}} for i in range(n)]
        p.write_text("\n".join(json.dumps(r) for r in recs) + "\n")
    return p


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.data(),
    kind=st.sampled_from(["json", "csv", "jsonl"]),
    n=st.integers(min_value=3, max_value=30),
)
def test_diagnose_reports_non_finite_exactly_at_the_logged_epochs(tmp_path, data, kind, n):
    rng = np.random.default_rng(n)
    cols, states = {}, {}
    for c in ("loss", "val_loss"):
        s = data.draw(st.lists(STATE, min_size=n, max_size=n).filter(lambda xs: "value" in xs), label=c)
        values = 0.2 + rng.random(n)
        cols[c] = [float(v) if t == "value" else (NAN if t == "nan" else None) for t, v in zip(s, values)]
        states[c] = s
    path = _write(tmp_path, kind, cols)
    h = histplot.load(path)
    d = diagnose(h)
    reported_final: dict[str, int] = {}
    transient: dict[str, list[int]] = {}
    for f in d.findings:
        if f.kind == "divergence" and "first_nonfinite_epoch" in f.numbers:
            for c in f.numbers["columns"]:
                reported_final[c] = f.numbers["first_nonfinite_epoch"]
        if f.kind == "transient":
            transient[f.numbers["column"]] = f.epochs
    first_final = None
    for c, s in states.items():
        logged = [i + 1 for i, t in enumerate(s) if t == "nan"]
        assert h.nonfinite(c) == logged
        assert h.missing(c) == [i + 1 for i, t in enumerate(s) if t == "missing"]
        last_value = max(i + 1 for i, t in enumerate(s) if t == "value")
        recovered = [e for e in logged if e < last_value]
        unrecovered = [e for e in logged if e > last_value]
        assert transient.get(c, []) == recovered
        if unrecovered:
            assert c in reported_final
            first_final = min(first_final or unrecovered[0], unrecovered[0])
        else:
            assert c not in reported_final
    if reported_final:
        assert set(reported_final.values()) == {first_final}


def test_sparse_validation_is_not_divergence():
    val = [None, None, 0.9, None, None, 0.8, None, None, 0.7, None]
    d = diagnose(History.build({"loss": np.linspace(1, 0.5, 10), "val_loss": val}))
    assert not d.found("divergence") and not d.found("transient")


def test_a_nan_step_the_run_recovers_from_is_transient_not_divergence():
    steps = pd.DataFrame(
        {"loss": np.r_[np.linspace(1, 0.5, 20), [NAN], np.linspace(0.5, 0.3, 19)]}, index=np.arange(1, 41)
    )
    h = History.build(
        {"val_loss": [0.9, 0.8, 0.7, 0.6]},
        steps=steps,
        step_epochs=np.repeat([1, 2, 3, 4], 10),
        step_present=steps.notna() | True,
    )
    d = diagnose(h)
    assert not d.found("divergence")
    (t,) = d.found("transient")
    assert t.severity == "warning" and t.steps == [21] and t.epochs == [3]
    assert "recovered" in t.message


def test_a_nan_that_never_recovers_is_divergence():
    d = diagnose(History.build({"loss": [1.0, 0.8, NAN, NAN, None, NAN], "val_loss": [1, 0.9, NAN, NAN, NAN, NAN]}))
    (f,) = [f for f in d.found("divergence") if "first_nonfinite_epoch" in f.numbers]
    assert f.numbers["first_nonfinite_epoch"] == 3 and f.severity == "error"
    assert not d.found("transient")


# -- divergence without NaN; heuristics real files broke ---------------------------------------------------
def test_negative_runaway_is_divergence_not_still_improving():
    e = np.arange(1, 41)
    loss = -3e4 * e**2.2  # -3e4 -> -1e8: a Gaussian NLL whose variance collapses
    d = diagnose(History.build({"loss": loss, "val_loss": 2 * loss}))
    (f,) = d.found("divergence")
    assert f.numbers["column"] == "loss" and f.numbers["initial_scale"] == 3e4
    assert loss[f.numbers["onset"] - 1] < -1000 * 3e4 <= loss[f.numbers["onset"] - 2]
    assert not d.found("still_improving") and not d.found("plateau")


def test_a_loss_slightly_below_zero_is_not_divergence():
    loss = np.r_[np.geomspace(1.0, 1e-4, 30), -np.geomspace(1e-6, 9e-5, 20)]  # a PINN residual
    d = diagnose(History.build({"loss": loss}))
    assert not d.found("divergence")


def test_first_steep_descent_is_not_a_spike():
    rng = np.random.default_rng(1)
    loss = np.r_[[5000.0, 300.0, 20.0, 3.0], 1 + 0.05 * rng.random(60)]
    d = diagnose(History.build({"loss": loss, "val_loss": loss + 0.1}))
    assert not d.found("spike")
    loss[40] = 30.0  # a real spike later on still is one
    assert diagnose(History.build({"loss": loss, "val_loss": loss + 0.1})).first("spike").epochs == [41]


@pytest.mark.parametrize("placeholder", [0.0, -1.0])
def test_a_held_out_placeholder_is_not_monitored(placeholder):
    d = diagnose(
        History.build(
            {"loss": np.linspace(1, 0.1, 10), "val_loss": [placeholder] * 10, "val_accuracy": np.linspace(0.5, 0.9, 10)}
        )
    )
    assert d.monitor == "val_accuracy"
    assert any("never computed" in n and "val_loss" in n for n in d.notes)


# -- info ---------------------------------------------------------------------------------------------------
def test_info_text_and_json_show_counts(run, tmp_path):
    p = _keras_json(tmp_path)
    r = run("info", p, "--json")
    assert r.exit_code == 0
    (data,) = json.loads(r.output)
    assert {k: data["metrics"]["loss"]["train"][k] for k in ("present", "missing", "non_finite")} == {
        "present": 4,
        "missing": 1,
        "non_finite": 1,
    }
    r = run("info", p)
    assert " 4/1/1 " in r.output  # present/missing/non-finite column of the info table


# -- the corpus: sparse evaluation is missing, literal NaN is logged ----------------------------------------
def _expected():
    return yaml.safe_load((REPO / "tests" / "data" / "corpus_expected.yaml").read_text())["files"]


def test_corpus_files_without_literal_nan_report_no_non_finite(corpus):
    wrong = []
    for rel, entry in _expected().items():
        if entry.get("reject") or entry.get("nonfinite"):
            continue
        path = corpus / rel
        if not path.exists():
            continue
        try:
            h = histplot.load(path)
            d = diagnose(h)
        except Exception:  # reading and verdicts are scored elsewhere; here only false NaN calls
            continue
        cols = [c for c in h.frame.columns if h.nonfinite(c)]
        calls = [f.kind for f in d.findings if f.kind == "transient" or "first_nonfinite_epoch" in f.numbers]
        if cols or calls:
            wrong.append((rel, cols, calls))
    assert wrong == []


def test_corpus_literal_nan_is_counted_as_logged(corpus):
    lost = []
    for rel, entry in _expected().items():
        literal = entry.get("nonfinite") or {}
        path = corpus / rel
        if not literal or entry.get("reject") or not path.exists():
            continue
        h = histplot.load(path)
        raw_to_col = {raw: col for col, raw in h.meta.get("original_names", {}).items()}
        for raw in literal:
            col = raw_to_col.get(raw, raw)
            if col in h.frame.columns and not h.counts(col)["nonfinite"]:
                step_bad = h.steps is not None and col in h.steps.columns and h.step_nonfinite(col)
                if not step_bad:
                    lost.append((rel, raw))
    assert lost == []


def test_hand_built_history_without_a_mask_counts_nan_as_missing():
    frame = pd.DataFrame({"loss": [1.0, NAN, 0.5]}, index=pd.Index([1, 2, 3], name="epoch"))
    h = History(frame=frame)
    assert h.missing("loss") == [2] and h.nonfinite("loss") == []
    h = History(frame=frame, present=frame.notna() | True)
    assert h.nonfinite("loss") == [2]


# -- live appends and --run selection keep the mask ------------------------------------------------------
@pytest.mark.parametrize(
    "name, header, first, second",
    [
        ("metrics.csv", "epoch,step,loss,val_loss", ["0,9,1.0,1.1", "1,19,,1.0"], ["2,29,nan,0.9", "3,39,0.5,0.8"]),
        ("training.log", "epoch,loss,val_loss", ["0,1.0,1.1", "1,NA,1.0"], ["2,nan,0.9", "3,0.5,0.8"]),
        (
            "log.jsonl",
            None,
            ['{"epoch": 0, "loss": 1.0, "val_loss": 1.1}', '{"epoch": 1, "val_loss": 1.0}'],
            ['{"epoch": 2, "loss": NaN, "val_loss": 0.9}', '{"epoch": 3, "loss": 0.5, "val_loss": 0.8}'],
        ),
    ],
)
def test_followed_file_keeps_missing_and_logged_nan_across_appends(tmp_path, name, header, first, second):
    from histplot.live.follow import Follower

    p = tmp_path / name
    head = [header] if header else []
    p.write_text("\n".join(head + first) + "\n")
    f = Follower(p)
    h = f.poll()
    assert h.missing("loss") == [2] and h.nonfinite("loss") == []
    with open(p, "a") as fh:
        fh.write("\n".join(second) + "\n")
    h = f.poll()
    assert h.missing("loss") == [2] and h.nonfinite("loss") == [3]
    assert h.frame.index.tolist() == [1, 2, 3, 4]


def test_run_selection_keeps_the_mask(tmp_path):
    p = tmp_path / "training.log"
    p.write_text("epoch,loss,val_loss\n0,nan,1.0\n1,0.5,0.9\n0,1.0,NA\n1,nan,0.8\n2,0.4,0.7\n")
    h = histplot.load(p)  # the last run
    assert h.nonfinite("loss") == [2] and h.missing("val_loss") == [1]
    h = histplot.load(p, run="1")
    assert h.nonfinite("loss") == [1] and h.missing("val_loss") == []
