"""Dask fits against dask-ml on the same Dask array; ``partial_fit`` throughput.

Data: the standard shape, generated on a ``distributed.LocalCluster`` (2
worker processes, 1 thread each) as a Dask array of 10 row blocks and
persisted there, so every contender reads the same blocks from worker
memory and only statistics travel. Rows:

- ``fit`` of ``SafeStandardScaler`` against ``dask_ml.preprocessing.
  StandardScaler`` (the same moments; ours are merged exactly per block);
- ``fit`` of ``OutlierClipper(method="iqr")`` (quartiles from mergeable KLL
  sketches, one pass) against ``dask_ml.preprocessing.RobustScaler`` (the
  quartiles and the median through ``dask.array.percentile``);
- ``transform`` of both scalers, computed to a per-column sum (the output
  stays on the workers);
- ``partial_fit`` over 10 in-memory NumPy chunks, no Dask:
  ``SafeStandardScaler`` against scikit-learn's ``StandardScaler``;
  ``OutlierClipper``, ``ImputerSelector(strategy="median")`` (quantile
  sketches) and ``ScaleDisparityChecker`` (sketches over every row) against
  their own in-memory ``fit`` (exact quantiles; the checker on a 10,000-row
  sample). The throughput (values per second) is printed below the table.

Peak memory is not reported for Dask rows (the work happens in the workers).
Targets: ours/this <= 1.0 against dask-ml.
"""

import numpy as np
from sklearn.preprocessing import StandardScaler

from sktorchsafe import (
    ImputerSelector,
    OutlierClipper,
    SafeStandardScaler,
    ScaleDisparityChecker,
)

from ._common import compare, make_data, print_table, sizes

N_BLOCKS = 10


def _cluster():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    return cluster, Client(cluster)


def _dask_data(n_rows, n_features):
    """The standard data (mixed scales and offsets) made and kept on the workers."""
    import dask.array as da

    rng = da.random.default_rng(0)
    X = rng.standard_normal(
        (n_rows, n_features), chunks=(-(-n_rows // N_BLOCKS), n_features)
    )
    X = X * np.logspace(-2, 3, n_features) + np.linspace(-50, 50, n_features)
    return X.persist()


def _dask_rows(X, tag, repeat):
    from dask_ml.preprocessing import RobustScaler as DaskRobustScaler
    from dask_ml.preprocessing import StandardScaler as DaskStandardScaler

    # Warm up: the first task of each kind imports its library on the workers.
    for make in (SafeStandardScaler, OutlierClipper, DaskStandardScaler):
        make().fit(X).transform(X).sum().compute()
    DaskRobustScaler().fit(X)
    rows = compare(
        f"fit {tag}",
        {
            "SafeStandardScaler": lambda: SafeStandardScaler().fit(X),
            "dask_ml StandardScaler": lambda: DaskStandardScaler().fit(X),
        },
        repeat,
        memory=False,
    )
    rows += compare(
        f"fit quartiles {tag}",
        {
            "OutlierClipper iqr": lambda: OutlierClipper(method="iqr").fit(X),
            "dask_ml RobustScaler": lambda: DaskRobustScaler().fit(X),
        },
        repeat,
        memory=False,
    )
    ours, theirs = SafeStandardScaler().fit(X), DaskStandardScaler().fit(X)
    rows += compare(
        f"transform+sum {tag}",
        {
            "SafeStandardScaler": lambda: ours.transform(X).sum(axis=0).compute(),
            "dask_ml StandardScaler": lambda: theirs.transform(X).sum(axis=0).compute(),
        },
        repeat,
        memory=False,
    )
    return rows


def _streamed(make, chunks):
    def run():
        estimator = make()
        for chunk in chunks:
            estimator.partial_fit(chunk)
        return estimator

    return run


def _partial_fit_rows(X, tag, repeat):
    chunks = np.array_split(X, N_BLOCKS)
    rows = compare(
        f"partial_fit x{N_BLOCKS} {tag}",
        {
            "SafeStandardScaler": _streamed(SafeStandardScaler, chunks),
            "StandardScaler": _streamed(StandardScaler, chunks),
        },
        repeat,
    )
    for name, make in (
        ("OutlierClipper", OutlierClipper),
        ("ImputerSelector", ImputerSelector),
        ("ScaleDisparityChecker", lambda: ScaleDisparityChecker(on_problem="ignore")),
    ):
        rows += compare(
            f"partial_fit x{N_BLOCKS} {tag}",
            {
                f"{name} stream": _streamed(make, chunks),
                f"{name} fit": lambda make=make: make().fit(X),
            },
            repeat,
        )
    return rows


def run(quick=False, repeat=None):
    n_rows, n_features, default_repeat = sizes(quick)
    repeat = repeat or default_repeat
    tag = f"{n_rows}x{n_features}"

    cluster, client = _cluster()
    try:
        X = _dask_data(n_rows, n_features)
        rows = _dask_rows(X, f"{tag} {N_BLOCKS} blocks", repeat)
    finally:
        client.close()
        cluster.close()

    stream_rows = _partial_fit_rows(make_data(n_rows, n_features), tag, repeat)
    print_table(rows + stream_rows, "Dask and partial_fit (ours/this < 1: faster)")
    print("\npartial_fit throughput (values per second, median):")
    for row in stream_rows:
        rate = n_rows * n_features / row["median_s"]
        print(f"  {row['contender']:<28} {rate / 1e6:8.1f} M/s")
    return rows + stream_rows
