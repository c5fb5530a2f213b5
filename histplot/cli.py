"""The ``histplot`` command: parses options, calls the library, prints or writes what it returns.

Only this module imports click. Library errors (``HistplotError``) become one ``Error: FILE: problem``
line on stderr and exit code 2; exit code 1 is reserved for ``--fail-on`` findings.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from typing import Any, Callable

import click

from ._version import __version__
from .errors import HistplotError


class UsageFailure(click.ClickException):
    """Bad input or usage: exit 2, one line."""

    exit_code = 2


class HistplotGroup(click.Group):
    """Turns library errors into exit code 2 with a single line, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HistplotError as exc:
            raise UsageFailure(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:  # a bug must still not greet the user with a traceback
            if os.environ.get("HISTPLOT_DEBUG"):
                raise
            raise UsageFailure(f"unexpected {type(exc).__name__}: {exc} "
                               "(set HISTPLOT_DEBUG=1 to see where)") from None


def reader_options(f: Callable) -> Callable:
    """Options of every command that reads histories."""

    @click.option("--from", "from_", metavar="NAME",
                  help="Input format, skipping detection (see `histplot formats`).")
    @click.option("--validation-freq", type=click.IntRange(min=1), metavar="K",
                  help="Keras validation_freq: validation lists hold epochs K, 2K, ...")
    @click.option("--run", metavar="N", help="Which run of a file or store that holds several "
                  "(CSV append: 1, 2, ..., last; MLflow: run id or name; TensorBoard: run folder).")
    @click.option("--trust-pickle", is_flag=True,
                  help="Unpickle without restrictions. Only for a file you trust: it can run code.")
    @functools.wraps(f)
    def wrapper(*args, from_=None, validation_freq=None, run=None, trust_pickle=False, **kwargs):
        opts = {"fmt": from_, "validation_freq": validation_freq, "run": run, "trust_pickle": trust_pickle}
        return f(*args, read_opts={k: v for k, v in opts.items() if v not in (None, False)}, **kwargs)

    return wrapper


def load_all(sources: tuple[str, ...], read_opts: dict) -> list:
    """Load every input before writing anything, so one bad file leaves no output behind."""
    from .readers import load

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
            click.echo(f"Warning: {src}: {w}", err=True)
        histories.append(h)
    return histories


def _split_list(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@click.group(cls=HistplotGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="histplot")
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
    """


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("-o", "--output", type=click.Path(), help="Output file (one input) or directory. "
              "Default: <input stem>.<format> in the current directory.")
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), help="Figure format "
              "(default: from -o's suffix, else png).")
@click.option("--metrics", metavar="NAMES", help="Comma-separated panels to draw, e.g. loss,accuracy.")
@click.option("--dpi", type=click.IntRange(20, 1200), default=100, show_default=True, help="PNG resolution.")
@click.option("--title", help="Figure title (default: run label, epochs and format).")
@click.option("--x", "x_axis", type=click.Choice(["epoch", "step"]), help="X axis (default: epoch, "
              "or step for step-level runs that span fewer than 3 epochs or record no epochs).")
@reader_options
def plot(files, output, fmt, metrics, dpi, title, x_axis, read_opts):
    """Draw train vs validation curves, one panel per metric.

    \b
    Examples:
      histplot plot history.json
      histplot plot training.log -o loss.svg --metrics loss
      histplot plot a.json b.csv c.pkl -o figures/ --format pdf
      histplot plot trainer_state.json --x step
      cat history.json | histplot plot - -o run.png
    """
    from .output import save_figure
    from .plotting import figure_paths
    from .render import render

    histories = load_all(files, read_opts)
    paths, out_fmt = figure_paths(files, [h.label for h in histories], output, fmt)
    figures = [render(h, metrics=_split_list(metrics), title=title, x=x_axis) for h in histories]
    for fig, path in zip(figures, paths):
        save_figure(fig, path, fmt=out_fmt, dpi=dpi)
        click.echo(str(path))


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print JSON (a list, one object per file).")
@reader_options
def info(files, as_json, read_opts):
    """Show the detected format, epochs, metrics by split and other series.

    \b
    Examples:
      histplot info history.json
      histplot info runs/*.csv --json
    """
    from .summary import info as info_of, info_text

    data = [info_of(h) for h in load_all(files, read_opts)]
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo("\n\n".join(info_text(d) for d in data))


@cli.command()
@click.argument("file", type=click.Path(allow_dash=True))
@click.option("-o", "--output", type=click.Path(), help="Output file (.csv or .json). Default: CSV on stdout.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), help="Output format (default: from -o).")
@reader_options
def convert(file, output, fmt, read_opts):
    """Write the normalised history: 1-based epoch index, canonical column names.

    \b
    Examples:
      histplot convert history.pkl                 # CSV on stdout
      histplot convert training.log -o run.json
    """
    from .convert import convert as convert_history

    [history] = load_all((file,), read_opts)
    result = convert_history(history, output, format=fmt)
    if output is None:
        click.echo(result, nl=False)


@cli.command()
def formats():
    """List the input formats histplot can read (names for --from).

    \b
    Example:
      histplot formats
    """
    from .readers import readers

    for name, mod in readers().items():
        click.echo(f"{name:<16} {mod.DESCRIPTION}")


def main() -> None:
    cli(prog_name="histplot")


if __name__ == "__main__":  # pragma: no cover
    main()
