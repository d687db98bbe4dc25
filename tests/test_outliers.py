"""Tests for ``OutlierClipper`` (sktorchsafe/outliers.py)."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import median_abs_deviation
from sklearn.base import clone
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sktorchsafe import OutlierClipper
from sktorchsafe.core.quantiles import nanmedian_abs_deviation
from sktorchsafe.core.stats import inf_as_nan
from sktorchsafe.exceptions import (
    DataQualityWarning,
    InputTypeError,
    NonFiniteInputError,
    SktorchsafeWarning,
)

METHODS = ["iqr", "quantile", "zscore", "mad"]


def _with_damage(rng, X, nan=0.1, inf=0.02):
    """X with random NaN, +inf and -inf cells."""
    X = X.copy()
    u = rng.random(X.shape)
    X[u < nan] = np.nan
    X[(u >= nan) & (u < nan + inf / 2)] = np.inf
    X[(u >= nan + inf / 2) & (u < nan + inf)] = -np.inf
    return X


def _expected_bounds(X, method, fold=1.5, quantile_range=(1.0, 99.0), threshold=3.0):
    """The textbook bounds, from numpy/scipy, on the finite values of X."""
    Xf = np.where(np.isinf(X), np.nan, X)
    if method == "iqr":
        q1, q3 = np.nanquantile(Xf, [0.25, 0.75], axis=0)
        return q1 - fold * (q3 - q1), q3 + fold * (q3 - q1)
    if method == "quantile":
        return tuple(np.nanquantile(Xf, np.divide(quantile_range, 100), axis=0))
    if method == "zscore":
        mean, std = np.nanmean(Xf, axis=0), np.nanstd(Xf, axis=0)
        return mean - threshold * std, mean + threshold * std
    median = np.nanmedian(Xf, axis=0)
    mad = median_abs_deviation(Xf, axis=0, nan_policy="omit", scale="normal")
    return median - threshold * mad, median + threshold * mad


def _changed(X, Xt):
    """Cells that transform changed (NaN input never counts)."""
    same = (Xt == X) | (np.isnan(Xt) & np.isnan(X))
    return ~same


# ------------------------------------------------------------------ bounds
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", [0, 1])
def test_bounds_equal_textbook_formulas(method, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_t(3, size=(301, 5)) * [1, 10, 1e-3, 1e4, 1] + [0, 5, 1, -1e4, 0]
    X = _with_damage(rng, X)
    clipper = OutlierClipper(method=method).fit(X)
    lower, upper = _expected_bounds(X, method)
    assert_allclose(clipper.lower_, lower, rtol=1e-12)
    assert_allclose(clipper.upper_, upper, rtol=1e-12)
    assert_array_equal(
        clipper.data_min_, np.nanmin(np.where(np.isinf(X), np.nan, X), 0)
    )
    assert_array_equal(
        clipper.data_max_, np.nanmax(np.where(np.isinf(X), np.nan, X), 0)
    )


@pytest.mark.parametrize(
    "method, params",
    [
        ("iqr", {"fold": 3.0}),
        ("iqr", {"fold": 0.0}),
        ("quantile", {"quantile_range": (5.0, 90.0)}),
        ("quantile", {"quantile_range": (0.0, 100.0)}),
        ("zscore", {"threshold": 2.0}),
        ("mad", {"threshold": 3.5}),
    ],
)
def test_bounds_follow_parameters(X_nan, method, params):
    clipper = OutlierClipper(method=method, **params).fit(X_nan)
    lower, upper = _expected_bounds(X_nan, method, **params)
    assert_allclose(clipper.lower_, lower, rtol=1e-12)
    assert_allclose(clipper.upper_, upper, rtol=1e-12)


def test_quantile_range_full_keeps_every_finite_value(X_nan):
    clipper = OutlierClipper(method="quantile", quantile_range=(0, 100))
    Xt = clipper.fit_transform(X_nan)
    assert_array_equal(Xt, X_nan)
    assert_array_equal(clipper.clipped_fraction_, 0.0)


@pytest.mark.parametrize("method", METHODS)
def test_tails(X_nan, method):
    both = OutlierClipper(method=method).fit(X_nan)
    left = OutlierClipper(method=method, tails="left").fit(X_nan)
    right = OutlierClipper(method=method, tails="right").fit(X_nan)
    assert_array_equal(left.lower_, both.lower_)
    assert_array_equal(left.upper_, np.inf)
    assert_array_equal(right.lower_, -np.inf)
    assert_array_equal(right.upper_, both.upper_)
    X = X_nan * 100
    Xt = right.transform(X)
    low = X < both.lower_
    assert_array_equal(Xt[low], X[low])  # the left tail is not clipped
    high = X > both.upper_
    assert high.any()
    assert_array_equal(Xt[high], np.broadcast_to(both.upper_, X.shape)[high])


def test_inf_does_not_move_the_bounds(X_nan):
    X = X_nan.copy()
    X[:20, 0] = np.inf
    X[20:30, 1] = -np.inf
    reference = X_nan.copy()
    reference[:20, 0] = np.nan
    reference[20:30, 1] = np.nan
    for method in METHODS:
        got = OutlierClipper(method=method).fit(X)
        want = OutlierClipper(method=method).fit(reference)
        assert_array_equal(got.lower_, want.lower_)
        assert_array_equal(got.upper_, want.upper_)


def test_mad_constant_is_the_normal_consistency_constant():
    from sktorchsafe.steps._clip_statistics import MAD_TO_STD

    assert MAD_TO_STD == pytest.approx(1.4826, abs=1e-4)
    rng = np.random.default_rng(0)
    X = rng.normal(scale=2.0, size=(200_000, 1))
    clipper = OutlierClipper(method="mad", threshold=1.0).fit(X)
    # median ± 1.4826 MAD estimates mean ± sigma on normal data.
    assert_allclose(clipper.upper_ - clipper.lower_, [4.0], rtol=0.02)


# -------------------------------------------------------------- transform
@pytest.mark.parametrize("method", METHODS)
def test_transform_clips_to_bounds_and_keeps_nan(X_nan, method):
    rng = np.random.default_rng(3)
    X = _with_damage(rng, X_nan * rng.choice([1, 50], size=X_nan.shape))
    clipper = OutlierClipper(method=method).fit(X_nan)
    Xt = clipper.transform(X)
    assert_array_equal(np.isnan(Xt), np.isnan(X))
    assert np.isfinite(Xt[~np.isnan(X)]).all()
    expected = np.clip(X, clipper.lower_, clipper.upper_)
    assert_array_equal(Xt, expected)
    # inf goes to the bounds.
    lower = np.broadcast_to(clipper.lower_, X.shape)
    upper = np.broadcast_to(clipper.upper_, X.shape)
    assert_array_equal(Xt[X == -np.inf], lower[X == -np.inf])
    assert_array_equal(Xt[X == np.inf], upper[X == np.inf])


def test_inf_on_a_side_without_bound_goes_to_the_observed_extreme(X_nan):
    X = X_nan.copy()
    X[0, :] = -np.inf
    X[1, :] = np.inf
    clipper = OutlierClipper(method="iqr", tails="right").fit(X_nan)
    Xt = clipper.transform(X)
    assert_array_equal(Xt[0], clipper.data_min_)
    assert_array_equal(Xt[1], clipper.upper_)
    clipper = OutlierClipper(method="iqr", tails="left").fit(X_nan)
    Xt = clipper.transform(X)
    assert_array_equal(Xt[0], clipper.lower_)
    assert_array_equal(Xt[1], clipper.data_max_)


def test_on_inf_nan(X_nan):
    X = X_nan.copy()
    X[3, 1] = np.inf
    X[4, 2] = -np.inf
    clipper = OutlierClipper(on_inf="nan")
    Xt = clipper.fit_transform(X)
    assert np.isnan(Xt[3, 1]) and np.isnan(Xt[4, 2])
    assert_array_equal(np.isnan(Xt), np.isnan(X) | np.isinf(X))
    finite = np.isfinite(X)
    clipped = np.clip(X, clipper.lower_, clipper.upper_)
    assert_array_equal(Xt[finite], clipped[finite])
    # The ±inf cells count as changed.
    assert clipper.clipped_fraction_[1] > 0


def test_on_inf_raise_names_feature_and_rows(df_nan):
    X = df_nan.copy()
    X.loc[7, "income"] = -np.inf
    with pytest.raises(NonFiniteInputError, match=r"'income'.*7.*on_inf") as exc:
        OutlierClipper(on_inf="raise").fit(X)
    assert isinstance(exc.value, ValueError)
    clipper = OutlierClipper(on_inf="raise").fit(df_nan)
    with pytest.raises(NonFiniteInputError, match="'income'"):
        clipper.transform(X)


# ----------------------------------------------------------------- counts
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("tails", ["both", "left", "right"])
@pytest.mark.parametrize("on_inf", ["clip", "nan"])
def test_counts_are_exact(X_nan, method, tails, on_inf):
    rng = np.random.default_rng(5)
    X = _with_damage(rng, X_nan * rng.choice([1, 30], size=X_nan.shape))
    clipper = OutlierClipper(method=method, tails=tails, on_inf=on_inf)
    Xt = clipper.fit_transform(X)
    changed = _changed(X, Xt)
    observed = (~np.isnan(X)).sum(axis=0)
    assert_allclose(clipper.clipped_fraction_, changed.sum(axis=0) / observed)

    Xt2, counts = clipper.transform(X, return_counts=True)
    assert_array_equal(Xt2, Xt)
    below = (X < clipper.lower_) | (X == -np.inf)
    above = (X > clipper.upper_) | (X == np.inf)
    assert_array_equal(counts.n_below, below.sum(axis=0))
    assert_array_equal(counts.n_above, above.sum(axis=0))
    assert_array_equal(counts.n_below + counts.n_above, changed.sum(axis=0))
    assert_array_equal(counts.n_observed, observed)
    assert_array_equal(counts.clipped_fraction, clipper.clipped_fraction_)


@pytest.mark.parametrize("method", ["mad", "auto", "range", "squash"])
@pytest.mark.parametrize("damaged", [True, False])
def test_fit_and_fit_transform_agree(X_nan, method, damaged):
    # "auto", "range" and "squash" clip no finite training value: without
    # ±inf, fit_transform copies instead of clipping.
    X = _with_damage(np.random.default_rng(2), X_nan) if damaged else X_nan
    before = X.copy()
    a = OutlierClipper(method=method).fit(X)
    b = OutlierClipper(method=method)
    Xt = b.fit_transform(X)
    assert_array_equal(X, before)
    assert not np.shares_memory(X, Xt)
    assert_array_equal(a.lower_, b.lower_)
    assert_array_equal(a.clipped_fraction_, b.clipped_fraction_)
    assert_array_equal(a.transform(X), Xt)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("on_inf", ["clip", "nan"])
def test_memory_layouts_and_blocks_agree(order, on_inf):
    # Tall enough for several row blocks (C) and column pieces (F).
    rng = np.random.default_rng(4)
    X = _with_damage(rng, rng.standard_cauchy((150_000, 3)))
    ref = OutlierClipper(method="iqr", tails="left", on_inf=on_inf)
    ref.fit(X[:1000])
    Xo = np.asarray(X, order=order)
    Xt, counts = ref.transform(Xo, return_counts=True)
    assert Xt.flags.f_contiguous == (order == "F")
    lower_inf = X == -np.inf
    expected = np.clip(X, ref.lower_, ref.upper_)
    if on_inf == "nan":
        expected[np.isinf(X)] = np.nan
    else:
        expected[X == np.inf] = np.broadcast_to(ref.data_max_, X.shape)[X == np.inf]
    assert_array_equal(Xt, expected)
    assert_array_equal(counts.n_below, ((X < ref.lower_) | lower_inf).sum(axis=0))
    assert_array_equal(counts.n_above, np.isposinf(X).sum(axis=0))


# --------------------------------------------------- degenerate features
def test_constant_zero_spread_and_empty_features():
    rng = np.random.default_rng(0)
    n = 40
    X = np.column_stack(
        [
            rng.normal(size=n),
            np.full(n, 7.0),  # constant
            (rng.random(n) < 0.1).astype(float),  # rare indicator: IQR 0
            np.full(n, np.nan),  # no value
            np.where(rng.random(n) < 0.5, np.nan, np.inf),  # no finite value
        ]
    )
    X[0, 1] = np.nan
    X[1, 2] = 1.0
    clipper = OutlierClipper(method="iqr")
    with pytest.warns(DataQualityWarning) as record:
        Xt = clipper.fit_transform(X)
    text = " ".join(str(w.message) for w in record)
    assert "constant at fit: 'x1'" in text
    assert "x2" not in text  # handled by the clipper: reported, not warned
    (finding,) = clipper.findings_
    assert finding.kind == "zero_spread" and finding.columns == ("x2",)
    assert "an IQR of 0 but not constant: 'x2'" in finding.message
    assert "without any finite value at fit: 'x3', 'x4'" in text
    assert all(w.filename == __file__ for w in record)

    assert not np.isnan(clipper.lower_).any() and not np.isnan(clipper.upper_).any()
    assert clipper.lower_[1] == clipper.upper_[1] == 7.0
    assert (clipper.lower_[2], clipper.upper_[2]) == (0.0, 1.0)
    assert_array_equal(Xt[:, 2], X[:, 2])  # the indicator is not erased
    assert_array_equal(clipper.lower_[3:], -np.inf)
    assert_array_equal(clipper.upper_[3:], np.inf)
    assert np.isnan(Xt[:, 3:]).all()  # ±inf without finite values become NaN
    assert_array_equal(clipper.clipped_fraction_[[1, 2, 3]], 0.0)
    assert clipper.clipped_fraction_[4] == 1.0

    new = np.array([[0.0, 8.0, 5.0, 3.0, -np.inf]])
    assert_array_equal(clipper.transform(new), [[0.0, 7.0, 1.0, 3.0, np.nan]])


@pytest.mark.parametrize("method", METHODS)
def test_single_row_and_constant_data(method):
    with pytest.warns(DataQualityWarning, match="constant"):
        clipper = OutlierClipper(method=method).fit([[1.0, -2.0]])
    assert_array_equal(clipper.lower_, [1.0, -2.0])
    assert_array_equal(clipper.upper_, [1.0, -2.0])


@pytest.mark.parametrize("method", METHODS)
def test_huge_values_give_finite_bounds(method):
    big = np.finfo(np.float64).max
    X = np.array([[-big, 1e300], [big, -1e300], [0.0, 1e300], [1.0, 0.0], [2, 5]])
    clipper = OutlierClipper(method=method, threshold=10, fold=10)
    Xt = clipper.fit_transform(np.vstack([X, [[np.inf, -np.inf]]]))
    assert np.isfinite(clipper.lower_).all() and np.isfinite(clipper.upper_).all()
    assert np.isfinite(Xt).all()


# ------------------------------------------------------------ the sklearn API
def test_dataframe_in_and_out(df_nan):
    clipper = OutlierClipper(method="quantile").set_output(transform="pandas")
    out = clipper.fit_transform(df_nan)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(df_nan.columns)
    assert out.index.equals(df_nan.index)
    assert_array_equal(clipper.get_feature_names_out(), df_nan.columns)
    out2, counts = clipper.transform(df_nan, return_counts=True)
    assert isinstance(out2, pd.DataFrame)
    assert counts.n_below.shape == (4,)


def test_float32_is_preserved_and_counts_match(X_nan):
    X = _with_damage(np.random.default_rng(1), X_nan).astype(np.float32)
    clipper = OutlierClipper(method="zscore", threshold=1.0)
    Xt = clipper.fit_transform(X)
    assert Xt.dtype == np.float32
    assert clipper.lower_.dtype == np.float64
    changed = _changed(X, Xt)
    Xt2, counts = clipper.transform(X, return_counts=True)
    assert Xt2.dtype == np.float32
    assert_array_equal(counts.n_below + counts.n_above, changed.sum(axis=0))
    lower32 = clipper.lower_.astype(np.float32)
    upper32 = clipper.upper_.astype(np.float32)
    finite = ~np.isnan(Xt)
    assert (Xt >= lower32)[finite].all() and (Xt <= upper32)[finite].all()


def test_integer_input_becomes_float64():
    X = np.arange(40).reshape(20, 2)
    X[0, 0] = 1000
    Xt = OutlierClipper().fit_transform(X)
    assert Xt.dtype == np.float64
    assert Xt[0, 0] < 1000


def test_input_is_not_modified(X_nan, df_nan):
    X = _with_damage(np.random.default_rng(0), X_nan * 100)
    before, df_before = X.copy(), df_nan.copy()
    clipper = OutlierClipper().fit(X)
    clipper.transform(X)
    clipper.fit_transform(X)
    OutlierClipper().fit_transform(df_nan)
    assert_array_equal(X, before)
    pd.testing.assert_frame_equal(df_nan, df_before)


def test_copy_false_clips_in_place(X_nan):
    X = X_nan * 100
    clipper = OutlierClipper(copy=False).fit(X_nan)
    Xt = clipper.transform(X)
    assert Xt is X
    assert (X <= clipper.upper_)[~np.isnan(X)].all()
    readonly = X_nan.copy()
    readonly.flags.writeable = False
    assert clipper.transform(readonly) is not readonly


def test_pipeline_grid_search_clone_and_pickle(X_nan):
    rng = np.random.default_rng(0)
    y = np.nan_to_num(X_nan[:, 0]) + rng.normal(size=len(X_nan))
    from sklearn.linear_model import Ridge

    pipe = make_pipeline(OutlierClipper(), SimpleImputer(), Ridge())
    search = GridSearchCV(
        pipe, {"outlierclipper__method": METHODS, "outlierclipper__tails": ["both"]}
    )
    search.fit(X_nan, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()

    fitted = OutlierClipper(method="mad").fit(X_nan)
    restored = pickle.loads(pickle.dumps(fitted))
    assert_array_equal(restored.transform(X_nan), fitted.transform(X_nan))
    assert not hasattr(clone(fitted), "lower_")
    # transform(X) alone is what a pipeline calls.
    check = make_pipeline(fitted, FunctionTransformer(np.asarray))
    assert_array_equal(check.transform(X_nan), fitted.transform(X_nan))


@pytest.mark.parametrize("bad", [(99.0, 1.0), (-1.0, 50.0), (1.0, 101.0), (1.0,)])
def test_invalid_quantile_range(X_nan, bad):
    with pytest.raises(ValueError, match=r"quantile_range must be .*Got"):
        OutlierClipper(method="quantile", quantile_range=bad).fit(X_nan)


def test_quantile_range_given_as_fractions_warns(X_nan):
    with pytest.warns(SktorchsafeWarning, match="in percent"):
        OutlierClipper(method="quantile", quantile_range=(0.01, 0.99)).fit(X_nan)


def test_sparse_input_is_rejected(X_clean):
    from scipy import sparse

    with pytest.raises(InputTypeError, match="sparse matrix.*dense data"):
        OutlierClipper().fit(sparse.csr_matrix(X_clean))


# -------------------------------------------------- statistics helpers
@pytest.mark.filterwarnings("ignore:.*(NaN|too small).*")
def test_nanmedian_abs_deviation_matches_scipy():
    rng = np.random.default_rng(0)
    X = rng.standard_cauchy((501, 7))
    X[rng.random(X.shape) < 0.2] = np.nan
    X[:, 3] = np.nan
    expected = median_abs_deviation(X, axis=0, nan_policy="omit")
    assert_allclose(nanmedian_abs_deviation(X), expected, rtol=1e-13)
    center = np.zeros(7)
    expected = np.nanmedian(np.abs(X), axis=0)
    assert_allclose(nanmedian_abs_deviation(X, center), expected, rtol=1e-13)


def test_inf_as_nan_copies_only_when_needed():
    X = np.array([[1.0, np.inf], [-np.inf, 2.0]])
    assert inf_as_nan(X, np.zeros(2, bool)) is X
    out = inf_as_nan(X, np.array([False, True]))
    assert_array_equal(out, [[1.0, np.nan], [-np.inf, 2.0]])
    assert np.isinf(X[0, 1])


# ------------------------------------------------ the bad-input contract
def _column(kind, n, draw):
    if kind == "mixed":
        values = st.one_of(
            st.floats(-1e6, 1e6),
            st.floats(allow_nan=False, allow_infinity=False),
            st.sampled_from([np.nan, np.inf, -np.inf, 0.0]),
        )
        return np.array(draw(st.lists(values, min_size=n, max_size=n)))
    if kind == "constant":
        return np.full(n, draw(st.floats(allow_nan=False, allow_infinity=False)))
    if kind == "all_nan":
        return np.full(n, np.nan)
    if kind == "huge":
        return draw(hnp.arrays(np.float64, n, elements=st.floats(1e300, 1.7e308)))
    # "rare": mostly one value (zero spread) with a few others
    col = np.zeros(n)
    col[: draw(st.integers(0, max(0, n // 4)))] = draw(st.floats(-1e3, 1e3))
    return col


@st.composite
def messy_arrays(draw):
    n = draw(st.integers(1, 30))
    p = draw(st.integers(1, 4))
    kinds = draw(
        st.lists(
            st.sampled_from(["mixed", "constant", "all_nan", "huge", "rare"]),
            min_size=p,
            max_size=p,
        )
    )
    X = np.column_stack([_column(kind, n, draw) for kind in kinds])
    if draw(st.booleans()):
        with np.errstate(over="ignore"):
            X = X.astype(np.float32)  # huge values become inf: that's fine too
    return X


@given(
    X=messy_arrays(),
    method=st.sampled_from(METHODS),
    tails=st.sampled_from(["both", "left", "right"]),
    on_inf=st.sampled_from(["clip", "nan", "raise"]),
)
def test_bad_input_contract(X, method, tails, on_inf):
    clipper = OutlierClipper(method=method, tails=tails, on_inf=on_inf)
    has_inf = np.isinf(X).any()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # anything else (numpy warnings) fails
        warnings.simplefilter("ignore", DataQualityWarning)
        if on_inf == "raise" and has_inf:
            with pytest.raises(NonFiniteInputError, match="on_inf"):
                clipper.fit_transform(X)
            return
        Xt = clipper.fit_transform(X)
        Xt2, counts = clipper.transform(X, return_counts=True)

    assert Xt.shape == X.shape and Xt.dtype == X.dtype
    assert_array_equal(Xt2, Xt)
    assert not np.isnan(clipper.lower_).any() and not np.isnan(clipper.upper_).any()
    assert (clipper.lower_ <= clipper.upper_).all()
    assert not np.isinf(Xt).any()
    # NaN stays NaN; new NaN only from ±inf (on_inf="nan" or no finite value).
    assert np.isnan(Xt)[np.isnan(X)].all()
    new_nan = np.isnan(Xt) & ~np.isnan(X)
    empty = np.isnan(clipper.data_min_)
    assert (np.isinf(X)[new_nan]).all()
    if on_inf == "clip":
        assert not new_nan[:, ~empty].any()
    # Values inside the bounds are untouched, the others are at the bounds.
    big = np.finfo(X.dtype).max
    lower = np.clip(clipper.lower_, -big, None).astype(X.dtype)
    upper = np.clip(clipper.upper_, None, big).astype(X.dtype)
    inside = (X >= lower) & (X <= upper) & np.isfinite(X)
    assert_array_equal(Xt[inside], X[inside])
    ok = ~np.isnan(Xt)
    assert ((Xt >= np.fmin(lower, clipper.data_min_)) | ~ok).all()
    assert ((Xt <= np.fmax(upper, clipper.data_max_)) | ~ok).all()
    # Counts are exact.
    changed = _changed(X, Xt).sum(axis=0)
    assert_array_equal(counts.n_below + counts.n_above, changed)
    assert_array_equal(counts.n_observed, (~np.isnan(X)).sum(axis=0))
    assert_allclose(counts.clipped_fraction, clipper.clipped_fraction_)
