"""Shared fixtures: the corpus (skipped unless present), a CLI runner, and canonical histories."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import matplotlib
import pytest
from click.testing import CliRunner

matplotlib.use("Agg")
matplotlib.rcdefaults()


def pytest_configure(config):
    # A CI runner may start the suite as a background job of a non-interactive shell, which ignores
    # SIGINT; an ignored signal is inherited across exec, so the commands the Ctrl-C tests start would
    # ignore it too. A handler of our own (not SIG_IGN) is reset to the default in every child.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_histories"


def corpus_dir() -> Path | None:
    """../shared/corpus, or what HISTPLOT_CORPUS names; None when absent (corpus tests skip)."""
    env = os.environ.get("HISTPLOT_CORPUS")
    if env:
        p = Path(env)
        if not p.is_dir():
            raise RuntimeError(f"HISTPLOT_CORPUS={env} is not a directory")
        return p
    p = REPO.parent / "shared" / "corpus"
    return p if p.is_dir() else None


@pytest.fixture(scope="session")
def corpus() -> Path:
    p = corpus_dir()
    if p is None:
        pytest.skip("corpus not available (set HISTPLOT_CORPUS)")
    return p


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Invoke the CLI in an empty working directory: run("plot", "x.json") -> click Result."""
    from histplot.cli import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COLUMNS", raising=False)  # wrapping follows $COLUMNS; xdist workers may set it
    runner = CliRunner()

    def invoke(*args, input=None, ok=None):
        result = runner.invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)
        if ok is True:
            assert result.exit_code == 0, result.output + result.stderr
        return result

    return invoke


def visible_axes(fig) -> dict:
    """A figure's visible axes by label (each panel's axes is labelled with its metric)."""
    return {ax.get_label(): ax for ax in fig.axes if ax.get_visible()}
