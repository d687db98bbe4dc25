"""Exact order statistics: equal to numpy's, on every path through the code."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sktorchsafe.core import quantiles
from sktorchsafe.core.quantiles import nanquantile


@given(
    X=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=40),
        elements=st.one_of(st.floats(-1e9, 1e9, allow_nan=False), st.just(np.nan)),
    ),
    q=st.lists(st.floats(0, 1), min_size=1, max_size=4),
)
def test_nanquantile_equals_numpy(X, q):
    expected = np.full((len(q), X.shape[1]), np.nan)
    for j in range(X.shape[1]):
        col = X[:, j][~np.isnan(X[:, j])]
        if col.size:
            expected[:, j] = np.quantile(col, q)
    np.testing.assert_array_equal(nanquantile(X, q), expected)
    np.testing.assert_array_equal(nanquantile(X, q[0]), expected[0])


def test_nanquantile_interpolates_between_values_whose_difference_overflows():
    big = np.finfo(np.float64).max
    X = np.array([[-big, 1.0], [big, 3.0], [np.nan, 5.0], [big, 7.0]])
    with np.errstate(all="raise"):
        quantiles = nanquantile(X, [0.0, 0.25, 0.5, 1.0])
    expected = 2.0 * np.nanquantile(X / 2.0, [0.0, 0.25, 0.5, 1.0], axis=0)
    np.testing.assert_array_equal(quantiles, expected)
    assert quantiles[1, 0] == 0.0


class _CountingPool(quantiles.ThreadPoolExecutor):
    """The thread pool of :func:`quantiles._each_column`, counting its uses."""

    opened = 0

    def __init__(self, max_workers=None, *args, **kwargs):
        type(self).opened += 1
        assert max_workers >= 2
        super().__init__(max_workers, *args, **kwargs)


@pytest.mark.parametrize("order", ["C", "F"])
def test_threaded_nanquantile_equals_numpy(rng, monkeypatch, order):
    # Large enough for the threaded path (THREADED_MIN_ELEMENTS cells), with
    # the thread count forced: the path must run even on a one-core machine.
    n, p = 1 << 15, 40
    assert n * p >= quantiles.THREADED_MIN_ELEMENTS
    monkeypatch.setattr(quantiles, "effective_n_threads", lambda: 4)
    monkeypatch.setattr(_CountingPool, "opened", 0)
    monkeypatch.setattr(quantiles, "ThreadPoolExecutor", _CountingPool)
    X = rng.standard_t(3, size=(n, p))
    X[rng.random(X.shape) < 0.1] = np.nan
    X[:, 3] = np.nan  # a column without values
    X = np.asarray(X, order=order)
    q = [0.0, 0.01, 0.25, 0.5, 0.9, 1.0]
    result = nanquantile(X, q)
    assert _CountingPool.opened == 1
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        expected = np.nanquantile(X, q, axis=0)
    np.testing.assert_array_equal(result, expected)
