"""Exact order statistics of each column: quantiles, modes, deviations.

The in-memory counterparts of the sketches in :mod:`.sketches`: a step's
``fit`` on an array in memory takes its quantiles (and medians, modes and
median absolute deviations) from here, exactly as numpy's NaN-skipping
functions would give them, only many times faster on tall arrays.  Each
column is copied once into a contiguous scratch buffer (:func:`_each_column`,
threaded on large arrays) and only partially ordered.
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .compat import effective_n_threads
from .stats import BLOCK_ELEMENTS

__all__ = [
    "column_mode_share",
    "nanmedian_abs_deviation",
    "nanmode",
    "nanquantile",
]


def _lerp(a, b, t):
    """numpy's own linear interpolation (``np.quantile``'s 'linear' method).

    Between finite values whose difference overflows (``-1e308`` and
    ``1e308``), it interpolates between their halves and doubles the result:
    halving is exact, so the result is what it would be without overflow.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        diff = b - a
        out = np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)
    overflow = np.isinf(diff) & np.isfinite(a) & np.isfinite(b)
    if overflow.any():
        t = np.broadcast_to(t, overflow.shape)
        out[overflow] = 2.0 * _lerp(0.5 * a[overflow], 0.5 * b[overflow], t[overflow])
    return out


#: Bytes of column copies one worker of :func:`_each_column` holds at a time.
COLUMN_SLAB_BYTES = 32 << 20

#: Above this many distinct order statistics per column, :func:`nanquantile`
#: sorts each column once instead of partitioning it around each.
MANY_LEVELS = 16

#: Arrays with fewer cells than this are read by one thread.
THREADED_MIN_ELEMENTS = 1 << 20


