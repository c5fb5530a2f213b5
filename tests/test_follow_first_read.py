"""The first read of ``histplot watch`` goes through the reader's one-pass parse (the path ``plot``
takes) and gives the history ``load`` gives; the split evidence of a long log is found on its
distinct row patterns."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import histplot
from histplot.live.follow import Follower
from histplot.readers import lightning_csv
from histplot.readers._evidence import split_evidence


def _metrics(path, epochs=6, per=7, nan_at=None):
    lines = ["epoch,step,train_loss_step,val_loss,val_acc,train_loss_epoch"]
    step = 0
    for e in range(epochs):
        for _ in range(per):
            loss = "nan" if step == nan_at else f"{1.0 / (step + 1):.6g}"
            lines.append(f"{e},{step},{loss},,,")
            step += 1
        lines.append(f"{e},{step - 1},,{0.5 + 0.1 * (e % 3):.6g},{0.1 * e:.6g},{0.9 - 0.1 * e:.6g}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _same(a, b):
    pd.testing.assert_frame_equal(a.frame, b.frame)
    pd.testing.assert_frame_equal(a.steps, b.steps)
    assert a.epochs == b.epochs


@pytest.mark.parametrize("nan_at", [None, 9])
def test_first_poll_gives_what_load_gives(tmp_path, monkeypatch, nan_at):
    path = _metrics(tmp_path / "metrics.csv", nan_at=nan_at)
    expected = histplot.load(path)
    calls = []
    fast = lightning_csv.parse_block
    monkeypatch.setattr(lightning_csv, "parse_block", lambda data: calls.append(len(data)) or fast(data))
    slow = []
    rows = lightning_csv.parse_rows
    monkeypatch.setattr(lightning_csv, "parse_rows", lambda *a, **k: slow.append(1) or rows(*a, **k))
    got = Follower(path).poll()
    _same(got, expected)
    assert calls == [path.stat().st_size]
    # a logged "nan" is told apart from an empty cell only by the careful path
    assert slow == ([] if nan_at is None else [1])


def test_appends_after_the_fast_first_read_are_parsed_as_lines(tmp_path):
    path = _metrics(tmp_path / "metrics.csv", epochs=3)
    f = Follower(path)
    first = f.poll()
    assert first.epochs == 3
    whole = _metrics(tmp_path / "whole.csv", epochs=5)
    head = path.read_bytes()
    assert whole.read_bytes().startswith(head)
    extra = whole.read_bytes()[len(head) :]  # the lines of epochs 4 and 5
    with open(path, "ab") as fh:
        fh.write(extra)
    _same(f.poll(), histplot.load(whole))


def test_half_written_last_line_is_left_for_the_next_poll(tmp_path):
    path = _metrics(tmp_path / "metrics.csv", epochs=2)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("2,14,0.0")
    f = Follower(path)
    assert f.poll().epochs == 2
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("5,,,\n2,14,,0.7,0.2,0.6\n")
    assert f.poll().epochs == 3


def test_distinct_rows_are_the_set_of_rows():
    rng = np.random.default_rng(3)
    for k in (1, 3, 8, 9, 17, 33, 64, 65, 70):  # each integer width, and rows packed into bytes
        base = rng.random((5, k)) < 0.5
        mask = base[np.repeat(rng.integers(0, 5, 40), rng.integers(1, 30, 40))]
        distinct = lightning_csv._distinct_rows(list(mask.T))
        got = {tuple(r) for r in distinct}
        assert got == {tuple(r) for r in mask}
        assert len(distinct) == len(got)
        assert distinct.dtype == bool and distinct.shape[1] == k


def test_split_evidence_depends_only_on_the_distinct_rows():
    rows = [["step", "loss"], ["step", "val_acc", "acc"], ["step", "loss"], ["step", "val_acc", "acc"]]
    distinct = [list(r) for r in {tuple(r) for r in rows}]
    for order in itertools.permutations(distinct):
        assert split_evidence(list(order)) == split_evidence(rows)
