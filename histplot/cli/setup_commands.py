"""Commands about histplot itself rather than a history: ``completion`` (the shell script click
generates) and ``config`` (the effective histplot.yaml, or a commented starter one)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import click

from ..config import DEFAULT_NAME
from ..errors import HistplotError
from ..output import atomic_write
from .options import checked_config
from .terminal import say

SHELLS = ("bash", "zsh", "fish")

STARTER = """\
# histplot.yaml: team defaults for every histplot command run in this folder (or --config PATH).
# Precedence: command-line option > this file > built-in default. Every section is optional;
# unknown keys are errors. Uncomment what you need. Reference: docs/config.md.

# aliases:                      # your own metric names -> histplot's, applied as each file is read
#   holdout_cost: val_loss
#   my_err: error               # a base metric: val_my_err -> val_error too

# derive:                       # extra metrics, per split, over column base names
#   youden: recall + specificity - 1

diagnose:
  # monitor: val_loss           # default: val_loss, test_loss, another held-out loss, ..., loss
  mode: auto                    # min | max | auto (max for accuracy-like names)
  patience: 5                   # EarlyStopping replay
  min_delta: 0.0
  criterion: gl                 # overfitting onset: gl | pq | up | keras, e.g. pq:0.75
  alpha: 5.0                    # generalization-loss threshold in percent
  # fail_on: [overfitting, divergence]   # exit 1 when found (default: kinds asked for; report: none)

plot:
  # panels:                     # which metrics share a panel, in order; only these are drawn
  #   - [loss]
  #   - [accuracy, auc]
  # smooth: 0.6                 # TensorBoard smoothing weight in [0, 1)
  # log_y: [loss]               # true for every panel
  # ylim: {accuracy: "0.5:1"}
  style:
    dpi: 100
  formats: [png, svg]           # what `histplot report` writes
"""


def register(group: click.Group) -> None:
    group.add_command(completion)
    group.add_command(config)


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell):
    """Print the shell completion script for SHELL (bash, zsh or fish).

    \b
    Examples:
      eval "$(histplot completion bash)"            # in ~/.bashrc
      histplot completion zsh > ~/.zfunc/_histplot
      histplot completion fish > ~/.config/fish/completions/histplot.fish
    """
    from click.shell_completion import get_completion_class

    ctx = click.get_current_context()
    cls = get_completion_class(shell)
    root = ctx.find_root()
    script = cls(root.command, {}, root.info_name or "histplot", "_HISTPLOT_COMPLETE").source()
    click.echo(script)


@click.command()
@click.option("--init", is_flag=True, help=f"Write a commented starter {DEFAULT_NAME} here (never overwrites).")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    metavar="PATH",
    help=f"histplot.yaml to read (default: ./{DEFAULT_NAME} if present).",
)
def config(init, config_path):
    """Print the effective configuration (histplot.yaml over the defaults), or write a starter file.

    \b
    Examples:
      histplot config
      histplot config --config team.yaml
      histplot config --init
    """
    if init:
        path = Path(config_path or DEFAULT_NAME)
        if path.exists():
            raise HistplotError("already exists; not overwritten (edit it, or remove it first)", path)
        with atomic_write(path, "w") as fh:
            fh.write(STARTER)
        say(path)
        return
    say(effective_config_text(checked_config(config_path)), lines=True)


def effective_config_text(config: dict) -> str:
    """The settings every command would use, as histplot.yaml text with where they came from."""
    import yaml

    # start-up time: these pull in numpy and pandas, not wanted for --help
    from ..diagnosis.settings import resolve_settings
    from ..figures.options import figure_options

    settings, fail_on = resolve_settings(config, {}, [], None)
    options = figure_options(config)
    diagnose = {k: _plain(v) for k, v in dataclasses.asdict(settings).items()}
    diagnose["fail_on"] = list(fail_on)
    plot = {k: _plain(v) for k, v in dataclasses.asdict(options).items()}
    data = {
        "aliases": dict(config.get("aliases") or {}),
        "derive": dict(config.get("derive") or {}),
        "diagnose": diagnose,
        "plot": plot,
    }
    source = config.get("_path")
    head = f"# from {os.path.relpath(source)} over the defaults" if source else f"# defaults (no {DEFAULT_NAME} here)"
    return head + "\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip()


def _plain(value):
    """YAML-safe: tuples as lists, recursively."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
