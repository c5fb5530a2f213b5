"""Derived metrics checked against scikit-learn on labels built to give known confusion matrices."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    jaccard_score,
    matthews_corrcoef,
    multilabel_confusion_matrix,
    precision_score,
    recall_score,
)

from histplot.history import History
from histplot.metrics.derive import confusion_metrics, derivable, derive, macro
from histplot.metrics.families import class_members

# (tp, fp, tn, fn): an ordinary matrix, then every way a denominator can be 0.
MATRICES = {
    "ordinary": (5, 2, 10, 3),
    "perfect": (5, 0, 10, 0),
    "no_predicted_positive": (0, 0, 10, 5),
    "no_actual_positive": (0, 3, 10, 0),
    "no_actual_negative": (5, 0, 0, 2),
    "no_predicted_negative": (5, 3, 0, 0),
    "only_negatives_right": (0, 0, 10, 0),
    "all_wrong": (0, 4, 0, 6),
}


def labels(tp: int, fp: int, tn: int, fn: int) -> tuple[np.ndarray, np.ndarray]:
    """y_true, y_pred with exactly this binary confusion matrix."""
    y_true = np.array([1] * tp + [0] * fp + [0] * tn + [1] * fn)
    y_pred = np.array([1] * tp + [1] * fp + [0] * tn + [0] * fn)
    return y_true, y_pred


def sk(fn, *args, **kw) -> float:
    """A scikit-learn score, NaN where it reports an undefined value as NaN (zero_division=nan)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(fn(*args, **kw))


def binary_history(matrices: list[tuple[int, int, int, int]], prefix: str = "") -> History:
    cols = {f"{prefix}{k}": [float(m[i]) for m in matrices] for i, k in enumerate(("tp", "fp", "tn", "fn"))}
    return History.build(cols)


@pytest.mark.parametrize("name", MATRICES)
def test_binary_formulas_match_sklearn(name):
    tp, fp, tn, fn = MATRICES[name]
    y_true, y_pred = labels(tp, fp, tn, fn)
    assert confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel().tolist() == [tn, fp, fn, tp]
    got = {k: float(v) for k, v in confusion_metrics(tp, fp, tn, fn).items()}
    nan = np.nan
    expected = {
        "precision": sk(precision_score, y_true, y_pred, zero_division=nan),
        "recall": sk(recall_score, y_true, y_pred, zero_division=nan),
        "specificity": sk(recall_score, y_true, y_pred, pos_label=0, zero_division=nan),
        "npv": sk(precision_score, y_true, y_pred, pos_label=0, zero_division=nan),
        "f1": sk(f1_score, y_true, y_pred, zero_division=nan),
        # jaccard_score has no zero_division=nan: it is undefined only when tp + fp + fn == 0
        "jaccard": sk(jaccard_score, y_true, y_pred, zero_division=0) if tp + fp + fn else nan,
        "accuracy": sk(accuracy_score, y_true, y_pred),
    }
    expected["fpr"] = 1 - expected["specificity"]
    expected["fnr"] = 1 - expected["recall"]
    expected["markedness"] = expected["precision"] + expected["npv"] - 1
    for metric, value in expected.items():
        np.testing.assert_allclose(got[metric], value, rtol=1e-12, equal_nan=True, err_msg=f"{name} {metric}")
    defined = all(x > 0 for x in (tp + fp, tp + fn, tn + fp, tn + fn))
    if defined:
        assert got["mcc"] == pytest.approx(sk(matthews_corrcoef, y_true, y_pred), rel=1e-12)
        assert got["balanced_accuracy"] == pytest.approx(sk(balanced_accuracy_score, y_true, y_pred), rel=1e-12)
        # adjusted balanced accuracy is Youden's J = informedness, for two classes
        assert got["informedness"] == pytest.approx(
            sk(balanced_accuracy_score, y_true, y_pred, adjusted=True), rel=1e-12, abs=1e-12
        )


