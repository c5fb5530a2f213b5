"""Confusion matrices in the model and their metrics, checked against scikit-learn on generated labels.

scikit-learn answers 0 where a denominator is 0 (MCC when one class is always predicted); histplot
answers NaN there (DESIGN §4), and these tests check both halves of that rule.
"""

from __future__ import annotations

import json
import pickle
import sys
import warnings

import numpy as np
import pytest
import yaml

import histplot

from conftest import REPO

sk = pytest.importorskip("sklearn.metrics")
sys.path.insert(0, str(REPO / "scripts" / "samples"))
import _torchfile  # noqa: E402

K = 4
EPOCHS = 6


def labels(seed: int, k: int = K, n: int = 200):
    """Per epoch (y_true, y_pred): accuracy rising, class k-1 never predicted, and at epoch 3 class 0
    never present; the last epoch predicts one class only (MCC's denominator is 0 there)."""
    rng = np.random.default_rng(seed)
    out = []
    for e in range(EPOCHS):
        y = rng.integers(0, k, n)
        if e == 2:
            y = rng.integers(1, k, n)
        right = rng.random(n) < 0.3 + 0.1 * e
        pred = np.where(right, y, rng.integers(0, k, n))
        pred = np.where(pred == k - 1, 0, pred)
        if e == EPOCHS - 1:
            pred = np.full(n, 1)
        out.append((y, pred))
    return out


def matrices(pairs, k: int = K) -> list[list[list[int]]]:
    return [sk.confusion_matrix(y, p, labels=list(range(k))).tolist() for y, p in pairs]


def history_file(tmp_path, name="h.json"):
    pairs = labels(0)
    obj = {
        "loss": list(np.linspace(1, 0.2, EPOCHS)),
        "val_loss": list(np.linspace(1.1, 0.5, EPOCHS)),
        "val_confusion_matrix": matrices(pairs),
        "classes": ["T-shirt", "Trouser", "Pullover", "Coat"],
    }
    path = tmp_path / name
    path.write_text(json.dumps(obj))
    return path, pairs


def test_matrix_is_read_with_its_epochs_and_class_names(tmp_path):
    path, pairs = history_file(tmp_path)
    h = histplot.load(path)
    m = h.matrices["val"]
    assert m.counts.shape == (EPOCHS, K, K)
    assert m.epochs.tolist() == list(range(1, EPOCHS + 1))
    assert m.classes == ["T-shirt", "Trouser", "Pullover", "Coat"]
    np.testing.assert_array_equal(m.at(2), sk.confusion_matrix(*pairs[1], labels=list(range(K))))
    assert "val_confusion_matrix" not in h.frame.columns and "classes" not in h.frame.columns


def test_overall_metrics_match_scikit_learn_and_zero_denominators_are_nan(tmp_path):
    path, pairs = history_file(tmp_path)
    h = histplot.derive(histplot.load(path))
    f = h.frame
    for e, (y, p) in enumerate(pairs, 1):
        assert f.loc[e, "val_accuracy"] == pytest.approx(sk.accuracy_score(y, p))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kappa = sk.cohen_kappa_score(y, p)
        if len(set(p)) == 1:  # one predicted class: both denominators of R_K's product vanish
            assert np.isnan(f.loc[e, "val_mcc"]) and sk.matthews_corrcoef(y, p) == 0.0
        else:
            assert f.loc[e, "val_mcc"] == pytest.approx(sk.matthews_corrcoef(y, p), abs=1e-12)
        assert f.loc[e, "val_kappa"] == pytest.approx(kappa, abs=1e-12)


