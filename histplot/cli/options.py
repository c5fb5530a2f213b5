"""The option bundles the commands share: reader options, ``--config``, diagnose thresholds, figure
flags, ``--no-derive``, and the drawing process; each passes one value to the command."""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Callable

import click

from ..config import load_config
from ..errors import HistplotError
from .painter import Painter
from .terminal import say, terminal


def history_options(f: Callable) -> Callable:
    """The one bundle of every command that reads histories: the reader options, ``--config`` and
    ``--no-derive``. Passes ``read_opts`` (for ``load``, with histplot.yaml's ``aliases:``), ``config``
    (the loaded histplot.yaml) and ``prepare`` (the step that adds derived metrics), so that every
    command reads, renames and derives the same way."""

    @click.option("--from", "from_", metavar="NAME", help="Input format, skipping detection (see `histplot formats`).")
    @click.option(
        "--validation-freq",
        type=click.IntRange(min=1),
        metavar="K",
        help="Keras validation_freq: validation lists hold epochs K, 2K, ...",
    )
    @click.option(
        "--run",
        metavar="N",
        help="Which run of a file or store that holds several "
        "(CSV append: 1, 2, ..., last; MLflow: run id or name; TensorBoard: run folder).",
    )
    @click.option(
        "--trust-pickle",
        is_flag=True,
        help="Unpickle without restrictions. Only for a file you trust: it can run code.",
    )
    @click.option("--max-bytes", metavar="SIZE", help="Refuse inputs larger than this (default 2G; e.g. 500M).")
    @click.option(
        "--tracking-uri",
        metavar="URL",
        help="MLflow tracking server for mlflow:RUN_ID|RUN_NAME|EXPERIMENT inputs (default: $MLFLOW_TRACKING_URI).",
    )
    @click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        metavar="PATH",
        help="histplot.yaml to read (default: ./histplot.yaml if present). Options override it.",
    )
    @click.option(
        "--no-derive",
        is_flag=True,
        help="Do not add derived metrics (precision/recall/F1/MCC... from tp/fp/tn/fn, rmse, histplot.yaml derive:).",
    )
    @functools.wraps(f)
    def wrapper(
        *args,
        from_=None,
        validation_freq=None,
        run=None,
        trust_pickle=False,
        max_bytes=None,
        tracking_uri=None,
        config_path=None,
        no_derive=False,
        **kwargs,
    ):
        # start-up time: these pull in pandas, not wanted for --help
        from ..metrics.derive import deriver
        from ..readers.aliases import aliases_from_config

        config = checked_config(config_path)
        given = {
            "fmt": from_,
            "validation_freq": validation_freq,
            "run": run,
            "trust_pickle": trust_pickle,
            "max_bytes": max_bytes,
            "tracking_uri": tracking_uri,
            "aliases": aliases_from_config(config) if config else None,
        }
        kwargs["read_opts"] = {k: v for k, v in given.items() if v not in (None, False, {})}
        kwargs["config"] = config
        kwargs["prepare"] = deriver(enabled=not no_derive, config=config)
        return f(*args, **kwargs)

    return wrapper


def dpi_option(f: Callable) -> Callable:
    """``--dpi``: PNG resolution of every figure the command writes. Passes ``dpi``, None when not
    given: ``figures.options.figure_options`` then takes histplot.yaml's ``plot.style.dpi``, else its
    default, the one source of it."""
    return click.option(
        "--dpi", type=click.IntRange(20, 1200), help="PNG resolution (default 100, or histplot.yaml plot.style.dpi)."
    )(f)


def checked_config(path: str | None) -> dict:
    """histplot.yaml, each feature's section checked now, so that a typo fails every command, not
    only the one that reads the section (``derive:`` is checked by ``deriver``)."""
    # start-up time: these pull in numpy and pandas, not wanted for --help
    from ..figures.options import figure_options
    from ..readers.aliases import aliases_from_config

    config = load_config(path)
    if config:
        aliases_from_config(config)
        figure_options(config)
    return config


def diagnose_options(f: Callable) -> Callable:
    """What to monitor and the thresholds; None means "from histplot.yaml, else the default"."""

    @click.option(
        "--monitor",
        metavar="NAME",
        help="Series to monitor (default: val_loss, test_loss, another held-out loss, ..., loss).",
    )
    @click.option(
        "--mode",
        type=click.Choice(["auto", "min", "max"]),
        help="Whether lower or higher is better (default auto: max for accuracy-like names).",
    )
    @click.option("--patience", type=click.IntRange(min=0), help="EarlyStopping replay patience (default 5).")
    @click.option("--min-delta", type=float, help="EarlyStopping replay min_delta (default 0).")
    @click.option("--alpha", type=click.FloatRange(min=0), help="Generalization-loss threshold in percent (default 5).")
    @click.option(
        "--criterion",
        metavar="gl|pq|up|keras[:X]",
        help="Overfitting onset criterion (default gl): Prechelt GL_alpha, PQ_alpha (pq:0.5), "
        "UP_s (up:3), or the EarlyStopping replay.",
    )
    @functools.wraps(f)
    def wrapper(*args, monitor=None, mode=None, patience=None, min_delta=None, alpha=None, criterion=None, **kwargs):
        opts = {
            "monitor": monitor,
            "mode": mode,
            "patience": patience,
            "min_delta": min_delta,
            "alpha": alpha,
            "criterion": criterion,
        }
        return f(*args, diag_opts={k: v for k, v in opts.items() if v is not None}, **kwargs)

    return wrapper


