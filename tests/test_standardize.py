"""SafeStandardScaler: what it adds on top of scikit-learn's StandardScaler.

Equality with StandardScaler on clean data is covered by scikit-learn's own
tests (test_sklearn_standard_scaler.py); here: the safety promises.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import sparse
from sklearn.base import clone
from sklearn.preprocessing import StandardScaler

from sktorchsafe import SafeStandardScaler
from sktorchsafe.exceptions import (
    DataQualityError,
    DataQualityWarning,
    InputTypeError,
    NonFiniteInputError,
    SktorchsafeError,
)


def test_is_a_drop_in_for_standard_scaler(X_nan):
    ours, theirs = SafeStandardScaler().fit(X_nan), StandardScaler().fit(X_nan)
    assert isinstance(ours, StandardScaler)
    for attr in ("mean_", "var_", "scale_", "n_samples_seen_"):
        np.testing.assert_allclose(getattr(ours, attr), getattr(theirs, attr))
    np.testing.assert_allclose(ours.transform(X_nan), theirs.transform(X_nan))
    Xt = ours.transform(X_nan)
    np.testing.assert_array_equal(np.isnan(Xt), np.isnan(X_nan))
    np.testing.assert_allclose(ours.inverse_transform(Xt), X_nan)


@pytest.mark.parametrize("magnitude", [1e300, 1e-300, 1e250])
def test_huge_and_tiny_columns_scale_like_unit_data(X_nan, magnitude):
    unit = SafeStandardScaler().fit_transform(X_nan)
    extreme = X_nan.copy()
    extreme[:, 1] *= magnitude
    with np.errstate(all="raise"):
        out = SafeStandardScaler().fit_transform(extreme)
    np.testing.assert_allclose(out, unit, rtol=1e-9, atol=1e-12)
    assert np.isfinite(out[~np.isnan(X_nan)]).all()


def test_sklearn_fails_where_we_do_not(X_clean):
    X = X_clean.copy()
    X[:, 0] *= 1e300
    with np.errstate(all="ignore"):
        theirs = StandardScaler().fit_transform(X)
    assert not np.isfinite(theirs[:, 0]).all() or np.abs(theirs[:, 0]).max() > 1e10
    ours = SafeStandardScaler().fit_transform(X)
    np.testing.assert_allclose(ours[:, 0].std(), 1.0)


def test_partial_fit_equals_fit_on_extreme_data(X_nan):
    X = X_nan * [1e300, 1, 1e-300, 1]
    full = SafeStandardScaler().fit(X)
    streamed = SafeStandardScaler()
    for chunk in np.array_split(X, 7):
        streamed.partial_fit(chunk)
    np.testing.assert_allclose(streamed.mean_, full.mean_, rtol=1e-12)
    np.testing.assert_allclose(streamed.scale_, full.scale_, rtol=1e-10)
    np.testing.assert_array_equal(streamed.n_samples_seen_, full.n_samples_seen_)


def test_inf_raises_naming_column_and_rows(df_nan):
    df = df_nan.copy()
    df.iloc[[3, 8], 1] = np.inf
    with pytest.raises(NonFiniteInputError, match=r"'income'.*2 rows: 3, 8") as info:
        SafeStandardScaler().fit(df)
    assert isinstance(info.value, ValueError) and isinstance(
        info.value, SktorchsafeError
    )
    assert "ImputerSelector" in str(info.value)
    scaler = SafeStandardScaler().fit(df_nan)
    with pytest.raises(NonFiniteInputError, match="'income'"):
        scaler.transform(df)
    with pytest.raises(NonFiniteInputError, match="x1"):
        SafeStandardScaler().fit(df.to_numpy())


def test_inf_in_sparse_input_raises():
    X = sparse.csr_array(np.array([[0.0, 1.0], [np.inf, 0.0], [2.0, 0.0]]))
    with pytest.raises(NonFiniteInputError, match="x0.*row: 1"):
        SafeStandardScaler(with_mean=False).fit(X)


def test_all_nan_column_is_reported_by_name(df_nan):
    df = df_nan.copy()
    df["ratio"] = np.nan
    with pytest.warns(DataQualityWarning, match="'ratio'.*mean_ is 0 and scale_ 1"):
        scaler = SafeStandardScaler().fit(df)
    # StandardScaler gives NaN statistics, hence NaN for any later value there
    assert (scaler.mean_[2], scaler.var_[2], scaler.scale_[2]) == (0.0, 0.0, 1.0)
    later = df.assign(ratio=np.linspace(-3.0, 3.0, len(df)))
    Xt = scaler.transform(later)
    np.testing.assert_array_equal(Xt[:, 2], later["ratio"])  # passed through
    observed = ~np.isnan(later.to_numpy())
    assert np.isfinite(Xt[observed]).all()
    np.testing.assert_array_equal(scaler.inverse_transform(Xt)[:, 2], later["ratio"])


def test_non_numeric_columns_get_a_clear_error(df_nan):
    df = df_nan.assign(city=["a", "b"] * (len(df_nan) // 2))
    with pytest.raises(InputTypeError, match="'city'.*OneHotEncoder"):
        SafeStandardScaler().fit(df)


@pytest.mark.parametrize("dtype", [np.float32, "float32", np.dtype("float32")])
def test_dtype_parameter_gives_float32_output(X_nan, dtype):
    scaler = SafeStandardScaler(dtype=dtype).fit(X_nan)
    Xt = scaler.transform(X_nan)
    assert Xt.dtype == np.float32
    expected = StandardScaler().fit_transform(X_nan)
    np.testing.assert_allclose(Xt, expected, rtol=1e-6, atol=1e-6)
    assert scaler.mean_.dtype == np.float64


def test_bad_dtype_is_rejected(X_nan):
    with pytest.raises(ValueError, match="dtype"):
        SafeStandardScaler(dtype=np.int32).fit(X_nan)


def test_float32_input_stays_float32(X_nan):
    Xt = SafeStandardScaler().fit_transform(X_nan.astype(np.float32))
    assert Xt.dtype == np.float32


def test_copy_semantics(X_nan):
    X = X_nan.copy()
    SafeStandardScaler().fit(X).transform(X)
    np.testing.assert_array_equal(X, X_nan)
    out = SafeStandardScaler(copy=False).fit(X).transform(X)
    assert out is X


def test_pandas_output_and_feature_names(df_nan):
    scaler = SafeStandardScaler().set_output(transform="pandas").fit(df_nan)
    out = scaler.transform(df_nan)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(df_nan.columns)
    assert list(scaler.get_feature_names_out()) == list(df_nan.columns)
    pd.testing.assert_index_equal(out.index, df_nan.index)


def test_clone_and_pickle_keep_results(X_nan):
    scaler = SafeStandardScaler(dtype=np.float32).fit(X_nan)
    restored = pickle.loads(pickle.dumps(scaler))
    np.testing.assert_array_equal(restored.transform(X_nan), scaler.transform(X_nan))
    assert clone(scaler).get_params() == scaler.get_params()


def test_nan_sample_weight_is_rejected(X_clean):
    w = np.ones(len(X_clean))
    w[5] = np.nan
    with pytest.raises(NonFiniteInputError, match="sample_weight"):
        SafeStandardScaler().fit(X_clean, sample_weight=w)


def test_torch_tensors_with_array_api_dispatch():
    torch = pytest.importorskip("torch")
    import sklearn

    X = np.random.default_rng(0).normal(size=(50, 3))
    with sklearn.config_context(array_api_dispatch=True):
        out = SafeStandardScaler().fit_transform(torch.asarray(X))
    assert isinstance(out, torch.Tensor)
    np.testing.assert_allclose(out.numpy(), StandardScaler().fit_transform(X))


column = st.one_of(
    st.just("normal"),
    st.just("nan"),
    st.just("inf"),
    st.just("constant"),
    st.just("huge"),
    st.just("tiny"),
    st.just("all_nan"),
)


@given(
    kinds=st.lists(column, min_size=1, max_size=6),
    n_rows=st.integers(2, 60),
    seed=st.integers(0, 2**16),
    as_float32=st.booleans(),
)
def test_bad_input_contract(kinds, n_rows, seed, as_float32):
    """Random damaged columns: a clear error of ours, or finite correct output."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, len(kinds)))
    for j, kind in enumerate(kinds):
        if kind == "nan":
            X[rng.random(n_rows) < 0.3, j] = np.nan
        elif kind == "inf":
            X[rng.integers(n_rows), j] = rng.choice([np.inf, -np.inf])
        elif kind == "constant":
            X[:, j] = 7.5
        elif kind == "huge":
            X[:, j] *= 1e300
        elif kind == "tiny":
            X[:, j] *= 1e-300
        elif kind == "all_nan":
            X[:, j] = np.nan
    if as_float32 and not {"huge", "tiny"} & set(kinds):
        X = X.astype(np.float32)
    original = X.copy()
    scaler = SafeStandardScaler()
    try:
        with np.errstate(all="raise"), warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            Xt = scaler.fit_transform(X)
    except NonFiniteInputError as exc:
        assert "inf" in kinds
        assert "±inf" in str(exc)
        np.testing.assert_array_equal(X, original)
        return
    assert "inf" not in kinds
    assert np.isnan(X).all(axis=0).any() == any(
        issubclass(w.category, DataQualityWarning) for w in record
    )
    np.testing.assert_array_equal(X, original)  # never mutated
    assert Xt.dtype == X.dtype
    observed = ~np.isnan(X)
    np.testing.assert_array_equal(np.isnan(Xt), ~observed)  # NaN kept, no new NaN
    assert np.isfinite(Xt[observed]).all()
    for j, kind in enumerate(kinds):
        col = Xt[observed[:, j], j].astype(np.float64)
        if kind == "constant" or col.size < 2 or np.ptp(X[observed[:, j], j]) == 0:
            np.testing.assert_array_equal(col, 0.0)
        else:
            assert abs(col.mean()) < 1e-3 and abs(col.std() - 1) < 1e-3