def test_per_class_and_macro_metrics_match_scikit_learn(tmp_path):
    path, pairs = history_file(tmp_path)
    f = histplot.derive(histplot.load(path)).frame
    for e, (y, p) in enumerate(pairs, 1):
        prec, rec, f1, _ = sk.precision_recall_fscore_support(
            y, p, labels=list(range(K)), zero_division=np.nan, average=None
        )
        for k in range(K):
            for name, want in (("precision", prec[k]), ("recall", rec[k]), ("f1", f1[k])):
                got = f.loc[e, f"val_{name}_{k}"]
                assert (np.isnan(got) and np.isnan(want)) or got == pytest.approx(want), (e, name, k)
            yk, pk = (y == k).astype(int), (p == k).astype(int)
            if len(set(yk)) > 1 and len(set(pk)) > 1:
                assert f.loc[e, f"val_mcc_{k}"] == pytest.approx(sk.matthews_corrcoef(yk, pk))
            else:
                assert np.isnan(f.loc[e, f"val_mcc_{k}"])
        for name in ("precision", "recall", "f1"):
            want = sk.precision_recall_fscore_support(
                y, p, labels=list(range(K)), zero_division=np.nan, average="macro"
            )[("precision", "recall", "f1").index(name)]
            assert f.loc[e, f"val_macro_{name}"] == pytest.approx(want), (e, name)
    # class 3 is never predicted: its precision is undefined, not 0
    assert f[f"val_precision_{K - 1}"].isna().all()
    # class 0 never occurs at epoch 3: its recall is undefined there
    assert np.isnan(f.loc[3, "val_recall_0"])


def test_one_vs_rest_counts_give_multiclass_mcc_and_kappa(tmp_path):
    pairs = labels(1)
    obj = {"loss": list(np.linspace(1, 0.2, EPOCHS))}
    for k in range(K):
        for kind in ("tp", "fp", "fn", "tn"):
            obj[f"val_{kind}_{k}"] = []
    for y, p in pairs:
        mcm = sk.multilabel_confusion_matrix(y, p, labels=list(range(K)))  # [[tn, fp], [fn, tp]] per class
        for k in range(K):
            (tn, fp), (fn, tp) = mcm[k]
            for kind, v in (("tp", tp), ("fp", fp), ("fn", fn), ("tn", tn)):
                obj[f"val_{kind}_{k}"].append(int(v))
    path = tmp_path / "ovr.json"
    path.write_text(json.dumps(obj))
    f = histplot.derive(histplot.load(path)).frame
    for e, (y, p) in enumerate(pairs, 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kappa = sk.cohen_kappa_score(y, p)
        assert f.loc[e, "val_kappa"] == pytest.approx(kappa, abs=1e-12)
        assert f.loc[e, "val_accuracy"] == pytest.approx(sk.accuracy_score(y, p))
        if len(set(p)) > 1:
            assert f.loc[e, "val_mcc"] == pytest.approx(sk.matthews_corrcoef(y, p), abs=1e-12)
        else:
            assert np.isnan(f.loc[e, "val_mcc"])


def test_multilabel_counts_get_no_multiclass_value(tmp_path):
    rng = np.random.default_rng(3)
    obj = {"loss": [1.0, 0.5, 0.3]}
    for k in range(3):  # independent labels: a sample can be positive for several classes
        for kind in ("tp", "fp", "fn"):
            obj[f"val_{kind}_{k}"] = rng.integers(1, 20, 3).tolist()
        obj[f"val_tn_{k}"] = [
            100 - obj[f"val_tp_{k}"][i] - obj[f"val_fp_{k}"][i] - obj[f"val_fn_{k}"][i] for i in range(3)
        ]
    path = tmp_path / "ml.json"
    path.write_text(json.dumps(obj))
    h = histplot.derive(histplot.load(path))
    assert "val_mcc" not in h.frame.columns and "val_kappa" not in h.frame.columns
    assert "val_precision_0" in h.frame.columns
    assert any("not of exclusive classes" in n for n in h.notes)


def test_file_value_is_never_replaced(tmp_path):
    path, _ = history_file(tmp_path)
    obj = json.loads(path.read_text())
    obj["val_accuracy"] = [0.5] * EPOCHS
    path.write_text(json.dumps(obj))
    f = histplot.derive(histplot.load(path)).frame
    assert (f["val_accuracy"] == 0.5).all()


@pytest.mark.parametrize("fmt", ["yaml", "jsonl", "pickle", "torch"])
def test_matrices_from_every_object_format(tmp_path, fmt):
    pairs = labels(2, k=3)
    mats = matrices(pairs, k=3)
    loss = [float(x) for x in np.linspace(1, 0.2, EPOCHS)]
    if fmt == "yaml":
        path = tmp_path / "h.yaml"
        path.write_text(yaml.safe_dump({"loss": loss, "test_cm": mats, "labels": ["a", "b", "c"]}))
    elif fmt == "jsonl":
        path = tmp_path / "log.jsonl"
        path.write_text(
            "".join(json.dumps({"epoch": e, "loss": loss[e], "test_cm": mats[e]}) + "\n" for e in range(EPOCHS))
        )
    elif fmt == "pickle":
        path = tmp_path / "h.pkl"
        path.write_bytes(pickle.dumps({"loss": loss, "test_cm": np.array(mats)}))
    else:
        path = tmp_path / "h.pt"
        _torchfile.save_zip({"loss": loss, "test_cm": [_torchfile.Tensor(m, "int64") for m in mats]}, path)
    h = histplot.load(path)
    np.testing.assert_array_equal(h.matrices["test"].counts, np.array(mats, dtype=float))
    assert h.matrices["test"].epochs.tolist() == list(range(1, EPOCHS + 1))
    f = histplot.derive(h).frame
    y, p = pairs[1]
    assert f.loc[2, "test_mcc"] == pytest.approx(sk.matthews_corrcoef(y, p))


def test_bad_matrices_are_skipped_with_a_note(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"loss": [1, 0.5], "cm": [[[1, 2], [3, 4]], [[1, 2, 3], [3, 4, 5]]]}))
    h = histplot.load(path)
    assert not h.matrices and any("not a 2 x 2 matrix" in n for n in h.notes)
    path.write_text(json.dumps({"loss": [1, 0.5], "cm": [[[1, -2], [3, 4]], [[1, 2], [3, 4]]]}))
    h = histplot.load(path)
    assert not h.matrices and any("negative or non-finite" in n for n in h.notes)


