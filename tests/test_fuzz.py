"""Mutated samples (truncated, bytes flipped, lines repeated or dropped, columns shuffled) through every
reader: the only allowed outcomes are a History or a HistplotError; never another exception.

`make test` runs a bounded number of examples; `make fuzz` sets HISTPLOT_FUZZ_EXAMPLES much higher.
"""

import io
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from histplot.errors import HistplotError
from histplot.history import History
from histplot.readers import load, readers

from conftest import SAMPLES

EXAMPLES = int(os.environ.get("HISTPLOT_FUZZ_EXAMPLES", "25"))
SAMPLE_FILES = sorted(p for p in SAMPLES.iterdir() if p.is_file())


def mutate(data: bytes, ops) -> bytes:
    for kind, a, b in ops:
        if not data:
            break
        i = a % len(data)
        if kind == "truncate":
            data = data[:i]
        elif kind == "flip":
            data = data[:i] + bytes([data[i] ^ (1 + b % 255)]) + data[i + 1 :]
        elif kind == "insert":
            data = data[:i] + bytes([b % 256]) * (1 + b % 7) + data[i:]
        elif kind == "dup_line":
            lines = data.split(b"\n")
            j = a % len(lines)
            lines.insert(j, lines[b % len(lines)])
            data = b"\n".join(lines)
        elif kind == "drop_line":
            lines = data.split(b"\n")
            del lines[a % len(lines)]
            data = b"\n".join(lines)
        elif kind == "shuffle_columns":
            lines = [ln.split(b",") for ln in data.split(b"\n")]
            width = len(lines[0])
            if width > 1:
                k = a % width
                lines = [ln[k:] + ln[:k] if len(ln) == width else ln for ln in lines]
            data = b"\n".join(b",".join(ln) for ln in lines)
    return data


OPS = st.lists(
    st.tuples(
        st.sampled_from(["truncate", "flip", "insert", "dup_line", "drop_line", "shuffle_columns"]),
        st.integers(0, 10**9),
        st.integers(0, 10**9),
    ),
    min_size=1,
    max_size=4,
)


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=[p.name for p in SAMPLE_FILES])
@settings(max_examples=EXAMPLES, deadline=5000, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(ops=OPS)
def test_mutated_sample_reads_or_fails_cleanly(sample, ops):
    data = mutate(sample.read_bytes(), ops)
    buf = io.BytesIO(data)
    buf.name = sample.name
    try:
        h = load(buf)
    except HistplotError as exc:
        assert str(exc).strip() and "\n" not in str(exc).strip()
        return
    assert isinstance(h, History) and h.epochs >= 1
    # whatever the mutation, the epoch index is what History promises: unique, increasing, from 1
    assert h.frame.index.is_unique and h.frame.index.is_monotonic_increasing
    assert h.frame.index[0] >= 1
    assert h.meta["format"] in readers()
    assert all(h.frame[c].dtype == "float64" for c in h.frame.columns)
