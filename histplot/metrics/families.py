"""Per-class metric families: ``tp_3``, ``val_f1_6``, ``recall_class_2`` share a metric and differ by class.

A trailing ``_<int>`` is ambiguous: Keras also appends one to uniquify auto-named metrics created twice
in a session (``true_positives_1``, ``precision_1``, ``mean_io_u_5``). The rule, per stem (the name
without its suffix) over all splits:

- ``_class_K`` / ``_classK`` is always class K;
- the short count names ``tp``/``fp``/``tn``/``fn`` are never Keras auto-names, so ``tp_3`` is class 3;
- otherwise a stem needs **two or more** indices that either include 0 or have no unsuffixed
  sibling (``precision_0 .. precision_9``; ``acc_1 .. acc_5``); a lone ``true_positives_1``, or
  ``precision`` next to ``precision_1``, is a uniquifier and the series stays an ordinary metric.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SUFFIX = re.compile(r"^(?P<stem>.+?)_(?P<word>class_?)?(?P<idx>\d+)$", re.IGNORECASE)

# Confusion counts under every spelling Keras uses; value = the short kind.
COUNT_KINDS = {
    "tp": "tp",
    "fp": "fp",
    "tn": "tn",
    "fn": "fn",
    "true_positives": "tp",
    "false_positives": "fp",
    "true_negatives": "tn",
    "false_negatives": "fn",
}
_SHORT_COUNTS = {"tp", "fp", "tn", "fn"}


def split_suffix(base: str) -> tuple[str, int, bool] | None:
    """``("stem", index, spelt_with_class)`` for a base ending in a numeric suffix, else None."""
    m = _SUFFIX.match(base)
    if not m:
        return None
    return m["stem"], int(m["idx"]), m["word"] is not None


def _family_key(stem: str) -> str:
    """Stems that mean the same thing meet: ``true_positives`` and ``tp`` are one family."""
    low = stem.lower()
    return COUNT_KINDS.get(low, low)


def class_members(bases: Iterable[str]) -> dict[str, tuple[str, int]]:
    """Base name -> (family stem, class index) for every base that is one class of a family.

    The family stem is lower-case, with count spellings reduced to ``tp``/``fp``/``tn``/``fn``.
    """
    bases = list(bases)
    plain = {_family_key(b) for b in bases}
    found: dict[str, dict[int, list[tuple[str, bool]]]] = {}
    for b in bases:
        parsed = split_suffix(b)
        # series_1..N are the names readers give unnamed lists: numbered series, not classes.
        if parsed and parsed[0] == "series" and not parsed[2]:
            continue
        if parsed:
            stem, idx, word = parsed
            # Keras auto-names are long (true_positives), so only those can carry a uniquifier.
            explicit = word or stem.lower() in _SHORT_COUNTS
            found.setdefault(stem.lower(), {}).setdefault(idx, []).append((b, explicit))
    out: dict[str, tuple[str, int]] = {}
    for stem, by_idx in found.items():
        key = _family_key(stem)
        family = len(by_idx) >= 2 and (0 in by_idx or key not in plain)
        for idx, entries in by_idx.items():
            for b, explicit in entries:
                if explicit or family:
                    out[b] = (key, idx)
    return out


def families(bases: Iterable[str]) -> dict[str, list[tuple[int, str]]]:
    """Family stem -> sorted [(class index, base)], for the bases that form class families."""
    out: dict[str, list[tuple[int, str]]] = {}
    for b, (stem, idx) in class_members(bases).items():
        out.setdefault(stem, []).append((idx, b))
    return {k: sorted(v) for k, v in out.items()}
