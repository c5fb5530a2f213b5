"""Fast paths for large inputs give exactly what the straightforward code gives.

Speed itself is measured by ``make bench`` (benchmarks/), never asserted here.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from histplot.diagnosis import checks
from histplot.diagnosis.checks import spikes
from histplot.errors import ReadError
from histplot.history import History
from histplot.readers import lightning_csv


def _spikes_by_hand(values, factor, neighbours, recovery):
    """The definition, point by point, as the code was before the vectorised candidate filter."""
    found = []
    for i, v in enumerate(values):
        window = np.r_[values[max(0, i - neighbours) : i], values[i + 1 : i + 1 + neighbours]]
        if len(window) >= 4:
            median = float(np.median(window))
            after = values[i + 1 : i + 1 + neighbours]
            rose = i > 0 and v > np.fmin.reduce(values[:i])  # above every earlier value: not the first descent
            if not (median <= 0 or v <= factor * median) and len(after) and np.min(after) <= recovery * median and rose:
                found.append((i, float(v / median)))
    return found


@pytest.mark.parametrize("seed", range(12))
def test_spike_candidates_filter_changes_nothing(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 2000))
    values = rng.lognormal(0, rng.choice([0.1, 1.2]), n)
    specials = rng.integers(0, n, size=max(1, n // 20))
    values[specials] = rng.choice([np.nan, np.inf, -np.inf, 0.0, -1.0, 1e3, 40.0], size=specials.size)
    for factor, neighbours, recovery in [(10, 12, 2), (3, 2, 1.5), (1.5, 1, 1.1), (10, 40, 2), (2, 3, 5)]:
        got = spikes(values, factor, neighbours, recovery)
        want = _spikes_by_hand(values, factor, neighbours, recovery)
        assert [i for i, _ in got] == [i for i, _ in want]
        np.testing.assert_array_equal([r for _, r in got], [r for _, r in want])


def test_spike_chunks_join_up(monkeypatch):
    rng = np.random.default_rng(7)
    values = rng.lognormal(0, 1.5, 3000)
    want = spikes(values, 3, 5, 2)
    assert want  # the data must exercise the path
    interior = checks._interior_spikes
    monkeypatch.setattr(checks, "_interior_spikes", lambda *a: interior(*a, chunk=7))
    assert spikes(values, 3, 5, 2) == want


# -- Lightning metrics.csv: the C-parser path and the cell-by-cell path -------------------------------------


def _metrics_csv(newline: str = "\n", nan: str = "0.25") -> bytes:
    rng = np.random.default_rng(3)
    rows = ["epoch,lr-Adam,step,train_loss_step,val_loss , val_acc"]
    for e in range(4):
        rows.append(f",0.001,{e * 10},,,")
        rows += [f"{e},,{e * 10 + s},{v!r},," for s, v in enumerate(rng.lognormal(0, 1, 10).tolist())]
        rows.append(f"{e},,{e * 10 + 9},,{[nan, 'inf', '0.5', '-inf'][e]},1e-3")
    rows.insert(3, "")
    return (newline.join(rows) + newline).encode()


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_plain_numeric_path_gives_what_the_careful_path_gives(newline):
    data = _metrics_csv(newline)
    plain = lightning_csv._read_plain(io.BytesIO(data))
    assert plain is not None
    pd.testing.assert_frame_equal(plain, lightning_csv._read_checked(data, "metrics.csv"))


def test_a_logged_nan_takes_the_careful_path_and_stays_a_logged_nan():
    # the C parser reads "nan" and an empty cell as the same NaN: a file with "nan" is read cell by cell
    data = _metrics_csv(nan="nan")
    assert lightning_csv._read_plain(io.BytesIO(data)) is None
    h = lightning_csv.read(io.BytesIO(data), source="metrics.csv")
    assert h.nonfinite("val_loss") == [1, 2, 4]  # nan (epoch 1), inf, -inf: never the empty cells
    assert h.missing("val_loss") == []
    assert h.counts("loss") == {"present": 4, "missing": 0, "nonfinite": 0}


def test_plain_file_read_by_path_gives_what_its_bytes_give(tmp_path, monkeypatch):
    path = tmp_path / "metrics.csv"
    path.write_bytes(_metrics_csv())
    opened = []
    real = pd.read_csv
    monkeypatch.setattr(pd, "read_csv", lambda src, **kw: opened.append(src) or real(src, **kw))
    with open(path, "rb") as fh:
        by_path = lightning_csv._read_plain(fh)
    assert opened == [str(path)]  # pandas opened the file by its name
    pd.testing.assert_frame_equal(by_path, lightning_csv._read_plain(io.BytesIO(_metrics_csv())))


def test_whole_file_path_only_for_the_file_that_was_opened(tmp_path):
    from histplot.readers._io import whole_file_path

    path = tmp_path / "metrics.csv"
    path.write_bytes(b"epoch,step,loss\n0,1,0.5\n")
    with open(path, "rb") as fh:
        assert whole_file_path(fh) == str(path)
        fh.read(3)
        assert whole_file_path(fh) is None  # not at its start
    with open(path, "rb") as fh:
        path.rename(tmp_path / "moved.csv")
        path.write_bytes(b"epoch,step,loss\n9,9,9\n")  # a new file under the old name
        assert whole_file_path(fh) is None
    assert whole_file_path(io.BytesIO(b"epoch,step\n")) is None


@pytest.mark.parametrize("cell", ["True", "NA", '"2"', "1 2", "-", "nAn", "0x1f", "  "])
def test_anything_unusual_takes_the_careful_path(cell):
    data = f"epoch,step,loss\n0,1,0.5\n0,2,{cell}\n".encode()
    assert lightning_csv._read_plain(io.BytesIO(data)) is None


def test_a_bad_cell_is_still_named():
    with pytest.raises(ReadError, match=r"column 'loss' has a non-numeric value 'oops' at row 3"):
        lightning_csv.read(io.BytesIO(b"epoch,step,loss\n0,1,0.5\n0,2,oops\n"), source="metrics.csv")


# -- decimation keeps the figure ----------------------------------------------------------------------------
def _pixels(history, monkeypatch, thin) -> np.ndarray:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from histplot.figures import panels as render

    with monkeypatch.context() as m:
        m.setattr(render, "minmax", thin)
        canvas = FigureCanvasAgg(render.render(history))
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].astype(int)


def _visibly_different(a: np.ndarray, b: np.ndarray) -> float:
    """Share of pixels whose colour moved by more than a quarter of the scale in some channel."""
    assert a.shape == b.shape
    return float((np.abs(a - b).max(axis=2) > 64).mean())


def test_decimated_figure_looks_like_the_full_one(monkeypatch):
    """200,000 points drawn through decimate.minmax (about 4,000 kept) and all of them, in the same
    figure size, differ in under 0.1 % of the pixels (measured: under 0.01 %, a few anti-aliased
    edge pixels where the line joins one pixel column to the next from another vertex). Dropping
    points by plain striding loses most spikes and fails the same measure by two orders of magnitude."""
    rng = np.random.default_rng(0)
    t = np.arange(200_000)
    loss = (2 * np.exp(-t / 40_000) + 0.1) * np.exp(rng.normal(0, 0.15, t.size))
    loss[rng.integers(0, t.size, 20)] *= 12  # spikes: what decimation must not lose
    h = History.build({"loss": loss}, source="big.json")
    from histplot.figures.decimation import minmax

    full = _pixels(h, monkeypatch, lambda x, y: (np.asarray(x), np.asarray(y, dtype=float)))
    thinned = _pixels(h, monkeypatch, minmax)
    strided = _pixels(h, monkeypatch, lambda x, y: (np.asarray(x)[::50], np.asarray(y, dtype=float)[::50]))
    assert _visibly_different(thinned, full) < 0.001
    assert _visibly_different(strided, full) > 0.02


# -- report names: counted once per depth ---------------------------------------------------------------
def test_report_slugs_stay_unique():
    from histplot.readers.discovery import Candidate
    from histplot.reports.results import slugs

    paths = [
        "sweep/a/version_0/metrics.csv",
        "sweep/b/version_0/metrics.csv",
        "other/x.json",
        "x.json",
        "solo/run.jsonl",
        "store.db",
        "store.db",
    ]
    runs = [None, None, None, None, None, "1", "2"]
    got = slugs([Candidate(p, False, r) for p, r in zip(paths, runs)])
    # Lightning runs by experiment/version_N (naming.runs), the others by their paths
    assert got == ["a_version_0", "b_version_0", "x", "x_2", "run", "1", "2"]
    names = slugs([Candidate(f"runs/r{i % 50}/h.json", False) for i in range(200)])
    assert len(set(names)) == 200 and names[:3] == ["h", "h_2", "h_3"]


# -- History.build: lists of numbers convert in one go, anything else cell by cell --------------------------
@pytest.mark.parametrize(
    "values",
    [
        [1, 2.5, 3],
        [True, False, 1.5],
        [1.0, None, 2.0],
        ["1.5", "nan", ""],
        [2**70, 1.0],
        [1.0, "x", 2.0],
        [np.float32(0.5), np.float64(1.5)],
        [np.array(0.25), np.array(2.0)],
        [[1.0], [2.0]],
        [1.0, [2.0, 3.0]],
        [float("inf"), -1e308, 0],
        list(range(10)),
    ],
)
def test_number_lists_convert_as_cell_by_cell(values):
    from histplot.history import MISSING_MARKERS, _as_number, to_float

    notes: list[str] = []
    try:
        got = to_float("x", values, "h.json", notes)
    except ReadError as exc:
        got = exc
    missing = [v is None or (isinstance(v, str) and v.strip().lower() in MISSING_MARKERS) for v in values]
    cells = [np.nan if m else _as_number(v) for v, m in zip(values, missing)]
    if any(c is None for c in cells):
        assert got is None or isinstance(got, ReadError)
    else:
        np.testing.assert_array_equal(got[0], np.array(cells, dtype=float))
        np.testing.assert_array_equal(got[1], ~np.array(missing))
