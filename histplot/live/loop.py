"""``histplot.Live``: the ``watch`` figure fed directly by a training loop, in a script or a notebook.

>>> live = histplot.Live("live.png", on_finding=print)
>>> for epoch in range(epochs):                       # a PyTorch loop
...     live.update(epoch, {"loss": train_loss, "val_loss": val_loss})
>>> live.close()
>>> model.fit(x, y, validation_split=0.2, callbacks=[live.keras_callback()])   # Keras

Epochs are numbered as the loop numbers them: a first ``update`` at epoch 0 means the loop counts
from 0 (``range(n)``, Keras), and the figure shows epoch 1 for it, as everywhere in histplot.
In a Jupyter kernel the figure is also shown inline, each update replacing the last one.
Neither IPython nor Keras is imported unless it is already in use or asked for.
"""

from __future__ import annotations

import importlib
import io
import itertools
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..diagnosis.settings import Settings
from ..errors import HistplotError, MissingDependencyError
from ..history import History
from ..output import DEFAULT_DPI, write_figure
from ..readers._objects import build_history, from_object
from .refresh import Refresher

FORMAT = "live"
_log = logging.getLogger("histplot")
_ids = itertools.count(1)


class Live:
    """Collects per-epoch metrics, keeps a figure of them current and tells each new finding once.

    ``path`` is the figure file (PNG/SVG/PDF, replaced atomically; None: no file). ``every`` redraws
    every N epochs. ``on_finding`` receives one line per new finding (default: a warning on the
    ``histplot`` logger). ``inline``: show the figure in Jupyter (None: when running in a kernel).
    """

    def __init__(
        self,
        path: str | os.PathLike | None = None,
        *,
        every: int = 1,
        metrics: Sequence[str] | None = None,
        title: str | None = None,
        dpi: int = DEFAULT_DPI,
        settings: Settings | None = None,
        on_finding: Callable[[str], Any] | None = None,
        inline: bool | None = None,
        label: str | None = None,
    ) -> None:
        self._display = _notebook_display() if inline is not False else None
        if inline and self._display is None:
            raise HistplotError("inline=True needs a running Jupyter kernel (IPython)")
        self.path = Path(path) if path is not None else None
        self.refresher = Refresher(
            path, every=every, settings=settings, metrics=metrics, title=title, dpi=dpi, draw=self._display is not None
        )
        self.on_finding = on_finding or _log.warning
        self.label = label or (self.path.stem if self.path is not None else "live")
        self.history: History | None = None
        self._rows: dict[int, dict[str, float]] = {}
        self._offset: int | None = None  # 1 when the loop counts epochs from 0
        self._display_id = f"histplot-live-{next(_ids)}"
        self._shown = False

    # -- feeding ----------------------------------------------------------------------------
    def update(self, epoch: int | None = None, logs: Mapping[str, Any] | None = None, **metrics: Any) -> list[str]:
        """Record one epoch's metrics (``logs`` and/or keywords); returns the new findings' lines.

        ``epoch`` None means the epoch after the last one. Values are numbers, numpy scalars or
        0-d tensors; an epoch given twice is merged, the later values winning.
        """
        values = _numbers({**(logs or {}), **metrics}, strict=True)
        if epoch is None:
            key = max(self._rows, default=0) + 1
        else:
            epoch = int(epoch)
            if self._offset is None:
                self._offset = 1 if epoch == 0 else 0
            key = epoch + self._offset
            if key < 1:
                raise HistplotError(f"live.update: epoch {epoch} is before the first epoch")
        self._rows.setdefault(key, {}).update(values)
        self.history = self._build()
        return self._publish(final=False)

    __call__ = update

    def close(self) -> Path | None:
        """Draw what the last redraw left out (with ``every`` > 1); returns the figure file."""
        if self.history is not None:
            self._publish(final=True)
        return self.path

    def __enter__(self) -> Live:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- Keras ------------------------------------------------------------------------------
    def keras_callback(self):
        """A ``keras.callbacks.Callback`` that feeds this object at each epoch end (needs Keras)."""
        try:
            keras = importlib.import_module("keras")
        except ImportError as exc:
            raise MissingDependencyError(
                "keras_callback needs Keras: pip install keras (or call live.update from your own loop)"
            ) from exc
        live = self

        class HistplotLive(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                # Keras counts from 0 even when resuming with initial_epoch: say so by counting from 1.
                live.update(int(epoch) + 1, _numbers(logs or {}, strict=False))

            def on_train_end(self, logs=None):
                live.close()

        return HistplotLive()

    # -- internals --------------------------------------------------------------------------
    def _build(self) -> History:
        records = [{"epoch": e, **self._rows[e]} for e in sorted(self._rows)]
        source = str(self.path) if self.path is not None else None
        h = build_history(from_object(records, source), source=source, fmt=FORMAT)
        h.meta["label"] = self.label
        return h

    def _publish(self, final: bool) -> list[str]:
        up = self.refresher.update(self.history, final=final)
        for line in up.findings:
            self.on_finding(line)
        if up.figure is not None and self._display is not None:
            self._show_inline(up.figure)
        return up.findings

    def _show_inline(self, fig) -> None:
        buf = io.BytesIO()
        write_figure(fig, buf, fmt="png", dpi=self.refresher.dpi)
        image = self._display.Image(data=buf.getvalue(), format="png")
        if self._shown:
            self._display.update_display(image, display_id=self._display_id)
        else:
            self._display.display(image, display_id=self._display_id)
            self._shown = True


def _numbers(values: Mapping[str, Any], *, strict: bool) -> dict[str, float]:
    """Metric values as floats; ``strict`` refuses what is not a number, else it is skipped
    (Keras logs may hold per-threshold vectors)."""
    out: dict[str, float] = {}
    for name, v in values.items():
        if str(name).lower() == "epoch":
            continue
        try:
            out[str(name)] = float(v)
        except (TypeError, ValueError):
            if strict:
                raise HistplotError(f"live.update: '{name}' is not a number ({type(v).__name__})") from None
    return out


def _notebook_display():
    """``IPython.display`` when running in a Jupyter kernel, else None (IPython is not imported
    here: a kernel has imported it already)."""
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    shell = get() if get is not None else None
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    return importlib.import_module("IPython.display")
