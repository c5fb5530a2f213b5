"""``make bench-peers``: the whole ``make bench`` table plus the tools people would use instead.

The peers run from their own virtual environment (``.venv-peers/``, made by ``make bench-peers``;
never the project's): plot_keras_history's ``plot_history`` and livelossplot's ``PlotLosses`` on the
small case's Keras JSON (each writes a PNG), ``losslint check`` and ``runmedic diagnose`` on the large
case's 2M-step metrics.csv. histplot's command is timed again beside them, interleaved, so each ratio
comes from one run. A peer that cannot read a case gets a row saying so, with its own words.

Usage: python -m benchmarks.peers [--peers VENV] [the options of benchmarks.run]
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from . import data, run

HERE = Path(__file__).resolve().parent
DEFAULT_VENV = HERE.parent / ".venv-peers"
# Exit 1 is how the diagnosis tools say "found something at the failing severity": a reading, not a failure.
READ_OK = (0, 1)


def _unreadable(cmd: list[str], cwd: Path) -> str | None:
    """Why ``cmd`` cannot read its input (its last line of output), or None when it can."""
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, errors="replace", timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{type(exc).__name__}: {exc}"
    if proc.returncode in READ_OK:
        return None
    lines = [ln.strip() for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip()]
    return f"exit {proc.returncode}: {lines[-1][:120] if lines else 'no message'}"


def _interleaved(commands: dict[str, list[str]], runs: int, cwd: Path) -> dict[str, run.Timing]:
    """``run.compare`` (warm-up done by ``_unreadable``), where exit 1 (findings) is a normal end."""
    out = {name: run.Timing() for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            wall, cpu, rss, _ = run.measure(cmd, cwd=cwd, ok=READ_OK)
            out[name].add(wall, cpu, rss)
    return out


def _cannot(case: str, what: str, reason: str, target: str) -> dict:
    return {
        "case": case,
        "what": what,
        "median": f"cannot read: {reason}",
        "cpu": "",
        "ratio": "",
        "rss": "",
        "target": target,
        "met": "NO",
        "extra": "",
        "raw": {"met": False},
    }


def _side_by_side(
    case: str, ours: tuple[str, list[str]], peers: dict[str, list[str]], runs: int, tmp: Path, *, faster: float
) -> list[dict]:
    """histplot's row and each peer's, timed interleaved; ``faster`` is the target: histplot at most
    ``1/faster`` of each peer's time."""
    label, cmd = ours
    readable = {}
    rows = []
    _unreadable(cmd, tmp)  # histplot's warm-up
    for name, peer in peers.items():
        reason = _unreadable(peer, tmp)  # also the warm-up run
        if reason:
            rows.append(_cannot(case, name, reason, f"histplot >= {faster:g}x faster"))
        else:
            readable[name] = peer
    t = _interleaved({label: cmd, **readable}, runs, tmp)
    mine = t[label]
    out = [run.row(case, f"{label} (beside the peers)", mine)]
    for name in readable:
        theirs = t[name]
        ratio = mine.median / theirs.median
        out.append(
            run.row(
                case,
                f"peer: {name}",
                theirs,
                ratio=ratio,
                rss_ratio=mine.peak / theirs.peak,
                target=f"histplot <= {1 / faster:.2g}x this",
                met=ratio <= 1 / faster,
                extra=f"histplot {1 / ratio:.2f}x faster; ratio and RSS ratio are histplot/peer",
            )
        )
    return out + rows


def peer_case(args, tmp: Path) -> list[dict]:
    venv = Path(args.peers or DEFAULT_VENV).absolute()  # the peers run with the temporary folder as their cwd
    python = venv / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"{venv}: no peers' virtual environment; make bench-peers creates it")
    base = HERE / "baselines"
    folder = tmp / "peers"
    folder.mkdir(exist_ok=True)
    history = data.small(folder)
    small = _side_by_side(
        "peers-small",
        ("histplot plot", [run.HISTPLOT, "plot", str(history), "-o", str(folder / "histplot.png")]),
        {
            "plot_keras_history plot_history": [
                str(python),
                str(base / "peer_plot_keras_history.py"),
                str(history),
                str(folder / "pkh.png"),
            ],
            "livelossplot PlotLosses (matplotlib)": [
                str(python),
                str(base / "peer_livelossplot.py"),
                str(history),
                str(folder / "llp.png"),
            ],
        },
        args.runs,
        folder,
        faster=1 / 0.6,
    )
    # the small target is against plot_keras_history only; livelossplot is shown for reference
    for r in small:
        if "livelossplot" in r["what"] and r["raw"].get("median_s") is not None:
            r["target"], r["met"], r["raw"]["met"] = "", "", None
    csv = data.large(folder)
    large = _side_by_side(
        "peers-large",
        ("histplot diagnose", [run.HISTPLOT, "diagnose", str(csv)]),
        {
            "losslint check": [str(venv / "bin" / "losslint"), "check", str(csv)],
            "runmedic diagnose": [str(venv / "bin" / "runmedic"), "diagnose", str(csv)],
        },
        args.large_runs,
        folder,
        faster=5,
    )
    return small + large


def main() -> None:
    run.main(extra={"peers": peer_case})


if __name__ == "__main__":
    main()