def test_matrices_are_bounded_before_they_are_built(tmp_path, monkeypatch):
    from histplot.readers import _arrays

    monkeypatch.setattr(_arrays, "MAX_ELEMENTS", 100)
    path = tmp_path / "big.json"
    big = np.zeros((2, 8, 8), dtype=int).tolist()  # 128 elements
    path.write_text(json.dumps({"loss": [1, 0.5], "val_cm": big}))
    h = histplot.load(path)
    assert not h.matrices and any("memory budget" in n for n in h.notes)
    assert h.frame["loss"].tolist() == [1, 0.5]


def test_threshold_vectors_of_counts_are_not_distributions(tmp_path):
    path = tmp_path / "thr.json"
    path.write_text(json.dumps({"loss": [1, 0.5], "true_positives": [[1, 2, 3], [2, 3, 4]]}))
    h = histplot.load(path)
    assert not h.distributions and not h.matrices


def test_confusion_figure_shows_best_and_last_with_shared_scales(tmp_path):
    from histplot.figures.confusion import confusion_figure

    path, pairs = history_file(tmp_path)
    h = histplot.load(path)  # val_loss falls to the end: the best epoch is the last, one row
    fig = confusion_figure(h)
    assert [ax.get_title() for ax in fig.axes[:2]] == [
        f"epoch {EPOCHS} (best val_loss): counts",
        f"epoch {EPOCHS} (best val_loss): row-normalised (recall)",
    ]
    obj = json.loads(path.read_text())
    obj["val_loss"] = [1.0, 0.8, 0.5, 0.6, 0.7, 0.9]  # best at epoch 3
    path.write_text(json.dumps(obj))
    h = histplot.load(path)
    fig = confusion_figure(h)
    heat = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in heat] == [
        "epoch 3 (best val_loss): counts",
        "epoch 3 (best val_loss): row-normalised (recall)",
        f"epoch {EPOCHS} (last): counts",
        f"epoch {EPOCHS} (last): row-normalised (recall)",
    ]
    np.testing.assert_array_equal(heat[0].images[0].get_array(), h.matrices["val"].at(3))
    assert heat[0].images[0].norm.vmax == heat[2].images[0].norm.vmax == h.matrices["val"].counts[[2, 5]].max()
    assert heat[1].images[0].norm.vmax == heat[3].images[0].norm.vmax == 1.0
    assert [t.get_text() for t in heat[0].get_yticklabels()] == ["T-shirt", "Trouser", "Pullover", "Coat"]
    assert len(heat[0].texts) == K * K  # few classes: every cell has its number
    recall = heat[1].images[0].get_array()
    y, p = pairs[2]
    want = sk.recall_score(y, p, labels=list(range(K)), average=None, zero_division=np.nan)
    np.testing.assert_allclose(np.diagonal(recall), want)


