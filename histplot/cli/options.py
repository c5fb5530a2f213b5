"""The option bundles the commands share: reader options, ``--config``, diagnose thresholds, figure
flags, ``--no-derive``, and the drawing process; each passes one value to the command."""

from __future__ import annotations

import functools
import gc
import inspect
import os
from collections.abc import Callable

import click

from ..config import load_config
from ..errors import HistplotError
from .painter import Painter
from .terminal import say


def reader_options(f: Callable) -> Callable:
    """Options of every command that reads histories."""

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
    @functools.wraps(f)
    def wrapper(*args, from_=None, validation_freq=None, run=None, trust_pickle=False, max_bytes=None, **kwargs):
        opts = {
            "fmt": from_,
            "validation_freq": validation_freq,
            "run": run,
            "trust_pickle": trust_pickle,
            "max_bytes": max_bytes,
        }
        kwargs["read_opts"] = {k: v for k, v in opts.items() if v not in (None, False)}
        return f(*args, **_with_aliases(kwargs))

    return wrapper


def _with_aliases(kwargs: dict) -> dict:
    """histplot.yaml's ``aliases:`` into ``read_opts``, so they apply as each file is read.

    Called by both ``reader_options`` and ``config_option``: the one stacked lower sees both values,
    so commands may stack the two in either order.
    """
    config, read_opts = kwargs.get("config"), kwargs.get("read_opts")
    if config and read_opts is not None and "aliases" not in read_opts:
        from ..readers.aliases import aliases_from_config  # start-up time: pandas, not for --help

        aliases = aliases_from_config(config)
        if aliases:
            kwargs["read_opts"] = {**read_opts, "aliases": aliases}
    return kwargs


def config_option(f: Callable) -> Callable:
    """``--config PATH``: histplot.yaml to read (default ./histplot.yaml when present); passes ``config``."""

    @click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        metavar="PATH",
        help="histplot.yaml to read (default: ./histplot.yaml if present). Options override it.",
    )
    @functools.wraps(f)
    def wrapper(*args, config_path=None, **kwargs):
        kwargs["config"] = checked_config(config_path)
        return f(*args, **_with_aliases(kwargs))

    return wrapper


def checked_config(path: str | None) -> dict:
    """histplot.yaml, each feature's section checked now, so that a typo fails every command, not
    only the one that reads the section (``derive:`` is checked by ``derive_options``)."""
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
    """``--smooth``, ``--log-y``, ``--ylim``; passes ``figure``, the ones given (histplot.yaml's ``plot:``
    supplies the rest, see ``figures.options.figure_options``)."""

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
    @functools.wraps(f)
    def wrapper(*args, smooth=None, log_y=None, ylim=(), **kwargs):
        given = {"smooth": smooth, "log_y": log_y, "ylim": tuple(ylim) or None}
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


def derive_options(f: Callable) -> Callable:
    """``--no-derive``; turns the loaded ``config`` (from ``config_option``, stacked above) into ``prepare``,
    the step that adds derived metrics (precision/recall/F1/MCC..., rmse, histplot.yaml ``derive:``)."""

    @click.option(
        "--no-derive",
        is_flag=True,
        help="Do not add derived metrics (precision/recall/F1/MCC... from tp/fp/tn/fn, rmse, histplot.yaml derive:).",
    )
    @functools.wraps(f)
    def wrapper(*args, no_derive=False, config=None, **kwargs):
        from ..metrics.derive import deriver  # start-up time: pandas, not for --help

        if "config" in inspect.signature(f).parameters:
            kwargs["config"] = config
        return f(*args, prepare=deriver(enabled=not no_derive, config=config or {}), **kwargs)

    return wrapper


def imports_done() -> None:
    """Turn the garbage collector back on once a command has imported what it needs (see ``main``).

    Frozen, the ~1M objects of the pandas and matplotlib imports are never traversed again; what a
    command allocates from here on (figures hold reference cycles) is collected as usual.
    """
    gc.freeze()
    gc.enable()


def load_all(sources: tuple[str, ...], read_opts: dict) -> list:
    """Load every input before writing anything, so one bad file leaves no output behind."""
    from ..readers import load  # start-up time: pandas, not for --help

    imports_done()
    histories = []
    for src in sources:
        try:
            h = load(src, **read_opts)
        except HistplotError:
            raise
        except Exception as exc:
            if os.environ.get("HISTPLOT_DEBUG"):
                raise
            raise HistplotError(f"could not read: {type(exc).__name__}: {exc}", src) from exc
        for w in h.meta.get("warnings", []):
            say(f"Warning: {src}: {w}", err=True)
        histories.append(h)
    return histories
