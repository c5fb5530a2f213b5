"""Figure options shared by every plot (single, overlay, report): smoothing, log axes, y limits,
which metrics share a panel, and the look (size, dpi, matplotlib style), and formats for reports.

``figure_options`` is the one place where precedence is decided: a value given by the caller (a
command-line option) beats ``histplot.yaml``'s ``plot:`` section, which beats the default. The
config is validated here, each problem naming its key (``plot.style.dpi``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any

from ..errors import ConfigError, HistplotError
from ..naming import parse_name
from ..output import DEFAULT_DPI, FIGURE_FORMATS, check_canvas
from .smoothing import check_weight

PLOT_KEYS = ("panels", "smooth", "log_y", "ylim", "style", "formats", "robust")
STYLE_KEYS = ("name", "size", "dpi")
DPI_RANGE = (20, 1200)

Ylim = tuple[str | None, float | None, float | None]  # (metric or None for every panel, low, high)


@dataclass(frozen=True)
class FigureOptions:
    """How figures are drawn; picklable, so report workers get the same options."""

    smooth: float | None = None  # TensorBoard smoothing weight in [0, 1)
    log_y: bool | tuple[str, ...] = False  # True: every panel; names: those panels
    ylim: tuple[Ylim, ...] = ()
    panels: tuple[tuple[str, ...], ...] = ()  # metrics sharing a panel, in order (empty: default layout)
    style: str | None = None  # a name from matplotlib.style.available
    size: tuple[float, float] | None = None  # whole figure, inches (None: from the number of panels)
    dpi: int = DEFAULT_DPI
    formats: tuple[str, ...] = ("png", "svg")
    every: bool = False  # --all: every series, families in full, no panel budget
    robust: bool = True  # y ranges follow the bulk of the values (--no-robust: every point)


def figure_options(config: Mapping[str, Any] | None = None, **given: Any) -> FigureOptions:
    """Options from ``given`` (None: not given) over histplot.yaml ``plot:`` over the defaults.

    ``given`` takes the field names of ``FigureOptions`` with command-line spellings allowed:
    ``log_y="loss,accuracy"`` or ``"all"``, ``ylim=("0:2", "accuracy=0.5:1")``.
    """
    config = config or {}
    values = _from_config(config.get("plot") or {}, config.get("_path"))
    known = {f.name for f in fields(FigureOptions)}
    for key, value in given.items():
        if key not in known:
            raise TypeError(f"unknown figure option {key!r}")
        if value is not None:
            values[key] = _parse(key, value, f"--{key.replace('_', '-')}")
    options = FigureOptions(**values)
    if options.size is not None:
        # Checked here, whichever of histplot.yaml and the command line gave each, so that a report
        # refuses at once rather than once per run.
        given_here = "dpi" in given and given["dpi"] is not None
        try:
            check_canvas(*options.size, options.dpi)
        except HistplotError as exc:
            where = "--dpi with plot.style.size" if given_here else "plot.style.size and plot.style.dpi"
            raise ConfigError(f"{where}: {exc.message}", None if given_here else config.get("_path")) from None
    return options


def _from_config(plot: Mapping[str, Any], path: object) -> dict[str, Any]:
    if not isinstance(plot, Mapping):
        raise ConfigError(f"'plot' must be a mapping, not a {type(plot).__name__}", path)
    unknown = [str(k) for k in plot if k not in PLOT_KEYS]
    if unknown:
        raise ConfigError(f"unknown key(s) plot.{', plot.'.join(unknown)}; known: {', '.join(PLOT_KEYS)}", path)
    values: dict[str, Any] = {}
    try:
        for key, value in plot.items():
            if value is None:
                continue
            if key == "style":
                values.update(_style(value))
            else:
                values[key] = _parse(key, value, f"plot.{key}")
    except HistplotError as exc:
        raise ConfigError(exc.message, path) from None
    return values


def _style(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"plot.style must be a mapping ({', '.join(STYLE_KEYS)}), not {value!r}")
    unknown = [str(k) for k in value if k not in STYLE_KEYS]
    if unknown:
        raise ConfigError(f"unknown key(s) plot.style.{', plot.style.'.join(unknown)}; known: {', '.join(STYLE_KEYS)}")
    out = {}
    for key, v in value.items():
        if v is not None:
            out["style" if key == "name" else key] = _parse("style" if key == "name" else key, v, f"plot.style.{key}")
    return out


def _parse(key: str, value: Any, where: str) -> Any:
    parse = {
        "smooth": _smooth,
        "log_y": _log_y,
        "ylim": _ylim,
        "panels": _panels,
        "style": _style_name,
        "size": _size,
        "dpi": _dpi,
        "formats": _formats,
        "every": _flag,
        "robust": _flag,
    }[key]
    return parse(value, where)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{where} must be a number, not {value!r}")
    return float(value)


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false, not {value!r}")
    return value


def _smooth(value: Any, where: str) -> float:
    try:
        return check_weight(_number(value, where))
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc.message}") from None


def _names(value: Any, where: str) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(v, str) for v in items):
        raise ConfigError(f"{where} must be a list of metric names, not {value!r}")
    names = tuple(v.strip() for v in items if v.strip())
    if not names:
        raise ConfigError(f"{where} names no metric")
    return names


def _log_y(value: Any, where: str) -> bool | tuple[str, ...]:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("all", "*"):
        return True
    return _names(value, where)


def _bound(text: str, where: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"{where}: {text!r} is not a number") from None


def _range(value: Any, where: str) -> tuple[float | None, float | None]:
    """``"LO:HI"`` (either side may be empty) or ``[LO, HI]`` (either may be null)."""
    if isinstance(value, str):
        lo, sep, hi = value.partition(":")
        if not sep:
            raise ConfigError(f"{where} must look like LO:HI (e.g. 0:2, or :2 for a top only), not {value!r}")
        pair = (_bound(lo, where), _bound(hi, where))
    elif isinstance(value, (list, tuple)) and len(value) == 2:
        pair = tuple(None if v is None else _number(v, where) for v in value)  # type: ignore[assignment]
    else:
        raise ConfigError(f"{where} must be LO:HI or [LO, HI], not {value!r}")
    if None not in pair and not pair[0] < pair[1]:
        raise ConfigError(f"{where}: the low limit must be below the high one, not {value!r}")
    return pair  # type: ignore[return-value]


def _ylim(value: Any, where: str) -> tuple[Ylim, ...]:
    """``"0:2"``, ``"loss=0:2,accuracy=0.5:1"``, a list of those, or ``{loss: "0:2"}``/``{loss: [0, 2]}``."""
    if isinstance(value, Mapping):
        out = []
        for metric, rng in value.items():
            out.append((str(metric), *_range(rng, f"{where}.{metric}")))
        return tuple(out)
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(v, str) for v in items):
        raise ConfigError(f"{where} must be LO:HI, METRIC=LO:HI or a mapping of metric to LO:HI, not {value!r}")
    out = []
    for item in items:
        for part in (p.strip() for p in item.split(",")):
            if not part:
                continue
            metric, eq, rng = part.rpartition("=")
            out.append((metric.strip() if eq else None, *_range(rng, where)))
    return tuple(out)


def _panels(value: Any, where: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, (list, tuple)) or not value:
        raise ConfigError(f"{where} must be a list of panels, each a list of metric names")
    return tuple(_names([v] if isinstance(v, str) else v, f"{where}[{i}]") for i, v in enumerate(value))


def _style_name(value: Any, where: str) -> str:
    import matplotlib.style

    if not isinstance(value, str) or value not in matplotlib.style.available:
        raise ConfigError(
            f"{where}: unknown matplotlib style {value!r}; available: {', '.join(sorted(matplotlib.style.available))}"
        )
    return value


def _size(value: Any, where: str) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ConfigError(f"{where} must be [width, height] in inches, not {value!r}")
    w, h = (_number(v, where) for v in value)
    if not (0 < w <= 100 and 0 < h <= 100):
        raise ConfigError(f"{where} must be two sizes in inches between 0 and 100, not {value!r}")
    return w, h


def _dpi(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not DPI_RANGE[0] <= value <= DPI_RANGE[1]:
        raise ConfigError(f"{where} must be an integer from {DPI_RANGE[0]} to {DPI_RANGE[1]}, not {value!r}")
    return value


def _formats(value: Any, where: str) -> tuple[str, ...]:
    names = tuple(n.lower() for n in _names(value, where))
    bad = [n for n in names if n not in FIGURE_FORMATS]
    if bad:
        raise ConfigError(f"{where}: unknown format(s) {', '.join(bad)}; choose from {', '.join(FIGURE_FORMATS)}")
    return tuple(dict.fromkeys(names))


# -- applying them --------------------------------------------------------------------------------


@contextlib.contextmanager
def style_context(options: FigureOptions) -> Iterator[None]:
    """The matplotlib style, around creating and drawing a figure (colours of curves stay histplot's)."""
    if options.style is None:
        yield
        return
    import matplotlib.style

    with matplotlib.style.context(options.style):
        yield


def panel_keys(panel) -> set[str]:
    """Every name by which --log-y and --ylim may refer to a panel."""
    cols = [c for c, _ in panel.series]
    return {panel.name, *panel.aliases, *cols, *(parse_name(c)[1] for c in cols)}


def user_y(panel, options: FigureOptions) -> bool:
    """Whether the user set this panel's y axis (``--ylim`` or ``--log-y``): then it stands as given."""
    keys = panel_keys(panel)
    logged = options.log_y is True or bool(options.log_y and keys & set(options.log_y))
    return logged or any(metric is None or metric in keys for metric, _, _ in options.ylim)


def style_axes(ax, panel, options: FigureOptions) -> None:
    """Apply ``log_y`` and ``ylim`` to one drawn panel."""
    keys = panel_keys(panel)
    if options.log_y is True or (options.log_y and keys & set(options.log_y)):
        ax.set_yscale("log")
    for metric, lo, hi in options.ylim:
        if metric is None or metric in keys:
            ax.set_ylim(bottom=lo, top=hi)
