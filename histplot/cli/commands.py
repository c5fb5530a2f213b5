"""The ``histplot`` command: parses options, calls the library, prints or writes what it returns.

Only the cli package imports click. Library errors (``HistplotError``) become one ``Error: FILE: problem``
line on stderr and exit code 2; exit code 1 is reserved for ``--fail-on`` findings.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import json
import os
import signal
import sys
import threading
from typing import Any

import click

from .._version import __version__
from ..diagnosis.settings import resolve_settings
from ..errors import HistplotError
from ..output import refuse_input_overwrite, save_figure
from .options import (
    diagnose_options,
    dpi_option,
    figure_flags,
    history_options,
    imports_done,
    load_all,
    painter_process,
)
from .painter import warm_up
from .process import set_up
from .setup_commands import register as register_setup_commands
from .terminal import Styler, error_line, global_options, printable, say, terminal


class UsageFailure(click.ClickException):
    """Bad input or usage: exit 2, one line."""

    exit_code = 2


class HistplotGroup(click.Group):
    """Turns library errors into exit code 2 with a single line, never a traceback; click's own usage
    errors (a bad option value, an existing file where a folder is wanted) too, as one line."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            # click would print the usage, a hint and a blank line before the message: three lines
            # for one problem. The message is enough; the hint goes on the same line.
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            error_line(exc.format_message() + hint)
            sys.exit(2)
        except click.ClickException as exc:
            error_line(exc.format_message())
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            say("Interrupted", err=True)
            sys.exit(130)
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                _stdout_gone()
            raise
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with _terminate_as_interrupt():
                return super().invoke(ctx)
        except HistplotError as exc:
            raise UsageFailure(str(exc)) from None
        except KeyboardInterrupt:
            say("Interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            _stdout_gone()
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:  # a bug must still not greet the user with a traceback
            if os.environ.get("HISTPLOT_DEBUG"):
                raise
            raise UsageFailure(f"unexpected {type(exc).__name__}: {exc} (set HISTPLOT_DEBUG=1 to see where)") from None


def _stdout_gone() -> None:
    """The reader of our output went away (``| head``): stop quietly with exit 1, as click does. Our
    standard output now leads nowhere, so that flushing it at exit raises nothing more."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, sys.stdout.fileno())
    sys.exit(1)


def _split_list(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@click.group(cls=HistplotGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="histplot")
@global_options
def cli() -> None:
    """Plot and diagnose deep-learning training histories.

    Reads Keras history JSON and CSVLogger files, pickles and torch.save files, Lightning
    metrics.csv, Hugging Face trainer_state.json, MLflow, TensorBoard, JSON lines and YAML,
    detecting the format from the content (`histplot formats` lists them).

    \b
    Examples:
      histplot plot history.json            # writes history.png
      histplot plot runs/*.csv -o figures/ --format svg
      histplot info training.log
      histplot convert history.pkl -o history.csv
      histplot diagnose --overfit history.json   # exit 1 if the run overfits
    """


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    help="Output file (one input, or --overlay) or directory (a name ending in /, or without a suffix); "
    "- writes the figure to stdout. Default: <input stem>.<format> (overlay.<format>) in the current directory.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["png", "svg", "pdf", "jpg"]),
    help="Figure format (default: from -o's suffix, else png; with -o -, what goes to stdout).",
)
@click.option("--metrics", metavar="NAMES", help="Comma-separated panels to draw, e.g. loss,accuracy.")
@dpi_option
@click.option("--title", help="Figure title (default: run label, epochs and format).")
@click.option("--no-annotate", is_flag=True, help="Do not mark the best epoch, overfitting, NaN and early stop.")
@click.option(
    "--x",
    "x_axis",
    type=click.Choice(["epoch", "step", "time"]),
    help="X axis (default: epoch, or step for step-level runs that span fewer than 3 epochs or record no epochs); "
    "time: elapsed wall-clock time (s, min or h) where the file records it.",
)
@click.option(
    "--epochs",
    "hist_epochs",
    metavar="E1,E2,...",
    help="Epochs whose histograms the distributions figure overlays (default: first, best, last).",
)
@click.option("--overlay", is_flag=True, help="All runs in one figure: a colour per run, a panel per metric.")
@click.option(
    "--band",
    is_flag=True,
    help="With several runs (seeds of one setup): mean and ±1 std band "
    "per split, aligned on epoch (implies --overlay).",
)
@click.option(
    "--label",
    "labels",
    multiple=True,
    metavar="L1,L2,...",
    help="Run names for --overlay, in input order (default: file/run names).",
)
@painter_process
@figure_flags
@diagnose_options
@history_options
def plot(
    files,
    output,
    fmt,
    metrics,
    dpi,
    title,
    no_annotate,
    x_axis,
    hist_epochs,
    overlay,
    band,
    labels,
    figure,
    read_opts,
    prepare,
    config,
    diag_opts,
    painter,
):
    """Draw train vs validation curves, one panel per metric; or compare runs with --overlay.

    \b
    Examples:
      histplot plot history.json
      histplot plot training.log -o loss.svg --metrics loss
      histplot plot counts.json --metrics precision_recall_f1,mcc,npv
      histplot plot a.json b.csv c.pkl -o figures/ --format pdf
      histplot plot trainer_state.json --x step
      histplot plot run.json --smooth 0.6 --ylim loss=0:2 --log-y
      histplot plot --overlay a.json b.json c.json --label base,wide,deep -o compare.png
      histplot plot --band seed*/history.json -o seeds.svg
      histplot plot run_with_histograms/ --epochs 1,5,10
      cat history.json | histplot plot - -o run.png
    """
    # start-up time: what this command needs (pandas, matplotlib) loads only when it runs
    from ..figures.files import figure_paths, for_drawing, overlay_path, save_figures, save_overlay
    from ..figures.options import figure_options

    options = figure_options(config, dpi=dpi, **figure)
    histories = [prepare(h) for h in load_all(files, read_opts)]
    labels = [x for item in labels for x in _split_list(item) or []]
    try:
        hist_epochs = [int(e) for e in _split_list(hist_epochs) or []]
    except ValueError as exc:
        raise HistplotError(f"--epochs takes whole epoch numbers, like 1,5,10: {exc}") from exc
    if output == "-":
        _plot_to_stdout(painter, histories, fmt, options, labels, overlay or band, band, metrics, title, x_axis)
        return
    if overlay or band:
        path, out_fmt = overlay_path(files, output, fmt)
        painter.run(
            save_overlay,
            histories,
            path,
            fmt=out_fmt,
            dpi=options.dpi,
            labels=labels or None,
            band=band,
            metrics=_split_list(metrics),
            options=options,
            title=title,
            x=x_axis,
        )
        terminal().echo(str(path))
        return
    if labels:
        raise HistplotError("--label names runs for --overlay or --band")
    sources = [str(h.meta.get("source") or "-") for h in histories]  # a folder's runs, one by one
    paths, out_fmt = figure_paths(sources, [h.label for h in histories], output, fmt)
    settings = None if no_annotate else resolve_settings(config, diag_opts, [], None)[0]
    ready = [for_drawing(h, x=x_axis, annotate=not no_annotate, settings=settings) for h in histories]
    for path in painter.run(
        save_figures,
        [h for h, _ in ready],
        paths,
        fmt=out_fmt,
        dpi=options.dpi,
        each=[own for _, own in ready],
        hist_epochs=hist_epochs or None,
        metrics=_split_list(metrics),
        title=title,
        options=options,
    ):
        terminal().echo(str(path))


def binary_stdout():
    """Where ``-o -`` writes bytes: standard output's binary buffer."""
    return sys.stdout.buffer


def _plot_to_stdout(painter, histories, fmt, options, labels, overlay, band, metrics, title, x_axis) -> None:
    """``plot -o -``: one figure's bytes on stdout, never onto a terminal."""
    from ..figures.files import figure_bytes  # start-up time: matplotlib, not for --help

    out = binary_stdout()
    if out.isatty():
        raise HistplotError("-o - writes the figure to stdout, which is a terminal: redirect it (> fig.png) or pipe it")
    fmt = fmt or "png"
    common = {"fmt": fmt, "dpi": options.dpi}
    if overlay:
        kw = {"labels": labels or None, "band": band, "metrics": _split_list(metrics), "options": options}
        data = painter.run(figure_bytes, histories, **common, overlay={**kw, "title": title, "x": x_axis})
    else:
        if len(histories) != 1:
            raise HistplotError(f"-o - writes one figure, but {len(histories)} runs were given: add --overlay")
        if labels:
            raise HistplotError("--label names runs for --overlay or --band")
        data = painter.run(
            figure_bytes, histories, **common, metrics=_split_list(metrics), title=title, x=x_axis, options=options
        )
    out.write(data)
    out.flush()


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--overfit", is_flag=True, help="Check for overfitting.")
@click.option(
    "--divergence",
    is_flag=True,
    help="Check for logged NaN/inf losses (not recovered: divergence; recovered: transient), "
    "a training loss that blew up, or one that ran away to large negative values.",
)
@click.option("--plateau", is_flag=True, help="Check whether the monitored value stopped moving.")
@click.option("--spike", is_flag=True, help="Check for training-loss spikes the run recovered from.")
@click.option("--still-improving", is_flag=True, help="Check whether more epochs would probably help.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--fail-on",
    metavar="KINDS",
    help="Exit 1 when one of these kinds is found (comma-separated: "
    "overfitting, divergence, transient, spike, plateau, still_improving, early_stopping, all, none). "
    "Default: the kinds asked for by flag.",
)
@click.option(
    "--rank",
    is_flag=True,
    help="Also rank the runs by best monitored value (best first; direction from the monitor's mode).",
)
@diagnose_options
@history_options
def diagnose(
    files,
    overfit,
    divergence,
    plateau,
    spike,
    still_improving,
    fmt,
    fail_on,
    rank,
    diag_opts,
    config,
    read_opts,
    prepare,
):
    """Say whether each run went right: best epoch, EarlyStopping replay, overfitting, divergence,
    spikes, plateau, still improving. No kind flag means all kinds.

    Exit status: 0, 1 when a kind named by --fail-on was found, 2 on bad input.

    \b
    Examples:
      histplot diagnose history.json
      histplot diagnose --overfit run.json          # fails (exit 1) when the run overfits
      histplot diagnose runs/*.csv --format markdown >> "$GITHUB_STEP_SUMMARY"
      histplot diagnose run.json --criterion pq:0.75 --fail-on overfitting,divergence
      histplot diagnose sweep/*/history.json --rank --monitor val_accuracy
    """
    # start-up time: what this command needs (pandas, matplotlib) loads only when it runs
    from ..diagnosis.run import diagnose as diagnose_history
    from ..diagnosis.verdict import exit_code
    from ..diagnosis.verdict import render as render_verdict

    asked = [
        kind
        for kind, on in (
            ("overfitting", overfit),
            ("divergence", divergence),
            ("plateau", plateau),
            ("spike", spike),
            ("still_improving", still_improving),
        )
        if on
    ]
    settings, failing_kinds = resolve_settings(config, diag_opts, asked, fail_on)
    # derived first, so that --monitor may name any series `histplot info` lists (val_f1, ...)
    histories = [prepare(h) for h in load_all(files, read_opts)]
    results = [diagnose_history(h, kinds=asked or None, settings=settings) for h in histories]
    term = terminal()
    text = fmt == "text"
    styler = Styler() if text and term.color else None
    verdict = render_verdict(
        results,
        fmt,
        failing_kinds,
        style=styler,
        rank=rank,
        width=term.wrap_width if text else None,
        quiet=term.quiet,
    )
    click.echo(printable(verdict, lines=True, keep=styler.made if styler else ()), nl=False, color=styler is not None)
    click.get_current_context().exit(exit_code(results, failing_kinds))


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False),
    required=True,
    help="Directory for figures/, summary.md, summary.json and index.html.",
)
@click.option(
    "--fail-on",
    metavar="KINDS",
    help="Exit 1 when a run has one of these findings "
    "(comma-separated kinds, as for diagnose). Default: none, or histplot.yaml's.",
)
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Runs rendered in parallel (default: all cores).")
@click.option(
    "--executor",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Where runs are rendered: local processes (--jobs) or a Dask cluster (--scheduler; histplot[dask]).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="With --executor dask: the scheduler (tcp://host:8786), or 'local' for a LocalCluster of 2 workers.",
)
@click.option("--strict", is_flag=True, help="Exit 2 when any input could not be read (after writing the rest).")
@click.option(
    "--github",
    is_flag=True,
    help="Append summary.md to $GITHUB_STEP_SUMMARY and print ::warning annotations for findings.",
)
@click.option("--timestamp", is_flag=True, help="Stamp the summaries with the time (off: reports diff cleanly).")
@dpi_option
@figure_flags
@diagnose_options
@history_options
def report(
    inputs,
    output,
    fail_on,
    jobs,
    executor,
    scheduler,
    strict,
    github,
    timestamp,
    dpi,
    figure,
    diag_opts,
    config,
    read_opts,
    prepare,
):
    """CI artifacts for many runs: figures, summary.md, summary.json and a self-contained index.html.

    INPUTS are history files, directories (searched for known history files) and globs. A file that
    cannot be read is reported in the summary and on stderr; the others still render.

    Exit status: 0; 1 when a run has a finding named by --fail-on; 2 with --strict when an input was
    unreadable, or on bad usage.

    \b
    Examples:
      histplot report runs/ -o report/
      histplot report 'sweep/**/metrics.csv' -o report/ --fail-on overfitting,divergence
      histplot report runs/ -o report/ --github --jobs 4
      histplot report s3://bucket/sweep/ -o report/ --executor dask --scheduler tcp://10.0.0.5:8786
    """
    # start-up time: what this command needs (pandas, matplotlib) loads only when it runs
    from ..figures.options import figure_options
    from ..reports.build import build_report
    from ..reports.markdown import github_annotations

    if scheduler and executor != "dask":
        raise click.UsageError("--scheduler goes with --executor dask")
    settings, failing_kinds = resolve_settings(config, diag_opts, [], fail_on)
    options = figure_options(config, dpi=dpi, **figure)
    stamp = None
    if timestamp:
        import datetime

        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    bar = _ProgressBar() if sys.stderr.isatty() and not terminal().quiet else None
    warm_up()  # once here, before the workers fork, rather than in each of them
    imports_done()
    result = build_report(
        inputs,
        output,
        read_opts=read_opts,
        settings=settings,
        fail_on=failing_kinds,
        jobs=jobs,
        strict=strict,
        timestamp=stamp,
        progress=bar,
        prepare=prepare,
        options=options,
        executor=executor,
        scheduler=scheduler,
    )
    if bar:
        bar.close()
    for r in result.errors:
        error_line(f"{r.source}: {r.error}")
    if github:
        summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary_file:
            refuse_input_overwrite([summary_file], [r.source for r in result.runs])
            with open(summary_file, "a", encoding="utf-8") as fh:
                fh.write((result.output / "summary.md").read_text(encoding="utf-8"))
        else:
            say("Warning: --github: GITHUB_STEP_SUMMARY is not set; summary not appended", err=True)
        for line in github_annotations(result):
            say(line)
    counts = result.to_dict()["counts"]
    terminal().echo(
        f"{counts['runs']} run(s), {counts['errors']} unreadable, {counts['failing']} failing: "
        f"{result.output / 'index.html'}",
        err=True,
    )
    click.get_current_context().exit(result.return_code())


