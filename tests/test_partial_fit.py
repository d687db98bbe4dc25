"""``partial_fit`` on every step: ten chunks give what one ``fit`` gives.

Moments, counts and ranges must be equal (up to rounding); quantiles come
from a sketch, so a streamed quantile is checked by its rank in the data,
which must lie within the sketch's stated rank error of the level asked for.
"""

import pickle
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.impute import SimpleImputer
from sklearn.linear_model import SGDRegressor
from sklearn.pipeline import make_pipeline

from sktorchsafe import (
    ImputerSelector,
    OutlierClipper,
    SafeNeuralNetRegressor,
    SafeStandardScaler,
    ScaleDisparityChecker,
    TargetValidator,
    make_safe_pipeline,
    stream_fit,
)
from sktorchsafe.core.counts import InfRows, ValueCounts
from sktorchsafe.core.quantiles import column_mode_share, nanmode
from sktorchsafe.core.sketches import QuantileSketch
from sktorchsafe.exceptions import (
    DataQualityError,
    DataQualityWarning,
    NonFiniteInputError,
    ScaleDisparityWarning,
    TargetError,
)
from sktorchsafe.steps._clip_statistics import MAD_TO_STD

N_CHUNKS = 10
RANK_ERROR = QuantileSketch(1).rank_error
INTERVAL_RANK_ERROR = QuantileSketch(1).interval_rank_error


def _damaged(seed, n=6000, p=5, nan=0.05, inf=0.01):
    """Heavy-tailed data on mixed scales with NaN, +inf and -inf cells."""
    rng = np.random.default_rng(seed)
    X = rng.standard_t(3, size=(n, p)) * np.logspace(-3, 4, p) + np.arange(p)
    u = rng.random(X.shape)
    X[u < nan] = np.nan
    X[(u >= nan) & (u < nan + inf / 2)] = np.inf
    X[(u >= nan + inf / 2) & (u < nan + inf)] = -np.inf
    return X


def _streamed(estimator, X, n_chunks=N_CHUNKS):
    for chunk in np.array_split(X, n_chunks):
        estimator.partial_fit(chunk)
    return estimator


def assert_rank_within(X, values, q, error):
    """Each ``values[j]`` has a rank in the finite values of ``X[:, j]`` near ``q``.

    With ties, a value's rank is the interval ``[share below, share at most]``;
    it must come within ``error`` of ``q``.
    """
    for j, value in enumerate(values):
        col = X[:, j][np.isfinite(X[:, j])]
        below, at_most = np.mean(col < value), np.mean(col <= value)
        assert below - error <= q <= at_most + error, (j, q, below, at_most)


def _finite(X):
    return np.where(np.isfinite(X), X, np.nan)


# ------------------------------------------------- mergeable statistics
@given(
    X=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=40),
        elements=st.sampled_from([0.0, 1.0, 2.5, -3.0, np.nan, np.inf, -np.inf]),
    ),
    cut=st.floats(0, 1),
)
def test_row_records_and_counts_merge_into_those_of_the_whole(X, cut):
    k = int(cut * X.shape[0])
    rows = InfRows.from_array(X[:k], limit=3).merge(InfRows.from_array(X[k:], limit=3))
    whole = InfRows.from_array(X, limit=3)
    assert_array_equal(rows.count, whole.count)
    assert rows.rows.keys() == whole.rows.keys()
    for j, found in whole.rows.items():
        assert_array_equal(rows.rows[j], found)
    counts = ValueCounts.from_array(X[:k]).merge(ValueCounts.from_array(X[k:]))
    assert_array_equal(counts.mode(), nanmode(_finite(X)))