def test_zero_denominators_are_nan_where_sklearn_says_zero():
    """scikit-learn reports 0 for an undefined score (zero_division=0, MCC's convention); histplot NaN."""
    tp, fp, tn, fn = MATRICES["no_predicted_positive"]
    y_true, y_pred = labels(tp, fp, tn, fn)
    got = confusion_metrics(tp, fp, tn, fn)
    assert sk(precision_score, y_true, y_pred, zero_division=0) == 0.0
    assert np.isnan(got["precision"])
    assert sk(matthews_corrcoef, y_true, y_pred) == 0.0
    assert np.isnan(got["mcc"])
    assert np.isnan(got["markedness"])
    assert got["recall"] == 0.0 and got["f1"] == 0.0  # defined: there were positives to find

    tp, fp, tn, fn = MATRICES["no_actual_positive"]
    y_true, y_pred = labels(tp, fp, tn, fn)
    got = confusion_metrics(tp, fp, tn, fn)
    assert sk(recall_score, y_true, y_pred, zero_division=0) == 0.0
    assert np.isnan(got["recall"]) and np.isnan(got["fnr"])
    # scikit-learn averages recall over the classes present in y_true only, so it reports the
    # specificity alone; histplot's (recall + specificity) / 2 is undefined.
    assert sk(balanced_accuracy_score, y_true, y_pred) == pytest.approx(10 / 13)
    assert np.isnan(got["balanced_accuracy"]) and np.isnan(got["informedness"])

    tp, fp, tn, fn = MATRICES["only_negatives_right"]
    y_true, y_pred = labels(tp, fp, tn, fn)
    got = confusion_metrics(tp, fp, tn, fn)
    assert sk(f1_score, y_true, y_pred, zero_division=0) == 0.0
    assert sk(jaccard_score, y_true, y_pred, zero_division=0) == 0.0
    assert np.isnan(got["f1"]) and np.isnan(got["jaccard"])
    assert got["accuracy"] == 1.0 and got["specificity"] == 1.0


def test_derive_adds_every_metric_per_split_with_canonical_names():
    h = History.build(
        {
            "loss": [1.0, 0.5],
            "tp": [5, 0],
            "fp": [2, 0],
            "tn": [10, 10],
            "fn": [3, 5],
            "val_tp": [1, 2],
            "val_fp": [1, 0],
            "val_tn": [4, 5],
            "val_fn": [2, 1],
            "test_tp": [3, 3],
            "test_fp": [1, 1],
            "test_tn": [3, 3],
            "test_fn": [1, 1],
        }
    )
    d = derive(h)
    for split in ("", "val_", "test_"):
        for m in (
            "precision",
            "recall",
            "specificity",
            "npv",
            "fpr",
            "fnr",
            "accuracy",
            "balanced_accuracy",
            "f1",
            "mcc",
            "informedness",
            "markedness",
            "jaccard",
        ):
            assert f"{split}{m}" in d.frame.columns
    assert d.frame["precision"].tolist()[0] == pytest.approx(5 / 7)
    assert np.isnan(d.frame["precision"].iloc[1])
    assert d.frame["val_recall"].tolist() == pytest.approx([1 / 3, 2 / 3])
    assert d.frame["test_mcc"].tolist() == pytest.approx([0.5, 0.5])
    assert d.meta["derived"]["val_precision"] == ["val_tp", "val_fp"]
    assert d.meta["derived"]["mcc"] == ["tp", "fp", "tn", "fn"]
    assert d.meta["derived"]["specificity"] == ["tn", "fp"]
    assert "precision" not in h.frame.columns  # the input history is left alone
    assert d.frame.index.tolist() == [1, 2]


@pytest.mark.parametrize(
    "names",
    [
        ("TP", "FP", "TN", "FN"),
        ("true_positives", "false_positives", "true_negatives", "false_negatives"),
        ("True_Positives", "False_Positives", "True_Negatives", "False_Negatives"),
        # Keras 3 uniquifier after a notebook re-ran compile(): still the binary counts
        ("true_positives_1", "false_positives_1", "true_negatives_1", "false_negatives_1"),
    ],
)
@pytest.mark.parametrize(
    "prefix,split", [("", ""), ("val_", "val_"), ("Validation_", "val_"), ("eval_", "val_"), ("test_", "test_")]
)
def test_count_spellings_and_split_prefixes(names, prefix, split):
    h = History.build({f"{prefix}{n}": [v] for n, v in zip(names, (5.0, 2.0, 10.0, 3.0))})
    d = derive(h)
    assert d.frame[f"{split}precision"].tolist() == pytest.approx([5 / 7])
    assert d.frame[f"{split}mcc"].tolist() == pytest.approx([float(confusion_metrics(5, 2, 10, 3)["mcc"])])