@pytest.mark.parametrize(
    "X",
    [
        np.array([[6e4, 1e-7], [-6e4, 2e-7], [5e4, 3e-7]], dtype=np.float16),
        np.array([[3e38, 1e-40], [-3e38, 2e-40], [2e38, 3e-40]], dtype=np.float32),
    ],
    ids=["float16", "float32"],
)
def test_narrow_floats_near_their_range_limits(X):
    # x - mean overflows float16 (float32) there: worked on in float32 (in
    # power-of-two units), the result is that of float64 to the dtype's
    # precision.
    expected = StandardScaler().fit_transform(X.astype(np.float64))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Xt = SafeStandardScaler().fit_transform(X)
        Xt32 = SafeStandardScaler(dtype=np.float32).fit_transform(X)
    assert Xt.dtype == X.dtype and Xt32.dtype == np.float32
    tolerance = 2e-3 if X.dtype == np.float16 else 1e-6
    np.testing.assert_allclose(Xt, expected, atol=tolerance * 3)
    np.testing.assert_allclose(Xt32, expected, atol=1e-5)


def test_centering_only_stays_in_data_units_and_names_overflow():
    X = np.array([[1e300, 1.0], [3e300, 2.0], [-1e300, 3.0]])
    Xt = SafeStandardScaler(with_std=False).fit_transform(X)
    np.testing.assert_allclose(Xt, X - X.mean(axis=0))
    with pytest.raises(
        NonFiniteInputError, match=r"float32.*'x0' \(2 rows: 1, 2\).*with_std=True"
    ):
        SafeStandardScaler(with_std=False, dtype=np.float32).fit_transform(X)


