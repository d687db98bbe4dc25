"""OutlierClipper vs feature-engine's Winsorizer, and a hand-written numpy floor.

Data: the standard float64 DataFrame with 5% NaN. Contenders per row:

- ``OutlierClipper`` with ``set_output(transform="pandas")`` (DataFrame out,
  like the Winsorizer);
- feature-engine's ``Winsorizer`` with ``missing_values="ignore"`` (the
  default raises on NaN), the same bounds;
- ``numpy``: ``np.nanquantile`` on the DataFrame's values and one
  ``np.clip`` (ndarray out, no validation, no inf policy, no report): the
  floor to beat.

Target: ours/this <= 1/3 against the Winsorizer for ``fit_transform``, and
<= 1 against the numpy floor.
"""

import numpy as np
import pandas as pd
from feature_engine.outliers import Winsorizer

from sktorchsafe import OutlierClipper

from ._common import compare, make_data, print_table, sizes


def _numpy_quantile(X, q_low, q_high):
    def run():
        values = X.to_numpy()
        lower, upper = np.nanquantile(values, [q_low, q_high], axis=0)
        return np.clip(values, lower, upper)

    return run


def _numpy_iqr(X, fold):
    def run():
        values = X.to_numpy()
        q1, q3 = np.nanquantile(values, [0.25, 0.75], axis=0)
        return np.clip(values, q1 - fold * (q3 - q1), q3 + fold * (q3 - q1))

    return run


def _cases():
    """(name, our clipper, feature-engine's Winsorizer, numpy floor factory)."""
    return [
        (
            "quantile 1-99%",
            OutlierClipper(method="quantile", quantile_range=(1.0, 99.0)),
            Winsorizer(
                capping_method="quantiles",
                fold=0.01,
                tail="both",
                missing_values="ignore",
            ),
            lambda X: _numpy_quantile(X, 0.01, 0.99),
        ),
        (
            "iqr fold=1.5",
            OutlierClipper(method="iqr", fold=1.5),
            Winsorizer(
                capping_method="iqr", fold=1.5, tail="both", missing_values="ignore"
            ),
            lambda X: _numpy_iqr(X, 1.5),
        ),
    ]


def run(quick=False, repeat=None):
    n_rows, n_features, default_repeat = sizes(quick)
    repeat = repeat or default_repeat
    X = pd.DataFrame(
        make_data(n_rows, n_features, nan_share=0.05),
        columns=[f"f{i}" for i in range(n_features)],
    )
    tag = f"{n_rows}x{n_features} nan=5%"
    rows = []
    for name, ours, theirs, floor in _cases():
        ours = ours.set_output(transform="pandas")
        rows += compare(
            f"fit_transform {name} {tag}",
            {
                "OutlierClipper": lambda o=ours: o.fit_transform(X),
                "Winsorizer": lambda t=theirs: t.fit_transform(X),
                "numpy": floor(X),
            },
            repeat,
        )
        ours.fit(X)
        theirs.fit(X)
        rows += compare(
            f"transform {name} {tag}",
            {
                "OutlierClipper": lambda o=ours: o.transform(X),
                "+return_counts": lambda o=ours: o.transform(X, return_counts=True),
                "Winsorizer": lambda t=theirs: t.transform(X),
            },
            repeat,
        )
    print_table(rows, "OutlierClipper vs Winsorizer (ours/this < 1: faster)")
    return rows
