"""The corpus ground truth (tests/data/corpus_expected.yaml) is complete and consistent with the files.

These tests check the yardstick itself, not histplot: every second-batch MANIFEST row has an entry,
the vocabulary is the documented one, and what an entry says about literal NaN/inf agrees with the
file's text. scripts/corpus_scorecard.py scores histplot against the same entries.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

EXPECTED = Path(__file__).parent / "data" / "corpus_expected.yaml"
CORPUS = os.environ.get("HISTPLOT_CORPUS")

SPLITS = {"train", "val", "test", "none"}
ROLES = {"metric", "learning_rate", "aux", "final_eval", "meta", "index"}
CLOCKS = {"epoch", "step", "eval-step", "iteration", "val-batch", "summary"}
DIRECTIONS = {"higher", "lower", "unknown"}
# A literal non-finite number as JSON, CSV or Python repr writes it.
NONFINITE = re.compile(r"(?<![A-Za-z_])(-?(nan|NaN|NAN|inf|Inf|INF|Infinity|-Infinity))(?![A-Za-z_])")


@pytest.fixture(scope="module")
def files() -> dict:
    with open(EXPECTED, encoding="utf-8") as fh:
        return yaml.safe_load(fh)["files"]


def test_every_entry_uses_the_documented_vocabulary(files):
    for path, entry in files.items():
        assert entry["batch"] in (1, 2), path
        if entry.get("reject"):
            assert "epochs" not in entry, path
            continue
        assert "epochs" in entry, path
        if entry["epochs"]:
            assert 1 <= entry["first_epoch"] <= entry["last_epoch"], path
        else:
            assert entry.get("steps") or entry.get("epochs_ok") or entry["epochs"] == 0, path
        for name, col in entry.get("columns", {}).items():
            assert col["split"] in SPLITS, (path, name)
            assert col["role"] in ROLES, (path, name)
            assert col["clock"] in CLOCKS, (path, name)
            if col["role"] in ("metric", "final_eval"):
                assert col["direction"] in DIRECTIONS, (path, name)
            assert set(col.get("split_ok", [col["split"]])) <= SPLITS, (path, name)
        for name in entry.get("nonfinite") or {}:
            assert name in entry["columns"], (path, name)
        assert isinstance(entry.get("missing_not_nan"), bool), path


def test_runs_and_final_evaluations_are_described(files):
    for path, entry in files.items():
        runs = entry.get("runs")
        if runs:
            assert runs["keep"] == "last", path
            assert runs["segments"] == len(runs["ranges"]) >= 2, path
        for final in entry.get("final_eval") or []:
            assert final["where"] and final["series"], path


@pytest.mark.skipif(not CORPUS, reason="set HISTPLOT_CORPUS to check against the corpus files")
def test_every_second_batch_file_has_an_entry_and_enough_first_batch_files(files):
    rows = (Path(CORPUS) / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]
    names = [r.split("\t")[0] for r in rows]
    second = set(names[97:])
    assert len(second) == 65
    assert second == {p for p, e in files.items() if e["batch"] == 2}
    first = {p for p, e in files.items() if e["batch"] == 1}
    assert first <= set(names[:97])
    assert len(first) >= 25
    for path in files:
        assert (Path(CORPUS) / path).exists(), path


@pytest.mark.skipif(not CORPUS, reason="set HISTPLOT_CORPUS to check against the corpus files")
def test_literal_nonfinite_claims_agree_with_the_text_of_the_file(files):
    checked = 0
    for path, entry in files.items():
        full = Path(CORPUS) / path
        if entry.get("reject") or full.is_dir() or full.suffix not in (".json", ".csv", ".txt", ".log"):
            continue
        text = full.read_text(encoding="utf-8", errors="replace")
        found = bool(NONFINITE.search(text))
        assert found == bool(entry.get("nonfinite")), path
        checked += 1
    assert checked >= 40
