"""Writing files (histplot.output): never over an input, by any of its names."""

from __future__ import annotations

import os

import pytest

from histplot.errors import HistplotError
from histplot.output import refuse_input_overwrite


def test_same_path_refused(tmp_path):
    src = tmp_path / "h.json"
    src.write_text("{}")
    with pytest.raises(HistplotError, match="refusing to overwrite an input file") as e:
        refuse_input_overwrite([tmp_path / "x.png", tmp_path / "sub" / ".." / "h.json"], [str(src)])
    assert e.value.path.endswith("h.json")


def test_other_names_of_the_same_file_refused(tmp_path):
    src = tmp_path / "h.json"
    src.write_text("{}")
    (tmp_path / "link.json").symlink_to(src)
    os.link(src, tmp_path / "hard.json")
    for other in ("link.json", "hard.json"):
        with pytest.raises(HistplotError, match="refusing to overwrite"):
            refuse_input_overwrite([tmp_path / other], [src])
    assert src.read_text() == "{}"


def test_distinct_files_and_stdin_pass(tmp_path):
    src = tmp_path / "h.json"
    src.write_text("{}")
    (tmp_path / "other.json").write_text("{}")  # same content, another file
    refuse_input_overwrite([tmp_path / "other.json", tmp_path / "new.png"], [src, "-"])
    refuse_input_overwrite([tmp_path / "-"], ["-"])
