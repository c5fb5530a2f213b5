"""The public API through the package: ``histplot.render(h)`` works every time, whatever was imported.

Importing a sub-module binds it on its package under its own name; a sub-module named like a public
function (``histplot.render`` the module) once replaced the function from its second use on.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
import types

import pytest

import histplot
from histplot.history import History

FUNCTIONS = [
    "load",
    "plot",
    "render",
    "overlay",
    "confusion_figure",
    "distribution_figure",
    "info",
    "convert",
    "diagnose",
    "derive",
    "watch",
]
CLASSES = ["History", "Live", "Follower", "HistplotError", "ReadError"]


def test_all_lists_the_api():
    assert set(histplot.__all__) == {"__version__", *FUNCTIONS, *CLASSES}


def small_history() -> History:
    return History.build(
        {
            "loss": [1.0, 0.6, 0.4, 0.35, 0.3, 0.31],
            "val_loss": [1.1, 0.7, 0.5, 0.5, 0.55, 0.6],
            "tp": [5, 6, 7, 8, 8, 9],
            "fp": [3, 2, 2, 1, 1, 1],
            "fn": [4, 3, 2, 2, 1, 1],
            "tn": [8, 9, 9, 9, 10, 9],
        }
    )


@pytest.fixture
def history_file(tmp_path):
    p = tmp_path / "history.json"
    p.write_text(json.dumps({"loss": [1.0, 0.6, 0.4, 0.35], "val_loss": [1.1, 0.7, 0.5, 0.55]}))
    return p


def call_each(tmp_path, history_file) -> None:
    """Every public function, called through the package, checked on what it returns."""
    h = histplot.load(history_file)
    assert isinstance(h, histplot.History) and list(h.frame.columns) == ["loss", "val_loss"]
    small = histplot.derive(small_history())
    assert "precision" in small.frame.columns and "val_loss" in small.frame.columns
    assert histplot.diagnose(small).monitor == "val_loss"
    assert histplot.info(small)["epochs"] == 6
    fig = histplot.render(small)
    assert len(fig.axes) >= 2
    assert len(histplot.overlay([h, h]).axes) >= 1
    written = histplot.plot(h, tmp_path / "out.png")
    assert written.name == "out.png" and written.stat().st_size > 1000
    histplot.convert(h, tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_text().splitlines()[0].startswith("epoch")
    assert callable(histplot.watch) and not isinstance(histplot.watch, types.ModuleType)


def test_every_function_twice_through_the_package(tmp_path, history_file):
    call_each(tmp_path, history_file)
    call_each(tmp_path, history_file)


@pytest.mark.parametrize("name", FUNCTIONS + CLASSES)
def test_every_name_is_the_function_or_class_after_every_sub_module_is_imported(name):
    for mod in pkgutil.walk_packages(histplot.__path__, "histplot."):
        if mod.name != "histplot.__main__":  # running it would run the command line
            importlib.import_module(mod.name)
    for _ in range(2):
        value = getattr(histplot, name)
        assert callable(value) and not isinstance(value, types.ModuleType), f"histplot.{name} is {value!r}"
    exec(f"from histplot import {name} as imported", namespace := {})
    assert namespace["imported"] is getattr(histplot, name)
    if name in CLASSES:
        assert isinstance(namespace["imported"], type)


def test_names_still_work_after_sub_modules_were_imported(tmp_path, history_file):
    for mod in pkgutil.walk_packages(histplot.__path__, "histplot."):
        if mod.name != "histplot.__main__":
            importlib.import_module(mod.name)
    call_each(tmp_path, history_file)


def test_render_twice_in_a_fresh_interpreter():
    code = (
        "import histplot\n"
        "from histplot.history import History\n"
        "h = History.build({'loss': [1.0, 0.5, 0.3], 'val_loss': [1.2, 0.8, 0.9]})\n"
        "a = histplot.render(h)\n"
        "b = histplot.render(h)\n"
        "from histplot import render\n"
        "c = render(h)\n"
        "print(len(a.axes), len(b.axes), len(c.axes))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["1", "1", "1"]


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        histplot.nope  # noqa: B018
