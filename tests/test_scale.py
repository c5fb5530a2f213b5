"""Fast paths for large inputs give exactly what the straightforward code gives.

Speed itself is measured by ``make bench`` (benchmarks/), never asserted here.
"""

from __future__ import annotations

import numpy as np
import pytest

from histplot import checks
from histplot.checks import spikes


def _spikes_by_hand(values, factor, neighbours, recovery):
    """The definition, point by point (the code before the vectorised candidate filter)."""
    out = []
    for i in range(values.size):
        around = np.concatenate([values[max(0, i - neighbours):i], values[i + 1:i + 1 + neighbours]])
        if around.size < 4:
            continue
        med = float(np.median(around))
        if med <= 0 or values[i] <= factor * med:
            continue
        later = values[i + 1:i + 1 + neighbours]
        if later.size and later.min() <= recovery * med:
            out.append((i, float(values[i] / med)))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_spike_candidates_filter_changes_nothing(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 2000))
    values = rng.lognormal(0, rng.choice([0.1, 1.2]), n)
    specials = rng.integers(0, n, size=max(1, n // 20))
    values[specials] = rng.choice([np.nan, np.inf, -np.inf, 0.0, -1.0, 1e3, 40.0], size=specials.size)
    for factor, neighbours, recovery in [(10, 12, 2), (3, 2, 1.5), (1.5, 1, 1.1), (10, 40, 2), (2, 3, 5)]:
        got = spikes(values, factor, neighbours, recovery)
        want = _spikes_by_hand(values, factor, neighbours, recovery)
        assert [i for i, _ in got] == [i for i, _ in want]
        np.testing.assert_array_equal([r for _, r in got], [r for _, r in want])


def test_spike_chunks_join_up(monkeypatch):
    rng = np.random.default_rng(7)
    values = rng.lognormal(0, 1.5, 3000)
    want = spikes(values, 3, 5, 2)
    assert want  # the data must exercise the path
    interior = checks._interior_spikes
    monkeypatch.setattr(checks, "_interior_spikes", lambda *a: interior(*a, chunk=7))
    assert spikes(values, 3, 5, 2) == want
