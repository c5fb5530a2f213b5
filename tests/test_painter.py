"""The drawing process of `histplot plot` (painter.py): results, errors and failures come back to the
parent, no child outlives its painter, and the figures are the bytes an in-process plot writes."""

from __future__ import annotations

import os
import signal

import pytest

from histplot.cli.painter import Painter
from histplot.errors import HistplotError, ReadError

from conftest import SAMPLES

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="drawing in a second process needs fork")


def child_pid(offset: int) -> tuple[int, int]:
    return os.getpid(), offset


def fails_with_read_error(name: str) -> None:
    raise ReadError("truncated JSON", name)


def fails_with_bug() -> None:
    raise ZeroDivisionError("division by zero")


def dies() -> None:
    os._exit(7)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def painter(monkeypatch):
    monkeypatch.delenv("HISTPLOT_DEBUG", raising=False)
    monkeypatch.setattr("histplot.cli.painter._fork_helps", lambda: True)
    with Painter(warm=()) as p:
        yield p


def test_the_job_runs_in_the_child_and_its_result_comes_back(painter):
    pid = painter.pid
    assert pid and pid != os.getpid()
    assert painter.run(child_pid, 5) == (pid, 5)
    assert painter.pid is None and gone(pid)  # reaped once the job is done


def test_a_histplot_error_in_the_child_is_raised_here_with_its_file(painter):
    with pytest.raises(HistplotError) as err:
        painter.run(fails_with_read_error, "bad.json")
    assert str(err.value) == "bad.json: truncated JSON"


def test_a_bug_in_the_child_is_raised_here_as_an_unexpected_error(painter):
    with pytest.raises(RuntimeError, match="ZeroDivisionError: division by zero"):
        painter.run(fails_with_bug)


def test_a_child_that_dies_is_reported_not_waited_for(painter):
    with pytest.raises(HistplotError, match="drawing process ended unexpectedly .exit code 7"):
        painter.run(dies)


def test_closing_without_a_job_ends_the_child(monkeypatch):
    monkeypatch.setattr("histplot.cli.painter._fork_helps", lambda: True)
    p = Painter(warm=())
    pid = p.pid
    p.close()
    assert p.pid is None and gone(pid)
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_without_fork_the_job_runs_here(monkeypatch):
    monkeypatch.setenv("HISTPLOT_DEBUG", "1")  # a traceback must show where: no second process
    with Painter(warm=()) as p:
        assert p.pid is None
        assert p.run(child_pid, 1) == (os.getpid(), 1)


def test_plot_in_a_second_process_writes_the_same_bytes_as_in_process(run, tmp_path, monkeypatch):
    monkeypatch.setattr("histplot.cli.painter._fork_helps", lambda: True)
    for fmt in ("png", "svg"):
        run("plot", SAMPLES / "overfitting_run.json", "-o", f"forked.{fmt}", ok=True)
    monkeypatch.setattr("histplot.cli.painter._fork_helps", lambda: False)
    for fmt in ("png", "svg"):
        run("plot", SAMPLES / "overfitting_run.json", "-o", f"here.{fmt}", ok=True)
        assert (tmp_path / f"forked.{fmt}").read_bytes() == (tmp_path / f"here.{fmt}").read_bytes()


def test_a_bad_input_leaves_no_drawing_process_behind(run, tmp_path, monkeypatch):
    monkeypatch.setattr("histplot.cli.painter._fork_helps", lambda: True)
    (tmp_path / "bad.json").write_text('{"loss": [1.0, 0.5')
    before = set(_children())
    result = run("plot", "bad.json", "-o", "out.png")
    assert result.exit_code == 2 and "bad.json" in result.stderr
    assert not (tmp_path / "out.png").exists()
    assert set(_children()) <= before


def _children() -> list[int]:
    """Child processes of this one (Linux /proc); empty elsewhere."""
    try:
        with open(f"/proc/{os.getpid()}/task/{os.getpid()}/children") as fh:
            return [int(x) for x in fh.read().split()]
    except OSError:
        return []


def test_sigterm_ends_a_waiting_child(monkeypatch):
    monkeypatch.setattr("histplot.cli.painter._fork_helps", lambda: True)
    p = Painter(warm=())
    os.kill(p.pid, signal.SIGTERM)
    status = os.waitpid(p.pid, 0)[1]
    p.pid = None
    p.close()
    assert os.WIFSIGNALED(status) or os.waitstatus_to_exitcode(status) != 0


