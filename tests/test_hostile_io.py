"""Inputs that are not regular files, or not whole: FIFOs, devices, symlink loops, stdin without
end, folders larger than --max-bytes, damaged TensorBoard files, Latin-1 CSV headers. Each ends in
one line and exit 2 (or a correct result with a warning), never in a hang or a traceback."""

import json
import os
import subprocess
import sys

import hostile_cases as hc
import pytest
from test_hostile_budget import refused, run_limited

from histplot.errors import ReadError
from histplot.readers import load

from conftest import REPO

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")


def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "history.json"
    os.mkfifo(fifo)
    r = run_limited("info", fifo, cwd=tmp_path)  # would block forever if opened
    refused(r, fifo, "is a named pipe (FIFO), not a regular file")


def test_character_device_is_refused(tmp_path):
    r = run_limited("info", "/dev/zero", cwd=tmp_path)
    refused(r, "/dev/zero", "is a character device, not a regular file")


def test_symlink_to_a_device_is_refused(tmp_path):
    link = tmp_path / "history.csv"
    link.symlink_to("/dev/zero")
    r = run_limited("plot", link, cwd=tmp_path)
    refused(r, link, "character device")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.csv"]


def test_endless_stdin_stops_at_max_bytes(tmp_path):
    with open("/dev/zero", "rb") as zero:
        r = run_limited("info", "-", "--max-bytes", "1M", cwd=tmp_path, stdin=zero)
    refused(r, "-", "over the 1048576-byte limit")


def test_stdin_within_the_limit_is_read(tmp_path):
    src = tmp_path / "h.json"
    src.write_text(json.dumps({"loss": [1.0, 0.5], "val_loss": [1.1, 0.9]}))
    with open(src, "rb") as fh:
        r = run_limited("info", "-", cwd=tmp_path, stdin=fh)
    assert r.returncode == 0, r.stderr
    assert "epochs   2" in r.stdout


def test_gzip_bomb_is_stopped_while_inflating(tmp_path):
    import gzip

    p = tmp_path / "h.json.gz"
    with gzip.open(p, "wb") as fh:
        for _ in range(16):
            fh.write(b" " * 1024 * 1024)
    assert p.stat().st_size < 100_000
    with pytest.raises(ReadError, match="decompressed"):
        load(p, max_bytes="4M")


def test_report_discovery_skips_fifos_and_symlink_loops(tmp_path):
    runs = tmp_path / "runs"
    (runs / "a").mkdir(parents=True)
    (runs / "a" / "history.json").write_text(json.dumps({"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.9, 0.8]}))
    os.mkfifo(runs / "a" / "log.csv")
    (runs / "a" / "loop").symlink_to(runs)  # a/loop -> runs: a cycle for ** and for walking
    (runs / "a" / "self").symlink_to(".")
    out = tmp_path / "out"
    for target in (str(runs), str(runs) + "/**/*.json", str(runs) + "/**"):
        r = subprocess.run(
            [sys.executable, "-m", "histplot", "report", target, "-o", str(out)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        assert r.returncode == 0, r.stderr
        summary = json.loads((out / "summary.json").read_text())
        assert len(summary["runs"]) == 1, (target, summary["runs"])


def test_glob_walks_each_directory_once(tmp_path):
    from histplot.readers.discovery import _glob

    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "h.json").write_text("{}")
    (tmp_path / "a" / "b" / "up").symlink_to(tmp_path / "a")
    (tmp_path / "a" / "twin").symlink_to(tmp_path / "a")
    found = _glob(str(tmp_path) + "/**/h.json")
    assert len(found) == 1 and found[0].endswith("h.json")
    assert _glob(str(tmp_path / "a" / "*" / "h.json")) == [str(tmp_path / "a" / "b" / "h.json")]


def test_max_bytes_applies_to_the_sum_of_a_folder(tmp_path):
    run = tmp_path / "mlruns" / "0" / "abc123" / "metrics"
    run.mkdir(parents=True)
    for i in range(20):
        (run / f"m{i}").write_text("".join(f"1700000000000 {1 / (s + 1)} {s}\n" for s in range(100)))
    each = (run / "m0").stat().st_size
    assert each < 4096 < 20 * each
    with pytest.raises(ReadError, match="sum to more than the 4096-byte limit"):
        load(run.parent, max_bytes="4K")
    assert len(load(run.parent, max_bytes="1M").frame.columns) == 20


def test_tensorboard_folder_sum_counts_every_event_file(tmp_path):
    for i in range(3):
        (tmp_path / f"events.out.tfevents.{i}.host").write_bytes(hc.tensorboard_events(100))
    size = (tmp_path / "events.out.tfevents.0.host").stat().st_size
    with pytest.raises(ReadError, match="sum to more than"):
        load(tmp_path, max_bytes=str(2 * size + 10))


def test_one_event_file_is_counted_once(tmp_path):
    p = tmp_path / "events.out.tfevents.1.host"
    p.write_bytes(hc.tensorboard_events(100))
    assert len(load(p, max_bytes=str(p.stat().st_size + 1)).frame) == 100


def test_watch_refuses_a_file_replaced_by_a_device(tmp_path):
    from histplot.live.follow import Follower

    p = tmp_path / "metrics.csv"
    p.write_text("epoch,loss\n0,1.0\n1,0.5\n")
    f = Follower(p)
    assert f.poll() is not None
    p.unlink()
    p.symlink_to("/dev/zero")
    with pytest.raises(ReadError, match="character device, not a regular file"):
        f.poll()


# -- deliverable 7: damaged TensorBoard files, Latin-1 headers ----------------------------------
def test_tensorboard_crc_mismatch_reads_up_to_it_with_a_warning(tmp_path):
    p = tmp_path / "events.out.tfevents.1.host"
    p.write_bytes(hc.tensorboard_events(50, bad_crc_at=30))
    h = load(p)
    assert len(h.frame) == 30 and h.frame["loss"].iloc[-1] == pytest.approx(1 / 30)
    (warning,) = h.meta["warnings"]
    assert "read 31 of 51 records; stopped at a CRC mismatch in the record at byte" in warning
    assert warning in h.notes


def test_tensorboard_truncated_record_reads_up_to_it_with_a_warning(run, tmp_path):
    p = tmp_path / "events.out.tfevents.1.host"
    p.write_bytes(hc.tensorboard_events(40, truncate=3))
    h = load(p)
    assert len(h.frame) == 39
    assert "read 40 of 41 records; stopped at a truncated record at byte" in h.meta["warnings"][0]


def test_tensorboard_million_records_read_without_the_package_loop(tmp_path):
    # bounded work: the framing is walked once and CRCs are computed for all records together
    p = tmp_path / "events.out.tfevents.1.host"
    p.write_bytes(hc.tensorboard_events(20_000))
    h = load(p)
    assert len(h.frame) == 20_000 and h.meta["warnings"] == []


def test_latin1_csv_header_is_decoded_with_a_note(tmp_path):
    p = tmp_path / "log.csv"
    p.write_bytes("epoch,loss,val_loss,précision\n0,1.0,1.1,0.5\n1,0.5,0.9,0.6\n".encode("latin-1"))
    h = load(p)
    assert "précision" in " ".join(h.meta["original_names"].values())
    assert any("latin-1" in n.lower() for n in h.notes)