def test_large_matrices_are_drawn_without_numbers(tmp_path):
    from histplot.figures.confusion import confusion_figure

    k = 40
    rng = np.random.default_rng(7)
    mats = [rng.integers(0, 5, (k, k)).tolist() for _ in range(3)]
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"loss": [1, 0.5, 0.4], "val_loss": [1, 0.6, 0.7], "val_cm": mats}))
    fig = confusion_figure(histplot.load(path))
    heat = [ax for ax in fig.axes if ax.images]
    assert len(heat) == 4 and all(len(ax.texts) == 0 for ax in heat)


def test_report_has_the_confusion_figure_recall_and_slider(tmp_path, run):
    path, pairs = history_file(tmp_path)
    obj = json.loads(path.read_text())
    obj["val_loss"] = [1.0, 0.8, 0.5, 0.6, 0.7, 0.9]
    path.write_text(json.dumps(obj))
    run("report", path, "-o", tmp_path / "rep", ok=True)
    data = json.loads((tmp_path / "rep" / "summary.json").read_text())
    [r] = data["runs"]
    assert r["extra_figures"]["confusion"]["png"] == "figures/h-confusion.png"
    assert (tmp_path / "rep" / "figures" / "h-confusion.png").is_file()
    y, p = pairs[2]
    want = sk.recall_score(y, p, labels=list(range(K)), average=None, zero_division=np.nan)
    assert r["confusion"]["epoch"] == 3 and r["confusion"]["split"] == "val"
    assert list(r["confusion"]["recall"]) == ["T-shirt", "Trouser", "Pullover", "Coat"]
    # class 0 never occurs at epoch 3: its recall is undefined, null in JSON
    assert r["confusion"]["recall"]["T-shirt"] is None
    assert list(r["confusion"]["recall"].values())[1:] == pytest.approx([float(f"{v:.6g}") for v in want[1:]])
    page = (tmp_path / "rep" / "index.html").read_text()
    assert 'type="range"' in page and '"epochs":[1,2,3,4,5,6]' in page and "slider" not in r


def test_training_counts_identical_to_validation_counts_are_a_warning(tmp_path):
    counts = {
        "true_positives": [5, 7, 8, 9],
        "false_positives": [3, 2, 2, 1],
        "true_negatives": [50, 52, 53, 54],
        "false_negatives": [4, 3, 2, 2],
    }
    obj = {"loss": [1, 0.8, 0.6, 0.5], "val_loss": [1.1, 0.9, 0.7, 0.6]}
    for k, v in counts.items():  # Keras 3 on torch: the validation counts under both names
        obj[k] = v
        obj[f"val_{k}"] = v
    path = tmp_path / "mirror.json"
    path.write_text(json.dumps(obj))
    h = histplot.derive(histplot.load(path))
    [note] = [n for n in h.notes if "identical to their held-out twins" in n]
    assert "'precision'" in note and "'true_positives' = 'val_true_positives'" in note
    found = [f for f in histplot.diagnose(h).findings if f.kind == "mirrored_series"]
    assert {(f.numbers["train"], f.numbers["held_out"]) for f in found} == {(k, f"val_{k}") for k in counts}
    assert all(f.severity == "warning" and f.epochs == [1, 4] for f in found)
    # the losses differ, the derived columns are not the file's: neither is reported
    obj["true_positives"] = [5, 7, 8, 10]
    path.write_text(json.dumps(obj))
    found = [
        f.numbers["train"]
        for f in histplot.diagnose(histplot.derive(histplot.load(path))).findings
        if f.kind == "mirrored_series"
    ]
    assert "true_positives" not in found and "precision" not in found and len(found) == 3


