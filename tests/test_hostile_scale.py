"""Work linear in the number of series and bounded per record: ten thousand keys, columns or
metric files are read (no timing is asserted here; benchmarks/ has the ``wide`` row), SQLite
queries are cut off by a progress handler, and a database is read without creating anything
beside it."""

import os
import sqlite3

import numpy as np
import pytest

from histplot.errors import ReadError
from histplot.readers import load


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    from benchmarks import data

    return data.wide(tmp_path_factory.mktemp("wide"), columns=10_000, epochs=5)


@pytest.mark.parametrize("kind", ["json", "csv", "mlflow"])
def test_ten_thousand_series_are_read_in_file_order(wide, kind):
    h = load(wide[kind])
    names = [h.meta["original_names"].get(c, c) for c in h.frame.columns]
    assert len(h.frame.columns) == 10_000 and len(h.frame) == 5
    assert names == sorted(names)  # the file's order (m00000 ... m09999), restored in one pass
    assert np.isfinite(h.frame.to_numpy()).all()


def test_column_order_is_restored_with_aliases_and_duplicates():
    from histplot.history import History

    cols = {"val_acc": [0.1, 0.2], "loss": [1.0, 0.5], "acc": [0.3, 0.4], "val_accuracy": [0.1, 0.2]}
    h = History.build(cols)
    # val_acc repeats val_accuracy (which claims the name): the table keeps the file's order
    assert list(h.frame.columns) == ["loss", "accuracy", "val_accuracy"]


def _db(path, wal=False, rows=3):
    con = sqlite3.connect(path)
    if wal:
        con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE runs (run_uuid TEXT, name TEXT, experiment_id INT, lifecycle_stage TEXT, start_time INT)")
    con.execute("CREATE TABLE metrics (key TEXT, value REAL, timestamp INT, step INT, is_nan INT, run_uuid TEXT)")
    con.execute("INSERT INTO runs VALUES ('r1', 'one', 0, 'active', 0)")
    con.executemany(
        "INSERT INTO metrics VALUES (?, ?, ?, ?, 0, 'r1')",
        [(k, 1.0 / (s + 1), s, s) for k in ("loss", "val_loss") for s in range(rows)],
    )
    con.commit()
    return con


@pytest.mark.parametrize("wal", [False, True])
def test_database_is_read_without_creating_files_beside_it(tmp_path, wal):
    db = tmp_path / "mlflow.db"
    con = _db(db, wal=wal)  # kept open: in WAL mode the -wal file exists, as while MLflow runs
    try:
        before = sorted(p.name for p in tmp_path.iterdir())
        stamp = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.iterdir()}
        h = load(db)
        assert h.frame["loss"].tolist()[:1] == [1.0]
        assert sorted(p.name for p in tmp_path.iterdir()) == before
        assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.iterdir()} == stamp
    finally:
        con.close()


def test_slow_queries_are_cut_off(tmp_path, monkeypatch):
    from histplot.readers import mlflow

    db = tmp_path / "mlflow.db"
    _db(db, rows=20_000).close()
    monkeypatch.setattr(mlflow, "QUERY_SECONDS", -1.0)  # every progress check is past the deadline
    with pytest.raises(ReadError, match="queries took more than"):
        load(db)


def test_huge_computed_values_are_refused(tmp_path):
    db = tmp_path / "mlflow.db"
    con = sqlite3.connect(db)
    con.execute(
        "CREATE TABLE metrics (key TEXT GENERATED ALWAYS AS (printf('%.*c', 200000000, 'x')) VIRTUAL, "
        "value REAL, timestamp INT, step INT, is_nan INT, run_uuid TEXT)"
    )
    con.execute("INSERT INTO metrics (value, timestamp, step, is_nan, run_uuid) VALUES (1.0, 0, 0, 0, 'r')")
    con.commit()
    con.close()
    with pytest.raises(ReadError, match="MLflow|no metrics|runs found"):
        load(db)
    assert sorted(os.listdir(tmp_path)) == ["mlflow.db"]
