"""SafeStandardScaler vs scikit-learn's StandardScaler: fit, transform, fit_transform.

Target: ours/this <= 1.0 on every row (<= 0.5 for ``fit`` as a stretch).
"""

from sklearn.preprocessing import StandardScaler

from sktorchsafe import SafeStandardScaler

from ._common import compare, make_data, print_table, sizes


def _compare_methods(X, tag, repeat):
    ours, theirs = SafeStandardScaler().fit(X), StandardScaler().fit(X)
    cases = {
        "fit": (
            lambda: SafeStandardScaler().fit(X),
            lambda: StandardScaler().fit(X),
        ),
        "transform": (lambda: ours.transform(X), lambda: theirs.transform(X)),
        "fit_transform": (
            lambda: SafeStandardScaler().fit_transform(X),
            lambda: StandardScaler().fit_transform(X),
        ),
    }
    rows = []
    for method, (mine, other) in cases.items():
        rows += compare(
            f"{method} {tag}",
            {"SafeStandardScaler": mine, "StandardScaler": other},
            repeat,
        )
    return rows


def run(quick=False, repeat=None):
    n_rows, n_features, default_repeat = sizes(quick)
    repeat = repeat or default_repeat
    rows = []
    for nan_share in (0.0, 0.01):
        X = make_data(n_rows, n_features, nan_share=nan_share)
        rows += _compare_methods(
            X, f"{n_rows}x{n_features} nan={nan_share:.0%}", repeat
        )
    print_table(rows, "SafeStandardScaler vs StandardScaler (ours/this < 1: faster)")
    return rows