def _each_column(X, func):
    """Call ``func(j, col)`` for every column ``j``, ``col`` a contiguous copy.

    ``col`` is a scratch buffer ``func`` may reorder in place (e.g. with
    ``ndarray.partition``).  A C-ordered ``X`` is transposed a slab of a few
    columns at a time (as many as share a cache line, within
    ``COLUMN_SLAB_BYTES``), in row blocks small enough to stay in cache: one
    read of ``X`` from memory, where gathering each strided column on its
    own would read it once per column.  Slabs go to a thread pool (numpy's
    sort and partition release the GIL) sized like scikit-learn's OpenMP
    code (``OMP_NUM_THREADS`` and CPU quotas are respected).
    """
    n, p = X.shape
    if n == 0 or p == 0:
        return
    itemsize = X.dtype.itemsize
    per_line = max(1, 64 // itemsize)
    width = int(np.clip(COLUMN_SLAB_BYTES // max(1, n * itemsize), 1, per_line))
    if X.flags.f_contiguous:
        width = 1  # columns are contiguous already: copy them one by one
    rows_per_block = max(64, BLOCK_ELEMENTS // (8 * per_line))

    def slab(start):
        stop = min(start + width, p)
        if width == 1:
            func(start, X[:, start].copy())
            return
        buffer = np.empty((stop - start, n), dtype=X.dtype)
        for r in range(0, n, rows_per_block):
            buffer[:, r : r + rows_per_block] = X[r : r + rows_per_block, start:stop].T
        for k in range(stop - start):
            func(start + k, buffer[k])

    starts = range(0, p, width)
    n_threads = min(effective_n_threads(), len(starts))
    if n_threads < 2 or n * p < THREADED_MIN_ELEMENTS:
        for start in starts:
            slab(start)
        return
    with ThreadPoolExecutor(n_threads) as pool:
        for _ in pool.map(slab, starts):  # re-raises a worker's exception
            pass


def _n_not_nan(col):
    if col.dtype.kind in "fc":
        return col.size - np.count_nonzero(np.isnan(col))
    return col.size


def nanquantile(X, q):
    """Exact NaN-skipping quantiles of each column of ``X``.

    Equal to ``np.nanquantile(X, q, axis=0)`` (method ``"linear"``; float32
    data is interpolated in float64) but many times faster on tall arrays:
    each column is copied once (see :func:`_each_column`) and only partially
    ordered, by one ``np.partition`` around the order statistics needed,
    with NaN left to sort last instead of being removed first.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Finite values and NaN (NaN is skipped; ±inf take part like numbers).
    q : float or array-like of float in [0, 1]

    Returns
    -------
    quantiles : ndarray of float64, shape (n_features,) or (len(q), n_features)
        NaN for a column with no non-NaN value.

    Examples
    --------
    >>> import numpy as np
    >>> nanquantile(np.array([[1.0, 5.0], [np.nan, 7.0], [3.0, 9.0]]), 0.5)
    array([2., 7.])
    """
    X = np.asarray(X)
    q_arr = np.atleast_1d(np.asarray(q, dtype=np.float64))
    out = np.full((q_arr.size, X.shape[1]), np.nan)

    def column(j, col):
        m = _n_not_nan(col)
        if m == 0:
            return
        pos = q_arr * (m - 1)
        lo = np.floor(pos).astype(np.intp)
        a, b = _order_statistic_pairs(col, lo, m)
        with np.errstate(invalid="ignore"):
            out[:, j] = _lerp(a, b, pos - lo)

    _each_column(X, column)
    return out[0] if np.ndim(q) == 0 else out


def _order_statistic_pairs(col, lo, m):
    """The ``lo``-th and ``lo + 1``-th smallest of ``col[:m]``, as float64.

    ``col`` (NaN sorting last, ``m`` values before them) is reordered in
    place: one ``np.partition`` around all the order statistics needed (one
    introselect call, faster than one call per statistic), or one sort when
    there are many. The ``lo + 1``-th of the last value is the value itself.
    """
    nxt = np.minimum(lo + 1, m - 1)
    if np.unique(lo).size > MANY_LEVELS:
        col.sort()  # NaN sorts last
    else:
        col.partition(np.unique(np.concatenate((lo, nxt))))
    return col[lo].astype(np.float64), col[nxt].astype(np.float64)


def nanmode(X):
    """Most frequent non-NaN value of each column, the smallest one on ties.

    Equal to what ``SimpleImputer(strategy="most_frequent")`` learns on
    numeric data (and to ``scipy.stats.mode`` with NaN left out), computed
    by sorting one contiguous copy of each column at a time (see
    :func:`_each_column`).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Numeric data; NaN is skipped (±inf take part like numbers).

    Returns
    -------
    mode : ndarray of float64 of shape (n_features,)
        NaN for a column with no non-NaN value.

    Examples
    --------
    >>> import numpy as np
    >>> nanmode(np.array([[2.0, np.nan], [1.0, np.nan], [2.0, np.nan], [1.0, 5.0]]))
    array([1., 5.])
    """
    X = np.asarray(X)
    out = np.full(X.shape[1], np.nan)

    def column(j, col):
        m = _n_not_nan(col)
        if m == 0:
            return
        col.sort()  # NaN sorts last
        values = col[:m]
        starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
        lengths = np.diff(starts, append=m)
        out[j] = values[starts[np.argmax(lengths)]]  # first longest: smallest

    _each_column(X, column)
    return out


def nanmedian_abs_deviation(X, center=None):
    """Median absolute deviation of each column from ``center``, NaN skipped.

    ``median(|x - center|)`` over the non-NaN values of each column, exact
    (through :func:`nanquantile`) and unscaled: multiply by
    ``1 / scipy.stats.norm.ppf(0.75)`` (about 1.4826) for a consistent
    estimate of the standard deviation of normal data, as
    ``scipy.stats.median_abs_deviation(scale="normal")`` does.  The
    deviations are formed a few columns at a time, so no full-size copy of
    ``X`` is made.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Finite values and NaN (±inf take part like numbers, as in
        :func:`nanquantile`; pass :func:`~.stats.inf_as_nan` of X to leave them out).
    center : ndarray of shape (n_features,), default=None
        The value deviations are measured from; ``None`` uses the NaN-skipping
        median of each column.

    Returns
    -------
    mad : ndarray of float64 of shape (n_features,)
        NaN for a column with no non-NaN value.

    Examples
    --------
    >>> import numpy as np
    >>> nanmedian_abs_deviation(np.array([[1.0, 0.0], [2.0, np.nan], [9.0, 4.0]]))
    array([1., 2.])
    """
    X = np.asarray(X)
    n, p = X.shape
    if center is None:
        center = nanquantile(X, 0.5)
    center = np.asarray(center, dtype=np.float64)
    mad = np.full(p, np.nan)
    step = max(1, (8 * BLOCK_ELEMENTS) // max(1, n))
    for start in range(0, p, step):
        cols = slice(start, min(start + step, p))
        with np.errstate(over="ignore", invalid="ignore"):
            deviation = np.abs(X[:, cols] - center[cols])
        mad[cols] = nanquantile(deviation, 0.5)
    return mad


def column_mode_share(X):
    """Share of each column's non-NaN values taken by its most frequent value.

    1.0 for a constant column, ``1 / n`` when all ``n`` values differ, NaN
    for a column with no non-NaN value.  The count of :func:`nanmode`'s
    value over the non-NaN count.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Numeric data; NaN is skipped (pass :func:`~.stats.inf_as_nan` of X to
        skip ±inf too).

    Returns
    -------
    share : ndarray of float64 of shape (n_features,)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 1.0], [0.0, np.nan], [5.0, 2.0], [0.0, 3.0]])
    >>> column_mode_share(X)
    array([0.75      , 0.33333333])
    """
    X = np.asarray(X)
    n_obs = X.shape[0] - np.count_nonzero(np.isnan(X), axis=0)
    n_mode = np.count_nonzero(X == nanmode(X), axis=0)
    share = np.full(X.shape[1], np.nan)
    np.divide(n_mode, n_obs, out=share, where=n_obs > 0)
    return share
