"""Tests for ``ScaleDisparityChecker`` (sktorchsafe/scaling.py)."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_iris, make_classification
from sklearn.pipeline import make_pipeline

from sktorchsafe import SafeStandardScaler, ScaleDisparityChecker
from sktorchsafe.core.quantiles import column_mode_share
from sktorchsafe.core.stats import sample_rows
from sktorchsafe.exceptions import (
    DataQualityWarning,
    ScaleDisparityWarning,
    SktorchsafeError,
)
from sktorchsafe.steps.scaling import IQR_NORMAL, DataQualityError

FLOAT32_MAX = float(np.finfo(np.float32).max)


def _fit_quietly(X, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return ScaleDisparityChecker(**params).fit(X)


def _kinds(checker):
    return [finding.kind for finding in checker.report_.findings]


@pytest.fixture
def df_disparate(rng):
    n = 500
    return pd.DataFrame(
        {
            "income": rng.normal(5e6, 1e6, n),
            "ratio": rng.normal(0, 1e-3, n),
            "age": rng.normal(40, 12, n),
        }
    )


# -------------------------------------------------------------- disparity
def test_disparity_warns_and_names_both_features(df_disparate):
    with pytest.warns(ScaleDisparityWarning) as record:
        checker = ScaleDisparityChecker().fit(df_disparate)
    messages = [str(w.message) for w in record if w.category is ScaleDisparityWarning]
    disparity = [m for m in messages if "ratio" in m and "span" in m]
    assert len(disparity) == 1
    assert "'income'" in disparity[0] and "'ratio'" in disparity[0]
    assert "SafeStandardScaler" in disparity[0]
    assert checker.report_.largest == "income"
    assert checker.report_.smallest == "ratio"
    assert 1e8 < checker.scale_ratio_ < 1e10
    finding = next(f for f in checker.report_.findings if f.kind == "scale_disparity")
    assert finding.columns == ("income", "ratio")
    assert finding.severity == "warning"


@pytest.mark.parametrize(
    "X",
    [
        load_iris().data,
        load_diabetes().data,
        make_classification(n_samples=300, n_features=8, random_state=0)[0],
        np.random.default_rng(0).uniform(size=(40, 5)) * 3,
    ],
    ids=["iris", "diabetes", "make_classification", "uniform"],
)
def test_ordinary_data_gives_no_warning(X):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        checker = ScaleDisparityChecker().fit(X)
    assert checker.report_.findings == ()
    assert checker.scale_ratio_ < 100


def test_threshold_decides(rng):
    X = rng.normal(size=(300, 2)) * [1.0, 50.0]
    assert _kinds(_fit_quietly(X, threshold=1e4)) == []
    assert _kinds(_fit_quietly(X, threshold=10)) == ["scale_disparity"]


def test_scale_is_iqr_over_1349_on_all_rows_without_subsample(rng):
    X = rng.standard_t(3, size=(2_000, 3)) * [1.0, 1e-4, 1e5]
    X[rng.random(X.shape) < 0.1] = np.nan
    checker = _fit_quietly(X, subsample=None)
    q1, q3 = np.nanquantile(X, [0.25, 0.75], axis=0)
    assert_allclose(checker.scale_, (q3 - q1) / IQR_NORMAL, rtol=1e-12)
    assert_allclose(
        [f.center for f in checker.report_.features], np.nanmedian(X, axis=0)
    )
    assert checker.report_.n_samples_used == 2_000


def test_sampled_scale_is_close_and_deterministic(rng):
    X = rng.normal(size=(200_000, 3)) * [1.0, 3.0, 1e3]
    X = X[np.argsort(X[:, 0])]  # sorted rows: a stride or a head would be biased
    a = ScaleDisparityChecker(subsample=5_000).fit(X)
    b = ScaleDisparityChecker(subsample=5_000).fit(X)
    assert_array_equal(a.scale_, b.scale_)
    assert a.report_.n_samples_used == 5_000
    assert_allclose(a.scale_, [1.0, 3.0, 1e3], rtol=0.06)


def test_zero_iqr_falls_back_to_std(rng):
    x = (rng.random(1_000) < 0.1).astype(float)  # 10% ones: IQR 0
    X = np.column_stack([x, rng.normal(size=1_000)])
    checker = _fit_quietly(X)
    feature = checker.report_["x0"]
    assert feature.method == "std"
    assert_allclose(feature.scale, x.std())
    assert not feature.near_constant


def test_sample_missing_the_rare_values_uses_every_row():
    x = np.zeros(50_000)
    x[12_345] = 5.0  # the one non-zero row, almost surely not sampled
    X = np.column_stack([x, np.arange(50_000.0)])
    checker = _fit_quietly(X, subsample=100)
    feature = checker.report_["x0"]
    assert not feature.constant and feature.near_constant
    assert feature.method == "std"
    assert_allclose(feature.scale, x.std())


# ------------------------------------------------- constant / near-constant
def test_constant_column_is_named():
    X = np.column_stack([np.arange(10.0), np.full(10, 3.5), np.arange(10.0) ** 2])
    X[2, 1] = np.nan  # NaN does not make a column non-constant
    df = pd.DataFrame(X, columns=["a", "flat", "b"])
    with pytest.warns(DataQualityWarning, match="'flat' is constant"):
        checker = ScaleDisparityChecker().fit(df)
    assert_array_equal(checker.constant_features_, ["flat"])
    assert checker.report_["flat"].scale == 0.0
    assert checker.scale_[1] == 0.0
    assert checker.report_["flat"].method == "constant"


def test_near_constant_is_reported_not_warned(rng):
    indicator = np.zeros(2_000)
    indicator[rng.choice(2_000, 5, replace=False)] = 1.0
    X = np.column_stack([indicator, rng.normal(size=2_000)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        checker = ScaleDisparityChecker().fit(X)
    assert_array_equal(checker.near_constant_features_, ["x0"])
    finding = checker.report_.findings[0]
    assert (finding.kind, finding.severity, finding.columns) == (
        "near_constant",
        "info",
        ("x0",),
    )


def test_all_nan_column_is_named():
    X = np.column_stack([np.arange(5.0), np.full(5, np.nan)])
    with pytest.warns(DataQualityWarning, match="'x1' has no finite value"):
        checker = ScaleDisparityChecker().fit(X)
    assert np.isnan(checker.scale_[1])
    assert checker.report_["x1"].missing


# ----------------------------------------------------------------- float32
def test_float32_collapse_is_named(rng):
    collapsing = 1e6 + rng.uniform(-1e-9, 1e-9, 300)
    assert np.unique(collapsing).size > 1
    assert np.unique(collapsing.astype(np.float32)).size == 1
    df = pd.DataFrame({"ok": rng.normal(size=300), "id_like": collapsing})
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        checker = ScaleDisparityChecker().fit(df)
    messages = [str(w.message) for w in record if w.category is DataQualityWarning]
    assert len(messages) == 1 and "'id_like' has distinct values" in messages[0]
    assert_array_equal(checker.float32_collapse_features_, ["id_like"])
    assert "offset" not in _kinds(checker)  # said once, as the collapse


def test_float32_input_cannot_collapse(rng):
    X = (1e6 + rng.normal(size=(100, 2))).astype(np.float32)
    checker = _fit_quietly(X)
    assert checker.float32_collapse_features_.size == 0


def test_float32_overflow_is_exact_beyond_the_sample(rng):
    X = rng.normal(size=(50_000, 2))
    X[31_337, 1] = -1e39  # one row, far outside a 100-row sample
    with pytest.warns(DataQualityWarning, match="'x1' holds values beyond float32"):
        checker = ScaleDisparityChecker(subsample=100).fit(X)
    assert_array_equal(checker.float32_overflow_features_, ["x1"])
    assert checker.report_["x1"].min == -1e39
    finding = checker.report_.findings[0]
    assert (finding.kind, finding.severity) == ("float32_overflow", "error")


def test_offset_feature_warns(rng):
    X = np.column_stack([1e6 + rng.normal(scale=10.0, size=400), rng.normal(size=400)])
    with pytest.warns(ScaleDisparityWarning, match="'x0' sits far from zero"):
        checker = ScaleDisparityChecker().fit(X)
    assert "offset" in _kinds(checker)


# --------------------------------------------------------- ±inf and NaN
def test_inf_is_reported_with_rows_not_a_crash(rng):
    X = rng.normal(size=(1_000, 3))
    X[[17, 400], 2] = [np.inf, -np.inf]
    X[5, 0] = np.nan
    with pytest.warns(
        DataQualityWarning, match=r"'x2' \(1 \+inf, 1 -inf; rows 17, 400"
    ):
        checker = ScaleDisparityChecker().fit(X)
    feature = checker.report_["x2"]
    assert (feature.n_posinf, feature.n_neginf) == (1, 1)
    assert np.isfinite(feature.scale) and feature.scale > 0
    assert np.isfinite(feature.min) and np.isfinite(feature.max)
    assert np.isinf(X[17, 2])  # input untouched


def test_nan_is_left_out(X_nan):
    checker = _fit_quietly(X_nan)
    assert np.all(np.isfinite(checker.scale_))
    assert checker.transform(X_nan) is X_nan


# ------------------------------------------------------------- on_problem
def test_on_problem_raise_lists_everything(df_disparate):
    df = df_disparate.assign(flat=1.0)
    with pytest.raises(DataQualityError) as info:
        ScaleDisparityChecker(on_problem="raise").fit(df)
    message = str(info.value)
    assert isinstance(info.value, ValueError | SktorchsafeError)
    assert "2 problems" in message
    assert "'income'" in message and "'flat'" in message
    assert [f.kind for f in info.value.findings] == ["scale_disparity", "constant"]


def test_on_problem_ignore_still_reports(df_disparate):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        checker = ScaleDisparityChecker(on_problem="ignore").fit(df_disparate)
    assert _kinds(checker) == ["scale_disparity"]


def test_info_findings_never_raise(rng):
    indicator = (rng.random(5_000) < 0.003).astype(float)
    X = np.column_stack([indicator, rng.normal(size=5_000)])
    checker = ScaleDisparityChecker(on_problem="raise").fit(X)
    assert _kinds(checker) == ["near_constant"]


# -------------------------------------------------------------- pass-through
def test_transform_returns_the_input_itself(X_nan, df_nan):
    checker = _fit_quietly(X_nan)
    assert checker.transform(X_nan) is X_nan
    X32 = X_nan.astype(np.float32)
    assert _fit_quietly(X32).transform(X32) is X32
    checker = _fit_quietly(df_nan)
    assert checker.transform(df_nan) is df_nan
    assert_array_equal(checker.get_feature_names_out(), df_nan.columns)


def test_copy_true_returns_an_equal_copy(X_nan):
    out = ScaleDisparityChecker(copy=True).fit(X_nan).transform(X_nan)
    assert out is not X_nan
    assert_array_equal(out, X_nan)


def test_integer_input_passes_through_unchanged(rng):
    X = rng.integers(0, 100, size=(50, 3))
    checker = _fit_quietly(X)
    assert checker.transform(X) is X
    assert np.all(checker.scale_ > 0)


def test_shape_and_names_are_checked(df_nan):
    checker = _fit_quietly(df_nan)
    with (
        pytest.raises(ValueError, match="features"),
        pytest.warns(UserWarning, match="valid feature names"),
    ):
        checker.transform(df_nan.iloc[:, :3].to_numpy())
    with pytest.raises(ValueError, match="feature names"):
        checker.transform(df_nan.rename(columns={"age": "AGE"}))


def test_set_output_pandas(X_nan):
    out = _fit_quietly(X_nan).set_output(transform="pandas").fit(X_nan).transform(X_nan)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["x0", "x1", "x2", "x3"]
    assert_array_equal(out.to_numpy(), X_nan)


def test_names_reach_the_next_step_in_a_pipeline(df_nan):
    pipe = make_pipeline(ScaleDisparityChecker(), SafeStandardScaler()).fit(df_nan)
    assert_array_equal(pipe[-1].feature_names_in_, df_nan.columns)


def test_string_columns_get_a_clear_error():
    df = pd.DataFrame({"a": [1.0, 2.0], "city": ["x", "y"]})
    with pytest.raises(ValueError, match="'city'"):
        ScaleDisparityChecker().fit(df)


# ------------------------------------------------------------------ report
def test_report_is_structured_and_picklable(df_disparate):
    checker = _fit_quietly(df_disparate.assign(flat=2.0))
    report = checker.report_
    frame = report.to_frame()
    assert list(frame.index) == ["income", "ratio", "age", "flat"]
    assert {"scale", "method", "constant", "float32_collapse", "missing"} <= set(
        frame.columns
    )
    assert report["age"].method == "iqr"
    with pytest.raises(KeyError):
        report["nope"]
    assert pickle.loads(pickle.dumps(report)) == report
    assert clone(checker).get_params() == checker.get_params()
    assert all(str(f).startswith(f.message) for f in report.findings)


# ------------------------------------------------------------------ helpers
def test_sample_rows_is_stratified():
    rows = sample_rows(1_000, 10, random_state=3)
    assert_array_equal(rows // 100, np.arange(10))  # one row per run of 100
    assert_array_equal(rows, sample_rows(1_000, 10, random_state=3))
    assert sample_rows(10, 10, random_state=0) is None
    assert sample_rows(10, None, random_state=0) is None


def test_column_mode_share_matches_counting(rng):
    X = rng.integers(0, 4, size=(300, 6)).astype(float)
    X[X == 3] = np.nan
    expected = []
    for col in X.T:
        _, counts = np.unique(col[~np.isnan(col)], return_counts=True)
        expected.append(counts.max() / counts.sum())
    assert_allclose(column_mode_share(X), expected)
    assert np.isnan(column_mode_share(np.full((3, 1), np.nan))).all()


# -------------------------------------------------------------- properties
_KINDS = ["normal", "constant", "nan", "inf", "huge", "tiny", "all_nan", "collapse"]


@st.composite
def _messy_frame(draw):
    n = draw(st.integers(1, 60))
    kinds = draw(st.lists(st.sampled_from(_KINDS), min_size=1, max_size=6))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    cols = []
    for kind in kinds:
        scale = 10.0 ** draw(st.integers(-8, 8))
        col = rng.normal(size=n) * scale
        if kind == "constant":
            col[:] = scale
        elif kind == "nan":
            col[rng.random(n) < 0.3] = np.nan
        elif kind == "inf":
            col[rng.random(n) < 0.2] = rng.choice([np.inf, -np.inf])
        elif kind == "huge":
            col = rng.normal(size=n) * 1e300
        elif kind == "tiny":
            col = rng.normal(size=n) * 1e-300
        elif kind == "all_nan":
            col[:] = np.nan
        elif kind == "collapse":
            col = 1e7 + rng.uniform(-1e-9, 1e-9, n)
        cols.append(col)
    return np.column_stack(cols)


@given(_messy_frame())
def test_messy_data_never_crashes_and_flags_are_exact(X):
    X_before = X.copy()
    checker = ScaleDisparityChecker(on_problem="ignore", subsample=16).fit(X)
    assert checker.transform(X) is X
    assert_array_equal(X, X_before)
    for j, feature in enumerate(checker.report_.features):
        col = X[:, j]
        finite = col[np.isfinite(col)]
        if finite.size == 0:
            assert feature.missing and np.isnan(feature.scale)
            continue
        assert feature.min == finite.min() and feature.max == finite.max()
        assert feature.constant == (np.unique(finite).size == 1)
        assert feature.scale >= 0 and np.isfinite(feature.scale)
        assert (feature.scale == 0) == feature.constant
        assert feature.float32_overflow == bool(np.any(np.abs(finite) > FLOAT32_MAX))
        with np.errstate(over="ignore"):
            distinct32 = np.unique(finite.astype(np.float32)).size
        assert feature.float32_collapse == (
            not feature.constant and not feature.float32_overflow and distinct32 == 1
        )
        assert feature.n_posinf == np.count_nonzero(col == np.inf)
        assert feature.n_neginf == np.count_nonzero(col == -np.inf)
    assert checker.scale_ratio_ >= 1.0


def test_a_disparity_beyond_float64_is_said_in_words():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2)) * [1e300, 1e-300]
    with pytest.warns(ScaleDisparityWarning, match=r"ratio of over 1\.8e\+308"):
        checker = ScaleDisparityChecker().fit(X)
    assert np.isinf(checker.scale_ratio_)
