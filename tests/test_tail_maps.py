"""Tests for ``OutlierClipper``'s tail maps and its ``"auto"`` choice.

(sktorchsafe/steps/outliers.py, _tail_maps.py; the hard-clipping methods are
tested in test_outliers.py.)
"""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from test_outliers import METHODS, messy_arrays

from sktorchsafe import OutlierClipper
from sktorchsafe.exceptions import DataQualityWarning
from sktorchsafe.steps._clip_statistics import COARSE_ROWS, exact_statistics
from sktorchsafe.steps._tail_maps import beyond_fences, choose_methods

MAP_METHODS = ["squash", "quantile_normal", "range", "none", "auto"]


def _tails_table(n=4000, seed=0):
    """Columns "auto" must tell apart.

    Normal, a heavy tail that crushes the body under standardizing, gross
    outliers, a rare indicator, a moderate tail that does not.
    """
    rng = np.random.default_rng(seed)
    normal = rng.normal(size=n)
    heavy = rng.lognormal(0.0, 2.5, size=n)
    outliers = rng.normal(size=n)
    outliers[rng.choice(n, 8, replace=False)] = 1e4
    rare = (rng.random(n) < 0.05).astype(float)
    moderate = rng.lognormal(0.0, 1.0, size=n)
    X = np.column_stack([normal, heavy, outliers, rare, moderate])
    X[rng.random(X.shape) < 0.05] = np.nan
    return X


