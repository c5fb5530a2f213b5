"""histplot watch: the incremental follower, the watch loop (injected clock and sleep) and the CLI
against a writer thread."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

import pytest

from histplot.errors import ReadError, UnknownFormatError
from histplot.live.follow import Follower
from histplot.live.watch import watch
from histplot.readers import keras_csv

PNG_START = b"\x89PNG\r\n\x1a\n"
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
OVERFIT = "overfitting since epoch"


def overfitting_rows(n: int = 24) -> list[str]:
    """CSVLogger rows (0-based epochs): training loss keeps falling, validation turns up after epoch 9."""
    return [f"{e},{1 / (1 + 0.3 * e):.4f},{0.6 + 0.002 * (e - 8) ** 2:.4f}\n" for e in range(n)]


def complete_png(data: bytes) -> bool:
    return data.startswith(PNG_START) and data.endswith(PNG_END)


class Script:
    """An injected clock and sleep: each sleep advances the clock and runs the next writer step."""

    def __init__(self, steps):
        self.steps = list(steps)
        self.now = 0.0
        self.sleeps = 0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += seconds
        if self.steps:
            self.steps.pop(0)()


def append(path, text):
    def step():
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text)

    return step


# -- the follower ---------------------------------------------------------------------------------
def test_follower_parses_each_appended_byte_once(tmp_path, monkeypatch):
    parsed: list[int] = []
    real = keras_csv.parse_rows

    def spy(header, lines, source=None):
        parsed.append(len(lines))
        return real(header, lines, source)

    monkeypatch.setattr(keras_csv, "parse_rows", spy)
    path = tmp_path / "log.csv"
    path.write_text("epoch,loss,val_loss\n")
    f = Follower(path)
    assert f.poll() is None  # a header, no rows yet
    rows = overfitting_rows(40)
    for i in range(0, 40, 4):
        with open(path, "a") as fh:
            fh.write("".join(rows[i : i + 4]))
        h = f.poll()
        assert h.epochs == i + 4
    assert f.poll() is None  # nothing new: nothing read
    assert parsed == [4] * 10
    assert f.bytes_read == path.stat().st_size  # every byte read once
    assert f.bytes_checked <= 64 * 1024 + 64 * 11  # the sniffed head and the rewrite checks only
    assert h.frame["val_loss"].idxmin() == 9


def test_half_written_line_waits_for_its_end(tmp_path):
    path = tmp_path / "log.csv"
    rows = overfitting_rows(3)
    path.write_text("epoch,loss,val_loss\n" + rows[0] + rows[1][:4])
    f = Follower(path)
    assert f.poll().epochs == 1
    with open(path, "a") as fh:
        fh.write(rows[1][4:-1])  # the line without its end
    assert f.poll() is None
    with open(path, "a") as fh:
        fh.write("\n" + rows[2])
    h = f.poll()
    assert h.epochs == 3 and h.frame.loc[2, "loss"] == pytest.approx(float(rows[1].split(",")[1]))
    assert f.bytes_read == path.stat().st_size


def test_missing_file_is_awaited_and_said_once(tmp_path):
    events = []
    path = tmp_path / "later.csv"
    f = Follower(path, on_event=events.append)
    assert f.poll() is None and f.poll() is None
    assert [e.kind for e in events] == ["waiting"]
    path.write_text("epoch,loss\n0,1.0\n")
    assert f.poll().epochs == 1


@pytest.mark.parametrize("longer", [False, True])
def test_truncated_or_rewritten_file_is_a_new_run(tmp_path, longer):
    events = []
    path = tmp_path / "log.csv"
    rows = overfitting_rows(8)
    path.write_text("epoch,loss,val_loss\n" + "".join(rows[:5]))
    f = Follower(path, on_event=events.append)
    assert f.poll().epochs == 5
    # A new run truncates the file; by the next look it may already be longer than the old one.
    new = [r.replace(",0.", ",0.9") for r in rows] if longer else rows[:2]
    path.write_text("epoch,loss,val_loss\n" + "".join(new))
    h = f.poll()
    assert h.epochs == len(new)
    assert [e.message.split(": ", 1)[1] for e in events if e.kind == "restart"] == ["file restarted: new run"]
    assert f.restarts == 1


def test_csv_append_resumed_run_is_a_new_run_without_rereading(tmp_path):
    events = []
    path = tmp_path / "log.csv"
    rows = overfitting_rows(6)
    path.write_text("epoch,loss,val_loss\n" + "".join(rows))
    f = Follower(path, on_event=events.append)
    assert f.poll().epochs == 6
    with open(path, "a") as fh:  # CSVLogger(append=True): a new run counts from 0 again
        fh.write("".join(rows[:2]))
    assert f.poll().epochs == 2
    with open(path, "a") as fh:
        fh.write(rows[2])
    assert f.poll().epochs == 3
    assert [e.kind for e in events].count("restart") == 1
    assert [e.kind for e in events].count("warning") == 1  # "the epoch count restarts", said once
    assert f.bytes_read == path.stat().st_size


def test_lightning_header_rewrite_is_read_again_not_a_new_run(tmp_path):
    events = []
    path = tmp_path / "metrics.csv"
    path.write_text("epoch,step,train_loss\n0,9,1.0\n0,19,0.9\n")
    f = Follower(path, on_event=events.append)
    assert f.poll().epochs == 1 and f.format == "lightning_csv"
    # val_loss appears: Lightning rewrites the whole file under the wider, sorted header.
    path.write_text("epoch,step,train_loss,val_loss\n0,9,1.0,\n0,19,0.9,\n0,19,,0.95\n")
    h = f.poll()
    assert list(h.frame.columns) == ["val_loss", "loss"] and h.epochs == 1
    with open(path, "a") as fh:
        fh.write("1,29,0.8,\n1,39,0.7,\n1,39,,0.9\n")
    h = f.poll()
    assert h.frame["val_loss"].tolist() == [0.95, 0.9]
    assert [e.kind for e in events] == ["reread"] and f.restarts == 0


def test_json_lines_follow_incrementally(tmp_path):
    path = tmp_path / "log.txt"
    lines = [json.dumps({"epoch": e, "train_loss": 1 / (e + 1), "test_loss": 1.2 / (e + 1)}) + "\n" for e in range(5)]
    path.write_text("".join(lines[:2]))
    f = Follower(path)
    assert f.poll().epochs == 2 and f.format == "jsonl"
    with open(path, "a") as fh:
        fh.write(lines[2] + lines[3][:10])
    assert f.poll().epochs == 3
    with open(path, "a") as fh:
        fh.write(lines[3][10:] + lines[4])
    assert f.poll().epochs == 5
    assert f.bytes_read == path.stat().st_size


def test_whole_file_formats_are_read_again_when_they_change(tmp_path):
    path = tmp_path / "history.json"
    path.write_text(json.dumps({"loss": [1.0, 0.8], "val_loss": [1.1, 0.9]}))
    f = Follower(path)
    assert f.poll().epochs == 2
    assert f.poll() is None  # unchanged: not read
    path.write_text('{"loss": [1.0, 0.8, 0.7], "val_lo')  # caught mid-write
    assert f.poll() is None
    path.write_text(json.dumps({"loss": [1.0, 0.8, 0.7], "val_loss": [1.1, 0.9, 0.85]}))
    assert f.poll().epochs == 3


def test_trainer_state_rewritten_each_save(tmp_path):
    path = tmp_path / "trainer_state.json"

    def state(epochs):
        log = [{"epoch": float(e), "step": 10 * e, "eval_loss": 1.0 / e, "loss": 1.1 / e} for e in range(1, epochs + 1)]
        return json.dumps({"global_step": 10 * epochs, "log_history": log}, indent=2, sort_keys=True)

    path.write_text(state(2))
    f = Follower(path)
    assert f.poll().epochs == 2 and f.format == "hf_trainer_state"
    path.write_text(state(4))
    assert f.poll().epochs == 4


def test_not_a_history_is_one_clear_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Dear diary,\ntoday the model trained well.\n")
    with pytest.raises(UnknownFormatError, match="not a training history"):
        Follower(path).poll()


# -- the watch loop, with an injected clock ------------------------------------------------------------
def test_watch_draws_new_epochs_and_tells_each_finding_once(tmp_path):
    path, out = tmp_path / "log.csv", tmp_path / "live.png"
    rows = overfitting_rows(16)
    # Each look finds a few epochs more, the last of them half written (it must wait).
    steps = [
        append(path, "epoch,loss,val_loss\n"),
        append(path, "".join(rows[:6]) + rows[6][:5]),
        append(path, rows[6][5:] + "".join(rows[7:12])),
        append(path, "".join(rows[12:])),
    ]
    script = Script(steps)
    events = []
    code = watch(
        path, out, interval=0.5, until_idle=2, dpi=30, on_event=events.append, clock=script.clock, sleep=script.sleep
    )
    assert code == 0
    assert [e.kind for e in events][0] == "waiting"
    findings = [e.message for e in events if e.kind == "finding"]
    assert sum(OVERFIT in m for m in findings) == 1
    assert len(findings) == len(set(findings))
    renders = [e.message.rsplit(": ", 1)[1] for e in events if e.kind == "render"]
    assert renders == ["6 epochs", "12 epochs", "16 epochs"]
    assert complete_png(out.read_bytes())


def test_watch_every_n_epochs_and_a_final_draw(tmp_path):
    path, out = tmp_path / "log.csv", tmp_path / "live.svg"
    rows = overfitting_rows(11)
    script = Script([append(path, "epoch,loss,val_loss\n")] + [append(path, r) for r in rows])
    events = []
    watch(path, out, every=5, interval=1, until_idle=3, on_event=events.append, clock=script.clock, sleep=script.sleep)
    assert [e.message.rsplit(": ", 1)[1] for e in events if e.kind == "render"] == [
        "5 epochs",
        "10 epochs",
        "11 epochs",
    ]
    assert out.read_text().startswith("<?xml")


def test_watch_ends_on_ctrl_c_with_130_after_drawing(tmp_path):
    path, out = tmp_path / "log.csv", tmp_path / "live.png"
    path.write_text("epoch,loss,val_loss\n" + "".join(overfitting_rows(3)))

    def interrupt(seconds):
        raise KeyboardInterrupt

    assert watch(path, out, interval=0.1, sleep=interrupt) == 130
    assert complete_png(out.read_bytes())


def test_watch_gives_up_on_a_file_that_never_appears(tmp_path):
    script = Script([])
    with pytest.raises(ReadError, match="no such file"):
        watch(
            tmp_path / "never.csv",
            tmp_path / "live.png",
            interval=1,
            until_idle=3,
            clock=script.clock,
            sleep=script.sleep,
        )
    assert not (tmp_path / "live.png").exists()


def test_watch_restart_tells_findings_again_for_the_new_run(tmp_path):
    path, out = tmp_path / "log.csv", tmp_path / "live.png"
    rows = overfitting_rows(20)
    head = "epoch,loss,val_loss\n"

    def restart():
        path.write_text(head)

    script = Script([append(path, head + "".join(rows)), restart, append(path, "".join(rows))])
    events = []
    watch(path, out, interval=1, until_idle=2, on_event=events.append, clock=script.clock, sleep=script.sleep)
    kinds = [e.kind for e in events]
    assert kinds.count("restart") == 1
    assert sum(OVERFIT in e.message for e in events if e.kind == "finding") == 2


def test_watch_shows_each_figure_in_the_window(tmp_path):
    path = tmp_path / "log.csv"
    rows = overfitting_rows(3)
    path.write_text("epoch,loss,val_loss\n" + rows[0])

    class FakeWindow:
        def __init__(self):
            self.shown, self.paused = [], 0

        def show(self, fig):
            self.shown.append(fig)
            return True

        def is_open(self):
            return True

        def pause(self, seconds):
            self.paused += 1
            if self.paused == 1:
                append(path, rows[1])()

    window = FakeWindow()
    ticks = iter(range(100))
    watch(path, tmp_path / "live.png", interval=1, until_idle=2, window=window, clock=lambda: next(ticks))
    assert len(window.shown) == 2 and window.paused >= 2


# -- the command, against a real writer ---------------------------------------------------------------
def _observe(out, stop: threading.Event, seen: list):
    """Open the figure over and over while it is being replaced: every read must be a whole PNG."""
    while not stop.is_set():
        try:
            data = out.read_bytes()
        except FileNotFoundError:
            continue
        seen.append((complete_png(data), len(data), hash(data)))
        time.sleep(0.002)  # leave the watcher the interpreter most of the time


def _writer(path, chunks, delay=0.01):
    def write():
        time.sleep(0.05)
        for chunk in chunks:
            if callable(chunk):
                chunk()
            else:
                with open(path, "a", encoding="utf-8") as fh:  # each write flushed, as CSVLogger does
                    fh.write(chunk)
            time.sleep(delay)

    return threading.Thread(target=write)


def _watch_with(run, tmp_path, path, chunks, *extra):
    out = tmp_path / "live.png"
    stop, seen = threading.Event(), []
    writer, observer = _writer(path, chunks), threading.Thread(target=_observe, args=(out, stop, seen))
    writer.start()
    observer.start()
    try:
        result = run("watch", path, "-o", out, "--interval", "0.02", "--until-idle", "0.5", *extra)
    finally:
        writer.join()
        stop.set()
        observer.join()
    return result, out, seen


def test_cli_watch_follows_a_csvlogger_writer(run, tmp_path):
    path = tmp_path / "log.csv"
    chunks = ["epoch,loss,val_loss\n"]
    for r in overfitting_rows(24):
        chunks += [r[:6], r[6:]]
    result, out, seen = _watch_with(run, tmp_path, path, chunks)
    assert result.exit_code == 0, result.output
    assert result.stdout.count(OVERFIT) == 1
    assert "24 epochs" in result.stderr
    assert seen and all(ok for ok, _, _ in seen), "a partial PNG was observed"
    assert len({h for _, _, h in seen}) >= 2, "the figure was never replaced while watched"
    assert complete_png(out.read_bytes())


def test_cli_watch_follows_a_lightning_writer(run, tmp_path):
    path = tmp_path / "metrics.csv"
    # val_loss appears after epoch 1's training rows: Lightning rewrites the file under a wider header.
    chunks = [
        "epoch,step,train_loss\n",
        "0,9,1.0\n",
        "0,19,0.9\n",
        lambda: path.write_text("epoch,step,train_loss,val_loss\n0,9,1.0,\n0,19,0.9,\n0,19,,0.65\n"),
    ]
    for e in range(1, 16):
        loss, val = 1 / (1 + 0.3 * e), 0.6 + 0.002 * (e - 6) ** 2
        chunks += [f"{e},{e * 20 + 9},{loss:.4f},\n{e},{e * 20 + 19},{loss:.4f},", f"\n{e},{e * 20 + 19},,{val:.4f}\n"]
    result, out, seen = _watch_with(run, tmp_path, path, chunks)
    assert result.exit_code == 0, result.output
    assert "new columns in the header" in result.stderr and "new run" not in result.stderr
    assert "16 epochs" in result.stderr
    assert result.stdout.count(OVERFIT) == 1
    assert seen and all(ok for ok, _, _ in seen), "a partial PNG was observed"
    assert complete_png(out.read_bytes())


def test_cli_watch_show_without_display_says_so_and_writes_the_file(run, tmp_path, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    path = tmp_path / "log.csv"
    path.write_text("epoch,loss,val_loss\n" + "".join(overfitting_rows(4)))
    result = run("watch", path, "--show", "--interval", "0.01", "--until-idle", "0.05")
    assert result.exit_code == 0
    assert "--show: no display" in result.stderr
    assert complete_png((tmp_path / "live.png").read_bytes())


def test_cli_watch_bad_input_exits_2_naming_the_file(run, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("a diary\n")
    result = run("watch", path, "--interval", "0.01", "--until-idle", "0.05")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and str(path) in result.stderr
    result = run("watch", tmp_path / "none.csv", "--interval", "0.01", "--until-idle", "0.05")
    assert result.exit_code == 2 and "no such file" in result.stderr


def test_cli_watch_ctrl_c_exits_130_without_traceback(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("epoch,loss,val_loss\n" + "".join(overfitting_rows(5)))
    out = tmp_path / "live.png"
    proc = subprocess.Popen(
        [sys.executable, "-m", "histplot", "watch", str(path), "-o", str(out), "--interval", "0.05"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a shell or CI runner may start the tests with SIGINT ignored, which the child would inherit
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 15
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=15)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "Interrupted" in stderr
    assert complete_png(out.read_bytes())
