"""ImputerSelector vs scikit-learn's SimpleImputer, and the cost of "auto".

Data: the standard float64 array with 5% NaN. Rows:

- ``mean`` and ``median``: ``fit``, ``transform`` and ``fit_transform`` of
  ``ImputerSelector(strategy=...)`` against ``SimpleImputer(strategy=...)``
  (same statistics, same output);
- ``auto``: ``ImputerSelector(strategy="auto", random_state=0)`` (default
  candidates, scored on a 5,000-row sample, then the chosen strategies
  fitted on every row) against our own ``strategy="median"``: its ratio is
  the cost of choosing, as a multiple of the median fit.

Targets: ours/this <= 1.0 on the ``mean`` rows; <= 0.2 (at least 5x faster)
for the ``median`` fit.
"""

from sklearn.impute import SimpleImputer

from sktorchsafe import ImputerSelector

from ._common import compare, make_data, print_table, sizes


def _against_simple_imputer(X, strategy, tag, repeat):
    ours = ImputerSelector(strategy=strategy).fit(X)
    theirs = SimpleImputer(strategy=strategy).fit(X)
    cases = {
        "fit": (
            lambda: ImputerSelector(strategy=strategy).fit(X),
            lambda: SimpleImputer(strategy=strategy).fit(X),
        ),
        "transform": (lambda: ours.transform(X), lambda: theirs.transform(X)),
        "fit_transform": (
            lambda: ImputerSelector(strategy=strategy).fit_transform(X),
            lambda: SimpleImputer(strategy=strategy).fit_transform(X),
        ),
    }
    rows = []
    for method, (mine, other) in cases.items():
        rows += compare(
            f"{strategy} {method} {tag}",
            {"ImputerSelector": mine, "SimpleImputer": other},
            repeat,
        )
    return rows


def _auto_cost(X, tag, repeat):
    return compare(
        f"auto fit {tag} (ratio: x median)",
        {
            "ImputerSelector(auto)": lambda: ImputerSelector(
                strategy="auto", random_state=0
            ).fit(X),
            "ImputerSelector(median)": lambda: ImputerSelector(strategy="median").fit(
                X
            ),
        },
        repeat,
    )


def run(quick=False, repeat=None):
    n_rows, n_features, default_repeat = sizes(quick)
    repeat = repeat or default_repeat
    X = make_data(n_rows, n_features, nan_share=0.05)
    tag = f"{n_rows}x{n_features} nan=5%"
    rows = []
    for strategy in ("mean", "median"):
        rows += _against_simple_imputer(X, strategy, tag, repeat)
    rows += _auto_cost(X, tag, max(1, min(repeat, 3)))
    print_table(rows, "ImputerSelector vs SimpleImputer (ours/this < 1: faster)")
    return rows
