"""The pass-through checks vs a scaler fit and the tools people use today.

``ScaleDisparityChecker.fit`` and ``TargetValidator.fit`` are compared with
``SafeStandardScaler.fit`` on the same X (the step they sit next to in a
pipeline) and with scikit-learn's ``VarianceThreshold.fit`` and
``type_of_target`` (what people run today to look at X and y).

Target: ours/SafeStandardScaler well below 1 (a check costs a small fraction
of a fit); ours/theirs is for information (ours does more).
"""

import numpy as np
from sklearn.feature_selection import VarianceThreshold
from sklearn.utils.multiclass import type_of_target

from sktorchsafe import SafeStandardScaler, ScaleDisparityChecker, TargetValidator

from ._common import compare, make_data, print_table, sizes


def _targets(n_rows, seed=0):
    """A regression target, integer labels and string labels, ``n_rows`` long."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 5, n_rows)
    names = np.array(["bird", "cat", "cow", "dog", "fish"], dtype=object)
    return {
        "regression": rng.normal(size=n_rows),
        "int labels": labels,
        "str labels": names[labels],
    }


def run(quick=False, repeat=None):
    n_rows, n_features, default_repeat = sizes(quick)
    repeat = repeat or default_repeat
    rows = []
    for nan_share in (0.0, 0.01):
        X = make_data(n_rows, n_features, nan_share=nan_share)
        tag = f"{n_rows}x{n_features} nan={nan_share:.0%}"
        rows += compare(
            f"check X {tag}",
            {
                "ScaleDisparityChecker.fit": lambda X=X: ScaleDisparityChecker(
                    on_problem="ignore"
                ).fit(X),
                "SafeStandardScaler.fit": lambda X=X: SafeStandardScaler().fit(X),
                "VarianceThreshold.fit": lambda X=X: VarianceThreshold().fit(X),
            },
            repeat,
        )
    X = make_data(n_rows, n_features)
    for kind, y in _targets(n_rows).items():
        rows += compare(
            f"check y {kind} {n_rows}x{n_features}",
            {
                "TargetValidator.fit": lambda y=y: TargetValidator().fit(X, y),
                "SafeStandardScaler.fit": lambda: SafeStandardScaler().fit(X),
                "type_of_target": lambda y=y: type_of_target(y),
            },
            repeat,
        )
    print_table(rows, "Checks vs a scaler fit (ours/this < 1: cheaper)")
    return rows
