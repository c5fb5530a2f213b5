"""The ``histplot`` command line: ``commands`` (the click group), ``options`` (the option bundles every
command shares) and ``painter`` (the process that draws while the main one reads)."""

from .commands import cli, main

__all__ = ["cli", "main"]
