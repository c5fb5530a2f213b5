"""At home in a notebook: histories already in memory, and figures that display themselves.

The notebook test executes a real .ipynb in a fresh ipykernel (nbclient) with no magic and no pyplot,
and asserts the cell's output is an image. It skips only when nbclient/ipykernel are missing outside CI.
"""

from __future__ import annotations

import io
import os
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import histplot
from histplot.errors import HistplotError

KERAS = {"loss": [1.0, 0.6, 0.4, 0.35], "val_loss": [1.1, 0.8, 0.7, 0.75], "accuracy": [0.5, 0.7, 0.8, 0.85]}


class FakeKerasHistory:
    """What keras.callbacks.History carries after fit(initial_epoch=2): .history and .epoch."""

    def __init__(self, history, epoch):
        self.history, self.epoch, self.params, self.model = history, epoch, {}, None


def test_a_dict_of_lists_is_a_history():
    h = histplot.load(KERAS)
    assert list(h.frame.index) == [1, 2, 3, 4]
    assert h.frame["val_loss"].tolist() == KERAS["val_loss"]
    assert h.meta["format"] == "object"


def test_a_keras_history_object_keeps_its_epoch_numbers():
    h = histplot.load(FakeKerasHistory({"loss": [0.5, 0.4], "val_loss": [0.6, 0.5]}, [2, 3]))
    assert list(h.frame.index) == [3, 4]  # Keras counts from 0: epochs 2, 3 are the 3rd and 4th
    assert h.frame["loss"].tolist() == [0.5, 0.4]


def test_a_list_of_per_epoch_dicts():
    h = histplot.load([{"loss": 1.0, "val_loss": 2.0}, {"loss": 0.5, "val_loss": 1.5}])
    assert h.frame["val_loss"].tolist() == [2.0, 1.5]


@pytest.mark.parametrize(
    ("frame", "epochs"),
    [
        (pd.DataFrame({"loss": [3.0, 2.0, 1.0]}), [1, 2, 3]),  # RangeIndex from 0: row N is epoch N
        (pd.DataFrame({"loss": [3.0, 2.0, 1.0]}, index=["a", "b", "c"]), [1, 2, 3]),
        (pd.DataFrame({"loss": [3.0, 2.0, 1.0]}, index=pd.Index([5, 6, 7])), [5, 6, 7]),
        (pd.DataFrame({"epoch": [0, 1, 2], "loss": [3.0, 2.0, 1.0]}), [1, 2, 3]),  # CSVLogger counts from 0
        (pd.DataFrame({"Epoch": [10, 11, 12], "loss": [3.0, 2.0, 1.0]}), [10, 11, 12]),
    ],
)
def test_a_dataframe(frame, epochs):
    h = histplot.load(frame)
    assert list(h.frame.index) == epochs
    assert h.frame["loss"].tolist() == [3.0, 2.0, 1.0]
    assert "epoch" not in h.frame.columns


def test_a_live_object(tmp_path):
    live = histplot.Live(None, inline=False)
    with pytest.raises(HistplotError, match="no epochs yet"):
        histplot.load(live)
    live.update(0, {"loss": 1.0, "val_loss": 1.2})
    live.update(1, {"loss": 0.5, "val_loss": 0.9})
    assert histplot.load(live).frame["val_loss"].tolist() == [1.2, 0.9]
    assert histplot.diagnose(live).epochs == 2


@pytest.mark.parametrize("bad", [3, None, [], object(), {"loss": "abc"}, [1, "x", None], {"a": {"b": 1}}])
def test_anything_else_is_one_line_error(bad):
    with pytest.raises(HistplotError) as err:
        histplot.load(bad)
    assert "\n" not in str(err.value)


def test_every_function_taking_a_history_takes_a_dict(tmp_path):
    assert histplot.info(KERAS)["epochs"] == 4
    assert histplot.diagnose(KERAS).monitor == "val_loss"
    assert "precision" not in histplot.derive(KERAS).frame.columns
    assert histplot.convert(KERAS).splitlines()[0] == "epoch,loss,val_loss,accuracy"
    assert histplot.plot(KERAS, tmp_path / "k.png").stat().st_size > 1000
    assert isinstance(histplot.overlay([KERAS, pd.DataFrame(KERAS)]), Figure)
    from histplot.figures.parallel import parallel

    assert isinstance(parallel([KERAS]), Figure)
    with pytest.raises(HistplotError, match="cannot read a history from a int"):
        histplot.render(5)


def test_figures_display_themselves_without_pyplot(monkeypatch):
    fig = histplot.render(KERAS)
    assert isinstance(fig, Figure)  # still a real Figure: savefig works
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    assert buf.getvalue().startswith(b"\x89PNG")
    png = fig._repr_png_()
    assert png.startswith(b"\x89PNG") and fig._repr_svg_() is None
    monkeypatch.setattr(histplot, "display_format", "svg")
    svg = fig._repr_svg_()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and fig._repr_png_() is None
    assert "matplotlib.pyplot" not in sys.modules or not sys.modules["matplotlib.pyplot"].get_fignums()


NOTEBOOK_CELLS = [
    "import histplot\nhistory_dict = {'loss': [1.0, 0.6, 0.4], 'val_loss': [1.1, 0.8, 0.9]}",
    "histplot.render(history_dict)",
    "histplot.display_format = 'svg'\nhistplot.overlay([history_dict, history_dict])",
    "import sys\nprint('pyplot' in ' '.join(sys.modules))",
]


def test_a_real_notebook_shows_the_figure_inline(tmp_path, monkeypatch):
    try:
        import nbformat
        from nbclient import NotebookClient
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("nbclient/nbformat not installed (pip install '.[test]')")
    try:
        import ipykernel  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("ipykernel not installed (pip install '.[test]')")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in NOTEBOOK_CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    # The kernel must import this checkout's histplot, as the tests do.
    repo = os.path.dirname(os.path.dirname(os.path.abspath(histplot.__file__)))
    env_path = os.pathsep.join(p for p in (repo, os.environ.get("PYTHONPATH")) if p)
    monkeypatch.setenv("PYTHONPATH", env_path)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    render_out = nb.cells[1].outputs
    assert [o["output_type"] for o in render_out] == ["execute_result"]
    data = render_out[0]["data"]
    assert "image/png" in data
    import base64

    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG")
    assert data["text/plain"].startswith("<HistplotFigure size")
    assert "image/svg+xml" in nb.cells[2].outputs[0]["data"]
    assert "image/png" not in nb.cells[2].outputs[0]["data"]
    assert nb.cells[3].outputs[0]["text"].strip() == "False"  # nothing imported pyplot


def test_pngs_differ_for_different_histories():
    a = histplot.render(KERAS)._repr_png_()
    b = histplot.render({k: list(np.array(v) * 2) for k, v in KERAS.items()})._repr_png_()
    assert a != b
