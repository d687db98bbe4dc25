"""Dask collections in our steps: statistics per block, merged in a tree.

A step's ``fit`` on a ``dask.array.Array`` or ``dask.dataframe.DataFrame``
computes the same mergeable statistics as on an array (:mod:`.stats`), one
task per row block, and merges them pairwise in a tree of tasks, so the work
runs where the blocks live (on a ``distributed`` cluster when a ``Client`` is
active) and only the small statistics travel.  ``transform`` maps the fitted
step over the blocks lazily: nothing is computed until the caller asks.

Nothing here imports Dask unless a Dask collection is passed in, so Dask stays
an optional extra (``pip install sktorchsafe[dask]``).
"""

import numpy as np

__all__ = [
    "check_dask_input",
    "float_block",
    "is_dask_collection",
    "reduce_blocks",
    "transform_blocks",
]


def is_dask_collection(X):
    """True for Dask arrays, DataFrames and Series, without importing Dask."""
    return type(X).__module__.partition(".")[0] == "dask"


def check_dask_input(estimator, X, *, reset, numeric=True):
    """The checks ``validate_X`` makes, on a Dask collection, without computing it.

    Non-numeric DataFrame columns raise
    :class:`~sktorchsafe.exceptions.InputTypeError` (unless
    ``numeric=False``, for steps that pass any X through); the feature names
    (from a Dask DataFrame's columns) and the number of features are set
    (``reset=True``) or checked against the fitted ones.  Values are checked
    later, from the statistics of the blocks.
    """
    from .compat import check_feature_names, check_n_features
    from .validation import check_frame_columns, check_frame_dtypes

    check_frame_columns(X, type(estimator).__name__)
    if numeric:
        check_frame_dtypes(X, type(estimator).__name__)
    # A Dask DataFrame's ``_meta`` is an empty pandas frame with its columns.
    check_feature_names(estimator, getattr(X, "_meta", X), reset=reset)
    check_n_features(estimator, X, reset=reset)


def float_block(block):
    """A block of a Dask collection as a float ndarray, as ``validate_X`` gives X.

    float64 and float32 blocks stay as they are, any other becomes float64:
    what a step's ``validate_X(..., dtype=(np.float64, np.float32))`` makes
    of the data in memory.
    """
    block = np.asarray(block)
    if block.dtype not in (np.float64, np.float32):
        block = block.astype(np.float64)
    return block


def _as_array(X, lengths=True):
    """A 2-D Dask array with one chunk across columns (or a 1-D one, for y).

    A Dask DataFrame's (or Series') row chunks are known only with
    ``lengths=True``, which computes the length of every partition (one cheap
    pass).
    """
    if hasattr(X, "to_dask_array"):
        if not all(isinstance(dtype, np.dtype) for dtype in np.atleast_1d(X.dtypes)):
            # Nullable (extension) columns: pd.NA becomes NaN, as in validate_X.
            X = X.astype("float64")
        X = X.to_dask_array(lengths=True if lengths else None)
    if X.ndim not in (1, 2):
        raise ValueError(
            f"Expected a 2-D Dask array or DataFrame, got {X.ndim} dimension(s)."
        )
    return X.rechunk({1: -1}) if X.ndim == 2 else X


def _merge(a, b):
    if isinstance(a, tuple):
        return tuple(_merge(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray):  # counts
        return a + b
    return a.merge(b)


def reduce_blocks(
    X, block_statistics, sample_weight=None, *, compute=True, frames=False
):
    """Statistics of a Dask collection: ``block_statistics`` per block, merged.

    Parameters
    ----------
    X : dask.array.Array, dask.dataframe.DataFrame or dask.dataframe.Series
        2-D data, or a 1-D target.
    block_statistics : callable
        ``block_statistics(block, weights)`` returns a mergeable object (with a
        ``merge`` method, such as :class:`~.stats.ColumnStats`), an ndarray of
        counts (merged by addition) or a tuple of them, for one NumPy block and
        its weights (``None`` when unweighted).
    sample_weight : dask or NumPy array of shape (n_samples,), default=None
    compute : bool, default=True
        If False, return the merged statistics as a ``dask.delayed`` object
        instead of computing them.
    frames : bool, default=False
        If True, the partitions of a Dask DataFrame or Series are passed to
        ``block_statistics`` as the pandas objects they are (names, index and
        extension dtypes kept) instead of as NumPy blocks; unweighted only.

    Returns
    -------
    statistics
        The merged statistics of all blocks, computed with the active scheduler
        (a ``Delayed`` of them when ``compute=False``).
    """
    import dask
    import dask.array as da

    if frames and hasattr(X, "divisions"):  # a Dask DataFrame or Series
        if sample_weight is not None:
            raise ValueError("frames=True takes no sample_weight.")
        blocks = X.to_delayed()
    else:
        # Row chunk sizes are needed only to line the weights up with blocks.
        X = _as_array(X, lengths=sample_weight is not None)
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
    if not compute:
        return parts[0]
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
