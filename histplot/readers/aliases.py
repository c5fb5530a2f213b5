"""A team's own metric names, mapped to canonical ones (histplot.yaml ``aliases:``), right after reading.

Aliases are applied by ``readers.load(..., aliases=...)`` and by nothing else, so every command
(plot, diagnose, report, info, convert) and every later step (derive, diagnose, render) sees the same
names. A key is matched against a column's name in the file or its canonical name; a key naming a
base metric (``err: error``) renames it in every split (``val_err`` -> ``val_error``). A target is
written like any column name and canonicalised the same way (``my_val_err: val_error``).

A target that is a role word sets the role and keeps the name: ``aux`` or ``learning_rate`` (a
run-level series, drawn alone), ``meta`` (kept in ``meta["meta_series"]``, not drawn), ``train``,
``val``, ``test`` or ``unsplit`` (a metric of that split).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..errors import ConfigError
from ..history import History
from ..naming import AUX, LEARNING_RATE, META, METRIC, UNSPLIT, column_name, parse_name

ROLE_WORDS = {
    "aux": (AUX, None),
    "learning_rate": (LEARNING_RATE, None),
    "meta": (META, None),
    "train": (METRIC, "train"),
    "val": (METRIC, "val"),
    "test": (METRIC, "test"),
    "unsplit": (METRIC, UNSPLIT),
}


def aliases_from_config(config: Mapping[str, Any]) -> dict[str, str]:
    """The ``aliases:`` section, checked: a mapping of names to names."""
    section = config.get("aliases") or {}
    bad = [str(k) for k, v in section.items() if not isinstance(k, str) or not isinstance(v, str) or not v.strip()]
    if bad:
        raise ConfigError(
            f"aliases.{bad[0]} must map a metric name to a metric name, not {section[bad[0]]!r}", config.get("_path")
        )
    return {k.strip(): v.strip() for k, v in section.items()}


def apply_aliases(history: History, aliases: Mapping[str, str]) -> History:
    """A history whose columns (epoch and step level) carry the aliased names; the file's names stay in
    ``meta["original_names"]`` and the renames in ``meta["aliased"]``."""
    if not aliases:
        return history
    history = _apply_roles(history, {k: v for k, v in aliases.items() if v.lower() in ROLE_WORDS})
    aliases = {k: v for k, v in aliases.items() if v.lower() not in ROLE_WORDS}
    if not aliases:
        return history
    original = dict(history.meta.get("original_names", {}))
    notes = list(history.meta.get("notes", []))
    renames = _renames(list(history.frame.columns), original, aliases)
    if history.steps is not None:
        renames.update(_renames(list(history.steps.columns), original, aliases))
    existing = set(history.frame.columns) | (set(history.steps.columns) if history.steps is not None else set())
    kept: dict[str, str] = {}
    for old, new in renames.items():
        # Never merge two series into one name: the file's own column wins.
        if (new in existing and new not in renames) or new in kept.values():
            notes.append(f"alias {old!r} -> {new!r} not applied: the history already has {new!r}")
            continue
        kept[old] = new
    if not kept:
        return replace(history, meta={**history.meta, "notes": notes})
    frame = history.frame.rename(columns=kept)
    steps = history.steps.rename(columns=kept) if history.steps is not None else None
    present = history.present.rename(columns=kept)
    step_present = history.step_present.rename(columns=kept) if history.step_present is not None else None
    for old, new in kept.items():
        original[new] = original.pop(old, old)
    roles = {kept.get(c, c): i for c, i in history.meta.get("roles", {}).items() if c not in kept}
    meta = {
        **history.meta,
        "original_names": original,
        "notes": notes,
        "roles": roles,
        "aliased": {**history.meta.get("aliased", {}), **{new: old for old, new in kept.items()}},
    }
    return replace(history, frame=frame, meta=meta, steps=steps, present=present, step_present=step_present)


def _renames(columns: list[str], original: Mapping[str, str], aliases: Mapping[str, str]) -> dict[str, str]:
    out = {}
    for col in columns:
        raw = original.get(col, col)
        target = aliases.get(raw, aliases.get(col))
        if target is not None:
            new = column_name(*parse_name(target))
        else:
            split, base = parse_name(col)
            if split is None or base not in aliases:
                continue
            new = column_name(split, parse_name(aliases[base])[1])
        if new != col:
            out[col] = new
    return out


def _apply_roles(history: History, wanted: Mapping[str, str]) -> History:
    """Columns named (by file or canonical name) in ``wanted`` get the role its value names."""
    if not wanted:
        return history
    original = history.meta.get("original_names", {})
    roles = dict(history.meta.get("roles", {}))
    frame = history.frame
    meta = {**history.meta, "notes": list(history.meta.get("notes", []))}
    for col in list(frame.columns):
        word = wanted.get(original.get(col, col), wanted.get(col))
        if word is None:
            continue
        role, split = ROLE_WORDS[word.lower()]
        info = history.info(col)
        if role == META:
            meta.setdefault("meta_series", {})[original.get(col, col)] = frame[col].dropna().tolist()
            frame = frame.drop(columns=[col])
            roles.pop(col, None)
        else:
            roles[col] = info._replace(role=role, split=split, why="set by histplot.yaml aliases")
        meta["notes"].append(f"'{original.get(col, col)}' is {word} (histplot.yaml aliases)")
    meta["roles"] = roles
    return History(frame=frame, meta=meta, steps=history.steps)
