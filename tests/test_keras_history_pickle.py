"""A pickled Keras ``History`` object (``pickle.dump(history, f)``) read as plain data, no keras import.

The pickles are written here by classes registered under Keras' own module paths, so the byte stream
names exactly the globals a real one does; the model the callback holds is pickled too, through a
``__reduce__`` that names a loader function, as Keras models do.
"""

import pickle
import sys
import types

import pytest

import histplot
from histplot.errors import UnsafePickleError

RAN: list[str] = []


def _loader(blob):  # what a real model's __reduce__ names; reading must never call it
    RAN.append("model loader ran")
    return blob


def _make_pickle(tmp_path, module, protocol, monkeypatch):
    mod = types.ModuleType(module)
    models = types.ModuleType("keras.src.models.functional")

    class History:
        pass

    class Functional:
        def __reduce__(self):
            return (_loader_global, (b"\x00weights" * 100,))

    History.__module__, History.__qualname__ = module, "History"
    Functional.__module__, Functional.__qualname__ = "keras.src.models.functional", "Functional"
    mod.History = History
    models.Functional = Functional
    _loader_global = _loader
    models.load_model_from_bytes = _loader
    _loader.__module__, _loader.__qualname__ = "keras.src.models.functional", "load_model_from_bytes"
    for name, m in ((module, mod), ("keras.src.models.functional", models)):
        parts = name.split(".")
        for i in range(1, len(parts)):
            parent = ".".join(parts[:i])
            if parent not in sys.modules:
                monkeypatch.setitem(sys.modules, parent, types.ModuleType(parent))
        monkeypatch.setitem(sys.modules, name, m)
    h = History()
    h.validation_data = None
    h.model = Functional()
    h.params = {"verbose": 1, "epochs": 3, "steps": 10}
    h.epoch = [0, 1, 2]
    h.history = {"loss": [1.0, 0.7, 0.5], "val_loss": [1.1, 0.9, 0.95], "accuracy": [0.5, 0.6, 0.7]}
    path = tmp_path / "history.pkl"
    path.write_bytes(pickle.dumps(h, protocol=protocol))
    return path


@pytest.mark.parametrize(
    "module",
    [
        "keras.src.callbacks.history",
        "keras.callbacks",
        "tensorflow.python.keras.callbacks",
        "tf_keras.callbacks",
        "keras.callbacks.callbacks",
    ],
)
@pytest.mark.parametrize("protocol", [0, 2, 4])
def test_pickled_keras_history_reads_as_data(tmp_path, module, protocol, monkeypatch):
    path = _make_pickle(tmp_path, module, protocol, monkeypatch)
    for name in [m for m in sys.modules if m.split(".")[0] in ("keras", "tensorflow", "tf_keras")]:
        monkeypatch.delitem(sys.modules, name)
    RAN.clear()
    h = histplot.load(path)
    assert RAN == []
    assert h.frame["val_loss"].tolist() == [1.1, 0.9, 0.95]
    assert h.metrics()["loss"] == {"train": "loss", "val": "val_loss"}
    assert h.meta["params"]["epochs"] == 3
    assert not [m for m in sys.modules if m.split(".")[0] in ("keras", "tensorflow", "tf_keras")]


def test_other_globals_are_still_refused(tmp_path):
    path = tmp_path / "evil.pkl"
    import os

    path.write_bytes(pickle.dumps({"loss": [1.0], "hook": os.system}, protocol=2))
    with pytest.raises(UnsafePickleError):
        histplot.load(path)


def test_a_list_wrapping_one_history_dict(tmp_path):
    path = tmp_path / "wrapped.pkl"
    path.write_bytes(pickle.dumps([{"loss": [1.0, 0.5], "val_loss": [1.2, 0.8]}]))
    h = histplot.load(path)
    assert h.frame["val_loss"].tolist() == [1.2, 0.8]
    assert any("wrapping one history dict" in n for n in h.notes)
