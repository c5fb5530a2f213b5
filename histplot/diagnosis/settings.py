"""Every threshold of every diagnosis (``Settings``), from keywords, ``histplot.yaml`` or options.

Precedence: option > config (``diagnose:``) > default. Also the kinds a diagnosis can report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from ..errors import ConfigError, HistplotError

KINDS = (
    "best_epoch",
    "early_stopping",
    "overfitting",
    "divergence",
    "transient",
    "spike",
    "plateau",
    "still_improving",
)
SEVERITIES = ("info", "warning", "error")
CRITERIA = ("gl", "pq", "up", "keras")
# Names people type for a kind (--fail-on overfit,nan).
KIND_ALIASES = {
    "overfit": "overfitting",
    "best": "best_epoch",
    "early_stop": "early_stopping",
    "earlystopping": "early_stopping",
    "diverge": "divergence",
    "nan": "divergence",
    "spikes": "spike",
    "improving": "still_improving",
}


@dataclass(frozen=True)
class Settings:
    """Every threshold of every diagnosis, with its default."""

    monitor: str | None = None  # default: val_loss, test_loss, held-out loss-like, ..., loss
    mode: str = "auto"  # min | max | auto (from the monitored name)
    # Keras EarlyStopping replay
    patience: int = 5
    min_delta: float = 0.0
    baseline: float | None = None
    start_from_epoch: int = 0
    # overfitting (Prechelt)
    criterion: str = "gl"  # gl | pq | up | keras, optionally with a parameter: "pq:0.75"
    alpha: float = 5.0  # GL threshold in percent (GL criterion and the end-of-run check)
    pq_alpha: float = 0.5  # PQ threshold on GL / P_k
    up_strips: int = 3  # UP_s: s successive strips of rising validation error
    strip: int = 5  # k, the strip length
    tail: int = 3  # values averaged for GL at the end; values needed after the best
    # plateau / still improving
    window: int = 10  # monitored values in "the last window"
    min_improvement: float = 0.01  # relative change of the window's median below which it is flat
    # divergence and spikes (training loss)
    divergence_ratio: float = 2.0  # loss above ratio x its running minimum ...
    divergence_epochs: int = 3  # ... for at least this many epochs, to the end
    negative_runaway: float = 1000.0  # a loss below -this x the size of its first value, still falling
    spike_factor: float = 10.0  # a point above factor x the median of its neighbours ...
    spike_neighbours: int = 12  # ... on each side ...
    spike_recovery: float = 2.0  # ... that later comes back under recovery x that median

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
    for name in ("divergence_ratio", "negative_runaway", "spike_factor", "spike_recovery"):
        if not getattr(s, name) > 1:
            p.append(f"{name} must be > 1")
    return p


_INT_FIELDS = {
    "patience",
    "start_from_epoch",
    "up_strips",
    "strip",
    "tail",
    "window",
    "divergence_epochs",
    "spike_neighbours",
}


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


def resolve_settings(
    config: Mapping[str, Any], overrides: Mapping[str, Any], asked: Sequence[str], fail_on: str | Iterable[str] | None
) -> tuple[Settings, list[str]]:
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
