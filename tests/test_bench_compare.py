"""``benchmarks.results`` and ``benchmarks.compare`` on small generated results files (nothing timed)."""

from __future__ import annotations

import json
import math

from benchmarks import compare, results
from benchmarks.run import Timing, row


def _rows(**medians: float) -> list[dict]:
    """Rows as benchmarks.run makes them, one per name, with the given median wall seconds."""
    out = []
    for name, seconds in medians.items():
        t = Timing(seconds=[seconds], cpu=[seconds * 1.5], rss=[100.0])
        out.append(row("large", name, t, ratio=seconds / 2.0, rss_ratio=1.1, target="<= 1.10x", met=seconds < 2.2))
    return out


def _write(path, rows) -> None:
    results.write(results.document(rows, {"runs": 1}, 12.5), path)


def test_results_file_holds_every_row_with_numbers_machine_and_commit(tmp_path):
    path = tmp_path / "r.json"
    rows = _rows(plot=2.0)
    rows.append(
        {
            "case": "peers",
            "what": "runmedic diagnose",
            "median": "cannot read: no loss column",
            "cpu": "",
            "ratio": "",
            "rss": "",
            "target": ">= 5x",
            "met": "n/a",
            "extra": "",
        }
    )
    _write(path, rows)
    doc = json.loads(path.read_text())
    assert doc["machine"]["cores"] >= 1
    assert doc["commit"]
    plot, peer = doc["rows"]
    assert plot["command"] == "plot"
    assert plot["median_s"] == 2.0 and plot["cpu_s"] == 3.0
    assert plot["ratio"] == 1.0 and plot["peak_rss_mib"] == 100.0 and plot["rss_ratio"] == 1.1
    assert plot["target"] == "<= 1.10x" and plot["met"] is True and plot["status"] == "measured"
    assert peer["median_s"] is None and peer["status"] == "cannot read: no loss column"


def test_nan_cpu_is_written_as_null():
    t = Timing(seconds=[0.5], cpu=[math.nan], rss=[10.0])
    record = results.as_record(row("watch", "append", t))
    assert record["cpu_s"] is None and record["median_s"] == 0.5


def test_compare_flags_only_rows_more_than_five_percent_slower(tmp_path, capsys):
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    _write(old, _rows(plot=2.0, diagnose=1.0, info=1.0, gone=3.0))
    _write(new, _rows(plot=2.2, diagnose=1.04, info=0.5, added=1.0))
    code = compare.main([str(old), str(new)])
    out = capsys.readouterr().out
    assert code == 1
    lines = {line.split()[1]: line for line in out.splitlines() if line.startswith("large")}
    assert "1.100" in lines["plot"] and "SLOWER by 10 %" in lines["plot"]
    assert "1.040" in lines["diagnose"] and "SLOWER" not in lines["diagnose"]
    assert "0.500" in lines["info"] and "SLOWER" not in lines["info"]
    assert "only in the old run: large / gone" in out
    assert "only in the new run: large / added" in out
    assert "1 of 3 rows more than 5 % slower" in out


def test_compare_passes_when_nothing_is_slower(tmp_path, capsys):
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    _write(old, _rows(plot=2.0))
    _write(new, _rows(plot=2.1))
    assert compare.main([str(old), str(new)]) == 0
    assert "0 of 1 rows" in capsys.readouterr().out


def test_unreadable_results_file_is_one_line_and_exit_2(tmp_path, capsys):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    _write(good, _rows(plot=1.0))
    bad.write_text("{not json")
    assert compare.main([str(good), str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(str(bad)) and "\n" not in err
    assert compare.main([str(tmp_path / "missing.json"), str(good)]) == 2


def test_default_path_keeps_the_previous_run(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "DEFAULT", tmp_path / "results.json")
    monkeypatch.setattr(results, "PREVIOUS", tmp_path / "results.prev.json")
    _write(results.DEFAULT, _rows(plot=1.0))
    _write(results.DEFAULT, _rows(plot=2.0))
    assert json.loads(results.PREVIOUS.read_text())["rows"][0]["median_s"] == 1.0
    assert json.loads(results.DEFAULT.read_text())["rows"][0]["median_s"] == 2.0
