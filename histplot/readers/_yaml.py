"""YAML parsed safely and within budget: ``SafeLoader`` (no tag can build an object), and aliases
counted as the nodes they expand to.

An alias costs the parser nothing (it hands out the same object again), but every reader that
walks the result pays for each use: ``loss: &a [...]`` referenced by ten thousand keys becomes ten
thousand columns. So each node's expanded size (itself plus everything under it, aliases counted
per use) is tracked as the document is composed, and a document expanding past
``EXPANSION_FACTOR`` times its own length (plus a small allowance) is refused before it is built.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import ReadError
from . import _budget

EXPANSION_FACTOR = 10
_ALLOWANCE = 100_000


class _CountingLoader(yaml.SafeLoader):
    def __init__(self, stream: str, limit: int):
        super().__init__(stream)
        self._sizes: dict[int, int] = {}
        self._limit = limit

    def compose_node(self, parent: Any, index: Any) -> Any:
        node = super().compose_node(parent, index)
        if id(node) not in self._sizes:  # a new node; an alias returns one already counted
            if isinstance(node, yaml.SequenceNode):
                size = 1 + sum(self._sizes.get(id(c), 1) for c in node.value)
            elif isinstance(node, yaml.MappingNode):
                size = 1 + sum(self._sizes.get(id(k), 1) + self._sizes.get(id(v), 1) for k, v in node.value)
            else:
                size = 1
            if size > self._limit:
                raise ReadError(
                    f"YAML aliases expand to more than {self._limit:,} nodes "
                    "(an alias bomb, or one list reused by thousands of keys): refused"
                )
            self._sizes[id(node)] = size
        return node


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` that refuses alias expansion beyond the rule above (raises ReadError
    without a path, yaml.YAMLError for bad syntax)."""
    budget = _budget.current()
    limit = min(EXPANSION_FACTOR * len(text) + _ALLOWANCE, budget.limit_elements - budget.elements)
    loader = _CountingLoader(text, limit)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