# ------------------------------------------------------------ OutlierClipper
@pytest.mark.parametrize("method", ["iqr", "quantile", "zscore", "mad"])
def test_clipper_streamed_equals_fit(method):
    X = _damaged(0)
    fitted = OutlierClipper(method=method).fit(X)
    streamed = _streamed(OutlierClipper(method=method), X)

    # The finite range is exact.
    assert_array_equal(streamed.data_min_, fitted.data_min_)
    assert_array_equal(streamed.data_max_, fitted.data_max_)
    assert streamed.n_features_in_ == X.shape[1]
    if method == "zscore":
        assert_allclose(streamed.lower_, fitted.lower_, rtol=1e-12)
        assert_allclose(streamed.upper_, fitted.upper_, rtol=1e-12)
    elif method == "mad":
        median = (streamed.lower_ + streamed.upper_) / 2
        mad = (streamed.upper_ - streamed.lower_) / (2 * 3.0 * MAD_TO_STD)
        assert_rank_within(X, median, 0.5, RANK_ERROR)
        # The MAD is the median of the distances to the learned median.
        assert_rank_within(np.abs(X - median), mad, 0.5, INTERVAL_RANK_ERROR)
        exact_mad = (fitted.upper_ - fitted.lower_) / (2 * 3.0 * MAD_TO_STD)
        assert_allclose(mad, exact_mad, rtol=0.05)
    else:
        clipper = streamed
        if method == "iqr":
            levels = (0.25, 0.75)
            iqr = (clipper.upper_ - clipper.lower_) / 4  # fences at 1.5 IQR
            low, high = clipper.lower_ + 1.5 * iqr, clipper.upper_ - 1.5 * iqr
        else:
            levels = (0.01, 0.99)
            low, high = clipper.lower_, clipper.upper_
        assert_rank_within(X, low, levels[0], RANK_ERROR)
        assert_rank_within(X, high, levels[1], RANK_ERROR)

    # The clipped share is estimated within the error of two ranks.
    _, counts = streamed.transform(X, return_counts=True)
    assert_allclose(
        streamed.clipped_fraction_, counts.clipped_fraction, atol=2 * RANK_ERROR
    )
    assert np.all(streamed.clipped_fraction_ > 0)


def test_clipper_streamed_mad_equals_exact_mad_on_small_data():
    # Fewer values than the sketch holds: nothing is compacted away, so the
    # median and MAD are exact order statistics.
    X = np.array([[1.0], [2.0], [4.0], [7.0], [100.0]])
    clipper = OutlierClipper(method="mad", threshold=1.0)
    clipper.partial_fit(X[:2]).partial_fit(X[2:])
    spread = MAD_TO_STD * 3.0  # median 4, distances 3, 2, 0, 3, 96
    assert_allclose([clipper.lower_[0], clipper.upper_[0]], [4 - spread, 4 + spread])


def test_clipper_bounds_are_usable_after_every_chunk():
    X = _damaged(1)
    clipper = OutlierClipper()
    for chunk in np.array_split(X, 4):
        clipper.partial_fit(chunk)
        Xt = clipper.transform(chunk)
        finite = Xt[~np.isnan(Xt)]
        assert np.all(np.isfinite(finite))
        assert np.all((Xt >= clipper.lower_) | np.isnan(Xt))
        assert np.all((Xt <= clipper.upper_) | np.isnan(Xt))


def test_clipper_partial_fit_after_fit_starts_a_new_stream():
    X = _damaged(2)
    old, new = X[:3000], X[3000:] * 100
    clipper = OutlierClipper(method="zscore").fit(old).partial_fit(new)
    assert_allclose(
        clipper.lower_, OutlierClipper(method="zscore").fit(new).lower_, rtol=1e-12
    )
    # ...while a second partial_fit continues the stream.
    clipper.partial_fit(old)
    both = OutlierClipper(method="zscore").fit(np.vstack([new, old]))
    assert_allclose(clipper.lower_, both.lower_, rtol=1e-12)
    # fit after partial_fit forgets the stream.
    clipper.fit(old)
    assert_allclose(
        clipper.lower_, OutlierClipper(method="zscore").fit(old).lower_, rtol=1e-12
    )


def test_clipper_partial_fit_checks_features():
    X = _damaged(3)
    clipper = OutlierClipper().partial_fit(X[:100])
    with pytest.raises(ValueError, match="features"):
        clipper.partial_fit(X[100:200, :-1])
    df = pd.DataFrame(X, columns=list("abcde"))
    clipper = OutlierClipper().partial_fit(df[:100])
    assert list(clipper.feature_names_in_) == list("abcde")
    with pytest.raises(ValueError, match="feature names"):
        clipper.partial_fit(df[100:200][list("edcba")])


def test_clipper_partial_fit_inf_raise_names_the_feature():
    X = _damaged(4, inf=0.0)
    clipper = OutlierClipper(on_inf="raise").partial_fit(X[:100])
    chunk = X[100:200].copy()
    chunk[7, 2] = np.inf
    with pytest.raises(NonFiniteInputError, match="'x2'"):
        clipper.partial_fit(chunk)


