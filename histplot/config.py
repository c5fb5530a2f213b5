"""``histplot.yaml``: team defaults. Read with ``yaml.safe_load`` only; unknown sections are errors.

This is the generic loader: it knows the sections' names, not their content. Each section belongs to
one feature, which validates it: ``derive`` (user metrics, ``metrics.derive``), ``diagnose``
(thresholds, ``diagnosis.settings``), ``plot`` (figure options, ``figures.options``), ``aliases`` (a
team's metric names, applied as each file is read: ``readers.aliases``).
``aliases`` is top level, not under ``plot``, because it renames series for every command.
Precedence: command-line option > config file > built-in default.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .errors import ConfigError

DEFAULT_NAME = "histplot.yaml"
SECTIONS = ("derive", "diagnose", "plot", "aliases", "classes")
# Sections that are a list, not a mapping: ``classes`` names the classes of confusion matrices.
LIST_SECTIONS = ("classes",)


def find_config(path: str | os.PathLike | None = None) -> Path | None:
    """The config to use: ``path`` when given (it must exist), else ./histplot.yaml if present."""
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError("config file not found", p)
        return p
    p = Path.cwd() / DEFAULT_NAME
    return p if p.is_file() else None


def load_config(path: str | os.PathLike | None = None) -> dict[str, Any]:
    """The parsed config (``{}`` when there is none), with ``"_path"`` naming its file."""
    p = find_config(path)
    if p is None:
        return {}
    import yaml  # start-up time: 15 ms that a command without a config never needs

    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"not valid YAML: {first}", p) from exc
    except RecursionError as exc:
        raise ConfigError("YAML nested too deeply", p) from exc
    if data is None:
        return {"_path": str(p)}
    if not isinstance(data, dict):
        raise ConfigError(f"must be a mapping of sections ({', '.join(SECTIONS)}), not a {type(data).__name__}", p)
    unknown = [str(k) for k in data if k not in SECTIONS]
    if unknown:
        raise ConfigError(f"unknown key(s) {', '.join(unknown)}; known sections: {', '.join(SECTIONS)}", p)
    for key, value in data.items():
        if key in LIST_SECTIONS:
            if value is not None and not isinstance(value, list):
                raise ConfigError(f"'{key}' must be a list, not a {type(value).__name__}", p)
            continue
        if value is not None and not isinstance(value, dict):
            raise ConfigError(f"'{key}' must be a mapping, not a {type(value).__name__}", p)
    return {**{k: v or ([] if k in LIST_SECTIONS else {}) for k, v in data.items()}, "_path": str(p)}


def section(config: dict[str, Any], name: str) -> dict[str, Any]:
    """One section of a loaded config (``{}`` when absent)."""
    return config.get(name) or {}
