"""Keras JSON, CSVLogger and pickle readers: one canonical history in every layout reads the same."""

import json
import pickle

import numpy as np
import pandas as pd
import pytest

from histplot.errors import ReadError, UnknownFormatError, UnsafePickleError
from histplot.readers import load

from conftest import SAMPLES

LOSS = [0.9, 0.7, 0.55, 0.5, 0.48, 0.47]
VAL_LOSS = [0.95, 0.8, 0.7, 0.69, 0.71, 0.75]
ACC = [0.5, 0.61, 0.7, 0.74, 0.77, 0.8]
VAL_ACC = [0.48, 0.58, 0.64, 0.66, 0.65, 0.63]
LR = [1e-3, 1e-3, 1e-3, 5e-4, 5e-4, 5e-4]
KERAS = {"loss": LOSS, "acc": ACC, "val_loss": VAL_LOSS, "val_acc": VAL_ACC, "lr": LR}

EXPECTED = pd.DataFrame(
    {"loss": LOSS, "accuracy": ACC, "val_loss": VAL_LOSS, "val_accuracy": VAL_ACC, "learning_rate": LR},
    index=pd.Index(range(1, 7), name="epoch"),
)


def check(h, fmt):
    assert h.meta["format"] == fmt
    pd.testing.assert_frame_equal(h.frame[EXPECTED.columns], EXPECTED, check_index_type=False)
    assert h.frame.index.dtype == np.int64


def write_csv(path, cols, sep=",", epoch0=0, newline="\n"):
    names = sorted(cols)
    lines = [sep.join(["epoch", *names])]
    for i in range(len(next(iter(cols.values())))):
        lines.append(sep.join([str(i + epoch0), *(repr(cols[c][i]) for c in names)]))
    path.write_bytes((newline.join(lines) + newline).encode())
    return path


# -- the same history in every layout ----------------------------------------------------------


def test_keras_json(tmp_path):
    p = tmp_path / "history.json"
    p.write_text(json.dumps(KERAS))
    check(load(p), "keras_json")


def test_keras_json_records(tmp_path):
    p = tmp_path / "h.json"
    p.write_text(json.dumps([{"epoch": i, **{k: v[i] for k, v in KERAS.items()}} for i in range(6)]))
    check(load(p), "keras_json")


def test_keras_json_pretty_printed_and_wrapped_in_a_run_id(tmp_path):
    p = tmp_path / "h.json"
    p.write_text(json.dumps({"0": KERAS}, indent=4))
    h = load(p)
    check(h, "keras_json")
    assert h.meta["run"] == "0"


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_csvlogger_any_separator(tmp_path, sep):
    check(load(write_csv(tmp_path / "training.log", KERAS, sep=sep)), "keras_csv")


def test_csvlogger_windows_line_endings(tmp_path):
    check(load(write_csv(tmp_path / "t.csv", KERAS, newline="\r\r\n")), "keras_csv")


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_pickle_dict_of_numpy_scalars(tmp_path, protocol):
    p = tmp_path / "history.pkl"
    p.write_bytes(
        pickle.dumps(
            {k: [np.float32(x) if k == "lr" else np.float64(x) for x in v] for k, v in KERAS.items()}, protocol=protocol
        )
    )
    h = load(p)
    assert h.meta["format"] == "pickle"
    pd.testing.assert_frame_equal(h.frame[EXPECTED.columns], EXPECTED, check_index_type=False, rtol=1e-6)


def test_pickle_numpy_arrays_and_records(tmp_path):
    p = tmp_path / "a.pkl"
    p.write_bytes(pickle.dumps({k: np.asarray(v) for k, v in KERAS.items()}))
    check(load(p), "pickle")
    p = tmp_path / "records"
    p.write_bytes(pickle.dumps([{"epoch": i + 1, **{k: v[i] for k, v in KERAS.items()}} for i in range(6)]))
    check(load(p), "pickle")


def test_pickle_nested_split_dicts(tmp_path):
    p = tmp_path / "h.pkl"
    obj = {"train": {"loss": LOSS, "acc": ACC}, "val": {"loss": VAL_LOSS, "acc": VAL_ACC}}
    p.write_bytes(pickle.dumps(obj, protocol=0))
    h = load(p)
    assert set(h.frame.columns) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert h.frame["val_accuracy"].tolist() == VAL_ACC


def test_pickle_tuple_of_lists_gets_names(tmp_path):
    p = tmp_path / "h.pkl"
    p.write_bytes(pickle.dumps((LOSS, VAL_LOSS)))
    h = load(p)
    assert list(h.frame.columns) == ["series_1", "series_2"]
    assert h.frame["series_2"].tolist() == VAL_LOSS


