"""The whole preprocessing of ``make_safe_pipeline`` against what users build today.

"Impute the median, clip outliers at learned bounds, standardize", everything
before the net, on 100,000, 400,000 and 1,000,000 x 50 float64 with 1% NaN
(the fixed costs of the order statistics show at the smallest size):

- ours: ``make_safe_pipeline(net)`` without its net (target, impute, clip,
  check, scale), as a user's ``GridSearchCV`` fits it;
- a bare ``StandardScaler`` (the cost of the least one can do);
- the same pipeline from scikit-learn parts: ``SimpleImputer(median)``, a
  quantile clipper (``np.nanquantile`` + ``np.clip``, scikit-learn has none),
  ``StandardScaler``;
- feature-engine's equivalents (``MeanMedianImputer``, ``Winsorizer``, a
  wrapped ``StandardScaler``) on a DataFrame;
- ours on the same data in float32;
- ours with the clipper's exact quantiles (``clip__subsample=None``).

Targets: ours <= 1.5x the bare StandardScaler; float32 >= 1.5x
faster than float64.
"""

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktorchsafe import SafeNeuralNetRegressor, make_safe_pipeline

from ._common import compare, make_data, print_table, sizes


class NanQuantileClipper(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """The hand-written quantile clipper a scikit-learn user would write."""

    def __init__(self, quantile_range=(1.0, 99.0)):
        self.quantile_range = quantile_range

    def fit(self, X, y=None):
        self.n_features_in_ = X.shape[1]
        q = np.asarray(self.quantile_range) / 100
        self.lower_, self.upper_ = np.nanquantile(X, q, axis=0)
        return self

    def transform(self, X):
        return np.clip(X, self.lower_, self.upper_)


def _ours():
    net = SafeNeuralNetRegressor(torch.nn.Linear, max_epochs=1, verbose=0)
    return make_safe_pipeline(net)[:-1]


def _feature_engine():
    from feature_engine.imputation import MeanMedianImputer
    from feature_engine.outliers import Winsorizer
    from feature_engine.wrappers import SklearnTransformerWrapper

    return make_pipeline(
        MeanMedianImputer(imputation_method="median"),
        Winsorizer(
            capping_method="quantiles", tail="both", fold=0.01, missing_values="ignore"
        ),
        SklearnTransformerWrapper(StandardScaler()),
    )


#: Row counts of a full run (a quick run uses ``QUICK_ROWS``).
ROWS = (100_000, 400_000, 1_000_000)


def run(quick=False, repeat=None, rows=None):
    quick_rows, n_features, default_repeat = sizes(quick)
    repeat = repeat or default_repeat
    results = []
    for n_rows in rows or ((quick_rows,) if quick else ROWS):
        results += _run_rows(n_rows, n_features, repeat)
    return results


def _run_rows(n_rows, n_features, repeat):
    X = make_data(n_rows, n_features, nan_share=0.01)
    X32 = X.astype(np.float32)
    y = np.random.default_rng(1).normal(size=n_rows)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(n_features)])
    exact = {"clip__subsample": None}
    contenders = {
        "ours (make_safe_pipeline)": lambda: _ours().fit_transform(X, y),
        "bare StandardScaler": lambda: StandardScaler().fit_transform(X),
        "scikit-learn parts": lambda: make_pipeline(
            SimpleImputer(strategy="median"), NanQuantileClipper(), StandardScaler()
        ).fit_transform(X),
        "feature-engine": lambda: _feature_engine().fit_transform(frame),
        "ours, float32 input": lambda: _ours().fit_transform(X32, y),
        "ours, exact clip quantiles": lambda: (
            _ours().set_params(**exact).fit_transform(X, y)
        ),
    }
    rows = compare(
        f"preprocessing fit_transform {n_rows}x{n_features} nan=1%",
        contenders,
        repeat,
    )
    print_table(rows, "Whole preprocessing (ours/this < 1: ours is faster)")
    return rows