def test_split_suffix_and_tensorboard_tags():
    h = History.build({"tp_val": [5.0], "fp_val": [2.0], "tn/val": [10.0], "val/fn": [3.0]})
    assert derive(h).frame["val_f1"].tolist() == pytest.approx([10 / 15])


def test_unsuffixed_counts_win_over_uniquified_ones():
    h = History.build({"true_positives": [5.0], "true_positives_1": [50.0], "fp": [2.0], "tn": [10.0], "fn": [3.0]})
    d = derive(h)
    assert d.frame["precision"].tolist() == pytest.approx([5 / 7])
    assert d.meta["derived"]["precision"] == ["true_positives", "fp"]


def test_incomplete_counts_derive_nothing():
    h = History.build({"tp": [5.0], "fp": [2.0], "tn": [10.0], "val_tp": [1.0]})
    assert derivable(h) == {}
    assert list(derive(h).frame.columns) == list(h.frame.columns)


def test_existing_columns_are_never_overwritten():
    h = History.build({"tp": [5.0], "fp": [2.0], "tn": [10.0], "fn": [3.0], "precision": [0.123], "Recall": [0.5]})
    d = derive(h)
    assert d.frame["precision"].tolist() == [0.123]
    assert d.frame["recall"].tolist() == [0.5]
    assert d.meta["derive_kept"] == ["precision", "recall"]
    assert "precision" not in d.meta["derived"]
    assert d.frame["f1"].tolist() == pytest.approx([10 / 15])


def test_derive_is_idempotent():
    h = binary_history([(5, 2, 10, 3), (6, 1, 11, 2)], prefix="val_")
    once = derive(h)
    twice = derive(once)
    assert list(twice.frame.columns) == list(once.frame.columns)
    assert twice.meta["derived"] == once.meta["derived"]
    assert derivable(once) == {}


def test_missing_epochs_stay_missing():
    """Sparse validation (validation_freq) leaves NaN counts: the metrics are NaN on those epochs."""
    h = History.build(
        {
            "val_tp": [np.nan, 4.0, np.nan],
            "val_fp": [np.nan, 1.0, np.nan],
            "val_tn": [np.nan, 5.0, np.nan],
            "val_fn": [np.nan, 0.0, np.nan],
        }
    )
    f = derive(h).frame
    assert np.isnan(f["val_precision"].iloc[0]) and f["val_precision"].iloc[1] == pytest.approx(0.8)


def test_rmse_from_mse_every_split():
    h = History.build({"mse": [4.0, 1.0], "val_mean_squared_error": [9.0, 0.25], "test_mse": [16.0, 0.0]})
    d = derive(h)
    assert d.frame["rmse"].tolist() == [2.0, 1.0]
    assert d.frame["val_rmse"].tolist() == [3.0, 0.5]
    assert d.frame["test_rmse"].tolist() == [4.0, 0.0]
    assert d.meta["derived"]["val_rmse"] == ["val_mse"]
    kept = derive(History.build({"mse": [4.0], "rmse": [1.5]}))
    assert kept.frame["rmse"].tolist() == [1.5]


