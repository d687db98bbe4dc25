"""The imputer's median from a row sample: within the stated rank error."""

import numpy as np
import pytest

from sktorchsafe import ImputerSelector
from sktorchsafe.core.stats import SUBSAMPLE


def _data(n_rows=60_000, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [
            rng.normal(size=n_rows),
            rng.lognormal(sigma=2.0, size=n_rows),  # skewed
            np.sort(rng.exponential(size=n_rows)),  # sorted: trends in the rows
            rng.integers(0, 5, size=n_rows).astype(float),  # ties
        ]
    )
    X[rng.random(X.shape) < 0.05] = np.nan
    X[rng.random(X.shape) < 0.001] = np.inf
    return X


@pytest.mark.parametrize("size", [2_000, 20_000])
def test_subsampled_median_is_within_the_stated_rank_error(size):
    X = _data()
    imputer = ImputerSelector(subsample=size, random_state=3).fit(X)
    exact = ImputerSelector(subsample=None).fit(X)
    bound = 1.3 / np.sqrt(size)
    for j in range(X.shape[1]):
        observed = np.sort(X[np.isfinite(X[:, j]), j])
        # The ranks the fill value can have among the observed values (a
        # range when it is tied), against the half the median has.
        lo = np.searchsorted(observed, imputer.statistics_[j], side="left")
        hi = np.searchsorted(observed, imputer.statistics_[j], side="right")
        distance = max(0.0, lo / observed.size - 0.5, 0.5 - hi / observed.size)
        assert distance <= bound, (j, distance, bound)
        assert exact.statistics_[j] == np.median(observed)
    # Not the exact median on the continuous columns: the sample is used.
    assert not np.array_equal(imputer.statistics_[:3], exact.statistics_[:3])


def test_subsample_is_deterministic_and_one_parameter_from_exact():
    X = _data(20_000, seed=1)
    a = ImputerSelector(subsample=1_000, random_state=1).fit(X)
    b = ImputerSelector(subsample=1_000, random_state=1).fit(X)
    c = ImputerSelector(subsample=1_000, random_state=2).fit(X)
    assert np.array_equal(a.statistics_, b.statistics_)
    assert not np.array_equal(a.statistics_, c.statistics_)
    np.testing.assert_array_equal(
        a.transform(X), b.transform(X)
    )  # same fit, same output
    # Fewer rows than subsample, or None: the exact median.
    exact = np.nanmedian(np.where(np.isinf(X), np.nan, X), axis=0)
    for imputer in (ImputerSelector(subsample=None), ImputerSelector()):
        np.testing.assert_array_equal(imputer.fit(X).statistics_, exact)
    assert ImputerSelector().subsample == SUBSAMPLE


def test_subsample_leaves_other_strategies_exact():
    X = _data(20_000, seed=2)
    mean = ImputerSelector(strategy="mean", subsample=100).fit(X)
    mode = ImputerSelector(strategy="most_frequent", subsample=100).fit(X)
    finite = np.where(np.isinf(X), np.nan, X)
    np.testing.assert_allclose(mean.statistics_, np.nanmean(finite, axis=0))
    counts = np.unique(finite[~np.isnan(finite[:, 3]), 3], return_counts=True)
    assert mode.statistics_[3] == counts[0][np.argmax(counts[1])]


def test_subsample_on_float32_and_a_frame_keeps_the_output():
    import pandas as pd

    X = _data(10_000, seed=3).astype(np.float32)
    frame = pd.DataFrame(X, columns=list("abcd"))
    imputer = ImputerSelector(subsample=500, random_state=0)
    out = imputer.set_output(transform="pandas").fit_transform(frame)
    assert list(out.columns) == list("abcd") and out.shape == X.shape
    assert (out.dtypes == np.float32).all() and np.isfinite(out.to_numpy()).all()


@pytest.mark.parametrize("bad", [0, -5, 2.5, "all"])
def test_subsample_is_validated(bad):
    from sktorchsafe.core.compat import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="subsample"):
        ImputerSelector(subsample=bad).fit(_data(100))