def test_clipper_partial_fit_float32_and_pickle_mid_stream():
    X = _damaged(5).astype(np.float32)
    chunks = np.array_split(X, N_CHUNKS)
    clipper = OutlierClipper(method="iqr")
    for chunk in chunks[:5]:
        clipper.partial_fit(chunk)
    copy = pickle.loads(pickle.dumps(clipper))
    assert_array_equal(copy.lower_, clipper.lower_)
    for chunk in chunks[5:]:
        copy.partial_fit(chunk)
    assert copy.transform(X).dtype == np.float32
    assert_rank_within(
        X, copy.lower_ + 1.5 * (copy.upper_ - copy.lower_) / 4, 0.25, RANK_ERROR
    )
    assert not hasattr(clone(copy), "lower_")


def test_clipper_constant_and_empty_features_stream():
    X = np.column_stack(
        [np.full(40, 3.0), np.full(40, np.nan), np.r_[np.zeros(30), np.arange(10.0)]]
    )
    X[5, 1] = np.inf
    clipper = OutlierClipper(method="iqr")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _streamed(clipper, X, 4)
    assert_array_equal(clipper.lower_, [3.0, -np.inf, 0.0])
    assert_array_equal(clipper.upper_, [3.0, np.inf, 9.0])
    Xt = clipper.transform(X)
    assert np.isnan(Xt[5, 1])  # ±inf in a feature without finite value: NaN
    assert_array_equal(Xt[:, 2], X[:, 2])


#: Small arrays of anything: NaN, ±inf, ±1e300, zeros and ordinary floats.
MESSY_ARRAYS = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=30),
    elements=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([0.0, 1.0, 1e300, -1e300]),
    ),
)


