"""The drawing process of `histplot plot` (painter.py): results, errors and failures come back to the
parent, no child outlives its painter, and the figures are the bytes an in-process plot writes."""

from __future__ import annotations

import os
import signal

import pytest

from histplot.errors import HistplotError, ReadError
from histplot.painter import Painter

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
    monkeypatch.setattr("histplot.painter._fork_helps", lambda: True)
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
    monkeypatch.setattr("histplot.painter._fork_helps", lambda: True)
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
    monkeypatch.setattr("histplot.painter._fork_helps", lambda: True)
    for fmt in ("png", "svg"):
        run("plot", SAMPLES / "overfitting_run.json", "-o", f"forked.{fmt}", ok=True)
    monkeypatch.setattr("histplot.painter._fork_helps", lambda: False)
    for fmt in ("png", "svg"):
        run("plot", SAMPLES / "overfitting_run.json", "-o", f"here.{fmt}", ok=True)
        assert (tmp_path / f"forked.{fmt}").read_bytes() == (tmp_path / f"here.{fmt}").read_bytes()


def test_a_bad_input_leaves_no_drawing_process_behind(run, tmp_path, monkeypatch):
    monkeypatch.setattr("histplot.painter._fork_helps", lambda: True)
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


def test_sigterm_to_a_waiting_child_ends_it_quietly(monkeypatch):
    monkeypatch.setattr("histplot.painter._fork_helps", lambda: True)
    p = Painter(warm=())
    os.kill(p.pid, signal.SIGTERM)
    status = os.waitpid(p.pid, 0)[1]
    p.pid = None
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM
    p.close()