def test_a_spread_below_the_smallest_subnormal_scales_by_one():
    # Its standard deviation (about 2.5e-324) rounds to 0 in float64: dividing
    # by it gave inf and NaN. StandardScaler scales such a feature by 1 too.
    X = np.array([[5e-324], [0.0]])
    scaler = SafeStandardScaler().fit(X)
    assert scaler.scale_[0] == 1.0
    Xt = scaler.transform(X)
    assert np.isfinite(Xt).all()
    np.testing.assert_array_equal(Xt, StandardScaler().fit_transform(X))


# ------------------------------------------------ never a silent ±inf output
def test_transform_beyond_float32_is_our_error_naming_column_and_rows():
    X = np.random.default_rng(0).normal(size=(20, 2))
    scaler = SafeStandardScaler(dtype=np.float32).fit(X)
    with pytest.raises(
        NonFiniteInputError,
        match=r"transform would return ±inf.*float32.*'x0' \(1 row: 1\).*"
        r"OutlierClipper.*dtype='float64'",
    ):
        scaler.transform(np.array([[0.0, 0.0], [1e300, 0.0]]))
    # float64 output holds it
    assert SafeStandardScaler(dtype="float64").fit(X).transform([[1e300, 0.0]])[0, 0]


def test_pass_through_into_float32_beyond_its_range_is_our_error():
    X = np.array([[1.0, 2.0], [3.5e38, 4.0]])
    scaler = SafeStandardScaler(with_mean=False, with_std=False, dtype=np.float32)
    with pytest.raises(NonFiniteInputError, match=r"'x0' \(1 row: 1\).*with_std=True"):
        scaler.fit(X).transform(X)


