"""The History model: naming rules, 1-based epochs, value conversion."""

import numpy as np
import pytest

from histplot.errors import ReadError
from histplot.history import History
from histplot.naming import parse_name


@pytest.mark.parametrize(
    "raw, split, base",
    [
        ("loss", "train", "loss"),
        ("val_loss", "val", "loss"),
        ("acc", "train", "accuracy"),
        ("val_acc", "val", "accuracy"),
        ("train_loss", "train", "loss"),
        ("training_loss", "train", "loss"),
        ("valid_loss", "val", "loss"),
        ("validation_accuracy", "val", "accuracy"),
        ("eval_loss", "val", "loss"),
        ("test_mse", "test", "mse"),
        ("loss_val", "val", "loss"),
        ("accuracy_test", "test", "accuracy"),
        ("Loss/train", "train", "loss"),
        ("train/loss", "train", "loss"),
        ("val/accuracy", "val", "accuracy"),
        ("mean_absolute_error", "train", "mae"),
        ("val_mean_squared_error", "val", "mse"),
        ("train_acc_history", "train", "accuracy"),
        ("epoch_loss", "train", "loss"),
        ("val_acc_3", "val", "accuracy_3"),
        ("lr", None, "learning_rate"),
        ("learning_rate", None, "learning_rate"),
        ("lr-Adam", None, "lr-Adam"),
        ("val_jaccard_coef", "val", "jaccard_coef"),
        ("LMOutput_loss", "train", "LMOutput_loss"),
    ],
)
def test_parse_name(raw, split, base):
    assert parse_name(raw) == (split, base)


def test_split_and_base_of_canonical_columns():
    assert History.split("val_accuracy") == "val"
    assert History.base("val_accuracy") == "accuracy"
    assert History.split("test_loss") == "test"
    assert History.split("learning_rate") is None


def test_build_canonicalises_and_keeps_originals():
    h = History.build({"acc": [0.5, 0.6], "val_acc": [0.4, 0.5], "lr": [1e-3, 1e-3]}, source="x.json")
    assert list(h.frame.columns) == ["accuracy", "val_accuracy", "learning_rate"]
    assert h.frame.index.name == "epoch"
    assert list(h.frame.index) == [1, 2]
    assert h.meta["original_names"]["val_accuracy"] == "val_acc"
    assert h.metrics() == {"accuracy": {"train": "accuracy", "val": "val_accuracy"}}
    assert h.aux() == ["learning_rate"]
    assert h.frame.dtypes.unique().tolist() == [np.float64]


def test_zero_based_epochs_shift_by_one():
    h = History.build({"loss": [3.0, 2.0, 1.0]}, epochs=[0, 1, 2], zero_based=True)
    assert list(h.frame.index) == [1, 2, 3]


def test_missing_and_infinite_values_are_data():
    h = History.build({"loss": [1.0, "NA", "inf", None, "nan"]})
    v = h.frame["loss"].to_numpy()
    assert v[0] == 1.0 and np.isnan(v[1]) and np.isposinf(v[2]) and np.isnan(v[3]) and np.isnan(v[4])


def test_stray_word_in_numbers_is_an_error_naming_series_and_row():
    with pytest.raises(ReadError, match=r"series 'loss' has a non-numeric value 'oops' at row 2"):
        History.build({"loss": [1.0, "oops", 0.5]}, source="f.csv")


def test_wholly_non_numeric_series_is_skipped_with_a_note():
    h = History.build({"loss": [1.0, 0.5], "phase": ["train", "train"]})
    assert list(h.frame.columns) == ["loss"]
    assert any("'phase' is not numeric" in n for n in h.notes)


def test_all_missing_series_dropped_and_nothing_left_is_an_error():
    h = History.build({"loss": [1.0, 0.5], "val_loss": ["NA", "NA"]})
    assert list(h.frame.columns) == ["loss"]
    with pytest.raises(ReadError, match="no numeric series"):
        History.build({"loss": [None, None]}, source="f")


def test_two_names_for_one_metric_keep_both():
    h = History.build({"acc": [0.1, 0.2], "accuracy": [0.3, 0.4]})
    assert list(h.frame.columns) == ["accuracy__acc", "accuracy"]
    assert h.frame["accuracy"].tolist() == [0.3, 0.4]
    assert h.frame["accuracy__acc"].tolist() == [0.1, 0.2]
    assert any("both mean 'accuracy'" in n for n in h.notes)


def test_identical_duplicates_collapse():
    h = History.build({"lr": [0.1, 0.1], "learning_rate": [0.1, 0.1]})
    assert list(h.frame.columns) == ["learning_rate"]
