"""``diagnose(X)`` against one ``SafeStandardScaler().fit(X)``.

A diagnosis reads X for the moments (as the fit does), for the checker's
minimum and maximum and for the rows holding NaN, and takes quantiles on row
samples (the checker's, and 100,000 rows for the outlier fences).
Target: ours/this <= 3 on every row (a diagnosis costs at most ~3 fits).
"""

import warnings

from sktorchsafe import SafeStandardScaler, diagnose
from sktorchsafe.datasets import make_messy_regression

from ._common import compare, make_data, print_table, sizes


def _cases(n_rows, n_features):
    yield "clean", make_data(n_rows, n_features)
    yield "nan=1%", make_data(n_rows, n_features, nan_share=0.01)
    X, _ = make_messy_regression(
        n_rows,
        n_features,
        nan_share=0.01,
        inf_share=0.0,  # the scaler refuses ±inf
        outlier_share=0.01,
        scale_spread=1e6,
        random_state=0,
    )
    yield "messy (nan 1%, outliers 1%, scales 1e6 apart)", X


def run(quick=False, repeat=None):
    n_rows, n_features, default_repeat = sizes(quick)
    repeat = repeat or default_repeat
    rows = []
    for tag, X in _cases(n_rows, n_features):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the scaler warns on messy data
            rows += compare(
                f"{n_rows}x{n_features} {tag}",
                {
                    "diagnose": lambda X=X: diagnose(X),
                    "SafeStandardScaler.fit": lambda X=X: SafeStandardScaler().fit(X),
                },
                repeat,
            )
    print_table(rows, "diagnose vs SafeStandardScaler.fit (target: ours/this <= 3)")
    return rows
