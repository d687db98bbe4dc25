"""Shared fixtures: seeded data with the kinds of damage our steps handle."""

import os

# scikit-learn runs its array-API tests (ported against SafeStandardScaler in
# test_sklearn_standard_scaler.py) only with this set before scipy is imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

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


# Fixtures scikit-learn's own tests use (tests/test_sklearn_standard_scaler.py
# runs them against SafeStandardScaler). scikit-learn's defaults: float64 only
# and the seed 42, unless its environment variables ask for more.
from sklearn.conftest import global_dtype  # noqa: E402, F401


@pytest.fixture
def global_random_seed():
    return 42


@pytest.fixture
def one_torch_thread():
    """Tiny models train faster on one thread, and shared CI cores stay free."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