def test_float16_output_overflow_is_our_error():
    X = np.array([[1.0], [2.0], [3.0]], dtype=np.float16)
    scaler = SafeStandardScaler().fit(X)
    with pytest.raises(NonFiniteInputError, match="float16"):
        scaler.transform(np.array([[60000.0]], dtype=np.float16))


def test_inverse_transform_of_the_docstring_example_round_trips():
    X = np.array([[1e300, 1.0], [3e300, np.nan], [2e300, 3.0]])
    scaler = SafeStandardScaler(dtype=np.float32).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = scaler.inverse_transform(scaler.transform(X))
    assert back.dtype == np.float64
    np.testing.assert_array_equal(np.isnan(back), np.isnan(X))
    np.testing.assert_allclose(back, X, rtol=1e-6)
    plain = SafeStandardScaler().fit(X)
    np.testing.assert_allclose(plain.inverse_transform(plain.transform(X)), X)


@pytest.mark.parametrize("with_mean", [True, False])
@pytest.mark.parametrize("with_std", [True, False])
def test_inverse_transform_matches_standard_scaler(X_nan, with_mean, with_std):
    ours = SafeStandardScaler(with_mean=with_mean, with_std=with_std).fit(X_nan)
    theirs = StandardScaler(with_mean=with_mean, with_std=with_std).fit(X_nan)
    Z = ours.transform(X_nan)
    np.testing.assert_allclose(ours.inverse_transform(Z), theirs.inverse_transform(Z))
    Z32 = Z.astype(np.float32)
    assert ours.inverse_transform(Z32).dtype == np.float32
    same = ours.inverse_transform(Z, copy=False)
    assert same is Z


def test_inverse_transform_names_inf_and_overflow():
    scaler = SafeStandardScaler().fit(np.array([[0.0, 1.0], [10.0, 2.0]]))
    with pytest.raises(
        NonFiniteInputError, match=r"inverse_transform: X contains ±inf.*'x1'.*row: 1"
    ) as info:
        scaler.inverse_transform(np.array([[0.0, 0.0], [0.0, -np.inf]]))
    assert "Input contains infinity" not in str(info.value)
    with pytest.raises(
        NonFiniteInputError, match=r"inverse_transform would return ±inf.*'x0'"
    ):
        scaler.inverse_transform(np.array([[1e308, 0.0]]))


# --------------------------------------------------------------- weights
@pytest.mark.parametrize("sparse_input", [False, True])
def test_negative_sample_weights_are_our_error(sparse_input):
    X = np.array([[1.0, 2.0], [3.0, 0.0], [5.0, 7.0]])
    scaler = SafeStandardScaler(with_mean=not sparse_input)
    if sparse_input:
        X = sparse.csr_array(X)
    with pytest.raises(DataQualityError, match=r"negative at 3 rows: 0, 1, 2"):
        scaler.fit(X, sample_weight=[-1, -1, -1])
    with pytest.raises(DataQualityError, match=r"negative at 1 row: 2"):
        scaler.fit(X, sample_weight=[1, 1, -0.5])


# ------------------------------------------------ all-NaN columns, every path
def test_all_nan_sparse_column_passes_through_with_the_same_warning():
    X = sparse.csr_array(np.array([[np.nan, 1.0], [np.nan, 2.0], [np.nan, 0.0]]))
    with pytest.warns(DataQualityWarning, match="'x0'.*mean_ is 0 and scale_ 1"):
        scaler = SafeStandardScaler(with_mean=False).fit(X)
    assert scaler.scale_[0] == 1.0 and scaler.var_[0] == 0.0
    later = sparse.csr_array(np.array([[4.0, 1.0]]))
    assert scaler.transform(later).toarray()[0, 0] == 4.0


def test_all_nan_column_then_values_in_a_later_chunk():
    first = np.array([[np.nan, 1.0], [np.nan, 2.0]])
    with pytest.warns(DataQualityWarning):
        scaler = SafeStandardScaler().partial_fit(first)
    scaler.partial_fit(np.array([[4.0, 3.0], [6.0, 4.0]]))
    np.testing.assert_allclose(scaler.mean_, [5.0, 2.5])
    np.testing.assert_allclose(scaler.scale_, [1.0, np.sqrt(1.25)])


def test_bad_dtype_is_a_parameter_error(X_nan):
    from sktorchsafe.core.compat import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="'dtype' parameter"):
        SafeStandardScaler(dtype=np.int32).fit(X_nan)