@given(
    X=MESSY_ARRAYS,
    method=st.sampled_from(["iqr", "quantile", "zscore", "mad"]),
    n_chunks=st.integers(1, 4),
)
def test_clipper_stream_bad_input_contract(X, method, n_chunks):
    n_chunks = min(n_chunks, X.shape[0])
    clipper = OutlierClipper(method=method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _streamed(clipper, X, n_chunks)
        Xt = clipper.transform(X)
    assert Xt.shape == X.shape
    assert not np.isnan(clipper.lower_).any() and not np.isnan(clipper.upper_).any()
    assert np.all(clipper.lower_ <= clipper.upper_)
    # NaN stays NaN; every other value comes out finite unless its feature
    # had no finite value at all (then ±inf becomes NaN).
    has_finite = np.isfinite(X).any(axis=0)
    assert_array_equal(np.isnan(Xt) & ~np.isinf(X), np.isnan(X))
    assert np.all(np.isfinite(Xt[:, has_finite]) | np.isnan(X[:, has_finite]))
    assert np.all((0 <= clipper.clipped_fraction_) & (clipper.clipped_fraction_ <= 1))


# -------------------------------------------------------- SafeStandardScaler
def test_scaler_streamed_equals_fit():
    X = _finite(_damaged(6))
    streamed = _streamed(SafeStandardScaler(), X)
    fitted = SafeStandardScaler().fit(X)
    assert_allclose(streamed.mean_, fitted.mean_, rtol=1e-12)
    assert_allclose(streamed.scale_, fitted.scale_, rtol=1e-12)
    assert_array_equal(streamed.n_samples_seen_, fitted.n_samples_seen_)


# ----------------------------------------------------- ScaleDisparityChecker
def _checker_data(seed=7):
    rng = np.random.default_rng(seed)
    X = rng.standard_t(4, size=(5000, 5)) * [1e6, 1e-3, 1.0, 1.0, 1.0]
    X[:, 3] = rng.random(5000) < 0.004  # a rare indicator: near-constant
    X[:, 4] = 7.0  # constant
    X[rng.random(X.shape) < 0.03] = np.nan
    X[[17, 4123, 4990], 2] = [-np.inf, np.inf, np.inf]
    return X


def _quiet(estimator, X, n_chunks=N_CHUNKS, y=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if y is None:
            return _streamed(estimator, X, n_chunks)
        for X_part, y_part in zip(
            np.array_split(X, n_chunks), np.array_split(y, n_chunks), strict=True
        ):
            estimator.partial_fit(X_part, y_part)
        return estimator


def test_checker_streamed_equals_fit():
    X = _checker_data()
    streamed = _quiet(ScaleDisparityChecker(), X).report_
    fitted = ScaleDisparityChecker(subsample=None, on_problem="ignore").fit(X).report_
    assert streamed.n_samples == streamed.n_samples_used == X.shape[0]
    assert [f.kind for f in streamed.findings] == [f.kind for f in fitted.findings]
    assert [f.columns for f in streamed.findings] == [
        f.columns for f in fitted.findings
    ]
    # The ±inf rows are numbered from the first row of the stream.
    assert streamed.findings[0].message == fitted.findings[0].message
    assert "rows 17, 4123, 4990" in streamed.findings[0].message
    finite = _finite(X)
    exact_share = column_mode_share(finite)
    for j, (ours, exact) in enumerate(
        zip(streamed.features, fitted.features, strict=True)
    ):
        for name in ("min", "max", "n_posinf", "n_neginf", "method", "constant"):
            assert getattr(ours, name) == getattr(exact, name), (j, name)
        assert ours.near_constant == exact.near_constant
        assert abs(ours.mode_share - exact_share[j]) <= INTERVAL_RANK_ERROR
        if exact.method == "iqr":
            assert_rank_within(X[:, [j]], [ours.center], 0.5, RANK_ERROR)
            assert_allclose(ours.scale, exact.scale, rtol=0.05)
        else:
            assert_allclose(ours.scale, exact.scale, rtol=1e-12)


def test_checker_warns_once_per_stream_and_raises_every_time():
    X = _checker_data()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        checker = _streamed(ScaleDisparityChecker(), X)
    acted = [f for f in checker.report_.findings if f.severity != "info"]
    assert len(record) == len(acted) == 3  # ±inf, scale disparity, constant
    assert sum(w.category is ScaleDisparityWarning for w in record) == 1
    checker = ScaleDisparityChecker(on_problem="raise")
    chunks = np.array_split(X, N_CHUNKS)
    for chunk in chunks[:3]:
        with pytest.raises(DataQualityError, match="scale"):
            checker.partial_fit(chunk)
    assert checker.report_.n_samples == sum(len(c) for c in chunks[:3])


def test_checker_partial_fit_checks_features():
    X = _checker_data()
    checker = _quiet(ScaleDisparityChecker(on_problem="ignore"), X[:100], 1)
    with pytest.raises(ValueError, match="features"):
        checker.partial_fit(X[100:200, :-1])
    assert pickle.loads(pickle.dumps(checker)).report_ == checker.report_


def test_checker_fit_after_partial_fit_starts_over():
    X = _checker_data()
    checker = _quiet(ScaleDisparityChecker(on_problem="ignore"), X)
    checker.fit(X[:500])
    assert checker.report_.n_samples == 500
    checker.partial_fit(X[500:1000])
    assert checker.report_.n_samples == 500  # partial_fit after fit: a new stream


# ----------------------------------------------------------- TargetValidator
def _targets():
    rng = np.random.default_rng(8)
    n = 3000
    return {
        "regression": rng.normal(3e5, 1e5, n),
        "multiclass": rng.choice([0, 5, 9], size=n, p=[0.9, 0.08, 0.02]),
        "strings": pd.Series(rng.choice(["Yes", "yes ", "No"], size=n), name="ok"),
        "multilabel": pd.DataFrame(
            (rng.random((n, 3)) < [0.5, 0.02, 0.0]).astype(int),
            columns=["red", "big", "never"],
        ),
        "multioutput": rng.normal(size=(n, 2)) * [1, 1e6],
    }


@pytest.mark.parametrize("name", list(_targets()))
def test_target_streamed_equals_fit(name):
    y = _targets()[name]
    X = np.zeros((len(y), 2))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fitted = TargetValidator().fit(X, y)
    n_fit_warnings = len(record)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        streamed = TargetValidator()
        for rows in np.array_split(np.arange(len(y)), N_CHUNKS):
            y_part = y.iloc[rows] if hasattr(y, "iloc") else y[rows]
            streamed.partial_fit(X[rows], y_part)
    assert streamed.task_ == fitted.task_
    assert streamed.n_outputs_ == fitted.n_outputs_
    assert [f.kind for f in streamed.findings_] == [f.kind for f in fitted.findings_]
    assert [f.columns for f in streamed.findings_] == [
        f.columns for f in fitted.findings_
    ]
    assert len(record) == n_fit_warnings  # each finding warned about once
    if hasattr(fitted, "classes_"):
        assert_array_equal(streamed.classes_, fitted.classes_)
        assert_array_equal(streamed.class_counts_, fitted.class_counts_)
        assert [str(f) for f in streamed.findings_] == [
            str(f) for f in fitted.findings_
        ]
    if fitted.task_ == "regression":
        assert_allclose(streamed.target_mean_, fitted.target_mean_, rtol=1e-12)
        assert_allclose(streamed.target_std_, fitted.target_std_, rtol=1e-12)


def test_target_streamed_bad_rows_are_numbered_from_the_start():
    y = np.random.default_rng(9).normal(size=1000)
    y[[523, 524, 900]] = [np.nan, np.inf, np.nan]
    validator = TargetValidator()
    X = np.zeros((1000, 1))
    with pytest.raises(TargetError, match=r"NaN and \+inf in 2 rows: 523, 524\."):
        for rows in np.array_split(np.arange(1000), N_CHUNKS):
            validator.partial_fit(X[rows], y[rows])
    # The bad chunk was not merged: the stream holds the rows before it.
    assert validator._stream.n_rows == 500


def test_target_stream_types_must_agree():
    X = np.zeros((4, 1))
    validator = TargetValidator().partial_fit(X, ["a", "b", "a", "b"])
    with pytest.raises(TargetError, match="mixes strings and other values"):
        validator.partial_fit(X, [1, 2, 1, 2])
    y2 = np.arange(8.0).reshape(4, 2)
    validator = TargetValidator(task="regression").partial_fit(X, y2)
    with pytest.raises(TargetError, match="2 outputs"):
        validator.partial_fit(X, np.zeros(4))
    validator = TargetValidator().partial_fit(X, [0, 1, 0, 1])
    with pytest.raises(TargetError, match="earlier chunks but not this one"):
        validator.partial_fit(X)
    assert TargetValidator().partial_fit(X).partial_fit(X).task_ is None


def test_target_stream_turns_continuous_and_classification_refuses_it():
    X = np.zeros((3, 1))
    validator = TargetValidator()
    validator.partial_fit(X, [0.0, 1.0, 2.0])
    assert validator.task_ == "multiclass"
    validator.partial_fit(X, [0.5, 1.0, 2.0])
    assert validator.task_ == "regression" and not hasattr(validator, "classes_")
    values = [0.0, 1.0, 2.0, 0.5, 1.0, 2.0]
    assert_allclose(validator.target_mean_, [np.mean(values)], rtol=1e-12)
    assert_allclose(validator.target_std_, [np.std(values)], rtol=1e-12)
    strict = TargetValidator(task="classification").partial_fit(X, [0.0, 1.0, 2.0])
    with pytest.raises(TargetError, match=r"e\.g\. 0\.5\): Unknown label type"):
        strict.partial_fit(X, [0.5, 1.0, 2.0])


# ------------------------------------------------------------ ImputerSelector
def _impute_data(seed=11, n=6000):
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [
            rng.lognormal(size=n) * 1e3,
            rng.integers(0, 5, n).astype(float),
            rng.poisson(2.0, n).astype(float),
        ]
    )
    X[rng.random(X.shape) < 0.1] = np.nan
    X[rng.random(X.shape) < 0.01] = np.inf
    return X


@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent", "constant"])
def test_imputer_streamed_equals_fit(strategy):
    X = _impute_data()
    fitted = ImputerSelector(strategy=strategy, fill_value=-1.0).fit(X)
    streamed = _streamed(ImputerSelector(strategy=strategy, fill_value=-1.0), X)
    assert_array_equal(streamed.strategies_, fitted.strategies_)
    if strategy == "median":
        assert_rank_within(X, streamed.statistics_, 0.5, RANK_ERROR)
        # The discrete features have one clear median: the same value.
        assert_array_equal(streamed.statistics_[1:], fitted.statistics_[1:])
    else:
        assert_allclose(streamed.statistics_, fitted.statistics_, rtol=1e-12)
    Xt = streamed.transform(X)
    assert np.isfinite(Xt).all()
    assert_array_equal(Xt[np.isfinite(X)], X[np.isfinite(X)])


def test_imputer_stream_mapping_empty_first_batch_and_float32():
    X = _impute_data().astype(np.float32)
    first = X[:50].copy()
    first[:, 2] = np.nan
    strategy = {0: "median", 1: "most_frequent", 2: "mean"}
    imputer = ImputerSelector(strategy=strategy)
    with pytest.warns(DataQualityWarning, match="'x2'"):
        imputer.partial_fit(first)
    assert imputer.strategies_[2] == "constant"
    imputer.partial_fit(X[50:])
    assert_array_equal(imputer.strategies_, ["median", "most_frequent", "mean"])
    whole = np.vstack([first, X[50:]])
    exact = ImputerSelector(strategy=strategy).fit(whole)
    assert_array_equal(imputer.statistics_[1], exact.statistics_[1])
    assert_allclose(imputer.statistics_[2], exact.statistics_[2], rtol=1e-6)
    assert imputer.transform(X).dtype == np.float32
    copy = pickle.loads(pickle.dumps(imputer))
    assert_array_equal(copy.statistics_, imputer.statistics_)
    imputer.set_params(strategy="mean")
    with pytest.raises(ValueError, match="strategy changed"):
        imputer.partial_fit(X[:10])


def test_imputer_partial_fit_after_fit():
    X = _impute_data()
    # "mean" fit keeps exact moments: partial_fit continues from them.
    imputer = ImputerSelector(strategy="mean").fit(X[:3000]).partial_fit(X[3000:])
    assert_allclose(
        imputer.statistics_, ImputerSelector(strategy="mean").fit(X).statistics_
    )
    # Other exact statistics are not kept for merging: a new stream starts.
    imputer = ImputerSelector(strategy="most_frequent").fit(X[:10] * 0 + 99.0)
    imputer.partial_fit(X[3000:])
    assert_array_equal(
        imputer.statistics_,
        ImputerSelector(strategy="most_frequent").fit(X[3000:]).statistics_,
    )


@given(
    X=MESSY_ARRAYS,
    strategy=st.sampled_from(["mean", "median", "most_frequent", "constant"]),
    n_chunks=st.integers(1, 4),
)
def test_imputer_stream_bad_input_contract(X, strategy, n_chunks):
    n_chunks = min(n_chunks, X.shape[0])
    imputer = ImputerSelector(strategy=strategy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _streamed(imputer, X, n_chunks)
    Xt = imputer.transform(X)
    assert Xt.shape == X.shape
    assert np.isfinite(Xt).all()
    assert_array_equal(Xt[np.isfinite(X)], X[np.isfinite(X)])


# ------------------------------------------------------------ stream_fit
def _stream_pipeline():
    return make_pipeline(
        TargetValidator(task="regression"),
        OutlierClipper(method="zscore", threshold=2.5),
        ScaleDisparityChecker(on_problem="ignore"),
        SafeStandardScaler(),
        SGDRegressor(random_state=0),
    )


def _regression_data(seed=10, n=2000):
    rng = np.random.default_rng(seed)
    X = rng.standard_t(3, size=(n, 4)) * [1, 10, 1e3, 1e-2]
    X[rng.random(X.shape) < 0.02] = np.inf
    y = np.nan_to_num(X, posinf=0.0) @ [1.0, 0.1, 1e-3, 10.0]
    return X, y


def test_stream_fit_equals_fit_and_reads_once_per_group():
    X, y = _regression_data()
    reads = []

    def chunks():
        reads.append(1)
        for rows in np.array_split(np.arange(len(y)), N_CHUNKS):
            yield X[rows], y[rows]

    pipe = _stream_pipeline()
    scaler = pipe[3]
    assert stream_fit(pipe, chunks) is pipe
    # [target, clip], [check, scale], [net]: a pass-through step shares a pass.
    assert len(reads) == 3
    assert pipe[3] is scaler  # fitted in place
    fitted = _stream_pipeline().fit(X, y)
    assert_allclose(pipe[1].lower_, fitted[1].lower_, rtol=1e-12)
    assert_allclose(pipe[1].upper_, fitted[1].upper_, rtol=1e-12)
    assert_allclose(pipe[3].mean_, fitted[3].mean_, rtol=1e-12)
    assert_allclose(pipe[3].scale_, fitted[3].scale_, rtol=1e-12)
    assert pipe[2].report_.n_samples == len(y)
    assert_allclose(pipe[0].target_std_, fitted[0].target_std_, rtol=1e-12)
    # The final estimator saw each chunk once, through the fitted steps.
    net = SGDRegressor(random_state=0)
    for X_part, y_part in chunks():
        net.partial_fit(pipe[:-1].transform(X_part), y_part)
    assert_allclose(pipe[-1].coef_, net.coef_)


def test_stream_fit_starts_over_and_takes_a_list():
    X, y = _regression_data()
    pipe = _stream_pipeline().fit(X[:100] * 50, y[:100])
    chunks = [(X[i : i + 500], y[i : i + 500]) for i in range(0, len(y), 500)]
    stream_fit(pipe, chunks)
    assert_allclose(pipe[3].mean_, _stream_pipeline().fit(X, y)[3].mean_, rtol=1e-12)
    assert pipe[0]._stream.n_rows == len(y)
    # Chunks without y, for an unsupervised pipeline.
    clip_scale = make_pipeline(OutlierClipper(method="zscore"), SafeStandardScaler())
    stream_fit(clip_scale, [X[:1000], X[1000:]])
    assert_allclose(clip_scale[1].n_samples_seen_, len(y))


def test_stream_fit_trains_a_safe_pipeline_in_five_passes():
    torch = pytest.importorskip("torch")
    X, y = _regression_data(n=600)
    X[::7, 1] = np.nan
    reads = []

    def chunks():
        reads.append(1)
        return [(X[i : i + 100], y[i : i + 100]) for i in range(0, len(y), 100)]

    def pipeline():
        net = SafeNeuralNetRegressor(
            torch.nn.Linear,
            module__in_features=4,
            module__out_features=1,
            max_epochs=2,
            train_split=None,
            verbose=0,
        )
        return make_safe_pipeline(
            net,
            impute=ImputerSelector(strategy="mean"),
            clip=OutlierClipper(method="zscore"),
            check=ScaleDisparityChecker(on_problem="ignore"),
        )

    pipe = stream_fit(pipeline(), chunks)
    # [target, encode], [impute], [clip], [check, scale], [net]
    assert len(reads) == 5
    fitted = pipeline().fit(X, y)
    assert_allclose(pipe["scale"].mean_, fitted["scale"].mean_, rtol=1e-12)
    assert_allclose(pipe["clip"].upper_, fitted["clip"].upper_, rtol=1e-12)
    # The net trained max_epochs on each of the 6 chunks.
    assert len(pipe["net"].history) == 2 * 6
    assert np.isfinite(pipe.predict(X)).all()


def test_stream_fit_refuses_what_it_cannot_do():
    X, y = _regression_data()
    with pytest.raises(TypeError, match="one-shot iterator"):
        stream_fit(_stream_pipeline(), ((X, y) for _ in range(2)))
    pipe = make_pipeline(SimpleImputer(), SafeStandardScaler())
    with pytest.raises(TypeError, match="'simpleimputer' \\(SimpleImputer\\)"):
        stream_fit(pipe, [X])
    with pytest.raises(TypeError, match="must be a sklearn.pipeline.Pipeline"):
        stream_fit(SafeStandardScaler(), [X])
    # "passthrough" steps are skipped.
    pipe = make_pipeline(SafeStandardScaler())
    pipe.steps.insert(0, ("skip", "passthrough"))
    column = _finite(X[:, :1])
    stream_fit(pipe, [column, column])
    assert pipe[-1].n_samples_seen_ == 2 * np.isfinite(column).sum()


# --------------------------------------------------------------- no Dask
def test_streaming_never_imports_dask():
    code = (
        "import sys, numpy as np\n"
        "from sktorchsafe import OutlierClipper, SafeStandardScaler\n"
        "X = np.random.default_rng(0).normal(size=(50, 3))\n"
        "for est in (OutlierClipper(method='mad'), SafeStandardScaler()):\n"
        "    est.partial_fit(X[:25]).partial_fit(X[25:]).transform(X)\n"
        "from sktorchsafe import ScaleDisparityChecker, TargetValidator\n"
        "ScaleDisparityChecker().partial_fit(X).partial_fit(X)\n"
        "TargetValidator().partial_fit(X, X[:, 0]).partial_fit(X, X[:, 1])\n"
        "from sktorchsafe import ImputerSelector\n"
        "ImputerSelector(strategy='median').partial_fit(X).transform(X)\n"
        "OutlierClipper().fit(X).transform(X)\n"
        "loaded = {m.partition('.')[0] for m in sys.modules}\n"
        "assert not loaded & {'dask', 'distributed'}, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
