"""Hostile files in every format, through every command, in a separate process under a memory limit
and a time limit: exit 0 or 2, one clear line, no traceback, and no code of the file ever runs."""

import os
import pickle
import resource
import subprocess
import sys
import zipfile

import pytest
from hostile_cases import global_call

from conftest import REPO

MEMORY_LIMIT = 3 * 1024**3
TIME_LIMIT = 60


def _torch_zip(payload: bytes) -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", payload)
        z.writestr("archive/version", "3\n")
    return buf.getvalue()


def _torch_legacy(payload: bytes) -> bytes:
    head = b"".join(pickle.dumps(x, protocol=2) for x in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}))
    return head + payload


def hostile_files(marker):
    touch = f"touch {marker}"
    bomb = (
        "a: &a [1,1,1,1,1,1,1,1,1]\n"
        + "".join(f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
        + "loss: [1.0, 0.5]\n"
    )
    return {
        "system.pt": _torch_zip(global_call("os", "system", touch)),
        "subprocess.pt": _torch_zip(global_call("subprocess", "call", touch)),
        "eval_legacy.pt": _torch_legacy(global_call("builtins", "eval", f"open('{marker}', 'w')")),
        "reduce_numpy.pkl": global_call("numpy", "load", str(marker)),
        "getattr.pkl": b"\x80\x02cbuiltins\ngetattr\ncos\nsystem\nX\x04\x00\x00\x00callR.",
        "bomb.yaml": bomb.encode(),
        "python_tag.yaml": f"loss: !!python/object/apply:os.system ['{touch}']\nval_loss: [1, 2]\n".encode(),
        "deep.json": b"[" * 100_000 + b"]" * 100_000,
        "deep.jsonl": b'{"epoch": 0, "loss": ' + b"[" * 50_000 + b"]" * 50_000 + b"}\n",
        "huge_number.json": b'{"loss": [1e999999, 2, 3], "val_loss": [1, 2, 3]}',
        "strings.csv": b"epoch,loss,val_loss\n0,abc,1\n1,def,2\n",
        "one_byte.pkl": b"\x80",
        "zero.json": b"",
        "nul_names.json": b'{"lo\\u0000ss": [1, 2], "../../x": [3, 4]}',
        "truncated.pt": _torch_zip(pickle.dumps({"loss": [1.0, 0.5]}))[:-40],
        "zip_bomb_claim.pt": _torch_zip(b"\x80\x02}q\x00.")[:30] + b"\xff" * 64,
        "lightning_huge_epoch.csv": b"epoch,step,train_loss\n99999999999999999999,0,1.0\n",
        "hf_bad.json": b'{"log_history": [{"epoch": "x", "loss": "y", "step": -1}]}',
    }


def _limited():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    marker = d / "MARKER"
    for name, data in hostile_files(marker).items():
        (d / name).write_bytes(data)
    return d, marker


@pytest.mark.parametrize("name", sorted(hostile_files("x")))
@pytest.mark.parametrize("command", ["plot", "info", "diagnose", "convert"])
def test_hostile_file_every_command(hostile, run, tmp_path, name, command):
    d, marker = hostile
    r = run(command, d / name)
    assert r.exit_code in (0, 2), r.stderr
    if r.exit_code == 2:
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), r.stderr
    assert not marker.exists()
    written = [p.name for p in tmp_path.iterdir()]
    assert all(not n.startswith(".") for n in written)  # no temp file left behind
    if r.exit_code == 2:
        assert written == []


@pytest.mark.parametrize(
    "name", ["bomb.yaml", "deep.json", "deep.jsonl", "zip_bomb_claim.pt", "lightning_huge_epoch.csv"]
)
def test_resource_hungry_files_under_limits(hostile, tmp_path, name):
    d, marker = hostile
    r = subprocess.run(
        [sys.executable, "-m", "histplot", "plot", str(d / name)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
        preexec_fn=_limited,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert r.returncode in (0, 2), r.stderr
    assert "Traceback" not in r.stderr and not marker.exists()


def test_hostile_directory_report(hostile, tmp_path):
    d, marker = hostile
    r = subprocess.run(
        [sys.executable, "-m", "histplot", "report", str(d), "-o", str(tmp_path / "out"), "-j", "2"],
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT * 3,
        preexec_fn=_limited,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert not marker.exists()
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["figures", "index.html", "summary.json", "summary.md"]
    assert all(p.parent == out / "figures" for p in (out / "figures").rglob("*"))
