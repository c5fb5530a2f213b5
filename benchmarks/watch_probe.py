"""How long after one epoch is appended to a big metrics.csv does ``histplot watch`` replace its figure?

Starts ``histplot watch CSV -o live.png``, waits for the first figure, then appends one epoch at a
time (5,000 step rows and the epoch row, as Lightning writes them) and times each append to the
moment live.png is replaced (a new inode: the watcher writes atomically). Prints one JSON line:
{"latencies": [...], "first_figure": s, "maxrss_kb": n, "stopped_by_ctrl_c": bool}.

Usage: watch_probe.py HISTPLOT METRICS.csv OUTDIR [APPENDS]
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

POLL = 0.005
TIMEOUT = 120.0
EXIT_WAIT = 60.0  # the last figure is drawn again on the way out; that takes a few seconds at most


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


def _wait_for_change(path: Path, old: int | None, proc: subprocess.Popen) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < TIMEOUT:
        ino = _inode(path)
        if ino is not None and ino != old:
            return time.perf_counter()
        if proc.poll() is not None:
            raise RuntimeError(f"histplot watch exited with {proc.returncode}")
        time.sleep(POLL)
    raise RuntimeError(f"{path} was not replaced within {TIMEOUT:.0f} s")


def _last_row(csv: Path) -> list[bytes]:
    with open(csv, "rb") as fh:
        fh.seek(max(0, csv.stat().st_size - 400))
        return fh.read().splitlines()[-1].split(b",")


def _epoch_rows(csv: Path, epoch: int, per: int) -> str:
    """One more epoch in the file's layout, continuing its step count."""
    step = int(_last_row(csv)[1]) + 1
    rows = [f"{epoch},{s},,{0.1 + 0.01 * ((s * 7919) % 13)},," for s in range(step, step + per)]
    rows.append(f"{epoch},{step + per - 1},0.15,,0.9,0.2")
    return "\n".join(rows) + "\n"


def main() -> None:
    histplot, csv, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    appends = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    live = out / "live.png"
    t0 = time.perf_counter()
    # Ctrl-C as a terminal delivers it, even when this probe runs in the background (`make bench &`),
    # where SIGINT is ignored and the watcher would inherit that.
    proc = subprocess.Popen(
        [histplot, "watch", str(csv), "-o", str(live), "--interval", "0.05"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    latencies = []
    try:
        first = _wait_for_change(live, None, proc) - t0
        epoch = int(_last_row(csv)[0]) + 1
        for k in range(appends):
            time.sleep(0.5)  # let the watcher settle, as between real epochs
            rows = _epoch_rows(csv, epoch + k, 5000)
            old = _inode(live)
            with open(csv, "a", encoding="utf-8") as fh:
                fh.write(rows)
                fh.flush()
                appended = time.perf_counter()
            latencies.append(_wait_for_change(live, old, proc) - appended)
    finally:
        proc.send_signal(signal.SIGINT)
        usage, stopped = _reap(proc.pid)
    print(
        json.dumps(
            {
                "latencies": latencies,
                "first_figure": first,
                "maxrss_kb": usage.ru_maxrss if usage else None,
                "stopped_by_ctrl_c": stopped,
            }
        )
    )


def _reap(pid: int) -> tuple[object, bool]:
    """(resource usage, whether the watcher ended on its own after SIGINT); killed after EXIT_WAIT s,
    so that a watcher that does not stop is reported rather than waited for forever."""
    end = time.perf_counter() + EXIT_WAIT
    try:
        while time.perf_counter() < end:
            done, _, usage = os.wait4(pid, os.WNOHANG)
            if done:
                return usage, True
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
        return os.wait4(pid, 0)[2], False
    except ChildProcessError:
        return None, True


if __name__ == "__main__":
    main()
