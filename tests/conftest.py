"""Shared fixtures: seeded data with the kinds of damage our steps handle."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci")


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def X_clean(rng):
    """200 x 4 float64, columns on different scales."""
    return rng.normal(size=(200, 4)) * [1.0, 10.0, 0.1, 1000.0] + [0, 5, -1, 1e4]


@pytest.fixture
def X_nan(X_clean, rng):
    """X_clean with ~5% NaN cells, no all-NaN column."""
    X = X_clean.copy()
    X[rng.random(X.shape) < 0.05] = np.nan
    return X


@pytest.fixture
def df_nan(X_nan):
    return pd.DataFrame(X_nan, columns=["age", "income", "ratio", "height"])