@pytest.mark.parametrize("delay", [0.3, 0.6, 0.9, 1.2, 1.5])
def test_ctrl_c_during_plot_leaves_no_file_and_no_process(tmp_path, delay):
    """SIGINT to the whole process group, as a terminal's Ctrl-C sends it, at several moments:
    reading, drawing, writing. Either the figure is whole or it is not there; no temporary file and
    no drawing process are left."""
    import subprocess
    import sys
    import time

    import numpy as np

    csv = tmp_path / "metrics.csv"
    n = 300_000
    step = np.arange(n)
    body = "\n".join(f"{s // 1000},{s},{v:.5f},," for s, v in zip(step, 1 / (1 + step / 1e4)))
    evals = "\n".join(
        f"{e},{e * 1000 + 999},,{0.5 + 1 / (e + 1):.5f},{0.3 + 1 / (e + 2):.5f}" for e in range(n // 1000)
    )
    csv.write_text("epoch,step,train_loss_step,val_loss,train_loss_epoch\n" + body + "\n" + evals + "\n")
    out = tmp_path / "out"
    out.mkdir()
    histplot = [sys.executable, "-c", "from histplot.cli import main; main()"]
    proc = subprocess.Popen(
        [*histplot, "plot", str(csv), "-o", str(out / "m.png")],
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(delay)
    try:
        os.killpg(proc.pid, signal.SIGINT)
    except ProcessLookupError:
        pass  # already done
    _, err = proc.communicate(timeout=60)
    # -SIGINT: the signal came as the interpreter was exiting, after the command's work was done
    assert proc.returncode in (0, 130, -signal.SIGINT), err
    files = sorted(p.name for p in out.iterdir())
    # interrupted after the figure was written (and before the command said so), it stays: whole
    assert files == ["m.png"] if proc.returncode == 0 else files in ([], ["m.png"]), (proc.returncode, files)
    if files:
        assert (out / "m.png").read_bytes().endswith(b"IEND\xaeB`\x82")
    if proc.returncode == 130:
        assert err.strip() == "Interrupted"
    assert not _processes_mentioning(str(csv))


def _processes_mentioning(text: str) -> list[int]:
    """Processes whose command line contains ``text`` (Linux /proc; none found elsewhere)."""
    found = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                if text.encode() in fh.read():
                    found.append(int(entry))
        except (OSError, ValueError):
            continue
    return found


def test_a_step_log_is_drawn_from_its_epochs_with_the_diagnosis_of_its_steps(run, tmp_path, monkeypatch):
    """`plot` diagnoses a step log where it reads it and sends the drawing process the epochs only:
    the figure, with the spike found among the steps, is the one the library draws from the whole
    history."""
    import numpy as np

    from histplot.diagnosis.run import diagnose
    from histplot.figures import files as plotting
    from histplot.metrics.derive import derive
    from histplot.readers import load

    rng = np.random.default_rng(8)
    rows = ["epoch,step,train_loss_step,val_loss"]
    for e in range(12):
        for s in range(e * 50, e * 50 + 50):
            loss = 2.0 / (1 + s / 100) * float(np.exp(rng.normal(0, 0.05))) * (40.0 if s == 333 else 1.0)
            rows.append(f"{e},{s},{loss:.6g},")
        rows.append(f"{e},{e * 50 + 49},,{1.5 / (1 + e / 3):.6g}")
    (tmp_path / "metrics.csv").write_text("\n".join(rows) + "\n")
    history = derive(load(tmp_path / "metrics.csv"))
    assert history.steps is not None and diagnose(history).found("spike")
    drawn, own = plotting.for_drawing(history)
    assert drawn.steps is None and own["diagnosis"].found("spike")  # diagnosed with its steps

    monkeypatch.setattr("histplot.cli.painter._fork_helps", lambda: True)
    run("plot", "metrics.csv", "-o", "forked.svg", ok=True)
    plotting.plot(history, tmp_path / "library.svg")
    assert (tmp_path / "forked.svg").read_bytes() == (tmp_path / "library.svg").read_bytes()


def test_the_modules_the_painter_warms_up_exist():
    """The child imports WARM by name while it waits; a stale name would only make it slower, silently."""
    import importlib

    from histplot.cli.painter import WARM

    for name in WARM:
        assert importlib.import_module(name).__name__ == name
    assert {"histplot.figures.panels", "histplot.figures.annotate"} <= set(WARM)
