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

import math
import re
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import ConfigError, HistplotError
from .history import History, column_name, parse_name

KINDS = ("best_epoch", "early_stopping", "overfitting", "divergence", "spike", "plateau", "still_improving")
SEVERITIES = ("info", "warning", "error")
CRITERIA = ("gl", "pq", "up", "keras")
# Names people type for a kind (--fail-on overfit,nan).
KIND_ALIASES = {"overfit": "overfitting", "best": "best_epoch", "early_stop": "early_stopping",
                "earlystopping": "early_stopping", "diverge": "divergence", "nan": "divergence",
                "spikes": "spike", "improving": "still_improving"}

# Loss-like bases are minimised and are what "the held-out loss" means when `loss` itself is absent.
_LOSS_WORDS = re.compile(r"(^|_)(loss|losses|err|error|errors|mse|mae|rmse|mape|msle|nll|"
                         r"perplexity|ppl|wer|cer|ter|crossentropy|cross_entropy|bce|ce|kl|divergence|"
                         r"hinge|huber|logcosh|poisson|distance)($|_)", re.IGNORECASE)
# Accuracy-like bases are maximised (Keras' metric `_direction == "up"`, by name here).
_MAX_WORDS = re.compile(r"(accuracy|acc$|^acc_|_acc$|_acc_|auc|precision|recall|(^|_)f1|fbeta|f_?score|"
                        r"(^|_)mcc|matthews|(^|_)iou|io_u|dice|jaccard|specificity|sensitivity|(^|_)r2|"
                        r"r_squared|psnr|ssim|(^|_)map(\d+)?($|_)|bleu|rouge|meteor|kappa|"
                        r"informedness|markedness|(^|_)npv|(^|_)tpr|(^|_)tnr|hit_?rate|ndcg|reward)",
                        re.IGNORECASE)


@dataclass(frozen=True)
class Settings:
    """Every threshold of every diagnosis, with its default."""

    monitor: str | None = None     # default: val_loss, test_loss, held-out loss-like, ..., loss
    mode: str = "auto"             # min | max | auto (from the monitored name)
    # Keras EarlyStopping replay
    patience: int = 5
    min_delta: float = 0.0
    baseline: float | None = None
    start_from_epoch: int = 0
    # overfitting (Prechelt)
    criterion: str = "gl"          # gl | pq | up | keras, optionally with a parameter: "pq:0.75"
    alpha: float = 5.0             # GL threshold in percent (GL criterion and the end-of-run check)
    pq_alpha: float = 0.5          # PQ threshold on GL / P_k
    up_strips: int = 3             # UP_s: s successive strips of rising validation error
    strip: int = 5                 # k, the strip length
    tail: int = 3                  # values averaged for GL at the end; values needed after the best
    # plateau / still improving
    window: int = 10               # monitored values in "the last window"
    min_improvement: float = 0.01  # relative change of the window's median below which it is flat
    # divergence and spikes (training loss)
    divergence_ratio: float = 2.0  # loss above ratio x its running minimum ...
    divergence_epochs: int = 3     # ... for at least this many epochs, to the end
    spike_factor: float = 10.0     # a point above factor x the median of its neighbours ...
    spike_neighbours: int = 12     # ... on each side ...
    spike_recovery: float = 2.0    # ... that later comes back under recovery x that median

    def __post_init__(self) -> None:
        problems = _check(self)
        if problems:
            raise ConfigError("; ".join(problems))

    @property
    def criterion_name(self) -> str:
        return self.criterion.split(":", 1)[0]


def _check(s: Settings) -> list[str]:
    p = []
    if s.mode not in ("auto", "min", "max"):
        p.append(f"mode must be auto, min or max, not {s.mode!r}")
    if s.criterion_name not in CRITERIA:
        p.append(f"criterion must be one of {', '.join(CRITERIA)} (optionally name:value), not {s.criterion!r}")
    for name in ("patience", "start_from_epoch"):
        if getattr(s, name) < 0:
            p.append(f"{name} must be >= 0")
    for name in ("strip", "tail", "window", "divergence_epochs", "spike_neighbours", "up_strips"):
        if getattr(s, name) < 1:
            p.append(f"{name} must be >= 1")
    for name in ("alpha", "pq_alpha", "min_improvement"):
        if not getattr(s, name) >= 0:
            p.append(f"{name} must be >= 0")
    for name in ("divergence_ratio", "spike_factor", "spike_recovery"):
        if not getattr(s, name) > 1:
            p.append(f"{name} must be > 1")
    return p