def test_constant_or_short_twins_are_not_a_finding(tmp_path):
    obj = {
        "loss": [1, 0.8, 0.6],
        "val_loss": [1.1, 0.9, 0.7],
        "fn": [0, 0, 0],
        "val_fn": [0, 0, 0],
        "auc": [0.5, 0.6, None],
        "val_auc": [0.5, 0.6, None],
    }
    path = tmp_path / "c.json"
    path.write_text(json.dumps(obj))
    assert not [f for f in histplot.diagnose(histplot.load(path)).findings if f.kind == "mirrored_series"]


def test_class_names_from_histplot_yaml(tmp_path, run):
    from histplot.metrics.derive import deriver

    path, _ = history_file(tmp_path)
    obj = json.loads(path.read_text())
    del obj["classes"]
    path.write_text(json.dumps(obj))
    config = tmp_path / "histplot.yaml"
    config.write_text("classes: [tee, trouser, pullover, coat]\n")
    h = deriver(config_path=config)(histplot.load(path))
    assert h.matrices["val"].classes == ["tee", "trouser", "pullover", "coat"]
    assert histplot.load(path).matrices["val"].classes is None  # the loaded history is left as it was
    config.write_text("classes: [a, b]\n")
    h = deriver(config_path=config)(histplot.load(path))
    assert h.matrices["val"].classes is None and any("names 2 classes" in n for n in h.notes)
    config.write_text("classes: 3\n")
    r = run("info", path, "--config", config)
    assert r.exit_code == 2 and "'classes' must be a list" in r.stderr


def test_one_matrix_for_the_whole_run_is_kept_as_a_final_evaluation(tmp_path):
    path = tmp_path / "final.json"
    path.write_text(
        json.dumps({"loss": [1, 0.5, 0.4, 0.3], "test_confusion_matrix": [[5, 1, 0], [2, 3, 1], [0, 0, 6]]})
    )
    h = histplot.load(path)
    assert not h.matrices and h.meta["final_matrices"]["test_confusion_matrix"][2] == [0.0, 0.0, 6.0]
    assert h.frame["loss"].tolist() == [1, 0.5, 0.4, 0.3]


@pytest.mark.parametrize("fmt", ["json", "torch"])
def test_a_file_of_matrices_alone_is_a_history(tmp_path, fmt):
    """A callback's dump of torchmetrics' ConfusionMatrix per epoch, nothing else: its accuracy is
    the curve, every other metric is derived from the matrices (scikit-learn as the oracle)."""
    pairs = labels(3)
    mats = matrices(pairs)
    if fmt == "json":
        path = tmp_path / "cm_history.json"
        path.write_text(json.dumps({"val_confusion_matrix": mats, "classes": ["a", "b", "c", "d"]}))
    else:
        path = tmp_path / "cm_history.pt"
        # one (epochs, K, K) tensor: the matrices of the run, not a model weight
        _torchfile.save_zip(
            {"val_confusion_matrix": _torchfile.Tensor(mats, "int64"), "classes": ["a", "b", "c", "d"]}, path
        )
    h = histplot.load(path)
    assert h.epochs == EPOCHS and h.matrices["val"].classes == ["a", "b", "c", "d"]
    acc = [sk.accuracy_score(y, p) for y, p in pairs]
    np.testing.assert_allclose(h.frame["val_accuracy"].to_numpy(), acc)
    d = histplot.derive(h).frame
    y, p = pairs[1]
    assert d.loc[2, "val_mcc"] == pytest.approx(sk.matthews_corrcoef(y, p))
    assert d.loc[2, "val_kappa"] == pytest.approx(sk.cohen_kappa_score(y, p))
    # the run-level accuracy is monitored, not a derived per-class error rate
    assert histplot.diagnose(histplot.derive(h)).monitor == "val_accuracy"
