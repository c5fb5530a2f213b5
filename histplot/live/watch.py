"""``histplot watch``: follow a history file while the run writes it, keep a figure of it current and
tell each new finding once.

The loop owns no clock and prints nothing: ``clock`` and ``sleep`` are injectable (tests run it
without waiting), and everything worth telling goes to ``on_event`` as an ``Event``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from ..diagnosis.settings import Settings
from ..errors import ReadError
from ..history import History
from ..output import DEFAULT_DPI, refuse_input_overwrite
from .follow import Event, Follower
from .refresh import Refresher

INTERRUPTED = 130  # the shell's code for Ctrl-C


def watch(
    path: str | os.PathLike,
    output: str | os.PathLike | None = "live.png",
    *,
    every: int = 1,
    interval: float = 1.0,
    until_idle: float | None = None,
    fmt: str | None = None,
    read_opts: dict | None = None,
    prepare: Callable[[History], History] | None = None,
    settings: Settings | None = None,
    dpi: int = DEFAULT_DPI,
    window=None,
    on_event: Callable[[Event], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Follow ``path`` until Ctrl-C (returns 130) or ``until_idle`` seconds without change (returns 0).

    ``output`` is rewritten atomically when new epochs arrive (every ``every`` epochs), and once more
    at the end if epochs arrived since. ``window`` (``histplot.window.Window``) also shows each
    figure and waits in its event loop instead of ``sleep``. ``prepare`` runs on each new history
    (derived metrics). Raises ``ReadError`` when the run ends without the file ever being readable.
    """
    if output is not None:
        refuse_input_overwrite([output], [path])
    emit = on_event or (lambda event: None)
    follower = Follower(path, fmt=fmt, read_opts=read_opts, on_event=emit)
    refresher = Refresher(output, every=every, settings=settings, dpi=dpi, draw=window is not None)
    restarts = 0
    latest: History | None = None
    last_change = clock()

    def publish(history: History, final: bool = False) -> None:
        up = refresher.update(history, final=final)
        for line in up.findings:
            emit(Event("finding", line))
        if up.path is not None:
            emit(Event("render", f"{up.path}: {history.epochs} epoch{'s' if history.epochs != 1 else ''}"))
        if up.figure is not None and window is not None and not window.show(up.figure):
            emit(Event("window", "the window was closed: still writing the file"))

    code = 0
    try:
        while True:
            history = follower.poll()
            if follower.restarts != restarts:
                restarts, latest = follower.restarts, None
                refresher.reset()
            if history is not None:
                latest = prepare(history) if prepare else history
                publish(latest)
            now = clock()
            if follower.moved:
                last_change = now
            elif until_idle is not None and now - last_change >= until_idle:
                break
            if window is not None and window.is_open():
                window.pause(interval)
            else:
                sleep(interval)
    except KeyboardInterrupt:
        code = INTERRUPTED
    if latest is not None:
        publish(latest, final=True)
    elif code == 0:
        if follower.error is not None:
            raise follower.error
        if not os.path.exists(path):
            raise ReadError(f"no such file (waited {until_idle:g} s for it)", str(path))
        raise ReadError(f"no epochs to draw (nothing new for {until_idle:g} s)", str(path))
    return code