class _ProgressBar:
    """click's progress bar on stderr, fed by the report's progress callback."""

    def __init__(self) -> None:
        self._bar = None
        self._done = 0

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(length=total, label="rendering", file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


class _Terminated(BaseException):
    """SIGTERM, turned into an exception so that atomic writes clean up on the way out. Not an
    ``Exception``: code that turns a bad file into an error row must not swallow it."""


@contextlib.contextmanager
def _terminate_as_interrupt():
    """SIGTERM raised as an exception while the block runs, so that atomic writes clean up; exit 143."""

    def handler(signum, frame):
        raise _Terminated()

    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        yield
        return
    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    except _Terminated:
        say("Terminated", err=True)
        raise click.exceptions.Exit(143) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print JSON (a list, one object per file).")
@history_options
def info(files, as_json, read_opts, config, prepare):
    """Show the detected format, epochs, metrics by split and other series.

    \b
    Examples:
      histplot info history.json
      histplot info runs/*.csv --json
      histplot info counts.json --no-derive   # what could be derived, and from what
    """
    # start-up time: what this command needs (pandas, matplotlib) loads only when it runs
    from ..figures.layout import left_out
    from ..overview import info as info_of
    from ..overview import info_text

    data = []
    for h in load_all(files, read_opts):
        h = prepare(h)
        data.append({**info_of(h), "not_in_figure": left_out(h)})
    if as_json:
        say(json.dumps(data, indent=2), lines=True)
    else:
        say("\n\n".join(info_text(d, width=terminal().width) for d in data), lines=True)


@cli.command()
@click.argument("file", type=click.Path(allow_dash=True))
@click.option("-o", "--output", type=click.Path(), help="Output file (.csv or .json). Default: CSV on stdout.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), help="Output format (default: from -o).")
@click.option(
    "--by",
    "level",
    type=click.Choice(["epoch", "step"]),
    help="One row per epoch, or per logged step with its epoch (default: epoch; step for a file with no epochs).",
)
@history_options
def convert(file, output, fmt, level, read_opts, config, prepare):
    """Write the normalised history: 1-based epoch index, canonical column names.

    \b
    Examples:
      histplot convert history.pkl                 # CSV on stdout
      histplot convert training.log -o run.json
      histplot convert metrics.csv --by step       # the per-step series (Lightning, HF, TensorBoard)
    """
    # start-up time: what this command needs (pandas, matplotlib) loads only when it runs
    from ..export import convert as convert_history

    [history] = load_all((file,), read_opts, discover=False)
    result = convert_history(prepare(history), output, format=fmt, level=level)
    if output is None:
        say(result, nl=False, lines=True)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    help="Output file (default: parallel.png, or <stem>_parallel.png with --by epoch).",
)
@click.option(
    "--by",
    type=click.Choice(["epoch", "run"]),
    default=None,
    help="One line per epoch of one run, or one line per run (default: epoch for one file, run for several).",
)
@click.option("--color", metavar="NAME", help="Series (--by epoch) or axis (--by run) that colours the lines.")
@click.option("--metrics", metavar="NAMES", help="Comma-separated series to use as axes.")
@dpi_option
@history_options
def parallel(files, output, by, color, metrics, dpi, read_opts, config, prepare):
    """Parallel coordinates: every epoch, or every run, as one line across all metrics.

    Each axis keeps its own units (log where values span orders of magnitude); --by run uses the best
    value of each metric per run, the epoch count and the run's hyperparameters where the file has them.

    \b
    Examples:
      histplot parallel history.json                      # one line per epoch, coloured by epoch
      histplot parallel history.json --color val_loss -o pc.svg
      histplot parallel runs/*.json --by run --color val_accuracy
    """

    # start-up time: what this command needs (pandas, matplotlib) loads only when it runs
    from ..figures.options import figure_options
    from ..figures.parallel import parallel as parallel_figure

    dpi = figure_options(config, dpi=dpi).dpi
    histories = [prepare(h) for h in load_all(files, read_opts)]
    by = by or ("epoch" if len(histories) == 1 else "run")
    fig = parallel_figure(histories, by=by, color=color, metrics=_split_list(metrics))
    if output is None:
        # start-up time: what this command needs (pandas, matplotlib) loads only when it runs
        from ..figures.files import safe_stem

        output = f"{safe_stem(histories[0].label)}_parallel.png" if by == "epoch" else "parallel.png"
    refuse_input_overwrite([output], files)
    say(save_figure(fig, output, dpi=dpi))


@cli.command()
@click.argument("file", type=click.Path())
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default="live.png",
    show_default=True,
    help="Figure kept current (PNG, SVG or PDF by suffix), replaced atomically.",
)
@click.option(
    "--every", type=click.IntRange(min=1), default=1, show_default=True, metavar="N", help="Redraw every N epochs."
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.01),
    default=1.0,
    show_default=True,
    metavar="S",
    help="Seconds between looks at the file.",
)
@click.option(
    "--until-idle",
    type=click.FloatRange(min=0),
    metavar="S",
    help="Stop after S seconds without change: exit 0, or 2 if the file never became "
    "readable (default: run until Ctrl-C).",
)
@click.option("--show", is_flag=True, help="Also show the figure in a window (when a display is available).")
@dpi_option
@diagnose_options
@history_options
def watch(file, output, every, interval, until_idle, show, dpi, read_opts, diag_opts, config, prepare):
    """Follow a history file while training writes it: keep a figure current and print each new
    finding once, when it first appears.

    Reads what was appended since the last look (CSVLogger, Lightning metrics.csv, JSON lines) or
    re-reads files rewritten whole (trainer_state.json, Keras JSON). Waits for a file that does not
    exist yet; a file that restarts is a new run. Ctrl-C stops (exit 130).

    \b
    Examples:
      histplot watch training.log -o live.png
      histplot watch lightning_logs/version_0/metrics.csv --every 5 --show
      histplot watch out/checkpoint-500/trainer_state.json --until-idle 600
    """

    # start-up time: what this command needs (pandas, matplotlib) loads only when it runs
    # start-up time: what this command needs (pandas, matplotlib) loads only when it runs
    from ..figures.options import figure_options
    from ..live.watch import watch as watch_file

    settings, _ = resolve_settings(config, diag_opts, [], None)
    dpi = figure_options(config, dpi=dpi).dpi
    window = None
    if show:
        # start-up time: what this command needs (pandas, matplotlib) loads only when it runs
        from ..live.window import Window, unavailable

        reason = unavailable()
        if reason:
            say(f"Warning: --show: {reason}; writing {output} only", err=True)
        else:
            window = Window(f"histplot watch {file}")

    def tell(event):
        prefix = "Warning: " if event.kind in ("warning", "problem") else ""
        say(prefix + event.message, err=event.kind != "finding")

    read_opts = dict(read_opts)
    imports_done()
    code = watch_file(
        file,
        output,
        every=every,
        interval=interval,
        until_idle=until_idle,
        fmt=read_opts.pop("fmt", None),
        read_opts=read_opts,
        prepare=prepare,
        settings=settings,
        dpi=dpi,
        window=window,
        on_event=tell,
    )
    if code:
        say("Interrupted", err=True)
    click.get_current_context().exit(code)


@cli.command()
def formats():
    """List the input formats histplot can read (names for --from).

    \b
    Example:
      histplot formats
    """
    # start-up time: what this command needs (pandas, matplotlib) loads only when it runs
    from ..readers import readers

    for name, mod in readers().items():
        say(f"{name:<16} {mod.DESCRIPTION}")


register_setup_commands(cli)


def main() -> None:
    # The collector is off while the command imports pandas and matplotlib (commands call
    # ``imports_done``), and what is left is frozen before exit: traversing those objects, during
    # the imports and again at interpreter shutdown, took 0.4 s of a 1.3 s `histplot plot`.
    gc.disable()
    set_up()  # the process's short life: no pyarrow, no huge pages, freed memory kept
    try:
        cli(prog_name="histplot")
    finally:
        gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    main()
