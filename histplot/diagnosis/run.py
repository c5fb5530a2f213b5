"""``diagnose``: what went right or wrong in a run, as findings (DESIGN §5).

>>> d = diagnose(history)                       # all kinds, val_loss (or the next best) monitored
>>> [f.kind for f in d.findings]
['best_epoch', 'early_stopping', 'overfitting']
>>> d.return_code(["overfitting"])              # 1: the CI job should fail
1

Thresholds live in ``Settings``; every field can be set by keyword, by ``histplot.yaml`` under
``diagnose:`` (``settings_from_config``) or by CLI option, in that order of precedence reversed:
option > config > default.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import HistplotError
from ..history import History
from ..readers.memory import as_history
from . import checks, traps
from .findings import Diagnosis
from .settings import KINDS, Settings, make_settings, parse_kinds


def diagnose_or_none(history: History, *, settings: Settings | None = None, **overrides: Any) -> Diagnosis | None:
    """``diagnose``, or None when the history cannot be diagnosed (nothing to monitor, no epochs):
    for the callers that mark a figure, or tell findings, only when there is something to say."""
    try:
        return diagnose(history, settings=settings, **overrides)
    except HistplotError:
        return None


def diagnose(
    history: History, *, kinds: Sequence[str] | None = None, settings: Settings | None = None, **overrides: Any
) -> Diagnosis:
    """Diagnose a history: best epoch, EarlyStopping replay, overfitting, divergence, spikes, plateau,
    still improving.

    ``kinds`` limits the checks (None: all; the best epoch is always reported). Keyword overrides
    are ``Settings`` fields (``monitor``, ``mode``, ``patience``, ``min_delta``, ``alpha``,
    ``criterion``, ...), applied on top of ``settings``.
    """
    history = as_history(history)
    s = make_settings(settings, **overrides)
    wanted = list(KINDS) if kinds is None else parse_kinds(list(kinds))
    if "divergence" in wanted and "transient" not in wanted:
        # asking whether a run diverged is also asking about the NaN it came back from
        wanted.append("transient")
    if len(history.frame) == 0:
        raise HistplotError("the history has no epochs", history.meta.get("source"))
    ctx = checks.Context.build(history, s)
    d = Diagnosis(
        source=history.meta.get("source"),
        label=history.label,
        epochs=history.epochs,
        monitor=ctx.monitor,
        mode=ctx.mode,
        kinds=wanted,
        settings=s,
        notes=list(ctx.notes),
        final=dict(history.final),
        final_where=history.meta.get("final_eval", {}).get("where"),
    )
    for kind in KINDS:
        if kind == "best_epoch" or kind in wanted:
            found, notes = checks.CHECKS[kind](ctx)
            d.findings += found
            d.notes += [n for n in notes if n not in d.notes]
    d.findings += traps.mirrored(history)  # always: it says whether the other findings can be trusted
    return d