def test_auto_chooses_per_column():
    X = _tails_table()
    clipper = OutlierClipper().fit(X)
    assert clipper.method == "auto"
    expected = ["range", "quantile_normal", "squash", "range", "range"]
    assert list(clipper.methods_) == expected
    Xt = clipper.transform(X)
    finite = ~np.isnan(X)
    assert_array_equal(np.isnan(Xt), ~finite)  # NaN kept in place
    # Nothing to tame, or a tail that standardizing does not crush: unchanged.
    assert_array_equal(Xt[:, [0, 3, 4]], X[:, [0, 3, 4]])
    # The range: new values beyond it (a gross error) go to its ends.
    new = np.array([[1e6, 1.0, 0.0, 7.0, 1e6], [-1e6, 1.0, 0.0, -1.0, -5.0]])
    for j in (0, 3, 4):
        ends = [np.nanmax(X[:, j]), np.nanmin(X[:, j])]
        assert_array_equal(clipper.transform(new)[:, j], ends)
    # The gross outliers are tamed, within median ± threshold * IQR.
    q1, median, q3 = np.nanquantile(X[:, 2], [0.25, 0.5, 0.75])
    assert np.nanmax(Xt[:, 2]) < median + 5.0 * (q3 - q1)
    # The heavy tail keeps its order: the top 1% stays the top 1%, distinct.
    col, out = X[finite[:, 1], 1], Xt[finite[:, 1], 1]
    order = np.argsort(col)
    assert np.all(np.diff(out[order]) >= 0)
    top = out[order][-len(col) // 100 :]
    assert np.unique(top).size == top.size
    # 1% of gross errors reads as outliers; a lognormal tail that crushes the
    # body as heavy, one that does not as a range to keep.
    rng = np.random.default_rng(1)
    gross = rng.normal(size=(5000, 3))
    gross[rng.random(5000) < 0.01, 0] = 1e4
    gross[:, 1] = rng.lognormal(0.0, 2.5, size=5000)
    gross[:, 2] = rng.lognormal(0.0, 1.2, size=5000)
    methods = OutlierClipper().fit(gross).methods_
    assert list(methods) == ["squash", "quantile_normal", "range"]
    # The same data gives the same choice and output (deterministic).
    assert_array_equal(OutlierClipper().fit_transform(X), Xt)


def test_squash_is_skrubs_squashing_scaler_in_the_features_units():
    squashing = pytest.importorskip("skrub").SquashingScaler
    rng = np.random.default_rng(1)
    X = rng.standard_t(2, size=(500, 3)) * [1.0, 100.0, 1e-3]
    clipper = OutlierClipper(method="squash", threshold=2.5).fit(X)
    q1, median, q3 = np.quantile(X, [0.25, 0.5, 0.75], axis=0)
    ours = (clipper.transform(X) - median) / (q3 - q1)
    theirs = squashing(max_absolute_value=2.5).fit_transform(X)
    assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    assert_array_equal(clipper.methods_, "squash")
    assert_array_equal(clipper.lower_, -np.inf)  # nothing is hard-clipped
    # ±inf go where the largest and smallest training values go.
    Xt = clipper.transform(np.array([[np.inf, -np.inf, 0.0]]))
    assert Xt[0, 0] == clipper.transform(X).max(axis=0)[0]
    assert Xt[0, 1] == clipper.transform(X).min(axis=0)[1]


def test_quantile_normal_maps_to_a_normal_with_the_features_median_and_iqr():
    rng = np.random.default_rng(2)
    X = np.column_stack([rng.exponential(size=3000), rng.normal(5, 2, size=3000)])
    clipper = OutlierClipper(method="quantile_normal").fit(X)
    Xt = clipper.transform(X)
    q1, median, q3 = np.quantile(X, [0.25, 0.5, 0.75], axis=0)
    t1, tmedian, t3 = np.quantile(Xt, [0.25, 0.5, 0.75], axis=0)
    assert_allclose(tmedian, median, atol=0.01 * (q3 - q1).max())
    assert_allclose(t3 - t1, q3 - q1, rtol=0.01)
    # Normal data hardly moves; the exponential becomes symmetric.
    assert np.abs(Xt[:, 1] - X[:, 1]).max() < 0.5
    from scipy.stats import skew

    assert abs(skew(Xt[:, 0])) < 0.05 < skew(X[:, 0])
    # Order kept; new values beyond the training range go to the extremes.
    assert np.all(np.diff(Xt[np.argsort(X[:, 0]), 0]) >= 0)
    far = clipper.transform(np.array([[1e9, -1e9], [np.inf, np.nan]]))
    assert_allclose(far[0], [Xt[:, 0].max(), Xt[:, 1].min()])
    assert far[1, 0] == Xt[:, 0].max() and np.isnan(far[1, 1])


@pytest.mark.parametrize("method", MAP_METHODS)
def test_map_methods_keep_dtype_names_and_pandas_output(df_nan, method):
    clipper = OutlierClipper(method=method).set_output(transform="pandas")
    out = clipper.fit_transform(df_nan.astype(np.float32))
    assert list(out.columns) == list(df_nan.columns)
    assert (out.dtypes == np.float32).all()
    assert_array_equal(out.isna().to_numpy(), df_nan.isna().to_numpy())
    assert list(clipper.get_feature_names_out()) == list(df_nan.columns)
    X32 = df_nan.to_numpy(np.float32)
    plain = OutlierClipper(method=method).fit(X32)
    assert plain.transform(X32).dtype == np.float32
    assert_allclose(
        plain.transform(X32),
        OutlierClipper(method=method).fit(X32.astype(float)).transform(X32),
        rtol=1e-5,
        atol=1e-4,
    )


def test_none_changes_nothing_finite(X_nan):
    X = X_nan.copy()
    X[0, 0], X[1, 1] = np.inf, -np.inf
    clipper = OutlierClipper(method="none").fit(X_nan)
    Xt = clipper.transform(X)
    finite = np.isfinite(X)
    assert_array_equal(Xt[finite], X[finite])
    assert (Xt[0, 0], Xt[1, 1]) == (clipper.data_max_[0], clipper.data_min_[1])


@pytest.mark.parametrize("method", ["squash", "quantile_normal", "auto"])
def test_map_methods_stream_like_fit(method):
    X = _tails_table(seed=3)
    fitted = OutlierClipper(method=method).fit(X)
    streamed = OutlierClipper(method=method)
    for chunk in np.array_split(X, 5):
        streamed.partial_fit(chunk)
    other = OutlierClipper(method=method)
    for chunk in np.array_split(X[::-1], 3):
        other.partial_fit(chunk)
    assert_array_equal(streamed.methods_, fitted.methods_)
    assert_array_equal(other.methods_, fitted.methods_)
    # Each mapped value is within the sketch's rank error of the exact map:
    # compare ranks, on the scale of the output. The map reads three
    # quantiles (the quartiles and the median), each within 0.7% in rank: on
    # a tail as skewed as column 1's, their errors add up to about 2%.
    a, b = fitted.transform(X), streamed.transform(X)
    for j in range(X.shape[1]):
        observed = ~np.isnan(a[:, j])
        assert_array_equal(observed, ~np.isnan(b[:, j]))
        ref = np.sort(a[observed, j])

        def ranks(values, ref=ref):
            left = np.searchsorted(ref, values, "left")
            return left, np.searchsorted(ref, values, "right")

        (a_lo, a_hi), (b_lo, b_hi) = ranks(a[observed, j]), ranks(b[observed, j])
        gap = np.maximum(0, np.maximum(b_lo - a_hi, a_lo - b_hi))
        assert gap.max() / ref.size < 0.03


def test_map_methods_on_dask_match_the_stream():
    da = pytest.importorskip("dask.array")
    X = _tails_table(seed=4)
    clipper = OutlierClipper().fit(da.from_array(X, chunks=(1000, 4)))
    assert_array_equal(clipper.methods_, OutlierClipper().fit(X).methods_)
    out = clipper.transform(da.from_array(X, chunks=(1000, 4))).compute()
    assert_allclose(out, clipper.transform(X))


def test_clip_method_is_a_pipeline_parameter():
    from sktorchsafe import make_safe_pipeline

    pipe = make_safe_pipeline(Ridge_like())
    assert pipe.get_params()["clip__method"] == "auto"
    X = _tails_table(seed=5)
    y = np.arange(len(X), dtype=float)
    for method in [*METHODS, *MAP_METHODS]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            Xt = pipe.set_params(clip__method=method)[:-1].fit_transform(X, y)
        assert Xt.shape == X.shape and Xt.dtype == np.float32
        assert np.isfinite(Xt).all()


def Ridge_like():
    from sklearn.linear_model import Ridge

    return Ridge()


@given(
    X=messy_arrays(),
    method=st.sampled_from(MAP_METHODS),
    tails=st.sampled_from(["both", "left", "right"]),
    on_inf=st.sampled_from(["clip", "nan"]),
)
def test_bad_input_contract_of_the_maps(X, method, tails, on_inf):
    clipper = OutlierClipper(method=method, tails=tails, on_inf=on_inf)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # anything else (numpy warnings) fails
        warnings.simplefilter("ignore", DataQualityWarning)
        Xt = clipper.fit_transform(X)
        Xt2, counts = clipper.transform(X, return_counts=True)
    assert Xt.shape == X.shape and Xt.dtype == X.dtype
    assert_array_equal(Xt2, Xt)
    # The fit's share, often known from the statistics alone, is the count's.
    assert_array_equal(clipper.clipped_fraction_, counts.clipped_fraction)
    assert not np.isinf(Xt).any()
    assert np.isnan(Xt)[np.isnan(X)].all()
    new_nan = np.isnan(Xt) & ~np.isnan(X)
    assert (np.isinf(X)[new_nan]).all()
    if on_inf == "clip":
        assert not new_nan[:, ~np.isnan(clipper.data_min_)].any()


def test_auto_sorts_only_the_features_beyond_the_fences():
    X = _tails_table(n=20_000)
    staged = exact_statistics(X, "auto", None, grid_for=beyond_fences)
    whole = exact_statistics(X, "auto", None)
    beyond = beyond_fences(whole)
    assert beyond.tolist() == [False, True, True, False, True]
    assert_array_equal(staged.grid[:, beyond], whole.grid[:, beyond])
    assert_array_equal(staged.grid[COARSE_ROWS], whole.grid[COARSE_ROWS])
    assert np.isnan(staged.grid[1:-1, ~beyond]).sum() == 2 * (999 - 5)
    assert_allclose(staged.std[beyond], whole.std[beyond], rtol=1e-12)
    assert_array_equal(choose_methods(staged), choose_methods(whole))
    assert_array_equal(
        OutlierClipper().fit(X).methods_,
        ["range", "quantile_normal", "squash", "range", "range"],
    )


# ------------------------------------------------- subsampled order statistics
@pytest.mark.parametrize("method", ["quantile", "iqr", "auto"])
def test_subsampled_quantiles_are_within_the_stated_rank_error(method):
    rng = np.random.default_rng(6)
    X = rng.standard_t(3, size=(200_000, 2))
    X[np.argsort(X[:, 0])] = X.copy()  # sorted rows: the sample must stratify
    X[rng.random(X.shape) < 0.02] = np.nan
    size = 10_000
    clipper = OutlierClipper(method=method, subsample=size, random_state=3).fit(X)
    exact = OutlierClipper(method=method, subsample=None).fit(X)
    tolerance = 1.3 / np.sqrt(size)
    finite = [X[~np.isnan(X[:, j]), j] for j in range(2)]
    if method == "auto":
        assert_array_equal(clipper.methods_, exact.methods_)
        values = [
            clipper.transform(np.column_stack([c, c]))[:, j]
            for j, c in enumerate(finite)
        ]
        reference = [
            exact.transform(np.column_stack([c, c]))[:, j] for j, c in enumerate(finite)
        ]
        for v, r in zip(values, reference, strict=True):
            # Each value's mapped rank moves by at most the rank error.
            order = np.sort(r)
            ranks = np.searchsorted(order, v) / v.size
            assert np.abs(ranks - np.searchsorted(order, r) / v.size).max() < (
                2 * tolerance
            )
        return
    if method == "iqr":
        levels = (0.25, 0.75)
        spread = (clipper.upper_ - clipper.lower_) / 4
        bounds = (clipper.lower_ + 1.5 * spread, clipper.upper_ - 1.5 * spread)
    else:
        levels = (0.01, 0.99)
        bounds = (clipper.lower_, clipper.upper_)
    for level, bound in zip(levels, bounds, strict=True):
        for j, col in enumerate(finite):
            assert abs(np.mean(col < bound[j]) - level) < tolerance
    # The data range and the clipped share read every row.
    assert_array_equal(clipper.data_max_, exact.data_max_)
    Xt, counts = clipper.transform(X, return_counts=True)
    assert_allclose(clipper.clipped_fraction_, counts.clipped_fraction)


def test_subsample_is_deterministic_and_one_parameter_from_exact():
    rng = np.random.default_rng(7)
    X = rng.lognormal(size=(30_000, 3))
    a = OutlierClipper(method="quantile", subsample=1000, random_state=1).fit(X)
    b = OutlierClipper(method="quantile", subsample=1000, random_state=1).fit(X)
    c = OutlierClipper(method="quantile", subsample=1000, random_state=2).fit(X)
    assert_array_equal(a.lower_, b.lower_)
    assert_array_equal(a.upper_, b.upper_)
    assert not np.array_equal(a.upper_, c.upper_)
    exact = OutlierClipper(method="quantile", subsample=None).fit(X)
    assert_array_equal(exact.upper_, np.quantile(X, 0.99, axis=0))
    # Fewer rows than subsample: exact.
    small = OutlierClipper(method="quantile", subsample=30_000).fit(X)
    assert_array_equal(small.upper_, exact.upper_)


def test_quantile_normal_keeps_every_rank_with_a_subsample():
    # The sample may miss the extremes; the map's ends are the exact range.
    rng = np.random.default_rng(0)
    x = rng.lognormal(size=(250_000, 1))
    clipper = OutlierClipper(method="quantile_normal", subsample=10_000)
    out = clipper.fit(x).transform(x)
    assert (out == out.max()).sum() == 1 and (out == out.min()).sum() == 1
