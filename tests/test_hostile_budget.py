"""Every construct that asks a reader for more memory than the file holds, made by the project's
generator (``hostile_cases``), run by the CLI in a subprocess under a 1.5 GB address-space limit:
a regression shows as a failed assertion here, not as the test runner running out of memory."""

import os
import resource
import subprocess
import sys

import hostile_cases as hc
import pytest

from conftest import REPO

ADDRESS_SPACE = 1536 * 1024**2
TIME_LIMIT = 120


def _limited():
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run_limited(*args, cwd, stdin=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "histplot", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
        preexec_fn=_limited,
        stdin=stdin,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def refused(r: subprocess.CompletedProcess, path, words: str) -> None:
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, r.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and str(path) in lines[0], r.stderr[-2000:]
    assert words in lines[0], lines[0]
    assert r.stdout == ""


CASES = [
    ("object_dtype.pkl", hc.pickle_object_dtype_array, (), "object dtype"),
    ("object_dtype_copyreg.pkl", hc.pickle_object_dtype_copyreg, (), "object dtype"),
    ("copyreg_shape.pkl", hc.pickle_copyreg_huge_shape, (), "10,000,000,000 elements, more than a history holds"),
    ("ndarray_call.pkl", hc.pickle_ndarray_call, (), "10,000,000,000 elements, more than a history holds"),
    ("subarray.pkl", hc.pickle_subarray_dtype, (), "1,568,000,000 bytes, more than a history holds"),
    ("zero_width.pkl", hc.pickle_zero_width_shape, (), "(1000000000000, 0)"),
    ("memo.pkl", hc.pickle_huge_memo_index, (), "memo index 134,217,728"),
    ("shared.pkl", hc.pickle_shared_list, ("--max-bytes", "1M"), "600 series would create 9,600,000 bytes"),
    ("copied.pkl", hc.pickle_copied_list, ("--max-bytes", "64K"), "a copied list would create"),
    ("stride0.pt", hc.torch_stride_zero, (), "views 1,000,000,000 elements of a storage of 1"),
    ("legacy_storage.pt", hc.torch_legacy_storage_without_bytes, (), "bytes are not in the file"),
    ("inflating.pt", hc.torch_zip_inflating_entry, ("--max-bytes", "1M"), "'archive/data/0' inflates to more than"),
    ("shared.yaml", hc.yaml_shared_list, (), "YAML aliases expand"),
    ("laughs.yaml", hc.yaml_nested_aliases, (), "YAML aliases expand"),
    ("lists.json", hc.json_empty_lists, ("--max-bytes", "64K"), "the JSON would create"),
    ("objects.jsonl", hc.jsonl_empty_objects, ("--max-bytes", "64K"), "the JSON would create"),
]


@pytest.mark.parametrize("name, make, extra, words", CASES, ids=[c[0] for c in CASES])
def test_construct_is_refused_before_allocating(tmp_path, name, make, extra, words):
    data = make()
    assert len(data) < 70_000  # the generator's files are small: the amplification is the point
    path = tmp_path / "in" / name
    path.parent.mkdir()
    path.write_bytes(data)
    r = run_limited("info", path, *extra, cwd=tmp_path)
    refused(r, path, words)
    assert path.read_bytes() == data
    assert sorted(p.name for p in path.parent.iterdir()) == [name]


def test_shared_list_within_the_budget_is_read_in_full(tmp_path):
    # 600 keys sharing one list of 2000 values: 1.2M cells, well inside the default budget
    path = tmp_path / "shared.pkl"
    path.write_bytes(hc.pickle_shared_list())
    r = run_limited("convert", path, "-o", tmp_path / "out.csv", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    header, *rows = (tmp_path / "out.csv").read_text().splitlines()
    assert len(rows) == 2000 and header.count(",") >= 600


def test_budget_follows_max_bytes():
    from histplot.readers import _budget

    small, default = _budget.Budget(1024**2), _budget.Budget()
    assert small.limit_bytes == 8 * 1024**2
    assert default.limit_bytes == _budget.ABSOLUTE_BYTES
    small.charge(1000, 8, "x")
    with pytest.raises(Exception, match="more than a history holds"):
        small.charge(1024**2, 8, "y")
    assert small.bytes == 8000  # a refused charge spends nothing
    assert _budget.viewed_elements((10**6, 0)) == 10**6


def test_legitimate_tensors_and_arrays_still_read(tmp_path):
    import pickle

    import numpy as np

    from histplot.readers import load

    p = tmp_path / "h.pkl"
    p.write_bytes(pickle.dumps({"loss": np.array([1.0, 0.5, 0.25]), "acc": [np.float32(0.5)] * 3}, protocol=2))
    h = load(p)
    assert h.frame["loss"].tolist() == [1.0, 0.5, 0.25]
    p.write_bytes(pickle.dumps({"loss": np.array([1.0, 0.5, 0.25])}, protocol=5))
    assert load(p).frame["loss"].tolist() == [1.0, 0.5, 0.25]
