"""The drawing process of `histplot plot` (painter.py): results, errors and failures come back to the
parent, no child outlives its painter, and the figures are the bytes an in-process plot writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

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


def test_ended_while_importing_the_child_leaves_at_once(tmp_path, monkeypatch):
    """A SIGTERM during the child's imports ends it on the spot (status 143): an exception raised
    inside the import machinery would be printed as "Exception ignored" with a traceback."""
    (tmp_path / "slow_to_import.py").write_text("import time\ntime.sleep(30)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr("histplot.cli.painter._fork_helps", lambda: True)
    painter = Painter(warm=("slow_to_import",))
    pid = painter.pid
    time.sleep(0.5)  # well inside the 30 s import
    os.kill(pid, signal.SIGTERM)
    _, status = os.waitpid(pid, 0)
    painter.pid = None  # reaped here
    painter.close()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 128 + signal.SIGTERM


def test_a_sigterm_right_after_the_fork_never_runs_the_callers_handler(monkeypatch):
    """The CLI turns SIGTERM into an exception; run in the child, that exception unwound into the
    caller's code, and the child went on as a second copy of it (in CI: a second pytest worker)."""
    monkeypatch.setattr("histplot.cli.painter._fork_helps", lambda: True)
    fork = os.fork

    def fork_then_signalled():
        pid = fork()
        if pid == 0:
            os.kill(os.getpid(), signal.SIGTERM)  # the parent's SIGTERM, as early as it can come
        return pid

    monkeypatch.setattr(os, "fork", fork_then_signalled)
    # The caller's handler, made safe to run in a forked test process: it leaves with status 99.
    previous = signal.signal(signal.SIGTERM, lambda *a: os._exit(99))
    try:
        painter = Painter(warm=())
        pid = painter.pid
        _, status = os.waitpid(pid, 0)
    finally:
        signal.signal(signal.SIGTERM, previous)
    painter.pid = None  # reaped here
    painter.close()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 128 + signal.SIGTERM


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


# Each phase of `histplot plot` held open by a stand-in that says it has started and then waits, so
# that Ctrl-C lands in that phase every time. The stand-ins are patched in before the command starts,
# so the drawing process, forked from it, has them too.
_HOLD = """
import os, sys, time
import histplot.figures.files, histplot.output, histplot.readers
from histplot.cli import main

def hold(real):
    def held(*args, **kwargs):
        open(os.environ["PHASE_STARTED"], "w").close()
        time.sleep(60)
        return real(*args, **kwargs)
    return held

def half_written(fig, fh, **kwargs):
    fh.write(b"\\x89PNG half")
    fh.flush()
    hold(None)()

phase = os.environ["PHASE"]
if phase == "reading":
    histplot.readers.load = hold(histplot.readers.load)
elif phase == "drawing":
    held_save = hold(histplot.figures.files.save_figures)
    held_save.__qualname__ = held_save.__name__ = "held_save"  # pickled by name for the drawing process
    histplot.figures.files.save_figures = held_save
elif phase == "writing":
    histplot.output.write_figure = half_written
sys.argv = ["histplot", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("phase", ["reading", "drawing", "writing"])
def test_ctrl_c_during_plot_leaves_no_file_and_no_process(tmp_path, phase):
    """SIGINT to the whole process group, as a terminal's Ctrl-C sends it, while the command reads,
    while the drawing process draws, and in the middle of writing the figure: exit 130, "Interrupted"
    and nothing else on stderr, no figure, no temporary file, and no drawing process left."""

    csv = tmp_path / "metrics.csv"
    csv.write_text("epoch,loss,val_loss\n" + "".join(f"{e},{1 / (e + 1):.4f},{1 / (e + 2):.4f}\n" for e in range(20)))
    out = tmp_path / "out"
    out.mkdir()
    started = tmp_path / "started"
    env = {**os.environ, "PHASE": phase, "PHASE_STARTED": str(started)}
    env.pop("HISTPLOT_DEBUG", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD, "plot", str(csv), "-o", str(out / "m.png")],
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 60
    while not started.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    if not started.exists():
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"the command never reached the {phase} phase: {proc.communicate(timeout=10)}")
    if phase == "writing":
        assert [p.name for p in out.iterdir() if p.name.endswith(".tmp")]  # the half-written figure
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip() == "Interrupted"
    assert list(out.iterdir()) == []
    assert not _processes_mentioning(str(csv))


def test_ctrl_c_after_plot_finished_changes_nothing(tmp_path):
    """The figure written, the command done: whole, and exit 0."""

    csv = tmp_path / "metrics.csv"
    csv.write_text("epoch,loss,val_loss\n0,1.0,1.1\n1,0.8,0.9\n2,0.7,0.85\n")
    proc = subprocess.run(
        [sys.executable, "-m", "histplot", "plot", str(csv), "-o", str(tmp_path / "m.png")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(tmp_path / "m.png")
    assert (tmp_path / "m.png").read_bytes().endswith(b"IEND\xaeB`\x82")
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