# -- per class --------------------------------------------------------------------------------------
def multiclass_labels(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """y_true, y_pred with confusion matrix C[true, predicted] = matrix."""
    y_true, y_pred = [], []
    for i, row in enumerate(matrix):
        for j, n in enumerate(row):
            y_true += [i] * int(n)
            y_pred += [j] * int(n)
    return np.array(y_true), np.array(y_pred)


# Class 2 is never predicted (zero column); class 3 never occurs (zero row), but is predicted once.
MULTI = [
    np.array([[8, 1, 0, 1], [2, 6, 0, 0], [1, 3, 0, 0], [0, 0, 0, 0]]),
    np.array([[9, 0, 1, 0], [1, 7, 0, 0], [0, 1, 2, 1], [0, 0, 0, 0]]),
]


def multiclass_history(prefix: str = "val_") -> tuple[History, list]:
    cols: dict[str, list[float]] = {}
    per_epoch = []
    for m in MULTI:
        y_true, y_pred = multiclass_labels(m)
        mcm = multilabel_confusion_matrix(y_true, y_pred, labels=range(4))  # [[tn, fp], [fn, tp]] per class
        per_epoch.append((y_true, y_pred))
        for k, ((tn, fp), (fn, tp)) in enumerate(mcm):
            for name, v in (("tp", tp), ("fp", fp), ("tn", tn), ("fn", fn)):
                cols.setdefault(f"{prefix}{name}_{k}", []).append(float(v))
    return History.build(cols), per_epoch


def test_per_class_metrics_match_sklearn_average_none():
    h, epochs = multiclass_history()
    f = derive(h).frame
    for e, (y_true, y_pred) in enumerate(epochs):
        kw = {"labels": range(4), "average": None, "zero_division": np.nan}
        for metric, fn in (("precision", precision_score), ("recall", recall_score), ("f1", f1_score)):
            expected = np.asarray(sk_vec(fn, y_true, y_pred, **kw))
            got = np.array([f[f"val_{metric}_{k}"].iloc[e] for k in range(4)])
            np.testing.assert_allclose(got, expected, equal_nan=True, err_msg=f"epoch {e + 1} {metric}")
        jac = np.asarray(sk_vec(jaccard_score, y_true, y_pred, labels=range(4), average=None, zero_division=0))
        union = np.array([((y_true == k) | (y_pred == k)).sum() for k in range(4)])
        jac = np.where(union == 0, np.nan, jac)  # sklearn's 0 for an empty union is histplot's NaN
        got = np.array([f[f"val_jaccard_{k}"].iloc[e] for k in range(4)])
        np.testing.assert_allclose(got, jac, equal_nan=True)
        for k in range(4):
            t, p = (y_true == k).astype(int), (y_pred == k).astype(int)
            spec = sk(recall_score, t, p, pos_label=0, zero_division=np.nan)
            assert f[f"val_specificity_{k}"].iloc[e] == pytest.approx(spec, nan_ok=True)
            if min(t.sum(), p.sum(), (1 - t).sum(), (1 - p).sum()) > 0:
                assert f[f"val_mcc_{k}"].iloc[e] == pytest.approx(sk(matthews_corrcoef, t, p))
            else:
                assert np.isnan(f[f"val_mcc_{k}"].iloc[e])  # sklearn says 0 here


def sk_vec(fn, *args, **kw):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def test_zero_row_and_column_classes():
    h, _ = multiclass_history()
    f = derive(h).frame
    assert np.isnan(f["val_precision_2"].iloc[0])  # never predicted in epoch 1
    assert f["val_recall_2"].iloc[0] == 0.0  # but it did occur
    assert np.isnan(f["val_recall_3"].iloc[0])  # never occurs
    assert f["val_precision_3"].iloc[0] == 0.0 and f["val_precision_3"].iloc[1] == 0.0


def test_macro_averages_match_sklearn_with_zero_division_nan():
    """macro = mean over classes whose value is defined: sklearn's average="macro" with zero_division=nan."""
    h, epochs = multiclass_history()
    f = derive(h).frame
    for e, (y_true, y_pred) in enumerate(epochs):
        for metric, fn in (("precision", precision_score), ("recall", recall_score), ("f1", f1_score)):
            expected = sk(fn, y_true, y_pred, labels=range(4), average="macro", zero_division=np.nan)
            assert f[f"val_macro_{metric}"].iloc[e] == pytest.approx(expected), (e, metric)
    # and not the zero_division=0 convention, which counts undefined classes as 0
    y_true, y_pred = epochs[0]
    zero = sk(precision_score, y_true, y_pred, labels=range(4), average="macro", zero_division=0)
    assert f["val_macro_precision"].iloc[0] != pytest.approx(zero)


def test_macro_all_undefined_is_nan_and_inputs_recorded():
    assert np.isnan(macro([np.array([np.nan]), np.array([np.nan])])[0])
    assert macro([np.array([0.5, np.nan]), np.array([np.nan, np.nan]), np.array([1.0, 0.2])]).tolist() == pytest.approx(
        [0.75, 0.2]
    )
    h, _ = multiclass_history()
    d = derive(h)
    assert d.meta["derived"]["val_macro_f1"] == [f"val_f1_{k}" for k in range(4)]
    assert d.meta["derived"]["val_precision_3"] == ["val_tp_3", "val_fp_3"]


def test_macro_from_the_files_own_per_class_metrics():
    h = History.build(
        {"val_precision_0": [0.5], "val_precision_1": [1.0], "val_recall_class_0": [0.2], "val_recall_class_1": [0.4]}
    )
    d = derive(h)
    assert d.frame["val_macro_precision"].tolist() == [0.75]
    assert d.frame["val_macro_recall"].tolist() == pytest.approx([0.3])


def test_lone_short_count_suffix_is_a_class():
    h = History.build({"tp_3": [5.0], "fp_3": [2.0], "tn_3": [10.0], "fn_3": [3.0]})
    d = derive(h)
    assert d.frame["precision_3"].tolist() == pytest.approx([5 / 7])
    assert "precision" not in d.frame.columns


@pytest.mark.parametrize(
    "bases,expected",
    [
        (["tp_3"], {"tp_3": ("tp", 3)}),
        (["true_positives_1"], {}),  # Keras uniquifier
        (["true_positives", "true_positives_1", "true_positives_2"], {}),
        (["precision", "precision_1"], {}),
        (["mean_io_u_5"], {}),
        (["precision_6"], {}),
        (["precision_0", "precision_1"], {"precision_0": ("precision", 0), "precision_1": ("precision", 1)}),
        (["acc_1", "acc_2"], {"acc_1": ("acc", 1), "acc_2": ("acc", 2)}),  # no unsuffixed sibling
        (["recall_class_2"], {"recall_class_2": ("recall", 2)}),
        (["True_Positives_0", "True_Positives_1"], {"True_Positives_0": ("tp", 0), "True_Positives_1": ("tp", 1)}),
        (["tp_3", "true_positives_1"], {"tp_3": ("tp", 3)}),
    ],
)
def test_class_index_versus_keras_uniquifier(bases, expected):
    assert class_members(bases) == expected


# -- properties ------------------------------------------------------------------------------------
counts = st.integers(min_value=0, max_value=10**7).map(float)


@settings(max_examples=300, deadline=None)
@given(counts, counts, counts, counts)
def test_ranges(tp, fp, tn, fn):
    m = confusion_metrics(tp, fp, tn, fn)
    for name in (
        "precision",
        "recall",
        "f1",
        "specificity",
        "npv",
        "accuracy",
        "balanced_accuracy",
        "jaccard",
        "fpr",
        "fnr",
    ):
        v = float(m[name])
        assert np.isnan(v) or 0.0 <= v <= 1.0, name
    for name in ("mcc", "informedness", "markedness"):
        v = float(m[name])
        assert np.isnan(v) or -1.0 - 1e-12 <= v <= 1.0 + 1e-12, name
    if tp + fp + fn > 0:
        assert not np.isnan(m["f1"])
    p, r = float(m["precision"]), float(m["recall"])
    if p + r > 0 and not np.isnan(p + r):
        assert float(m["f1"]) == pytest.approx(2 * p * r / (p + r), rel=1e-9)


@settings(max_examples=300, deadline=None)
@given(counts, counts, counts, counts)
def test_swapping_positive_and_negative_classes(tp, fp, tn, fn):
    a = confusion_metrics(tp, fp, tn, fn)
    b = confusion_metrics(tn, fn, tp, fp)  # the negative class called positive
    same = lambda x, y: np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12, equal_nan=True)  # noqa: E731
    same(a["precision"], b["npv"])
    same(a["npv"], b["precision"])
    same(a["recall"], b["specificity"])
    same(a["specificity"], b["recall"])
    same(a["mcc"], b["mcc"])
    same(a["accuracy"], b["accuracy"])
    same(a["balanced_accuracy"], b["balanced_accuracy"])
    same(a["informedness"], b["informedness"])
    same(a["markedness"], b["markedness"])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)),
        min_size=1,
        max_size=3,
    )
)
def test_mcc_matches_sklearn_wherever_defined(mats):
    f = derive(binary_history(mats)).frame
    for i, m in enumerate(mats):
        y_true, y_pred = labels(*m)
        got = f["mcc"].iloc[i]
        if np.isnan(got):
            assert min(m[0] + m[1], m[0] + m[3], m[2] + m[1], m[2] + m[3]) == 0
        else:
            assert got == pytest.approx(sk(matthews_corrcoef, y_true, y_pred), abs=1e-9)
