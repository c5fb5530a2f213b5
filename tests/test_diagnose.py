"""diagnose() on synthetic histories whose answers are known, and on the bundled samples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import histplot
from histplot.diagnosis.monitor import auto_mode
from histplot.diagnosis.run import diagnose
from histplot.diagnosis.settings import KINDS, Settings, make_settings, parse_kinds, settings_from_config
from histplot.errors import ConfigError, HistplotError
from histplot.history import History

from conftest import SAMPLES

N = 40
T = np.arange(N)
DECAY = 0.2 + 1.8 * np.exp(-0.12 * T)  # a training loss that keeps falling


def hist(**cols) -> History:
    return History.build(cols, source="synthetic.json")


def gaps(values) -> list:
    """``values`` with NaN as missing cells (None), as a reader gives a series logged sparsely."""
    return [None if np.isnan(v) else float(v) for v in values]


def u_shape(best: int, n: int = N, slope: float = 0.03) -> np.ndarray:
    """Falls to 0.5 at 1-based epoch `best`, then rises by `slope` per epoch."""
    e = np.arange(1, n + 1)
    return np.where(e <= best, 0.5 + 0.05 * (best - e), 0.5 + slope * (e - best))


def kinds(d):
    return [f.kind for f in d.findings]


# -- overfitting ----------------------------------------------------------------------------------
def test_overfitting_found_with_onset_gl_and_gap():
    d = diagnose(hist(loss=DECAY, val_loss=u_shape(15)))
    f = d.first("overfitting")
    assert f is not None and f.severity == "warning"
    # GL > 5 first when 0.5 + 0.03 k > 0.525: k = 1 gives 0.53 -> epoch 16
    assert f.numbers["best_epoch"] == 15 and f.numbers["onset"] == 16
    # end: mean of the last 3 (epochs 38-40) vs the lowest 3-value mean (epochs 14-16: 0.5167)
    end = np.mean(u_shape(15)[-3:])
    assert f.numbers["gl_end"] == pytest.approx(100 * (end / np.mean([0.55, 0.5, 0.53]) - 1))
    gap_best = 0.5 - DECAY[14]
    gap_end = end - DECAY[-3:].mean()
    assert f.numbers["gap_growth"] == pytest.approx(gap_end - gap_best)
    assert f.epochs == [16, 40]
    assert d.monitor == "val_loss" and d.mode == "min"


def test_not_overfitting_when_training_loss_rises_too():
    rising = np.concatenate([DECAY[:15], DECAY[14] * (1 + 0.05 * np.arange(1, 26))])
    d = diagnose(hist(loss=rising, val_loss=u_shape(15)))
    assert "overfitting" not in kinds(d)
    assert any("did not keep improving" in n for n in d.notes)


def test_not_overfitting_when_validation_recovers():
    val = u_shape(15)
    val[-4:] = [0.52, 0.51, 0.51, 0.51]
    d = diagnose(hist(loss=DECAY, val_loss=val))
    assert "overfitting" not in kinds(d)
    assert any("recovered" in n for n in d.notes)


def test_not_overfitting_with_fewer_than_three_values_after_best():
    d = diagnose(hist(loss=DECAY, val_loss=u_shape(38)))
    assert d.first("best_epoch").epochs == [38]
    assert "overfitting" not in kinds(d)


# GL: epoch 16 (0.53 > 0.525). UP: strip ends 15 (0.50), 20 (0.65), 25 (0.80) -> UP1 at 20, UP2 at
# 25. Keras replay with patience 5: epochs 16..20 do not improve -> stops at 20.
@pytest.mark.parametrize("criterion, onset", [("gl", 16), ("up:1", 20), ("up:2", 25), ("keras", 20)])
def test_criteria_give_their_own_onset(criterion, onset):
    d = diagnose(hist(loss=DECAY, val_loss=u_shape(15)), criterion=criterion)
    assert d.first("overfitting").numbers["onset"] == onset


def test_pq_criterion_onset_is_a_strip_end():
    d = diagnose(hist(loss=DECAY, val_loss=u_shape(15)), criterion="pq:0.5")
    onset = d.first("overfitting").numbers["onset"]
    assert onset % 5 == 0 and onset > 15


# -- best epoch and edges -------------------------------------------------------------------------
def test_best_at_last_epoch_is_still_improving():
    d = diagnose(hist(loss=DECAY, val_loss=DECAY + 0.1))
    assert d.first("best_epoch").epochs == [N]
    assert d.first("best_epoch").numbers["epochs_after"] == 0
    assert kinds(d) == ["best_epoch", "still_improving"]
    assert not d.found("overfitting") and not d.found("plateau")


def test_best_at_first_epoch():
    val = 0.5 + 0.02 * T
    d = diagnose(hist(loss=DECAY, val_loss=val))
    assert d.first("best_epoch").epochs == [1]
    assert d.first("overfitting").numbers["onset"] == 3  # 0.54 > 0.525; 0.52 is not
    assert d.first("early_stopping").numbers["stopped_epoch"] == 6  # patience 5


def test_ties_go_to_the_first_epoch():
    val = np.array([0.9, 0.5, 0.7, 0.5, 0.8, 0.5])
    d = diagnose(hist(loss=np.linspace(1, 0.5, 6), val_loss=val))
    assert d.first("best_epoch").epochs == [2]


def test_all_nan_validation_monitors_training_loss():
    frame = pd.DataFrame(
        {"loss": DECAY, "val_loss": np.full(N, np.nan)}, index=pd.Index(np.arange(1, N + 1), name="epoch")
    )
    d = diagnose(History(frame=frame, meta={"source": "x"}))
    assert d.monitor == "loss"
    assert any("no validation series" in n for n in d.notes)
    assert "overfitting" not in kinds(d) and "divergence" not in kinds(d)


def test_validation_every_third_epoch():
    val = np.full(30, np.nan)
    val[2::3] = u_shape(5, n=10, slope=0.1)  # best at the 5th value = epoch 15
    d = diagnose(hist(loss=DECAY[:30], val_loss=gaps(val)))
    assert d.first("best_epoch").epochs == [15]
    assert d.first("overfitting").numbers["onset"] == 18
    # 5 non-improving values (epochs 18..30), patience 5 -> stops at epoch 30; never at a gap epoch
    assert d.first("early_stopping").numbers["stopped_epoch"] == 30
    assert d.first("best_epoch").numbers["values_after"] == 5
    assert not d.found("divergence")  # NaN between validations is missing, not logged


def test_single_epoch():
    d = diagnose(hist(loss=[0.9], val_loss=[0.8]))
    assert kinds(d) == ["best_epoch"]
    assert d.first("best_epoch").numbers == {
        "epoch": 1,
        "value": 0.8,
        "last_epoch": 1,
        "epochs_after": 0,
        "values_after": 0,
    }


def test_nan_from_epoch_k_is_divergence_not_overfitting():
    loss, val = DECAY.copy(), u_shape(30)
    loss[24:] = np.nan
    val[24:] = np.nan
    d = diagnose(hist(loss=loss, val_loss=val))
    f = d.first("divergence")
    assert f.severity == "error" and f.epochs == [25]
    assert f.numbers["columns"] == ["loss", "val_loss"]
    assert d.first("best_epoch").epochs == [24]
    assert "overfitting" not in kinds(d) and "still_improving" not in kinds(d)
    assert d.return_code(["divergence"]) == 1


def test_accuracy_monitored_in_max_mode():
    acc = 1 - DECAY / 4
    val_acc = 1 - u_shape(12) / 2  # best (max) at epoch 12
    d = diagnose(hist(loss=DECAY, accuracy=acc, val_loss=DECAY + 0.1, val_accuracy=val_acc), monitor="val_acc")
    assert d.monitor == "val_accuracy" and d.mode == "max"
    assert d.first("best_epoch").epochs == [12]
    assert d.first("best_epoch").numbers["value"] == pytest.approx(0.75)
    f = d.first("overfitting")  # on E = 1 - accuracy: 0.25 -> 0.25 + 0.015 k; GL > 5 from k = 1
    assert f.numbers["onset"] == 13


def test_mode_can_be_forced():
    d = diagnose(hist(loss=DECAY, val_loss=DECAY), mode="max")
    assert d.mode == "max" and d.first("best_epoch").epochs == [1]


# -- divergence, spike, plateau -------------------------------------------------------------------
def test_training_loss_explosion():
    loss = DECAY.copy()
    loss[30:] = DECAY[29] * np.linspace(2.5, 6, 10)
    d = diagnose(hist(loss=loss, val_loss=DECAY + 0.1), kinds=["divergence"])
    f = d.first("divergence")
    assert f.numbers["onset"] == 31 and f.numbers["running_min_epoch"] == 30
    assert f.numbers["running_min"] == pytest.approx(DECAY[29])


def test_a_brief_rise_is_not_divergence_but_may_be_a_spike():
    loss = DECAY.copy()
    loss[20] = DECAY[20] * 15
    d = diagnose(hist(loss=loss, val_loss=DECAY + 0.1))
    assert not d.found("divergence")
    f = d.first("spike")
    assert f.epochs == [21] and f.numbers["ratios"][0] == pytest.approx(15, rel=0.1)


def test_a_spike_that_does_not_recover_is_not_a_spike():
    loss = DECAY.copy()
    loss[35:] = DECAY[35] * 20
    d = diagnose(hist(loss=loss, val_loss=DECAY + 0.1))
    assert not d.found("spike")
    assert d.first("divergence").numbers["onset"] == 36


def test_plateau():
    val = np.concatenate([DECAY[:20] + 0.1, np.full(20, DECAY[19] + 0.1)])
    d = diagnose(hist(loss=DECAY, val_loss=val))
    f = d.first("plateau")
    assert f.epochs == [31, 40] and f.numbers["relative_change"] == 0
    assert not d.found("still_improving") and not d.found("overfitting")


def test_kinds_limit_the_checks_but_best_epoch_is_always_there():
    d = diagnose(hist(loss=DECAY, val_loss=u_shape(15)), kinds=["plateau"])
    assert kinds(d) == ["best_epoch"]
    assert d.kinds == ["plateau"]


def test_step_level_spikes_are_reported_by_step():
    steps = pd.DataFrame(
        {"loss": np.r_[np.full(30, 1.0), 30.0, np.full(30, 0.9)]}, index=pd.Index(np.arange(0, 610, 10), name="step")
    )
    h = hist(loss=DECAY, val_loss=DECAY + 0.1)
    h.steps = steps
    f = diagnose(h, kinds=["spike"]).first("spike")
    assert f.steps == [300] and f.epochs == []


# -- names, settings, return code -----------------------------------------------------------------
@pytest.mark.parametrize(
    "name, mode",
    [
        ("val_loss", "min"),
        ("val_accuracy", "max"),
        ("val_acc", "max"),
        ("test_mse", "min"),
        ("val_auc", "max"),
        ("val_f1", "max"),
        ("val_mcc", "max"),
        ("val_dice_loss", "min"),
        ("eval_wer", "min"),
        ("val_mean_io_u", "max"),
        ("val_top_k_categorical_accuracy", "max"),
    ],
)
def test_auto_mode(name, mode):
    assert auto_mode(name) == mode


def test_default_monitor_order():
    assert diagnose(hist(loss=DECAY, test_loss=DECAY, val_loss=DECAY)).monitor == "val_loss"
    assert diagnose(hist(loss=DECAY, test_loss=DECAY)).monitor == "test_loss"
    assert diagnose(hist(train_mse=DECAY, test_mse=DECAY)).monitor == "test_mse"
    d = diagnose(hist(loss=DECAY, val_accuracy=1 - DECAY / 3))
    assert d.monitor == "val_accuracy" and d.mode == "max"


def test_unknown_monitor_is_an_error():
    with pytest.raises(HistplotError, match="no series 'val_nope'"):
        diagnose(hist(loss=DECAY), monitor="val_nope")


def test_settings_precedence_and_validation():
    base, fail_on = settings_from_config({"alpha": 10, "patience": 3, "fail_on": "overfit"})
    assert (base.alpha, base.patience, fail_on) == (10.0, 3, ["overfitting"])
    s = make_settings(base, alpha=2.0, patience=None)  # an option beats the config; None is "not given"
    assert (s.alpha, s.patience) == (2.0, 3)
    assert make_settings(criterion="pq:0.75").pq_alpha == 0.75
    assert make_settings(criterion="UP:2").up_strips == 2
    with pytest.raises(ConfigError, match="bogus"):
        settings_from_config({"bogus": 1})
    with pytest.raises(ConfigError, match="patience"):
        settings_from_config({"patience": "many"})
    with pytest.raises(ConfigError, match="criterion"):
        Settings(criterion="xx")
    with pytest.raises(ConfigError, match="unknown finding kind 'nope'"):
        parse_kinds("overfit,nope")
    assert parse_kinds("all") == list(KINDS)


def test_return_code():
    d = diagnose(hist(loss=DECAY, val_loss=u_shape(15)))
    assert d.return_code([]) == 0
    assert d.return_code(["overfitting"]) == 1
    assert d.return_code(["overfit"]) == 1
    assert d.return_code(["divergence", "plateau"]) == 0


def test_json_dict_has_no_nan():
    loss = DECAY.copy()
    loss[30:] = np.nan
    data = diagnose(hist(loss=loss, val_loss=DECAY)).to_dict(["divergence"])
    assert data["failed"] is True and data["failing_kinds"] == ["divergence"]
    import json

    json.dumps(data, allow_nan=False)


# -- the bundled samples --------------------------------------------------------------------------
def test_overfitting_sample_is_flagged():
    d = diagnose(histplot.load(SAMPLES / "overfitting_run.json"))
    f = d.first("overfitting")
    assert f is not None
    assert 12 <= f.numbers["best_epoch"] <= 18 and f.numbers["best_epoch"] < f.numbers["onset"] <= 22
    assert f.numbers["gl_end"] > 100 and f.numbers["gap_growth"] > 1


@pytest.mark.parametrize(
    "name, monitor",
    [
        ("keras_classification.json", "val_loss"),
        ("csvlogger_training.log", "val_loss"),
        ("pytorch_regression.pkl", "test_mse"),
    ],
)
def test_healthy_samples_are_not_flagged(name, monitor):
    d = diagnose(histplot.load(SAMPLES / name))
    assert d.monitor == monitor
    assert not d.found("overfitting") and not d.found("divergence") and not d.found("spike")
    assert d.return_code(["overfitting", "divergence", "spike"]) == 0
    assert not math.isnan(d.first("best_epoch").numbers["value"])


def test_window_min_matches_the_direct_minimum_of_every_window():
    from numpy.lib.stride_tricks import sliding_window_view

    from histplot.diagnosis.checks import window_min

    rng = np.random.default_rng(3)
    for n in (1, 5, 12, 13, 100, 1001):
        v = rng.normal(size=n)
        v[rng.random(n) < 0.05] = np.nan
        v[rng.random(n) < 0.02] = np.inf
        for k in (1, 2, 5, 12, n):
            if k > n:
                continue
            expected = sliding_window_view(v, k).min(axis=1)
            np.testing.assert_array_equal(window_min(v, k), expected)


def test_one_lucky_low_value_is_not_the_level_a_rise_is_measured_from():
    rng = np.random.default_rng(3)
    loss = 0.1 + 0.01 * rng.standard_normal(60)
    loss[50] = 0.03  # one batch far below its neighbours, then the usual level again
    d = diagnose(hist(loss=loss, val_loss=loss + 0.05), kinds=["divergence"])
    assert not d.found("divergence")
    loss[51:] = 0.5  # a real blow-up after it is still one
    assert diagnose(hist(loss=loss, val_loss=loss + 0.05), kinds=["divergence"]).found("divergence")


def test_a_rising_loss_component_under_a_falling_total_is_not_divergence():
    """detectron2: loss_box_reg grows while the RPN matches more foreground; total_loss falls."""
    component = np.r_[np.linspace(1.0, 0.15, 10), np.linspace(0.2, 0.5, 30)]
    total = np.linspace(3.0, 0.8, 40)
    d = diagnose(hist(loss_box_reg=component, total_loss=total), kinds=["divergence"])
    assert not d.found("divergence")
