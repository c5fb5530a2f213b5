"""Drawing in a second process that imports matplotlib while this one reads the inputs.

A `histplot plot` spends about 0.35 s importing matplotlib and about as long importing pandas and
reading; each needs a core, and machines have two or more. So the command forks before either import:
the child imports matplotlib (and pandas, to receive histories) and waits; the parent reads, derives,
then hands the child one job (a module-level function and its arguments, pickled through a pipe of
our own, never a user's file) and waits for its result. Only the command line does this; the library
draws in the caller's process.

Where forking is unavailable or unwise (no ``os.fork``, one core, other threads running,
``HISTPLOT_DEBUG`` set so a traceback shows where), the job simply runs here.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from ..errors import HistplotError

#: What the child imports while it waits: everything `plot` draws with.
WARM = (
    "histplot.figures.files",
    "histplot.figures.panels",
    "histplot.figures.annotate",
    "matplotlib.backends.backend_agg",
)


class Painter:
    """A forked child that imports the drawing modules at once and later runs one job."""

    def __init__(self, warm: tuple[str, ...] = WARM) -> None:
        self.pid: int | None = None
        self._job_w: int | None = None
        self._result_r: int | None = None
        if not _fork_helps():
            return
        job_r, self._job_w = os.pipe()
        self._result_r, result_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        # Ctrl-C and SIGTERM are held until each process knows which it is. The child inherits the
        # caller's handlers (the CLI turns SIGTERM into an exception): run there, one would raise into
        # the caller's code in the child, which would go on as a second copy of the caller. The
        # parent ends a child whose input failed to load with a SIGTERM microseconds after the fork.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            code = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent alone decides (see _serve)
                signal.signal(signal.SIGTERM, _leave_now)  # nothing to clean up before the job
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
                os.close(self._job_w)
                os.close(self._result_r)
                _serve(warm, job_r, result_w)
                code = 0
            except BaseException:  # interrupted, or the parent went away: leave quietly
                pass
            finally:
                os._exit(code)
        self.pid = pid
        os.close(job_r)
        os.close(result_w)
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)  # a signal held during the fork arrives here
        except BaseException:
            self.close()  # the caller never gets this painter to close
            raise

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)`` in the child when there is one, else here; its result, or the
        ``HistplotError`` it raised, raised here."""
        if self.pid is None:
            return fn(*args, **kwargs)
        job_w, self._job_w = self._job_w, None
        try:
            with os.fdopen(job_w, "wb") as fh:
                pickle.dump((fn, args, kwargs), fh, protocol=pickle.HIGHEST_PROTOCOL)
        except BrokenPipeError:
            pass  # the child died; its status says how below
        result_r, self._result_r = self._result_r, None
        with os.fdopen(result_r, "rb") as fh:
            data = fh.read()
        status = self._reap()
        if not data:
            raise HistplotError(f"the drawing process ended unexpectedly ({_describe(status)})")
        kind, value = pickle.loads(data)
        if kind == "ok":
            return value
        if kind == "error":
            raise HistplotError(*value)
        raise RuntimeError(value)

    def close(self) -> None:
        """End the child if no job was run (an input failed to load, Ctrl-C)."""
        for fd in (self._job_w, self._result_r):
            if fd is not None:
                os.close(fd)
        self._job_w = self._result_r = None
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        self._reap()

    def _reap(self) -> int:
        pid, self.pid = self.pid, None
        if pid is None:
            return 0
        try:
            return os.waitpid(pid, 0)[1]
        except ChildProcessError:
            return 0

    def __enter__(self) -> Painter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _fork_helps() -> bool:
    if not hasattr(os, "fork") or os.environ.get("HISTPLOT_DEBUG"):
        return False
    if threading.active_count() > 1:  # a lock held by another thread would stay held in the child
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return cores > 1


def quick_matplotlib_import() -> None:
    """Import matplotlib without writing the docstrings of every Artist's ``set`` (0.1 s of its 0.2 s).

    matplotlib builds each Artist subclass's ``set`` docstring and signature by inspecting all its
    setters when the class is defined. Only help() and documentation read them, and the drawing
    process never shows either; ``set`` itself works the same. For a process that only draws.
    """
    if "matplotlib.figure" in sys.modules:
        return
    from matplotlib.artist import Artist

    update = getattr(Artist, "_update_set_signature_and_docstring", None)
    if update is None:  # a matplotlib that builds them differently: nothing to skip
        return

    def mark_only(cls) -> None:
        cls.set._autogenerated_signature = True  # what the original marks, so subclasses behave alike

    Artist._update_set_signature_and_docstring = classmethod(mark_only)


def warm_up(modules: tuple[str, ...] = WARM) -> None:
    """Import the drawing modules, matplotlib the quick way: for processes that only draw (this
    module's child, the workers `histplot report` forks)."""
    from importlib import import_module

    quick_matplotlib_import()
    for name in modules:
        import_module(name)


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # an exception, so that a figure being written is removed on the way out


def _leave_now(signum: int, frame: object) -> None:
    os._exit(128 + signum)


def _serve(warm: tuple[str, ...], job_r: int, result_w: int) -> None:
    # Ctrl-C reaches both processes, but SIGINT is ignored here: the parent alone decides, and ends
    # this one with one SIGTERM (two signals could cut short the removal of a half-written figure).
    # While importing there is nothing to clean up, and an exception raised inside the import
    # machinery is printed as "Exception ignored" with a traceback: leave at once instead (the
    # handler is set before the fork's signal mask is lifted).
    warm_up(warm)
    signal.signal(signal.SIGTERM, _stop)
    gc.freeze()  # as in cli.main: the imported objects are never traversed again
    gc.enable()
    with os.fdopen(job_r, "rb") as fh:
        data = fh.read()
    if not data:  # the parent closed the pipe: nothing to draw
        return
    fn, args, kwargs = pickle.loads(data)
    try:
        result: tuple[str, Any] = ("ok", fn(*args, **kwargs))
    except HistplotError as exc:
        result = ("error", (exc.message, exc.path))
    except Exception as exc:
        result = ("crash", f"{type(exc).__name__}: {exc}")
    with os.fdopen(result_w, "wb") as fh:
        pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
