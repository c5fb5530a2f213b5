"""Keeping the figure of a growing history current, shared by ``histplot watch`` and ``histplot.Live``:
re-render when epochs arrive (every N epochs if asked), and tell each finding once, when it first
appears.

A finding is keyed by what identifies it across updates (its kind, the series and the epoch it
started at), not by its message, whose numbers move with every epoch.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnosis.findings import Diagnosis, Finding
from ..diagnosis.run import diagnose_or_none
from ..diagnosis.settings import Settings
from ..errors import HistplotError
from ..figures.xaxis import default_x
from ..history import History
from ..output import DEFAULT_DPI, save_figure

# The kinds worth interrupting a run for. The best epoch moves with every improvement, and "still
# improving" is the normal state of a run in progress: both are drawn, not announced.
ANNOUNCED = ("overfitting", "divergence", "transient", "spike", "plateau", "early_stopping")


def finding_key(f: Finding, d: Diagnosis) -> tuple:
    n = f.numbers
    if f.kind == "overfitting":
        return f.kind, d.monitor, n.get("onset")
    if f.kind == "early_stopping":
        return f.kind, d.monitor, n.get("stopped_epoch")
    if f.kind == "spike":
        return f.kind, tuple(f.epochs or f.steps or ())
    if f.kind == "plateau":
        return f.kind, d.monitor
    return f.kind, n.get("column") or tuple(n.get("columns", ())), f.epochs[0] if f.epochs else None


def headline(f: Finding, d: Diagnosis) -> str:
    """One line for a finding: ``overfitting since epoch 23: val_loss +12% over best (epoch 18)``."""
    n = f.numbers
    if f.kind == "overfitting":
        return (
            f"overfitting since epoch {n['onset']}: {d.monitor} +{n['gl_end']:.0f}% over best (epoch {n['best_epoch']})"
        )
    if f.kind == "early_stopping":
        return (
            f"early stopping: EarlyStopping(patience={n['patience']}) would have stopped at epoch "
            f"{n['stopped_epoch']} (best epoch {n['best_epoch']})"
        )
    where = f" at epoch {f.epochs[0]}" if f.epochs else ""
    return f"{f.kind.replace('_', ' ')}{where}: {f.message}"


class NewFindings:
    """Remembers the findings already told; ``news(diagnosis)`` gives the ones not told yet."""

    def __init__(self, kinds: Sequence[str] = ANNOUNCED) -> None:
        self.kinds = tuple(kinds)
        self.seen: set[tuple] = set()

    def news(self, d: Diagnosis | None) -> list[Finding]:
        if d is None:
            return []
        out = []
        for f in d.findings:
            key = finding_key(f, d)
            if f.kind in self.kinds and key not in self.seen:
                self.seen.add(key)
                out.append(f)
        return out

    def reset(self) -> None:
        self.seen.clear()


@dataclass
class Update:
    """What one ``Refresher.update`` did: the lines to tell, and the figure if it was drawn."""

    history: History
    diagnosis: Diagnosis | None
    findings: list[str] = field(default_factory=list)
    figure: object | None = None  # matplotlib Figure, when drawn
    path: Path | None = None  # the file written, when drawn and an output is set


class Refresher:
    """Draws a growing history into ``output`` (atomically) when it is due, and finds new findings.

    ``every`` draws when the epoch count reaches the next multiple of N; ``final=True`` draws
    whatever was not drawn yet. With ``output=None`` the figure is drawn only when ``draw`` is
    true (for a window or a notebook) and nothing is written.
    """

    def __init__(
        self,
        output: str | os.PathLike | None = None,
        *,
        every: int = 1,
        settings: Settings | None = None,
        metrics: Sequence[str] | None = None,
        title: str | None = None,
        dpi: int = DEFAULT_DPI,
        kinds: Sequence[str] = ANNOUNCED,
        draw: bool = False,
    ) -> None:
        if every < 1:
            raise HistplotError(f"every must be 1 or more, not {every}")
        self.output = Path(output) if output is not None else None
        self.every = every
        self.settings = settings
        self.metrics = metrics
        self.title = title
        self.dpi = dpi
        self.draw = draw or output is not None
        self.tracker = NewFindings(kinds)
        self.reset()

    def reset(self) -> None:
        """A new run: nothing drawn, nothing told."""
        self.drawn: tuple[int, int] | None = None
        self.tracker.reset()

    @staticmethod
    def _signature(history: History) -> tuple[int, int]:
        return history.epochs, int(history.frame.count().sum())

    def due(self, history: History, final: bool = False) -> bool:
        sig = self._signature(history)
        if sig == self.drawn:
            return False
        if final or self.every == 1:
            return True
        done = self.drawn[0] if self.drawn else 0
        return sig[0] // self.every > done // self.every

    def update(self, history: History, *, final: bool = False) -> Update:
        d = diagnose_or_none(history, settings=self.settings)
        up = Update(history, d, [headline(f, d) for f in self.tracker.news(d)])
        if self.draw and self.due(history, final):
            up.figure = self.figure(history, d)
            if self.output is not None:
                up.path = save_figure(up.figure, self.output, dpi=self.dpi)
            self.drawn = self._signature(history)
        return up

    def figure(self, history: History, d: Diagnosis | None):
        # start-up time: matplotlib only once something is drawn (watch and Live may never draw)
        from ..figures.annotate import annotate
        from ..figures.panels import render

        fig = render(history, metrics=self.metrics, title=self.title)
        # Findings are in epochs: marks on a step axis would land in the wrong place.
        if d is not None and default_x(history) == "epoch":
            annotate(fig, history, d)
        return fig
