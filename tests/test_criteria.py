"""Prechelt's criteria on a hand-computed example, and the Keras 3 EarlyStopping replay against a
step-by-step re-statement of ``EarlyStopping.on_epoch_end`` (keras/src/callbacks/early_stopping.py)."""

from __future__ import annotations

import math
import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from histplot.diagnosis.criteria import (
    generalization_loss,
    gl_firings,
    keras_early_stopping,
    pq_firings,
    strip_ends,
    training_progress,
    up_firings,
)

# -- Prechelt, worked by hand ---------------------------------------------------------------------
EPOCHS = list(range(1, 11))
E_VA = [1.0, 0.8, 0.6, 0.5, 0.55, 0.5, 0.45, 0.5, 0.54, 0.6]
E_TR = [2.0, 1.5, 1.2, 1.0, 0.9, 0.8, 0.75, 0.72, 0.7, 0.69]


def test_generalization_loss_by_hand():
    # E_opt: 1, .8, .6, .5, .5, .5, .45, .45, .45, .45
    expected = [0, 0, 0, 0, 10.0, 0, 0, 100 * (0.5 / 0.45 - 1), 20.0, 100 * (0.6 / 0.45 - 1)]
    assert generalization_loss(E_VA) == pytest.approx(expected)
    assert gl_firings(EPOCHS, E_VA, 5) == [5, 8, 9, 10]
    assert gl_firings(EPOCHS, E_VA, 25) == [10]


def test_generalization_loss_undefined_when_best_error_not_positive():
    gl = generalization_loss([0.2, 0.0, 0.1])
    assert gl[0] == 0 and math.isnan(gl[1]) and math.isnan(gl[2])


def test_training_progress_by_hand():
    # strip 1..5: sum 6.6, min 0.9 -> 1000 * (6.6 / 4.5 - 1)
    assert training_progress(EPOCHS, E_TR, 5, 5) == pytest.approx(1000 * (6.6 / 4.5 - 1))
    # strip 6..10: sum 3.66, min 0.69 -> 1000 * (3.66 / 3.45 - 1) = 60.87
    assert training_progress(EPOCHS, E_TR, 10, 5) == pytest.approx(60.8695652)


def test_pq_fires_only_at_strip_ends():
    # t=5: GL 10 / P 466.7 = 0.021; t=10: GL 33.3 / P 60.87 = 0.548. Epoch 8 (GL 11) is no strip end.
    hits = pq_firings(EPOCHS, E_VA, EPOCHS, E_TR, alpha=0.5, k=5)
    assert [(e, round(g, 3), round(p, 2)) for e, g, p in hits] == [(10, 33.333, 60.87)]
    assert pq_firings(EPOCHS, E_VA, EPOCHS, E_TR, alpha=0.6, k=5) == []


def test_up_counts_successive_strips():
    epochs = list(range(1, 21))
    e_va = [1.0] * 20
    for t, v in ((5, 0.5), (10, 0.4), (15, 0.45), (20, 0.5)):
        e_va[t - 1] = v
    assert up_firings(epochs, e_va, s=1, k=5) == [15, 20]
    assert up_firings(epochs, e_va, s=2, k=5) == [20]
    assert up_firings(epochs, e_va, s=3, k=5) == []


def test_up_with_sparse_validation_uses_the_strips_latest_value():
    # validation every 3rd epoch: strips end at 5, 10, 15 holding values of epochs 3, 9, 15
    epochs, e_va = [3, 6, 9, 12, 15], [0.5, 0.4, 0.45, 0.6, 0.7]
    assert up_firings(epochs, e_va, s=1, k=5) == [15]  # 0.45 (ep 9) < 0.5 (ep 3); 0.7 > 0.45
    assert strip_ends(3, 15, 5) == [5, 10, 15]


# -- Keras 3 EarlyStopping, re-stated ------------------------------------------------------------
class KerasEarlyStoppingMirror:
    """A line-by-line re-statement of Keras 3 EarlyStopping (monitor_callback.py + early_stopping.py)."""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, mode="min", baseline=None, start_from_epoch=0):
        self.monitor = monitor
        self.patience = patience
        self.baseline = baseline
        self.min_delta = abs(min_delta)
        self.start_from_epoch = start_from_epoch
        self.monitor_op = operator.lt if mode == "min" else operator.gt
        if self.monitor_op == operator.lt:
            self.min_delta *= -1
        self.stop_training = False

    def on_train_begin(self):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_epoch = 0

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        return self.monitor_op(monitor_value - self.min_delta, reference_value)

    def on_epoch_end(self, epoch, logs):
        current = logs.get(self.monitor)
        if current is None or epoch < self.start_from_epoch:
            return
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.stop_training = True