_INT_FIELDS = {"patience", "start_from_epoch", "up_strips", "strip", "tail", "window", "divergence_epochs",
               "spike_neighbours"}
_STR_FIELDS = {"monitor", "mode", "criterion"}


def make_settings(base: Settings | None = None, **overrides: Any) -> Settings:
    """Settings from ``base`` with ``overrides`` (None values ignored); ``criterion`` may carry its
    parameter (``gl:3`` sets alpha, ``pq:0.75`` pq_alpha, ``up:2`` up_strips)."""
    values = {k: v for k, v in overrides.items() if v is not None}
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"unknown diagnose setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    for k, v in list(values.items()):
        values[k] = _coerce(k, v)
    crit = values.get("criterion")
    if isinstance(crit, str) and ":" in crit:
        name, _, param = crit.partition(":")
        target = {"gl": "alpha", "pq": "pq_alpha", "up": "up_strips"}.get(name.strip().lower())
        if target is None:
            raise ConfigError(f"criterion {name!r} takes no parameter (use --patience/--min-delta for keras)")
        values[target] = _coerce(target, param)
        values["criterion"] = name.strip().lower()
    elif isinstance(crit, str):
        values["criterion"] = crit.strip().lower()
    return replace(base or Settings(), **values)


def _coerce(name: str, value: Any) -> Any:
    try:
        if name in _STR_FIELDS:
            if not isinstance(value, str):
                raise TypeError
            return value
        if name in _INT_FIELDS:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise TypeError
            return int(value)
        if name == "baseline" and value is None:
            return None
        if isinstance(value, bool):
            raise TypeError
        return float(value)
    except (TypeError, ValueError):
        kind = "a string" if name in _STR_FIELDS else "an integer" if name in _INT_FIELDS else "a number"
        raise ConfigError(f"diagnose setting {name!r} must be {kind}, not {value!r}") from None


def settings_from_config(section: Mapping[str, Any], path: object = None) -> tuple[Settings, list[str] | None]:
    """Settings and ``fail_on`` kinds from the ``diagnose:`` section of histplot.yaml."""
    section = dict(section or {})
    fail_on = section.pop("fail_on", None)
    try:
        settings = make_settings(**section)
        kinds = parse_kinds(fail_on) if fail_on is not None else None
    except HistplotError as exc:
        raise ConfigError(f"diagnose: {exc.message}", path) from None
    return settings, kinds


def resolve_settings(config: Mapping[str, Any], overrides: Mapping[str, Any], asked: Sequence[str],
                     fail_on: str | Iterable[str] | None) -> tuple[Settings, list[str]]:
    """Settings and the kinds that fail the run: option > histplot.yaml ``diagnose:`` > default.

    ``fail_on`` from the command line wins; else the config's ``fail_on``; else the kinds asked for.
    """
    settings, config_fail_on = settings_from_config(config.get("diagnose") or {}, config.get("_path"))
    settings = make_settings(settings, **overrides)
    if fail_on is not None:
        return settings, parse_kinds(fail_on)
    return settings, list(config_fail_on) if config_fail_on is not None else list(asked)