def figure_flags(f: Callable) -> Callable:
    """``--smooth``, ``--log-y``, ``--ylim``, ``--all``, ``--no-robust``; passes ``figure``, the ones given
    (histplot.yaml's ``plot:`` supplies the rest, see ``figures.options.figure_options``)."""

    @click.option(
        "--smooth",
        type=click.FloatRange(0, 1, max_open=True),
        metavar="W",
        help="Smooth curves with TensorBoard's debiased moving average of weight W (0-1, e.g. 0.6); "
        "the raw curve stays faint behind.",
    )
    @click.option(
        "--log-y",
        "log_y",
        is_flag=False,
        flag_value="all",
        metavar="[METRICS]",
        help="Log y axis on these panels (comma-separated), or on all when no value is given "
        "(put it after the files, or write --log-y=all).",
    )
    @click.option(
        "--ylim",
        multiple=True,
        metavar="[METRIC=]LO:HI",
        help="Y limits, for every panel or one metric's (loss=0:2); either side may be empty (:2). "
        "Repeatable or comma-separated.",
    )
    @click.option(
        "--all",
        "every",
        is_flag=True,
        default=None,
        help="Draw every series: no panel budget, timing/eta/memory/counters too, families in full.",
    )
    @click.option(
        "--no-robust",
        "robust",
        flag_value=False,
        default=None,
        help="Y ranges take in every point (default: the bulk of the values, outliers marked on the edge).",
    )
    @functools.wraps(f)
    def wrapper(*args, smooth=None, log_y=None, ylim=(), every=None, robust=None, **kwargs):
        given = {"smooth": smooth, "log_y": log_y, "ylim": tuple(ylim) or None, "every": every, "robust": robust}
        return f(*args, figure={k: v for k, v in given.items() if v is not None}, **kwargs)

    return wrapper


def painter_process(f: Callable) -> Callable:
    """Passes ``painter``: a process that draws (``painter.Painter``), started before the options below
    import pandas so that its matplotlib import overlaps them and the reading."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        with Painter() as painter:
            return f(*args, painter=painter, **kwargs)

    return wrapper


def imports_done() -> None:
    """Turn the garbage collector back on once a command has imported what it needs (see ``main``).

    Frozen, the ~1M objects of the pandas and matplotlib imports are never traversed again; what a
    command allocates from here on (figures hold reference cycles) is collected as usual.
    """
    gc.freeze()
    gc.enable()


def load_all(sources: tuple[str, ...], read_opts: dict, *, discover: bool = True) -> list:
    """Load every input before writing anything, so one bad file leaves no output behind.

    With ``discover``, directories and globs are searched for runs exactly as ``report`` searches them
    (``readers.discovery.expand``), each input's runs in its place in the order given.
    """
    from ..readers import load  # start-up time: pandas, not for --help

    imports_done()
    histories = []
    for src, opts in _runs(sources, read_opts) if discover else [(s, read_opts) for s in sources]:
        try:
            h = load(src, **opts)
        except HistplotError:
            raise
        except Exception as exc:
            if os.environ.get("HISTPLOT_DEBUG"):
                raise
            raise HistplotError(f"could not read: {type(exc).__name__}: {exc}", src) from exc
        for w in h.meta.get("warnings", []):
            say(f"Warning: {src}: {w}", err=True)
        for n in h.meta.get("notes", []):
            terminal().note(f"{src}: {n}")
        histories.append(h)
    return histories


def _runs(sources: tuple[str, ...], read_opts: dict) -> list[tuple[str, dict]]:
    """(source, reader options) of every run the inputs hold; ``--run`` given: the files as named."""
    from ..readers.discovery import expand  # start-up time: pandas, not for --help

    out: list[tuple[str, dict]] = []
    for src in sources:
        if src == "-" or ("run" in read_opts and not os.path.isdir(src)):
            out.append((src, read_opts))
            continue
        found = expand([src], tracking_uri=read_opts.get("tracking_uri"))
        if not found:
            raise HistplotError("is a directory that holds no history file this version can read", src)
        out += [(c.path, {**read_opts, **({"run": c.run} if c.run else {})}) for c in found]
    return out
