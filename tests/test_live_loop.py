"""histplot.Live: a training loop's own figure, in a script, a notebook or a Keras callback."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import types

import numpy as np
import pytest
from test_watch import OVERFIT, complete_png

import histplot
from histplot.errors import HistplotError, MissingDependencyError
from histplot.live.loop import Live


def losses(epoch: int) -> dict[str, float]:
    """Training loss keeps falling; validation turns up after epoch 9 (1-based)."""
    return {"loss": 1 / (1 + 0.3 * epoch), "val_loss": 0.6 + 0.002 * (epoch - 8) ** 2}


def test_live_in_a_plain_script_writes_the_figure_and_tells_findings_once(tmp_path):
    out = tmp_path / "live.png"
    script = textwrap.dedent(f"""
        import sys
        import histplot

        live = histplot.Live({str(out)!r}, every=10, on_finding=print)
        for epoch in range(20):                     # a PyTorch-style loop
            train_loss = 1 / (1 + 0.3 * epoch)
            val_loss = 0.6 + 0.002 * (epoch - 8) ** 2
            live.update(epoch, {{"loss": train_loss, "val_loss": val_loss}})
        live.close()
        print("imported:", sorted(m for m in ("IPython", "keras", "tensorflow", "matplotlib.pyplot")
                                   if m in sys.modules))
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count(OVERFIT) == 1
    assert "imported: []" in r.stdout
    assert complete_png(out.read_bytes())


def test_epochs_are_numbered_as_the_loop_numbers_them(tmp_path):
    live = Live(None)
    live.update(0, {"loss": 1.0})
    live.update(1, loss=0.8, val_loss=0.9)
    live.update(1, {"val_loss": 0.95})  # the same epoch again: merged, later wins
    live.update(None, {"loss": 0.7})  # the next epoch
    h = live.history
    assert list(h.frame.index) == [1, 2, 3]
    assert h.frame.loc[2, "val_loss"] == 0.95 and np.isnan(h.frame.loc[1, "val_loss"])
    one_based = Live(None)
    one_based.update(1, {"loss": 1.0})
    assert list(one_based.history.frame.index) == [1]


def test_values_may_be_numpy_scalars_or_tensors_but_not_words():
    live = Live(None)

    class Tensor:  # a 0-d torch tensor converts with float()
        def __float__(self):
            return 0.5

    live.update(0, {"loss": np.float32(1.0), "val_loss": Tensor()})
    assert live.history.frame.loc[1, "val_loss"] == 0.5
    with pytest.raises(HistplotError, match="'loss' is not a number"):
        live.update(1, {"loss": "high"})


def test_every_n_epochs_then_close_draws_the_rest(tmp_path):
    out = tmp_path / "live.svg"
    live = Live(out, every=5, on_finding=lambda line: None)
    for e in range(4):
        live.update(e, losses(e))
    assert not out.exists()
    live.update(4, losses(4))
    first = out.read_bytes()
    live.update(5, losses(5))
    assert out.read_bytes() == first
    with live:
        pass
    assert out.read_bytes() != first and b"6 epochs" in out.read_bytes()


def test_findings_go_to_the_logger_by_default(caplog):
    live = Live(None)
    with caplog.at_level("WARNING", logger="histplot"):
        for e in range(20):
            live.update(e, losses(e))
    assert sum(OVERFIT in r.getMessage() for r in caplog.records) == 1


def test_keras_callback_with_a_fake_keras(tmp_path, monkeypatch):
    class Callback:
        pass

    fake = types.ModuleType("keras")
    fake.callbacks = types.SimpleNamespace(Callback=Callback)
    monkeypatch.setitem(sys.modules, "keras", fake)
    told: list[str] = []
    live = Live(tmp_path / "live.png", every=100, on_finding=told.append)
    cb = live.keras_callback()
    assert isinstance(cb, Callback)
    for epoch in range(20):  # Keras passes 0-based epochs and float32 logs, sometimes vectors
        logs = {k: np.float32(v) for k, v in losses(epoch).items()}
        cb.on_epoch_end(epoch, {**logs, "precision_at_thresholds": np.array([0.1, 0.2])})
    assert list(live.history.frame.columns) == ["loss", "val_loss"]
    assert live.history.frame.index[0] == 1 and live.history.epochs == 20
    assert not (tmp_path / "live.png").exists()
    cb.on_train_end()
    assert complete_png((tmp_path / "live.png").read_bytes())
    assert sum(OVERFIT in t for t in told) == 1


def test_keras_callback_without_keras_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "keras", None)  # makes `import keras` fail
    with pytest.raises(MissingDependencyError, match="pip install keras"):
        Live(None).keras_callback()


def test_jupyter_output_is_replaced_not_appended(monkeypatch):
    calls = []
    display = types.ModuleType("IPython.display")
    display.Image = lambda data, format: ("image", data[:8])
    display.display = lambda obj, display_id: calls.append(("display", display_id, obj))
    display.update_display = lambda obj, display_id: calls.append(("update", display_id, obj))
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: types.SimpleNamespace(kernel=object())
    ipython.display = display
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display)
    live = Live(None)
    for e in range(2):
        live.update(e, losses(e))
    assert [c[0] for c in calls] == ["display", "update"]
    assert len({c[1] for c in calls}) == 1
    assert all(c[2] == ("image", b"\x89PNG\r\n\x1a\n") for c in calls)


def test_no_inline_output_outside_a_kernel(monkeypatch):
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: None  # IPython imported, but a terminal, not a kernel
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    live = Live(None)
    assert live._display is None
    with pytest.raises(HistplotError, match="Jupyter"):
        Live(None, inline=True)


def test_exported_from_the_package():
    assert histplot.Live is Live