# -- validation_freq ---------------------------------------------------------------------------


def test_validation_freq_lands_on_validated_epochs(tmp_path):
    p = tmp_path / "h.json"
    p.write_text(json.dumps({"loss": [0.9, 0.71, 0.6, 0.52, 0.47, 0.43], "val_loss": [0.75, 0.66, 0.70]}))
    h = load(p)
    v = h.frame["val_loss"]
    assert v.dropna().to_dict() == {2: 0.75, 4: 0.66, 6: 0.70}
    assert v.isna().sum() == 3


def test_validation_freq_option_and_uneven_error(tmp_path):
    p = tmp_path / "h.json"
    p.write_text(json.dumps({"loss": list(range(1, 11)), "val_loss": [5.0, 4.0, 3.0]}))
    with pytest.raises(ReadError, match="--validation-freq"):
        load(p)
    h = load(p, validation_freq=3)
    assert h.frame["val_loss"].dropna().to_dict() == {3: 5.0, 6: 4.0, 9: 3.0}
    with pytest.raises(ReadError, match="too many"):
        load(p, validation_freq=4)


def test_csvlogger_validation_freq_keeps_na_epochs(tmp_path):
    p = tmp_path / "training.log"
    p.write_text(
        "epoch,accuracy,loss,val_accuracy,val_loss\n0,0.61,0.69,0.58,0.70\n1,0.72,0.55,NA,NA\n"
        "2,0.80,0.43,0.70,0.58\n3,0.86,0.33,NA,NA\n"
    )
    h = load(p)
    assert h.frame["val_loss"].dropna().to_dict() == {1: 0.70, 3: 0.58}
    assert h.frame["loss"].tolist() == [0.69, 0.55, 0.43, 0.33]


def test_csvlogger_without_validation_drops_all_na_columns(tmp_path):
    p = tmp_path / "training.log"
    p.write_text("epoch,loss,val_loss\n0,0.9,NA\n1,0.8,NA\n")
    h = load(p)
    assert list(h.frame.columns) == ["loss"]


def test_csvlogger_append_keeps_last_run_and_warns(tmp_path):
    p = tmp_path / "training.log"
    p.write_text("epoch,loss\n0,0.9\n1,0.8\n2,0.7\n0,0.6\n1,0.5\n")
    h = load(p)
    assert h.frame["loss"].tolist() == [0.6, 0.5]
    assert list(h.frame.index) == [1, 2]
    assert "2 runs in one file; kept the last" in h.meta["warnings"][0]
    assert load(p, run="1").frame["loss"].tolist() == [0.9, 0.8, 0.7]
    assert load(p, run="first").frame["loss"].tolist() == [0.9, 0.8, 0.7]
    with pytest.raises(ReadError, match="holds 2 runs"):
        load(p, run="3")


def test_csv_epoch_column_from_one_is_taken_as_written(tmp_path):
    p = tmp_path / "training.log"
    p.write_text("epoch,loss\n1,0.5\n2,0.4\n")
    assert list(load(p).frame.index) == [1, 2]
    p.write_text("epoch,loss\n0,0.5\n1,0.4\n2,0.3\n3,0.3\n")
    assert list(load(p).frame.index) == [1, 2, 3, 4]


def test_csv_without_epoch_column_numbers_rows(tmp_path):
    p = tmp_path / "log.csv"
    p.write_text("loss,acc,val_loss\n1.0,0.7,1.1\n0.8,0.75,1.0\n")
    h = load(p)
    assert list(h.frame.index) == [1, 2]
    assert any("row N is epoch N" in n for n in h.notes)


def test_stdin_dash(monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(KERAS).encode())))
    h = load("-")
    check(h, "keras_json")
    assert h.label == "stdin"


def test_from_overrides_sniffing(tmp_path):
    p = tmp_path / "weird.txt"
    write_csv(p, KERAS)
    check(load(p, fmt="keras_csv"), "keras_csv")
    with pytest.raises(ReadError, match="unknown format 'nope'; known formats: keras_json"):
        load(p, fmt="nope")


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty file"),
        (b"   \n", "empty file"),
        (b'{"loss": [0.5, 0.4], "acc": [', "truncated JSON"),
        (b'{"model": "resnet", "optimizer": "adam"}', "not a training history"),
        (b'{"loss": [0.5, "abc", 0.3]}', "non-numeric value 'abc'"),
        (b'{"loss": [null, null]}', "no numeric series"),
        (b"epoch,loss\n", "header but no rows"),
        (b"epoch,loss\n0,0.5\n1,zzz\n", "non-numeric value 'zzz'"),
        (b"Epoch 1/200 | Loss: 0.69\nEpoch 2/200 | Loss: 0.59\n", "not a training history in any known format"),
        (b"\x00\x01\x02binary", "not a training history in any known format"),
    ],
)
def test_bad_input_is_one_clear_error(tmp_path, content, message):
    p = tmp_path / "bad.json"
    p.write_bytes(content)
    with pytest.raises(ReadError, match=message) as err:
        load(p)
    assert err.value.path == str(p)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ReadError, match="no such file"):
        load(tmp_path / "nope.json")
    with pytest.raises(ReadError, match="directory"):
        load(tmp_path)


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "PWNED"
    p = tmp_path / "history.pkl"
    p.write_bytes(pickle.dumps({"loss": [0.5, 0.4], "x": _Evil(marker)}))
    with pytest.raises(UnsafePickleError, match=r"refers to '(posix|os|nt)\.system'"):
        load(p)
    assert not marker.exists()


