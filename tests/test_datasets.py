"""The embedded penguins data and the messy-data generators."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sktorchsafe.datasets import (
    load_penguins,
    make_messy_classification,
    make_messy_regression,
)

# --------------------------------------------------------------- penguins


def test_penguins_default_is_regression_on_body_mass():
    bunch = load_penguins()
    X, y = bunch.data, bunch.target
    assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)
    assert X.shape == (344, 5) and y.name == "body_mass_g"
    assert "body_mass_g" not in X.columns
    assert list(X.columns) == bunch.feature_names
    assert all(dtype == np.float64 for dtype in X.dtypes)
    # The genuine gaps of the raw data, in X and in y.
    assert X.isna().sum().to_dict() == {
        "bill_length_mm": 2,
        "bill_depth_mm": 2,
        "flipper_length_mm": 2,
        "delta_15n": 14,
        "delta_13c": 13,
    }
    assert int(y.isna().sum()) == 2
    assert X[y.notna()].isna().any(axis=1).sum() == 12
    assert 2000 < y.mean() < 6000
    assert bunch.target_names is None
    assert bunch.frame.shape == (344, 11)
    assert "CC0" in bunch.DESCR and "penguins-raw.csv" in bunch.DESCR


def test_penguins_classification_target():
    X, y = load_penguins(target="species", return_X_y=True)
    assert "species" not in X.columns and "body_mass_g" in X.columns
    assert y.value_counts().to_dict() == {"Adelie": 152, "Gentoo": 124, "Chinstrap": 68}
    bunch = load_penguins(target="species")
    assert list(bunch.target_names) == ["Adelie", "Chinstrap", "Gentoo"]


def test_penguins_mixed_columns_and_arrays():
    X, _ = load_penguins(numeric_only=False, return_X_y=True)
    assert {"species", "island", "sex", "clutch_completion", "date_egg"} <= set(X)
    assert X["date_egg"].dtype.kind == "M"
    assert set(X["sex"].dropna()) == {"male", "female"}
    X_arr, y_arr = load_penguins(as_frame=False, return_X_y=True)
    assert isinstance(X_arr, np.ndarray) and X_arr.dtype == np.float64
    assert X_arr.shape == (344, 5) and y_arr.dtype == np.float64
    X_obj, y_obj = load_penguins(
        target="species", numeric_only=False, as_frame=False, return_X_y=True
    )
    assert X_obj.dtype == object and y_obj.dtype == object
    assert load_penguins(as_frame=False).frame is None


def test_penguins_no_target_and_bad_target():
    X, y = load_penguins(target=None, return_X_y=True)
    assert y is None and X.shape == (344, 6)
    with pytest.raises(ValueError, match="target must be one of"):
        load_penguins(target="mass")


def test_penguins_returns_fresh_copies():
    X, _ = load_penguins(return_X_y=True)
    X.iloc[0, 0] = -1.0
    X2, _ = load_penguins(return_X_y=True)
    assert X2.iloc[0, 0] == 39.1


# -------------------------------------------------------------- generators


@pytest.mark.parametrize("make", [make_messy_regression, make_messy_classification])
def test_generators_damage_exact_shares(make):
    X, y = make(
        400, 5, nan_share=0.05, inf_share=0.01, outlier_share=0.02, random_state=0
    )
    assert X.shape == (400, 5) and y.shape == (400,)
    assert np.isnan(X).sum() == 100
    assert np.isinf(X).sum() == 20
    assert (X == np.inf).any() and (X == -np.inf).any()
    assert np.isfinite(y).all() if y.dtype.kind == "f" else True


@pytest.mark.parametrize("make", [make_messy_regression, make_messy_classification])
def test_generators_are_reproducible_and_clean_when_asked(make):
    a = make(100, 4, random_state=3)
    b = make(100, 4, random_state=3)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    X, _ = make(
        100,
        4,
        nan_share=0,
        inf_share=0,
        outlier_share=0,
        scale_spread=1,
        random_state=0,
    )
    assert np.isfinite(X).all()
    std = X.std(axis=0)
    assert std.max() / std.min() < 5


def test_outliers_lie_far_out():
    clean, _ = make_messy_regression(
        2000, 3, nan_share=0, inf_share=0, outlier_share=0, random_state=1
    )
    X, _ = make_messy_regression(
        2000, 3, nan_share=0, inf_share=0, outlier_share=0.01, random_state=1
    )
    changed = X != clean
    assert changed.sum() == 60
    z = np.abs(X - clean.mean(axis=0)) / clean.std(axis=0)
    assert (z[changed] > 5).all()


def test_scale_spread_and_target_scale():
    X, y = make_messy_regression(
        1000,
        6,
        nan_share=0,
        inf_share=0,
        outlier_share=0,
        scale_spread=1e8,
        target_scale=1e5,
        random_state=0,
    )
    std = X.std(axis=0)
    assert 1e7 < std.max() / std.min() < 1e9
    assert y.std() == pytest.approx(1e5)


def test_regression_target_is_learnable_from_clean_features():
    from sklearn.linear_model import LinearRegression

    X, y = make_messy_regression(
        500, 5, nan_share=0, inf_share=0, outlier_share=0, noise=0.1, random_state=0
    )
    assert LinearRegression().fit(X, y).score(X, y) > 0.95


def test_classification_labels_weights_and_frames():
    X, y = make_messy_classification(
        600,
        4,
        n_classes=3,
        weights=[0.7, 0.2],
        labels=["a", "b", "c"],
        as_frame=True,
        random_state=0,
    )
    assert list(X.columns) == ["x0", "x1", "x2", "x3"] and y.name == "y"
    shares = y.value_counts(normalize=True)
    assert set(shares.index) == {"a", "b", "c"} and shares["a"] > 0.6
    with pytest.raises(ValueError, match="one entry per class"):
        make_messy_classification(10, 2, labels=[0, 5, 7])


def test_generator_parameters_are_validated():
    with pytest.raises(ValueError, match="must not exceed 1"):
        make_messy_regression(10, 2, nan_share=0.6, inf_share=0.6)
    with pytest.raises(ValueError, match="nan_share"):
        make_messy_regression(10, 2, nan_share=1.5)
    with pytest.raises(ValueError, match="scale_spread"):
        make_messy_classification(10, 2, scale_spread=0.5)


@given(
    n=st.integers(1, 30),
    p=st.integers(1, 6),
    nan=st.floats(0, 0.4),
    inf=st.floats(0, 0.3),
    out=st.floats(0, 0.3),
    seed=st.integers(0, 2**31 - 2),
)
def test_generator_counts_property(n, p, nan, inf, out, seed):
    X, y = make_messy_regression(
        n, p, nan_share=nan, inf_share=inf, outlier_share=out, random_state=seed
    )
    assert X.shape == (n, p) and y.shape == (n,)
    assert np.isnan(X).sum() == round(nan * n * p)
    assert np.isinf(X).sum() == round(inf * n * p)
    assert np.isfinite(y).all()
