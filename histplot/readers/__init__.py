"""Readers: one module per format behind one registry (``load``)."""

from .registry import load, readers, sniff

__all__ = ["load", "readers", "sniff"]