@pytest.mark.parametrize("target", ["builtins.eval", "builtins.getattr", "subprocess.Popen", "numpy.load"])
def test_pickle_globals_outside_the_allow_list_are_refused(tmp_path, target):
    module, name = target.rsplit(".", 1)
    # GLOBAL opcode, then a call: what a hand-made exploit looks like.
    payload = b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\n(S'1'\ntR."
    p = tmp_path / "evil.pkl"
    p.write_bytes(payload)
    with pytest.raises(UnsafePickleError, match=f"'{module}.{name}'"):
        load(p)


def test_input_files_are_never_modified(tmp_path):
    p = tmp_path / "history.json"
    p.write_text(json.dumps(KERAS))
    before = (p.read_bytes(), p.stat().st_mtime_ns)
    load(p)
    assert (p.read_bytes(), p.stat().st_mtime_ns) == before


def test_unknown_format_lists_what_was_tried(tmp_path):
    p = tmp_path / "x.bin"
    p.write_bytes(b"GIF89a....")
    with pytest.raises(UnknownFormatError, match="tried keras_json, keras_csv, pickle"):
        load(p)


def test_csv_being_written_is_read_to_its_last_complete_line(tmp_path):
    p = tmp_path / "training.log"
    p.write_text("epoch,loss,val_loss\n0,0.9,1.0\n1,0.8,0.9\n2,0.7,0.")
    h = load(p)
    assert h.frame["val_loss"].tolist() == [1.0, 0.9]
    assert any("still being written" in n for n in h.notes)


@pytest.mark.parametrize(
    "name, text, column, values",
    [
        (
            "metrics.csv",
            "epoch,step,train_loss,val_loss\n0,49,0.9,\n0,68,,0.95\n1,99,0.8,\n1,137,,0.85\n2,149,0.7",
            "loss",
            [0.9, 0.8],
        ),
        (
            "log.txt",
            '{"epoch": 0, "train_loss": 0.9}\n{"epoch": 1, "train_loss": 0.8}\n{"epoch": 2, "train_lo',
            "loss",
            [0.9, 0.8],
        ),
        ("training.log", "epoch,loss\n0,0.9\n1,0.8\n2,0.7", "loss", [0.9, 0.8]),
    ],
)
def test_every_line_format_stops_at_the_last_complete_line(tmp_path, name, text, column, values):
    p = tmp_path / name
    p.write_text(text)
    assert load(p).frame[column].dropna().tolist() == values


def test_a_hugging_face_output_folder_is_one_run(tmp_path):
    """Trainer writes configuration, weights, optimizer state and result summaries beside its
    trainer_state.json; only the latest checkpoint's state is the run."""
    import json as _json

    from histplot.readers.discovery import expand

    out = tmp_path / "hf_out"
    log = [{"loss": 1.0 / s, "learning_rate": 1e-3, "epoch": s / 10, "step": s} for s in (5, 10, 15, 20)]
    log += [{"eval_loss": 0.5, "eval_accuracy": 0.8, "epoch": 2.0, "step": 20}]
    for n in (10, 20):
        ck = out / f"checkpoint-{n}"
        ck.mkdir(parents=True)
        (ck / "trainer_state.json").write_text(_json.dumps({"log_history": log[: n // 5], "global_step": n}))
        (ck / "config.json").write_text(_json.dumps({"hidden_size": 32, "num_hidden_layers": 2, "vocab_size": 60}))
        (ck / "optimizer.pt").write_bytes((SAMPLES / "torch_history.pt").read_bytes())
    (out / "all_results.json").write_text(_json.dumps({"eval_loss": 0.5, "epoch": 2.0}))
    assert [c.path for c in expand([str(out)])] == [str(out / "checkpoint-20" / "trainer_state.json")]
