"""Mergeable column moments: exactness, merge law, overflow-proofness."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sktorchsafe.core.stats import ColumnStats, column_min_max, row_blocks

finite_or_missing = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.just(np.nan),
    st.sampled_from([np.inf, -np.inf]),
)


def _reference(X, w=None):
    """Straightforward float64 moments of the finite cells."""
    X = np.asarray(X, dtype=np.float64)
    w = np.ones(X.shape[0]) if w is None else np.asarray(w, dtype=np.float64)
    means, variances = [], []
    for j in range(X.shape[1]):
        ok = np.isfinite(X[:, j])
        if w[ok].sum() == 0:
            means.append(np.nan)
            variances.append(np.nan)
            continue
        mean = np.average(X[ok, j], weights=w[ok])
        means.append(mean)
        variances.append(np.average((X[ok, j] - mean) ** 2, weights=w[ok]))
    return np.array(means), np.array(variances)


def test_moments_match_numpy(rng):
    X = rng.normal(size=(5000, 6)) * [1, 10, 1e-3, 1e4, 1, 5] + [0, 3, 1, -1e5, 7, 0]
    X[rng.random(X.shape) < 0.1] = np.nan
    X[17, 2], X[99, 4] = np.inf, -np.inf
    stats = ColumnStats.from_array(X)
    mean, var = _reference(X)
    np.testing.assert_allclose(stats.mean, mean, rtol=1e-12)
    np.testing.assert_allclose(stats.var(), var, rtol=1e-10)
    np.testing.assert_array_equal(stats.n_nan, np.isnan(X).sum(axis=0))
    assert stats.n_posinf[2] == 1 and stats.n_neginf[4] == 1
    assert stats.n_posinf.sum() + stats.n_neginf.sum() == 2
    np.testing.assert_array_equal(stats.n_finite, np.isfinite(X).sum(axis=0))
    finite = np.where(np.isfinite(X), X, np.nan)
    np.testing.assert_array_equal(stats.min, np.nanmin(finite, axis=0))
    np.testing.assert_array_equal(stats.max, np.nanmax(finite, axis=0))


def test_weighted_moments_match_numpy(rng):
    X = rng.normal(size=(3000, 3))
    X[rng.random(X.shape) < 0.05] = np.nan
    w = rng.random(3000) * 3
    stats = ColumnStats.from_array(X, w)
    mean, var = _reference(X, w)
    np.testing.assert_allclose(stats.mean, mean, rtol=1e-12)
    np.testing.assert_allclose(stats.var(), var, rtol=1e-10)
    np.testing.assert_allclose(
        stats.count, [w[~np.isnan(X[:, j])].sum() for j in range(3)]
    )


@pytest.mark.parametrize("magnitude", [1e300, 1e-300, 1e200, 1e-200, 1e150])
def test_extreme_magnitudes_give_the_unit_result(rng, magnitude):
    base = rng.normal(size=(4000, 2)) + [3.0, -1.0]
    base[rng.random(base.shape) < 0.05] = np.nan
    unit = ColumnStats.from_array(base)
    big = ColumnStats.from_array(base * magnitude)
    np.testing.assert_allclose(big.mean / magnitude, unit.mean, rtol=1e-12)
    np.testing.assert_allclose(big.std / magnitude, unit.std, rtol=1e-12)
    assert np.all(np.isfinite(big.std)) and np.all(big.std > 0)


def test_constant_columns_have_exactly_zero_variance():
    X = np.full((10_000, 3), 0.1)
    X[:, 1] = 1e-10
    X[::7, 2] = np.nan
    stats = ColumnStats.from_array(X)
    np.testing.assert_array_equal(stats.var(), 0.0)
    np.testing.assert_array_equal(stats.mean, [0.1, 1e-10, 0.1])


def test_all_nan_column_and_empty_input():
    X = np.array([[1.0, np.nan], [2.0, np.nan]])
    stats = ColumnStats.from_array(X)
    assert np.isnan(stats.mean[1]) and np.isnan(stats.std[1])
    assert stats.count[1] == 0 and stats.n_nan[1] == 2
    empty = ColumnStats.from_array(np.empty((0, 2)))
    assert empty.n_rows == 0 and np.all(np.isnan(empty.mean))


def test_float32_input_is_accumulated_in_float64(rng):
    X = (rng.normal(size=(200_000, 1)) + 1e4).astype(np.float32)
    stats = ColumnStats.from_array(X)
    assert stats.mean.dtype == np.float64
    np.testing.assert_allclose(
        stats.mean, X.astype(np.float64).mean(axis=0), rtol=1e-14
    )
    np.testing.assert_allclose(stats.var(), X.astype(np.float64).var(axis=0), rtol=1e-9)


@given(
    X=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=30),
        elements=finite_or_missing,
    ),
    cut=st.floats(0, 1),
    scale=st.sampled_from([1.0, 1e300, 1e-300]),
)
def test_merge_equals_one_pass_over_the_concatenation(X, cut, scale):
    X = X * scale
    k = int(cut * X.shape[0])
    whole = ColumnStats.from_array(X)
    merged = ColumnStats.from_array(X[:k]).merge(ColumnStats.from_array(X[k:]))
    np.testing.assert_array_equal(merged.count, whole.count)
    np.testing.assert_array_equal(merged.n_nan, whole.n_nan)
    np.testing.assert_array_equal(merged.n_posinf, whole.n_posinf)
    np.testing.assert_array_equal(merged.min, whole.min)
    np.testing.assert_array_equal(merged.max, whole.max)
    np.testing.assert_allclose(merged.mean, whole.mean, rtol=1e-9, atol=1e-9 * scale)
    np.testing.assert_allclose(merged.std, whole.std, rtol=1e-7, atol=1e-6 * scale)
    mean, var = _reference(X / scale)
    np.testing.assert_allclose(whole.mean / scale, mean, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(whole.std / scale, np.sqrt(var), rtol=1e-7, atol=1e-6)


def test_merge_rejects_different_widths():
    with pytest.raises(ValueError, match="Cannot merge"):
        ColumnStats.empty(2).merge(ColumnStats.empty(3))


def test_merge_identity_and_many_chunks(rng):
    X = rng.normal(size=(1000, 4))
    stats = ColumnStats.empty(4)
    for rows in row_blocks(1000, 4, block_elements=400):
        stats = stats + ColumnStats.from_array(X[rows])
    np.testing.assert_allclose(stats.mean, X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(stats.var(), X.var(axis=0), rtol=1e-12)
    assert stats.n_rows == 1000


def test_column_min_max_ignores_nan_keeps_inf():
    X = np.array([[1.0, np.nan, 2.0], [np.inf, np.nan, -3.0]])
    lo, hi = column_min_max(X)
    np.testing.assert_array_equal(lo, [1.0, np.nan, -3.0])
    np.testing.assert_array_equal(hi, [np.inf, np.nan, 2.0])
