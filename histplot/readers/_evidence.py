"""The split a file shows for a name that does not state one: which rows the name was logged on.

A metric logged only on the rows that carry validation values was computed by the validation loop
(Lightning writes the validation epoch-end metrics on their own row; mmengine writes evaluator
results on lines without the training loop's ``iter``), whatever its name. ``History.build`` uses
this only for names the naming rules leave without a split marker.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..naming import METRIC, describe, detect_framework

# Keys the mmengine training loop writes on every training line (FRAMEWORK_NAMES §8).
_TRAIN_LINE_KEYS = ("iter",)


def split_evidence(rows: Sequence[Iterable[str]]) -> dict[str, str]:
    """Raw name -> "val"/"test" for bare names seen only on rows of that held-out split.

    ``rows`` gives, per row of the file, the names that have a value on it.
    """
    rows = [set(map(str, r)) for r in rows]
    names = set().union(*rows) if rows else set()
    framework = detect_framework(names)
    infos = {n: describe(n, framework) for n in names}
    marked = {n: i.split for n, i in infos.items() if i.role == METRIC and not i.why.startswith("no split marker")}
    bare = [n for n, i in infos.items() if i.role == METRIC and i.why.startswith("no split marker")]
    has_train_lines = any(k in r for r in rows for k in _TRAIN_LINE_KEYS)
    # Rows only tell a split apart where the file has rows of its own for training (Lightning's train
    # steps, mmengine's iteration lines). A file with one row per epoch holding train and validation
    # values together (Keras, DeiT log.txt) says nothing about a bare name beside val_* names.
    index_keys = {"epoch", "step", *_TRAIN_LINE_KEYS}
    has_train_rows = has_train_lines or any(
        (r - index_keys) and not any(marked.get(k) in ("val", "test") for k in r) for r in rows
    )
    if not has_train_rows:
        return {}
    out: dict[str, str] = {}
    for name in bare:
        seen: set[str | None] = set()
        for r in rows:
            if name not in r:
                continue
            if has_train_lines and not any(k in r for k in _TRAIN_LINE_KEYS) and "epoch" not in r:
                seen.add("val")  # an mmengine evaluator line
                continue
            seen |= {marked[k] for k in r if k in marked} or {None}
        if len(seen) == 1 and next(iter(seen)) in ("val", "test"):
            out[name] = next(iter(seen))
    return out