def parse_kinds(value: str | Iterable[str] | None) -> list[str]:
    """Kind names from ``"overfit,divergence"`` or a list; ``all`` means every kind, ``none`` none."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    out: list[str] = []
    for raw in items:
        name = str(raw).strip().lower().replace("-", "_")
        if not name or name == "none":
            continue
        if name in ("all", "any"):
            return list(KINDS)
        name = KIND_ALIASES.get(name, name)
        if name not in KINDS:
            raise ConfigError(f"unknown finding kind {str(raw).strip()!r}; known: {', '.join(KINDS)}")
        if name not in out:
            out.append(name)
    return out


# -- results --------------------------------------------------------------------------------------
@dataclass
class Finding:
    """One thing found: ``epochs`` are the 1-based epochs it is about, ``numbers`` the evidence."""

    kind: str
    severity: str
    epochs: list[int]
    numbers: dict[str, Any]
    message: str
    steps: list[int] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {"kind": self.kind, "severity": self.severity, "epochs": list(self.epochs),
             "numbers": {k: _jsonable(v) for k, v in self.numbers.items()}, "message": self.message}
        if self.steps is not None:
            d["steps"] = list(self.steps)
        return d


@dataclass
class Diagnosis:
    """Findings for one history, the series monitored, and what could not be assessed (notes)."""

    source: str | None
    label: str
    epochs: int
    monitor: str | None
    mode: str
    kinds: list[str]
    settings: Settings
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def found(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def first(self, kind: str) -> Finding | None:
        hits = self.found(kind)
        return hits[0] if hits else None

    def failing(self, fail_on: Iterable[str]) -> list[str]:
        """The kinds of ``fail_on`` that were found, in ``KINDS`` order."""
        wanted = set(parse_kinds(list(fail_on)))
        return [k for k in KINDS if k in wanted and self.found(k)]

    def return_code(self, fail_on: Iterable[str]) -> int:
        """0, or 1 when a kind named in ``fail_on`` was found (black's ``Report.return_code``)."""
        return 1 if self.failing(fail_on) else 0

    def to_dict(self, fail_on: Iterable[str] = ()) -> dict[str, Any]:
        failing = self.failing(fail_on)
        return {
            "source": self.source,
            "label": self.label,
            "epochs": self.epochs,
            "monitor": self.monitor,
            "mode": self.mode,
            "kinds": list(self.kinds),
            "settings": {k: _jsonable(v) for k, v in asdict(self.settings).items()},
            "findings": [f.to_dict() for f in self.findings],
            "notes": list(self.notes),
            "failed": bool(failing),
            "failing_kinds": failing,
        }


def _jsonable(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return float(f"{f:.6g}") if math.isfinite(f) else None
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v


# -- the monitored series -------------------------------------------------------------------------
def is_loss_like(base: str) -> bool:
    return bool(_LOSS_WORDS.search(base))


def auto_mode(name: str) -> str:
    """``min`` for losses and errors, ``max`` for accuracy-like names (like Keras' metric direction)."""
    base = parse_name(name)[1]
    if is_loss_like(base):
        return "min"
    return "max" if _MAX_WORDS.search(base) else "min"


def has_values(frame: pd.DataFrame, col: str) -> bool:
    return col in frame.columns and bool(np.isfinite(frame[col].to_numpy(dtype=float)).any())


def choose_monitor(history: History, monitor: str | None = None) -> tuple[str, list[str]]:
    """The column to monitor and notes on the choice (DESIGN §5 default order)."""
    frame = history.frame
    if monitor:
        col = monitor if monitor in frame.columns else column_name(*parse_name(monitor))
        if col not in frame.columns:
            raise HistplotError(f"no series '{monitor}' to monitor; columns: {', '.join(map(str, frame.columns))}",
                                history.meta.get("source"))
        if not has_values(frame, col):
            raise HistplotError(f"series '{col}' has no finite values to monitor", history.meta.get("source"))
        return col, []
    notes: list[str] = []
    groups = history.metrics()
    for name in ("val_loss", "test_loss"):
        if has_values(frame, name):
            return name, notes
    for split in ("val", "test"):
        empty = [c[split] for c in groups.values() if split in c and not has_values(frame, c[split])]
        notes += [f"'{c}' has no values" for c in empty]
    for base, cols in groups.items():
        if is_loss_like(base):
            for split in ("val", "test"):
                if split in cols and has_values(frame, cols[split]):
                    return cols[split], notes
    for cols in groups.values():
        for split in ("val", "test"):
            if split in cols and has_values(frame, cols[split]):
                return cols[split], notes + [f"no held-out loss: monitoring '{cols[split]}'"]
    train = [cols["train"] for cols in groups.values() if "train" in cols and has_values(frame, cols["train"])]
    train.sort(key=lambda c: (c != "loss", not is_loss_like(parse_name(c)[1])))
    if train:
        return train[0], notes + [f"no validation series: monitoring the training series '{train[0]}'; "
                                  "overfitting cannot be assessed"]
    raise HistplotError("no metric series with finite values to diagnose", history.meta.get("source"))


def training_column(history: History, monitor: str) -> str | None:
    """The training loss the overfitting, divergence and spike checks watch.

    The training side of a loss-like monitor (``test_mse`` -> ``mse``), else ``loss``, else the
    first training series with a loss-like name.
    """
    frame = history.frame
    groups = history.metrics()
    base = parse_name(monitor)[1]
    candidates = [groups.get(base, {}).get("train")] if is_loss_like(base) else []
    candidates.append("loss")
    candidates += [cols.get("train") for b, cols in groups.items() if is_loss_like(b)]
    for c in candidates:
        if c and parse_name(c)[0] == "train" and has_values(frame, c):
            return c
    return None


def logged_nonfinite(series: pd.Series, dense: bool = False, trailing: bool = True) -> list[int]:
    """Epochs where the series logged a non-finite value, telling a logged NaN from a missing one.

    ``History`` stores both as NaN. Infinities are always logged. A NaN counts as logged when it
    falls on the series' own cadence (every epoch, or every k-th for sparse validation), from its
    first value on: a diverged run keeps logging NaN where a sparse one simply has no value.
    ``dense`` assumes a cadence of one epoch when the series has too few values to tell;
    ``trailing=False`` ignores NaN after the last value (a series the reader knows to be short).
    """
    v = series.to_numpy(dtype=float)
    ep = series.index.to_numpy()
    present = ep[~np.isnan(v)]
    bad = set(ep[np.isinf(v)].tolist())
    if present.size >= 2:
        diffs = np.diff(present)
        values, counts = np.unique(diffs, return_counts=True)
        cadence = int(values[np.argmax(counts)])
    elif present.size == 1 and dense:
        cadence = 1
    else:
        return sorted(int(e) for e in bad)
    first = int(present[0])
    expected = (ep >= first) & ((ep - first) % cadence == 0) & np.isnan(v)
    if not trailing:
        expected &= ep < present[-1]
    bad.update(ep[expected].tolist())
    return sorted(int(e) for e in bad)


# A reader's note that it placed a short list at the first epochs (readers/_objects.py): the NaN
# after such a list is padding, not a logged NaN.

def padded_columns(history: History) -> set[str]:
    """Columns the reader padded with NaN because their list was shorter than the others."""
    raw = set(history.meta.get("padded", ()))
    return {column_name(*parse_name(r)) for r in raw} | raw


def nonfinite_epochs(history: History, col: str) -> list[int]:
    """``logged_nonfinite`` of one column of a history, knowing which columns were padded."""
    return logged_nonfinite(history.frame[col], dense=parse_name(col)[0] == "train",
                            trailing=col not in padded_columns(history))


# -- entry point ----------------------------------------------------------------------------------
def diagnose(history: History, *, kinds: Sequence[str] | None = None, settings: Settings | None = None,
             **overrides: Any) -> Diagnosis:
    """Diagnose a history: best epoch, EarlyStopping replay, overfitting, divergence, spikes, plateau,
    still improving.

    ``kinds`` limits the checks (None: all; the best epoch is always reported). Keyword overrides
    are ``Settings`` fields (``monitor``, ``mode``, ``patience``, ``min_delta``, ``alpha``,
    ``criterion``, ...), applied on top of ``settings``.
    """
    from . import checks

    s = make_settings(settings, **overrides)
    wanted = list(KINDS) if kinds is None else parse_kinds(list(kinds))
    if len(history.frame) == 0:
        raise HistplotError("the history has no epochs", history.meta.get("source"))
    ctx = checks.Context.build(history, s)
    d = Diagnosis(source=history.meta.get("source"), label=history.label, epochs=history.epochs,
                  monitor=ctx.monitor, mode=ctx.mode, kinds=wanted, settings=s, notes=list(ctx.notes))
    for kind in KINDS:
        if kind == "best_epoch" or kind in wanted:
            found, notes = checks.CHECKS[kind](ctx)
            d.findings += found
            d.notes += [n for n in notes if n not in d.notes]
    return d