def fit(values, **params):
    """Train epoch by epoch (0-based) the way Keras' fit loop does, until stop_training."""
    cb = KerasEarlyStoppingMirror(**params)
    cb.on_train_begin()
    for epoch, v in enumerate(values):
        cb.on_epoch_end(epoch, {} if v is None else {"val_loss": v})
        if cb.stop_training:
            break
    return cb


maybe_value = st.one_of(
    st.none(), st.floats(0, 2, allow_nan=False), st.just(math.nan), st.sampled_from([0.5, 0.6, 0.7])
)


@settings(max_examples=400, deadline=None)
@given(
    values=st.lists(maybe_value, min_size=0, max_size=40),
    mode=st.sampled_from(["min", "max"]),
    patience=st.integers(0, 6),
    min_delta=st.sampled_from([0.0, 0.01, 0.1, -0.05]),
    baseline=st.one_of(st.none(), st.sampled_from([0.3, 0.6, 1.0])),
    start_from_epoch=st.integers(0, 5),
)
def test_replay_matches_keras_callback(values, mode, patience, min_delta, baseline, start_from_epoch):
    params = dict(
        mode=mode, patience=patience, min_delta=min_delta, baseline=baseline, start_from_epoch=start_from_epoch
    )
    cb = fit(values, **params)
    present = [(e + 1, v) for e, v in enumerate(values) if v is not None]
    got = keras_early_stopping([e for e, _ in present], [v for _, v in present], **params)
    assert got.stopped_epoch == (cb.stopped_epoch + 1 if cb.stop_training else None)
    assert got.wait == cb.wait
    if cb.best is None:
        assert got.best is None and got.best_epoch is None
    else:
        assert got.best_epoch == cb.best_epoch + 1
        assert got.best == pytest.approx(cb.best, nan_ok=True)


def test_replay_known_answers():
    vals = [1.0, 0.8, 0.9, 0.85, 0.95, 0.7]
    # patience 3: epochs 3, 4, 5 do not improve on 0.8 -> stop at epoch 5 (Keras prints "Epoch 5")
    assert keras_early_stopping(range(1, 7), vals, patience=3).stopped_epoch == 5
    # patience 0 stops at the first non-improving epoch
    assert keras_early_stopping(range(1, 7), vals, patience=0).stopped_epoch == 3
    # min_delta 0.25: 0.8 is no improvement over 1.0 either -> stop at epoch 4
    r = keras_early_stopping(range(1, 7), vals, patience=3, min_delta=0.25)
    assert (r.stopped_epoch, r.best_epoch) == (4, 1)
    # a baseline never beaten keeps `wait` growing through improvements, but the stop test is
    # skipped on an improving epoch: epoch 2 improves (wait 2, no check), epoch 3 stops (wait 3)
    assert keras_early_stopping(range(1, 7), vals, patience=2, baseline=0.5).stopped_epoch == 3
    assert keras_early_stopping(range(1, 7), [1.0, 1.1, 1.2], patience=2, baseline=0.5).stopped_epoch == 2
    # max mode
    assert keras_early_stopping(range(1, 5), [0.5, 0.6, 0.55, 0.58], mode="max", patience=2).stopped_epoch == 4


def test_replay_skips_epochs_without_a_value():
    # validation every 3rd epoch: only epochs 3, 6, 9, 12 count
    r = keras_early_stopping([3, 6, 9, 12], [0.5, 0.6, 0.7, 0.4], patience=2)
    assert (r.stopped_epoch, r.best_epoch) == (9, 3)


def test_replay_start_from_epoch_is_zero_based_like_keras():
    # start_from_epoch=2 ignores Keras epochs 0 and 1 (our epochs 1 and 2)
    r = keras_early_stopping(range(1, 6), [0.1, 0.2, 0.9, 0.95, 0.97], patience=1, start_from_epoch=2)
    assert (r.stopped_epoch, r.best_epoch) == (4, 3)


def test_nan_never_improves():
    r = keras_early_stopping(range(1, 5), [0.5, np.nan, np.nan, np.nan], patience=2)
    assert (r.stopped_epoch, r.best_epoch) == (3, 1)
