"""The one memory budget a read spends while it turns the file's bytes into objects.

The input limit: one read takes in at most ``--max-bytes`` (default 2G), counting a folder's files
together and standard input or a compressed file as the bytes arrive.

The rule for what it creates: one read may create at most ``MULTIPLE`` (8) times ``--max-bytes`` of arrays and
per-element containers, and never more than ``ABSOLUTE_BYTES`` (512 MiB) nor ``MAX_ELEMENTS``
(64 Mi) elements, whichever comes first. With the default 2G limit the absolute caps decide;
``--max-bytes 10M`` lowers the budget to 80 MB. A history of a million steps and sixty series
needs about 60 million elements; anything past the caps is a checkpoint, a dataset or an attack.

Every place where a file can ask for more than it supplies charges the budget *before* it
allocates: the restricted unpickler (array shapes, dtypes with sub-arrays, calls that copy
containers), the torch rebuild (tensor views, storages, inflated zip entries), the YAML loader
(aliases, counted as the nodes they expand to) and the expansion of decoded objects into columns
(a list shared by many keys is counted once per key). An element counts as at least one byte,
and a dimension of length 0 still counts as 1, so that neither zero-width items nor zero-length
axes make a huge shape free.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from ..errors import ReadError

# Histories are kilobytes to tens of megabytes; a file far past that is a mistake (a checkpoint, a
# dataset) and would exhaust memory before failing. --max-bytes raises the limit.
DEFAULT_MAX_BYTES = 2 * 1024**3
MULTIPLE = 8
ABSOLUTE_BYTES = 512 * 1024**2
MAX_ELEMENTS = 64 * 1024**2


class Budget:
    """What one read may still create, in bytes and in elements."""

    def __init__(self, max_bytes: int | None = None):
        limit = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
        self.max_input = limit
        self.input_bytes = 0
        self.limit_bytes = min(MULTIPLE * limit, ABSOLUTE_BYTES)
        self.limit_elements = MAX_ELEMENTS
        self.bytes = 0
        self.elements = 0

    def charge(self, elements: int, itemsize: int, what: str) -> None:
        """Account for ``elements`` items of ``itemsize`` bytes about to be created, or refuse."""
        elements, itemsize = int(elements), max(int(itemsize), 1)
        if elements < 0:
            raise ReadError(f"{what} declares a negative size")
        if elements > self.limit_elements - self.elements:
            raise ReadError(
                f"{what} would create {elements:,} elements, more than a history holds "
                f"(budget {self.limit_elements:,} elements)"
            )
        nbytes = elements * itemsize
        if nbytes > self.limit_bytes - self.bytes:
            raise ReadError(
                f"{what} would create {nbytes:,} bytes, more than a history holds "
                f"(budget {self.limit_bytes:,} bytes: 8 x --max-bytes, at most 512 MiB)"
            )
        self.elements += elements
        self.bytes += nbytes

    def charge_input(self, nbytes: int, name: str) -> None:
        """Add a file's size to what this read takes in: a folder's files together (a TensorBoard
        run, an MLflow run's metric files) are held to --max-bytes like one file."""
        self.input_bytes += nbytes
        if self.input_bytes > self.max_input:
            raise ReadError(
                f"the input's files sum to more than the {self.max_input}-byte limit "
                f"(reached at this file); raise it with --max-bytes if this really is a history",
                name,
            )


_current: ContextVar[Budget | None] = ContextVar("histplot_read_budget", default=None)


def current() -> Budget:
    """The budget of the read under way; outside ``scope`` a fresh default one each time, so that
    a reader called directly is still bounded per call."""
    return _current.get() or Budget()


@contextmanager
def scope(max_bytes: int | None) -> Iterator[Budget]:
    """Make one budget, derived from ``max_bytes``, the one every charge of this read spends."""
    budget = Budget(max_bytes)
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def charge(elements: int, itemsize: int = 8, what: str = "the file") -> None:
    current().charge(elements, itemsize, what)


# What json.loads makes of a value, in bytes: a float or small int and its slot in a container
# (about 32), and per list or dict its header (a dict of a few keys about 200).
_JSON_VALUE_BYTES = 40
_JSON_CONTAINER_BYTES = 120


def charge_json(text: str, what: str = "the JSON") -> None:
    """Charge what parsing ``text`` as JSON will create, counted from its punctuation before any
    object exists: every value is followed by a comma or a closing bracket, every container opens
    with a bracket. Text of 3 bytes a container (``[],[],...``) would otherwise grow 40-fold."""
    containers = text.count("[") + text.count("{")
    values = text.count(",") + text.count(":") + containers + 1
    current().charge(values, _JSON_VALUE_BYTES + _JSON_CONTAINER_BYTES * containers // values, what)


def viewed_elements(shape: tuple) -> int:
    """The elements a shape makes a reader iterate over: a zero-length axis counts as 1, so that
    (10**12, 0) is as expensive as it is to walk."""
    n = 1
    for d in shape:
        d = int(d)
        if d < 0:
            raise ReadError(f"a shape with a negative dimension {tuple(shape)}")
        n *= max(d, 1)
        if n > MAX_ELEMENTS * 16:  # stop multiplying early: the caller refuses it anyway
            return n
    return n
