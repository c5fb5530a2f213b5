"""Hostile input: files built to run code, exhaust memory, or break outputs. Each must end in exit 0
(finite data plotted) or exit 2 with one line; no code runs, nothing is written outside the output."""

import json
import pickle
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hostile_cases import global_call

from histplot.errors import HistplotError
from histplot.readers import load


@pytest.mark.parametrize(
    "module, name",
    [
        ("os", "system"),
        ("posix", "system"),
        ("subprocess", "check_output"),
        ("builtins", "eval"),
        ("builtins", "exec"),
        ("builtins", "getattr"),
        ("builtins", "__import__"),
        ("builtins", "open"),
        ("numpy", "load"),
        ("numpy.testing._private.utils", "runstring"),
        ("torch", "load"),
        ("pandas", "read_pickle"),
        ("copyreg", "_reconstructor"),
    ],
)
def test_pickle_calls_are_refused_and_never_run(run, tmp_path, module, name):
    marker = tmp_path / "MARKER"
    evil = tmp_path / "history.pkl"
    evil.write_bytes(
        global_call(module, name, f"open('{marker}', 'w')" if "eval" in name or "exec" in name else f"touch {marker}")
    )
    r = run("plot", evil)
    assert r.exit_code == 2
    assert f"'{module}.{name}'" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not marker.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.pkl"]


def test_getattr_chain_through_an_allowed_class_is_refused(tmp_path):
    # builtins.getattr(collections.OrderedDict, "fromkeys") would reach arbitrary attributes.
    payload = b"\x80\x02cbuiltins\ngetattr\nccollections\nOrderedDict\nX\x08\x00\x00\x00fromkeys\x86R."
    p = tmp_path / "h.pkl"
    p.write_bytes(payload)
    with pytest.raises(HistplotError, match="builtins.getattr"):
        load(p)


def test_reduce_on_an_allowed_numpy_function_cannot_allocate_huge_arrays(tmp_path):
    # numpy.core.multiarray._reconstruct(ndarray, (10**11,), b"b") would try to allocate 100 GB.
    payload = b"\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n\x8a\x05\x00\xe8vH\x17\x85C\x01b\x87R."
    p = tmp_path / "h.pkl"
    p.write_bytes(payload)
    with pytest.raises(HistplotError, match="more than a history holds"):
        load(p)


def test_pickle_declaring_a_huge_string_fails_fast(tmp_path):
    p = tmp_path / "h.pkl"
    p.write_bytes(b"\x80\x04\x8d" + (2**40).to_bytes(8, "little") + b"abc")
    with pytest.raises(HistplotError, match="not a readable pickle"):
        load(p)


def test_deeply_nested_json(tmp_path):
    p = tmp_path / "deep.json"
    p.write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(HistplotError):
        load(p)


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "a\x00b",
        "line\nbreak",
        "x" * 5000,
        "δοκιμή",
        "val_\u202eevil",
        "<script>alert(1)</script>",
        "C:\\windows\\x",
    ],
)
def test_hostile_metric_names_are_sanitised_and_outputs_stay_put(run, tmp_path, name):
    src = tmp_path / "in" / "h.json"
    src.parent.mkdir()
    src.write_text(json.dumps({name: [1.0, 0.5, 0.25], "loss": [1.0, 0.8, 0.7]}))
    run("plot", src, "-o", tmp_path / "out", "--format", "svg", ok=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["h.svg"]
    ET.parse(tmp_path / "out" / "h.svg")  # valid XML: no NUL or raw control characters
    r = run("info", src, ok=True)
    assert "\x00" not in r.stdout and "\u202e" not in r.stdout


@pytest.mark.parametrize(
    "values", [[1e308, -1e308, 5.0], [-np.inf, 1.0, np.inf], [1e-320, 1e-300, 1.0], [np.nan, 1.0, np.nan]]
)
def test_extreme_numbers_plot(run, tmp_path, values):
    (tmp_path / "h.json").write_text(json.dumps({"loss": values, "val_loss": [1.0, 2.0, 3.0]}))
    r = run("plot", tmp_path / "h.json", ok=True)
    assert r.stderr == ""
    assert (tmp_path / "h.png").stat().st_size > 1000


def test_yaml_config_with_python_tags_is_refused(tmp_path):
    from histplot.config import load_config
    from histplot.errors import ConfigError

    marker = tmp_path / "MARKER"
    cfg = tmp_path / "histplot.yaml"
    cfg.write_text(f"derive: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(cfg)
    assert not marker.exists()


def test_max_bytes_refuses_up_front(run, tmp_path):
    p = tmp_path / "h.json"
    p.write_text(json.dumps({"loss": [1.0] * 1000}))
    r = run("info", p, "--max-bytes", "1K")
    assert r.exit_code == 2
    assert "over the 1024-byte limit; raise it with --max-bytes" in r.stderr
    run("info", p, "--max-bytes", "1M", ok=True)
    r = run("info", p, "--max-bytes", "lots")
    assert r.exit_code == 2 and "not a size" in r.stderr


def test_max_bytes_applies_to_stdin(run):
    r = run("info", "-", "--max-bytes", "100", input=json.dumps({"loss": [1.0] * 100}))
    assert r.exit_code == 2 and "over the 100-byte limit" in r.stderr


def test_protocol_5_out_of_band_buffers_are_refused(tmp_path):
    p = tmp_path / "h.pkl"
    p.write_bytes(pickle.dumps(pickle.PickleBuffer(b"abc"), protocol=5))
    with pytest.raises(HistplotError):
        load(p)
