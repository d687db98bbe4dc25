"""Quantile sketches: the stated rank error, merges, pickling."""

import pickle

import numpy as np
import pytest

from sktorchsafe.core.sketches import QuantileSketch


def test_quantile_sketch_meets_its_rank_error_after_merges(rng):
    X = np.column_stack([rng.lognormal(size=40_000), rng.normal(size=40_000)])
    X[rng.random(X.shape) < 0.05] = np.nan
    X[3, 0] = np.inf
    parts = [QuantileSketch.from_array(chunk) for chunk in np.array_split(X, 10)]
    merged = parts[0]
    for part in parts[1:]:
        merged = merged + part
    assert merged.rank_error <= 0.01
    np.testing.assert_array_equal(merged.count, np.isfinite(X).sum(axis=0))
    q = np.array([0.01, 0.25, 0.5, 0.75, 0.99])
    estimates = merged.quantile(q)
    finite = np.where(np.isfinite(X), X, np.nan)
    for j in range(2):
        col = np.sort(finite[:, j][~np.isnan(finite[:, j])])
        ranks = np.searchsorted(col, estimates[:, j], side="right") / col.size
        assert np.all(np.abs(ranks - q) <= merged.rank_error)


def test_quantile_sketch_pickles_and_handles_empty_columns():
    X = np.array([[1.0, np.nan], [2.0, np.nan], [3.0, np.nan]])
    sketch = pickle.loads(pickle.dumps(QuantileSketch.from_array(X)))
    assert sketch.quantile(0.5)[0] == 2.0 and np.isnan(sketch.quantile(0.5)[1])
    with pytest.raises(ValueError, match="Cannot merge"):
        sketch.merge(QuantileSketch(3))
