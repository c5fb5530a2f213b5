"""How values and names are shown (histplot.display): one rule each, used by findings, figures,
info, summary.md and index.html."""

from __future__ import annotations

import math

from histplot.display import md_cell, number, rounded, split_name


def test_number_four_significant_digits():
    assert number(0.123456) == "0.1235"
    assert number(1234567.0) == "1.235e+06"
    assert number(3.0) == "3"
    assert number(math.nan) == "nan"
    assert number(-math.inf) == "-inf"
    assert number(None) == "–"


def test_rounded_for_json():
    assert rounded(0.1 + 0.2) == 0.3
    assert rounded(123456789.0) == 123457000.0
    assert rounded(math.nan) is None
    assert rounded(math.inf) is None
    assert rounded(None) is None
    assert rounded(2) == 2.0 and isinstance(rounded(2), float)


def test_split_names():
    assert [split_name(s) for s in ("train", "val", "test")] == ["train", "validation", "test"]
    assert split_name("other") == "other"


def test_md_cell_keeps_text_in_one_cell():
    assert md_cell("a|b\nc") == "a\\|b c"
    assert md_cell(3) == "3"


def test_the_same_number_everywhere():
    """A finding's message, the summary and info all show a value through ``number``."""
    import numpy as np

    from histplot.diagnosis.run import diagnose
    from histplot.history import History
    from histplot.overview import info, info_text

    val = [1.0, 0.123456789, 0.2, 0.3, 0.4, 0.5, 0.6]
    h = History.build({"loss": np.linspace(1, 0.1, 7), "val_loss": val}, source="r.json")
    best = diagnose(h).first("best_epoch")
    assert "best val_loss 0.1235 at epoch 2" in best.message
    assert " 0.1235 " in info_text(info(h))  # the best value in the info table
