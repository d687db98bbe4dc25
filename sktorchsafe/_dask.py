"""Dask collections in our steps: statistics per block, merged in a tree.

A step's ``fit`` on a ``dask.array.Array`` or ``dask.dataframe.DataFrame``
computes the same mergeable statistics as on an array (:mod:`._stats`), one
task per row block, and merges them pairwise in a tree of tasks, so the work
runs where the blocks live (on a ``distributed`` cluster when a ``Client`` is
active) and only the small statistics travel.  ``transform`` maps the fitted
step over the blocks lazily: nothing is computed until the caller asks.

Nothing here imports Dask unless a Dask collection is passed in, so Dask stays
an optional extra (``pip install sktorchsafe[dask]``).
"""

import numpy as np

__all__ = ["is_dask_collection", "reduce_blocks", "transform_blocks"]


def is_dask_collection(X):
    """True for Dask arrays, DataFrames and Series, without importing Dask."""
    return type(X).__module__.partition(".")[0] == "dask"


def _as_array(X):
    """A 2-D Dask array with known row chunks and one chunk across columns."""
    if hasattr(X, "to_dask_array"):
        X = X.to_dask_array(lengths=True)
    if X.ndim != 2:
        raise ValueError(
            f"Expected a 2-D Dask array or DataFrame, got {X.ndim} dimension(s)."
        )
    return X.rechunk({1: -1})


def _merge(a, b):
    if isinstance(a, tuple):
        return tuple(x.merge(y) for x, y in zip(a, b, strict=True))
    return a.merge(b)


def reduce_blocks(X, block_statistics, sample_weight=None):
    """Statistics of a Dask collection: ``block_statistics`` per block, merged.

    Parameters
    ----------
    X : dask.array.Array or dask.dataframe.DataFrame
    block_statistics : callable
        ``block_statistics(block, weights)`` returns a mergeable object (with a
        ``merge`` method, such as :class:`~._stats.ColumnStats`) or a tuple of
        them, for one NumPy block and its weights (``None`` when unweighted).
    sample_weight : dask or NumPy array of shape (n_samples,), default=None

    Returns
    -------
    statistics
        The merged statistics of all blocks, computed with the active scheduler.
    """
    import dask
    import dask.array as da

    X = _as_array(X)
    blocks = X.to_delayed().ravel()
    if sample_weight is None:
        weights = [None] * len(blocks)
    else:
        w = da.asarray(sample_weight).rechunk((X.chunks[0],))
        weights = w.to_delayed().ravel()
    parts = [
        dask.delayed(block_statistics)(block, weight)
        for block, weight in zip(blocks, weights, strict=True)
    ]
    while len(parts) > 1:
        pairs = zip(parts[::2], parts[1::2], strict=False)  # an odd one waits
        paired = [dask.delayed(_merge)(a, b) for a, b in pairs]
        parts = paired + ([parts[-1]] if len(parts) % 2 else [])
    (result,) = dask.compute(parts[0])
    return result


def transform_blocks(estimator, X, method="transform", dtype=None):
    """Map a fitted step's ``method`` over the blocks of ``X``, lazily.

    A Dask DataFrame gives a Dask DataFrame (pandas partitions keep their
    column names, so feature-name checks work); a Dask array gives a Dask
    array with the same row chunks.
    """
    func = getattr(estimator, method)
    names = None
    if hasattr(estimator, "get_feature_names_out") and method == "transform":
        names = list(estimator.get_feature_names_out())
    if hasattr(X, "map_partitions"):
        import pandas as pd

        def _frame(part):
            out = func(part)
            if isinstance(out, pd.DataFrame):
                return out
            return pd.DataFrame(np.asarray(out), index=part.index, columns=names)

        return X.map_partitions(_frame)
    X = _as_array(X)
    n_out = len(names) if names is not None else X.shape[1]
    out_dtype = np.dtype(dtype) if dtype is not None else X.dtype
    return X.map_blocks(
        lambda block: np.asarray(func(block)),
        dtype=out_dtype,
        chunks=(X.chunks[0], (n_out,)),
    )
