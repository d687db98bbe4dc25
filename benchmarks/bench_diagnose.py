"""``diagnose(X)`` against one ``SafeStandardScaler().fit(X)``.

A diagnosis reads X for the moments (as the fit does), for the checker's
minimum and maximum and for the rows holding NaN, and takes quantiles on row
samples (the checker's, and 100,000 rows for the outlier fences).
Target: ours/this <= 3 on every row (a diagnosis costs at most ~3 fits).

The report of a fitted pipeline (``diagnose(X, pipeline=pipe)``) runs X
through each step once and compares each step's input and output: against
``pipe.transform(X)`` it should cost about one more transform (the
comparisons), on top of the diagnosis itself.
"""

import warnings

from sklearn.linear_model import Ridge

from sktorchsafe import SafeStandardScaler, diagnose, make_safe_pipeline
from sktorchsafe.datasets import make_messy_regression
from sktorchsafe.face.pipeline_report import describe_pipeline

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
    rows += run_pipeline_report(X, repeat)
    return rows


def run_pipeline_report(X, repeat):
    """What the pipeline did (its report alone) vs the pipeline's transform."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = make_safe_pipeline(Ridge(), target="passthrough")[:-1].fit(X)
    rows = compare(
        f"{X.shape[0]}x{X.shape[1]} messy, fitted make_safe_pipeline steps",
        {
            "describe_pipeline": lambda: describe_pipeline(pipe, X),
            "pipe.transform": lambda: pipe.transform(X),
        },
        repeat,
    )
    print_table(rows, "the pipeline's report vs its transform (target: <= 3)")
    return rows
