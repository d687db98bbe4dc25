"""Mergeable per-column statistics: the one place where steps compute numbers.

A step's ``fit`` reduces X to statistics and its ``transform`` is a cheap
elementwise map.  The statistics here are *mergeable*: the statistics of two
pieces of data combine into exactly (up to rounding) the statistics of their
concatenation, so ``fit`` on an array, ``partial_fit`` on a stream and a fit
over the blocks of a Dask array are the same code.

Moments use Chan, Golub & LeVeque's parallel update.  They are computed in
float64 whatever the input dtype, over row blocks small enough to stay in
cache (one read of X from memory), and they are **overflow-proof**: each
column carries a power-of-two exponent and its mean and M2 are stored in
those units, so data near 1e300 (whose squares overflow float64) and near
1e-300 (whose squares underflow) give the same standardisation as the same
data at 1e0.  Power-of-two rescaling is exact: nothing is lost on ordinary
data, where the exponent stays 0.
"""

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "ColumnStats",
    "column_min_max",
    "column_mode_share",
    "inf_as_nan",
    "merge_value_counts",
    "nanmedian_abs_deviation",
    "nanmode",
    "nanquantile",
    "row_blocks",
    "sample_rows",
    "value_counts",
]

#: Elements per row block (about 1 MiB of float64): large enough that Python
#: overhead vanishes, small enough to stay in L2 cache between passes.
BLOCK_ELEMENTS = 1 << 17

#: Columns whose largest magnitude lies outside [2**-EXP_LIMIT, 2**EXP_LIMIT]
#: are moved to power-of-two units before squaring.
EXP_LIMIT = 200


#: Rows folded side by side by :func:`_reduce_rows` (blocks are multiples of it).
FOLD = 32


def row_blocks(n_rows, n_cols, block_elements=BLOCK_ELEMENTS):
    """Yield ``slice`` objects covering ``range(n_rows)`` in cache-sized blocks.

    Blocks hold a multiple of ``FOLD`` rows (except perhaps the last one).
    """
    step = max(1, block_elements // max(1, n_cols))
    if step > FOLD:
        step -= step % FOLD
    for start in range(0, n_rows, step):
        yield slice(start, min(start + step, n_rows))


def _wsum(weights, block):
    """``weights @ block`` through BLAS (numpy's ``@`` skips it for one column)."""
    return np.dot(weights, block) if block.shape[1] == 1 else weights @ block


def _reduce_rows(ufunc, block):
    """``ufunc.reduce(block, axis=0)``, several times faster on narrow blocks.

    numpy reduces axis 0 of a C-ordered array one short row at a time; folding
    ``FOLD`` rows into one long row first gives its inner loop long, vectorised
    runs.  Exact for order-free reductions (min, max, fmin, fmax).
    """
    n, p = block.shape
    head = n - n % FOLD
    if head == 0 or not block.flags.c_contiguous:
        # Column-major data (every DataFrame's) is already reduced along
        # contiguous columns; folding would copy it.
        return ufunc.reduce(block, axis=0)
    folded = ufunc.reduce(block[:head].reshape(-1, FOLD * p), axis=0)
    out = ufunc.reduce(folded.reshape(FOLD, p), axis=0)
    if head < n:
        out = ufunc(out, ufunc.reduce(block[head:], axis=0))
    return out


def column_min_max(X):
    """NaN-ignoring minimum and maximum of each column, in one read of ``X``.

    ±inf take part (so ``isinf`` of the result flags columns holding them);
    a column with no non-NaN value gives NaN.

    Examples
    --------
    >>> import numpy as np
    >>> column_min_max(np.array([[1.0, np.nan], [-np.inf, np.nan], [3.0, np.nan]]))
    (array([-inf,  nan]), array([ 3., nan]))
    """
    X = np.asarray(X)
    n, p = X.shape
    if n == 0:
        nan = np.full(p, np.nan)
        return nan, nan.copy()
    lo = hi = None
    for rows in row_blocks(n, p):
        block = X[rows]
        b_lo = _reduce_rows(np.fmin, block)
        b_hi = _reduce_rows(np.fmax, block)
        lo = b_lo if lo is None else np.fmin(lo, b_lo)
        hi = b_hi if hi is None else np.fmax(hi, b_hi)
    return lo.astype(np.float64, copy=False), hi.astype(np.float64, copy=False)


def _exponent(magnitude, limit=EXP_LIMIT):
    """Power-of-two exponent that brings ``magnitude`` near 1, or 0 if not needed.

    Needed where ``magnitude`` lies outside ``[2**-limit, 2**limit]``.
    """
    with np.errstate(invalid="ignore"):
        extreme = np.isfinite(magnitude) & (magnitude > 0)
        extreme &= (magnitude > 2.0**limit) | (magnitude < 2.0**-limit)
    exp = np.zeros(magnitude.shape, dtype=np.int64)
    if extreme.any():
        exp[extreme] = np.frexp(magnitude[extreme])[1]
    return exp


@dataclass
class ColumnStats:
    """Per-column count, mean, M2, min/max and non-finite counts, mergeable.

    Build one with :meth:`from_array`, combine with :meth:`merge` (or ``+``).
    The empty statistics (:meth:`empty`) are the identity of ``merge``.

    Attributes
    ----------
    n_rows : int
        Rows seen (unweighted), whatever their values.
    count : ndarray of float64
        Per column, the summed sample weight of the finite values (their
        number when unweighted).
    n_nan, n_posinf, n_neginf : ndarray of int64
        Per column, how many NaN, +inf and -inf cells were seen.
    min, max : ndarray of float64
        Per column, the smallest and largest finite value (NaN if none).

    Notes
    -----
    NaN and ±inf are counted and left out of the moments.  The moments are
    kept in units of ``2**exp`` per column (see the module docstring); use
    :attr:`mean`, :attr:`std` and :meth:`var` for values in data units.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 1e300], [2.0, np.nan], [3.0, 3e300]])
    >>> s = ColumnStats.from_array(X[:2]).merge(ColumnStats.from_array(X[2:]))
    >>> s.mean, s.std
    (array([2.e+000, 2.e+300]), array([8.16496581e-001, 1.00000000e+300]))
    >>> s.n_nan
    array([0, 1])
    """

    n_rows: int
    count: np.ndarray
    n_nan: np.ndarray
    n_posinf: np.ndarray
    n_neginf: np.ndarray
    min: np.ndarray
    max: np.ndarray
    _mean: np.ndarray = field(repr=False)
    _m2: np.ndarray = field(repr=False)
    _exp: np.ndarray = field(repr=False)

    # ----------------------------------------------------------------- build
    @classmethod
    def empty(cls, n_features):
        """Statistics of no data: the identity element of :meth:`merge`."""
        zeros = np.zeros(n_features)
        izeros = np.zeros(n_features, dtype=np.int64)
        nan = np.full(n_features, np.nan)
        return cls(
            n_rows=0,
            count=zeros,
            n_nan=izeros,
            n_posinf=izeros.copy(),
            n_neginf=izeros.copy(),
            min=nan,
            max=nan.copy(),
            _mean=zeros.copy(),
            _m2=zeros.copy(),
            _exp=izeros.copy(),
        )

    @classmethod
    def from_array(cls, X, sample_weight=None):
        """Statistics of a 2-D numeric array, read once in row blocks.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Float or integer data; NaN and ±inf are allowed.
        sample_weight : ndarray of shape (n_samples,), default=None
            Non-negative weights; ``None`` weighs every row 1.
        """
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"Expected a 2-D array, got shape {X.shape} instead.")
        n, p = X.shape
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
        stats = cls.empty(p)
        work = _Workspace()
        for rows in row_blocks(n, p):
            w = None if sample_weight is None else sample_weight[rows]
            stats = stats.merge(cls._from_block(X[rows], w, work))
        return stats

    @classmethod
    def _from_block(cls, block, w, work):
        b, p = block.shape
        n_posinf = np.zeros(p, dtype=np.int64)
        n_neginf = np.zeros(p, dtype=np.int64)
        lo = _reduce_rows(np.fmin, block).astype(np.float64)
        hi = _reduce_rows(np.fmax, block).astype(np.float64)
        inf_cols = np.isinf(lo) | np.isinf(hi)
        if inf_cols.any():
            # Rare path: count ±inf and treat them as missing for the moments.
            block = block.astype(np.float64)  # a copy we may write to
            sub = block[:, inf_cols]
            n_posinf[inf_cols] = np.count_nonzero(sub == np.inf, axis=0)
            n_neginf[inf_cols] = np.count_nonzero(sub == -np.inf, axis=0)
            sub[np.isinf(sub)] = np.nan
            block[:, inf_cols] = sub
            lo[inf_cols] = np.fmin.reduce(sub, axis=0)
            hi[inf_cols] = np.fmax.reduce(sub, axis=0)

        exp = _exponent(np.fmax(np.abs(lo), np.abs(hi)))
        owned = inf_cols.any()  # may we write to ``block``?
        if exp.any():
            block = np.ldexp(block, -exp, out=work.get("scaled", block.shape))
            owned = True
        elif block.dtype != np.float64:
            block, owned = work.fill("scaled", block), True

        # Sums through BLAS (a weight or all-ones vector times the block) are
        # several times faster than numpy's axis-0 reductions on wide blocks.
        # Temporaries live in a reused workspace: fresh block-sized arrays
        # would page-fault on every block.
        ones = work.ones(b)
        weights = ones if w is None else w
        total = _wsum(weights, block)
        n_nan = np.zeros(p, dtype=np.int64)
        missing = None
        if np.isnan(total).any():
            missing = np.isnan(block, out=work.get("missing", block.shape, bool))
            present = np.logical_not(missing, out=work.get("present", block.shape))
            n_nan = b - np.rint(_wsum(ones, present)).astype(np.int64)
            n_nan -= n_posinf + n_neginf  # ±inf were turned into NaN above
            if not owned:
                block = work.fill("scaled", block)
            np.copyto(block, 0.0, where=missing)
            count = _wsum(weights, present)
            total = _wsum(weights, block)
        else:
            count = np.full(p, weights.sum())
        mean = np.divide(total, count, out=np.zeros(p), where=count > 0)
        dev = np.subtract(block, mean, out=work.get("dev", block.shape))
        if missing is not None:
            np.copyto(dev, 0.0, where=missing)
        # The corrected two-pass algorithm: subtracting (sum of deviations)^2 / n
        # removes the rounding error of ``mean`` to first order, so a constant
        # column gets exactly zero variance.
        correction = _wsum(weights, dev)
        dev *= dev
        m2 = _wsum(weights, dev)
        with np.errstate(invalid="ignore", divide="ignore"):
            m2 -= np.where(count > 0, correction * correction / count, 0.0)
        np.maximum(m2, 0.0, out=m2)
        # A column whose finite values are all equal has exactly that mean and
        # zero variance, whatever the rounding of the sums.
        constant = lo == hi
        if constant.any():
            mean[constant] = np.ldexp(lo[constant], -exp[constant])
            m2[constant] = 0.0
        return cls(
            n_rows=b,
            count=count,
            n_nan=n_nan,
            n_posinf=n_posinf,
            n_neginf=n_neginf,
            min=lo,
            max=hi,
            _mean=mean,
            _m2=m2,
            _exp=exp,
        )

    # ----------------------------------------------------------------- merge
    def merge(self, other):
        """Statistics of the concatenation of the data behind ``self`` and ``other``.

        Chan, Golub & LeVeque's update, after bringing both sides to a common
        power-of-two unit per column.
        """
        if self.count.shape != other.count.shape:
            raise ValueError(
                "Cannot merge statistics of "
                f"{self.count.size} and {other.count.size} features."
            )
        na, nb = self.count, other.count
        lo, hi = np.fmin(self.min, other.min), np.fmax(self.max, other.max)
        # The unit of the merged column follows its merged magnitude, so a part
        # of zeros (unit 1) never forces a part near 1e-300 into underflow.
        exp = _exponent(np.fmax(np.abs(lo), np.abs(hi)))
        mean_a = np.ldexp(self._mean, self._exp - exp)
        mean_b = np.ldexp(other._mean, other._exp - exp)
        m2_a = np.ldexp(self._m2, 2 * (self._exp - exp))
        m2_b = np.ldexp(other._m2, 2 * (other._exp - exp))
        n = na + nb
        with np.errstate(invalid="ignore", divide="ignore"):
            frac_b = np.where(n > 0, nb / n, 0.0)
            delta = mean_b - mean_a
            mean = mean_a + delta * frac_b
            m2 = m2_a + m2_b + delta * delta * na * frac_b
        return ColumnStats(
            n_rows=self.n_rows + other.n_rows,
            count=n,
            n_nan=self.n_nan + other.n_nan,
            n_posinf=self.n_posinf + other.n_posinf,
            n_neginf=self.n_neginf + other.n_neginf,
            min=lo,
            max=hi,
            _mean=mean,
            _m2=m2,
            _exp=exp,
        )

    __add__ = merge

    # ------------------------------------------------------------- read out
    @property
    def n_features(self):
        return self.count.size

    @property
    def n_nonfinite(self):
        """Per column, the NaN and ±inf cells together."""
        return self.n_nan + self.n_posinf + self.n_neginf

    @property
    def n_finite(self):
        """Per column, how many finite cells were seen (unweighted)."""
        return self.n_rows - self.n_nonfinite

    @property
    def mean(self):
        """Mean of the finite values in data units (NaN where there are none)."""
        mean = np.ldexp(self._mean, self._exp)
        mean[self.count == 0] = np.nan
        return mean

    def var(self, ddof=0):
        """Variance of the finite values in data units.

        It may overflow to ``inf`` (a standard deviation past ~1e154) or
        underflow to 0 (past ~1e-162) even though :attr:`std` is exact; use
        :attr:`std` or :meth:`scaled_moments` for such data.
        """
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            var = np.ldexp(self._m2 / (self.count - ddof), 2 * self._exp)
        var[self.count - ddof <= 0] = np.nan
        return var

    @property
    def std(self):
        """Standard deviation (ddof=0) in data units, free of overflow."""
        with np.errstate(divide="ignore", invalid="ignore"):
            std = np.ldexp(np.sqrt(self._m2 / self.count), self._exp)
        std[self.count == 0] = np.nan
        return std

    def scaled_moments(self):
        """``(mean, var, exp)`` with mean and var in units of ``2**exp``.

        Scale-free tests (is a column constant relative to its mean?) can be
        made on these without overflow; ``mean * 2**exp`` and
        ``var * 4**exp`` are the data-unit values.
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            var = np.where(self.count > 0, self._m2 / self.count, np.nan)
        mean = np.where(self.count > 0, self._mean, np.nan)
        return mean, var, self._exp.copy()


class _Workspace:
    """Block-sized float64 buffers reused from one row block to the next."""

    def __init__(self):
        self.buffers = {}
        self._ones = np.ones(0)

    def get(self, name, shape, dtype=np.float64):
        size = shape[0] * shape[1]
        buf = self.buffers.get(name)
        if buf is None or buf.size < size or buf.dtype != dtype:
            buf = self.buffers[name] = np.empty(size, dtype=dtype)
        return buf[:size].reshape(shape)

    def fill(self, name, values):
        """A float64 copy of ``values`` in buffer ``name``."""
        out = self.get(name, values.shape)
        out[...] = values
        return out

    def ones(self, n):
        if self._ones.size != n:
            self._ones = np.ones(n)
        return self._ones


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
    from concurrent.futures import ThreadPoolExecutor

    from .compat import effective_n_threads

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
    ordered, by ``np.partition`` around the order statistics needed, with
    NaN left to sort last instead of being removed first.

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

    ``col`` (NaN sorting last, ``m`` values before them) is partitioned in
    place, one single-``kth`` partition per distinct ``lo`` on the part still
    unordered (numpy's fast path).  The ``lo + 1``-th value is then the
    NaN-skipping minimum of what lies right of ``lo``, up to the next
    position already in place.  The ``lo + 1``-th of the last value is the
    value itself.
    """
    kth = np.unique(lo)
    done = 0
    for k in kth:
        col[done:].partition(k - done)
        done = k + 1
    ends = np.append(kth[1:], col.size)
    a = col[lo].astype(np.float64)
    b = a.copy()
    for k, end in zip(kth, ends, strict=True):
        if k + 1 >= m:
            continue
        nxt = col[k + 1] if k + 1 == end else np.fmin.reduce(col[k + 1 : end])
        b[lo == k] = nxt
    return a, b


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


def inf_as_nan(X, columns=None):
    """``X`` with its ±inf cells turned into NaN, for statistics of finite values.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Float data.
    columns : ndarray of bool of shape (n_features,), default=None
        The columns to clean (those known to hold ±inf, e.g. where
        :func:`column_min_max` is infinite); ``None`` cleans every column.

    Returns
    -------
    X_finite : ndarray of shape (n_samples, n_features)
        ``X`` itself when no column is to be cleaned, else a copy in the same
        memory layout. ``X`` is never modified.

    Examples
    --------
    >>> import numpy as np
    >>> inf_as_nan(np.array([[1.0, -np.inf], [np.inf, 2.0]]))
    array([[ 1., nan],
           [nan,  2.]])
    """
    X = np.asarray(X)
    cols = np.arange(X.shape[1]) if columns is None else np.flatnonzero(columns)
    if cols.size == 0:
        return X
    out = X.copy(order="K")
    for j in cols:
        col = out[:, j]
        col[np.isinf(col)] = np.nan
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
        :func:`nanquantile`; pass ``inf_as_nan(X)`` to leave them out).
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


def value_counts(values):
    """Sorted distinct values of a 1-D array and how often each occurs.

    ``np.unique(values, return_counts=True)`` (same result), except that
    object arrays (string labels) are counted through a hash table
    (``pandas.factorize``) and only the distinct values are sorted, many
    times faster than sorting every string.  values must hold no
    missing value (None, NaN).

    Examples
    --------
    >>> import numpy as np
    >>> value_counts(np.array(["b", "a", "b"], dtype=object))
    (array(['a', 'b'], dtype=object), array([1, 2]))
    """
    values = np.asarray(values)
    if values.dtype != object:
        return np.unique(values, return_counts=True)
    import pandas as pd

    codes, uniques = pd.factorize(values)
    counts = np.bincount(codes, minlength=len(uniques))
    uniques = np.asarray(uniques, dtype=object)
    order = np.argsort(uniques, kind="stable")
    return uniques[order], counts[order]


def merge_value_counts(first, second):
    """Merge two ``(values, counts)`` pairs of :func:`value_counts` into one.

    The counts of a value present in both are added; the values stay sorted,
    so merging the counts of two pieces of data gives the counts of their
    concatenation.

    Examples
    --------
    >>> import numpy as np
    >>> merge_value_counts(value_counts(np.array([2, 1, 2])),
    ...                    value_counts(np.array([3, 2])))
    (array([1, 2, 3]), array([1, 3, 1]))
    """
    values = np.concatenate([first[0], second[0]])
    counts = np.concatenate([first[1], second[1]])
    if values.dtype == object:
        import pandas as pd

        codes, uniques = pd.factorize(values)
        uniques = np.asarray(uniques, dtype=object)
    else:
        uniques, codes = np.unique(values, return_inverse=True)
    merged = np.bincount(codes, weights=counts, minlength=len(uniques))
    merged = merged.astype(np.int64)
    order = np.argsort(uniques, kind="stable")
    return uniques[order], merged[order]


def sample_rows(n_rows, size, random_state):
    """Sorted row indices of a stratified random sample, or ``None`` for all rows.

    ``range(n_rows)`` is cut into ``size`` runs of consecutive rows of (almost)
    equal length and one row is drawn uniformly from each run.  Every part of
    the data is represented, so sorted or time-ordered data gives quantiles as
    good as shuffled data, and the random position inside each run avoids the
    aliasing of a fixed stride with periodic data.  The same ``random_state``
    (an int) gives the same rows.

    Parameters
    ----------
    n_rows : int
        Rows in the data.
    size : int or None
        Rows wanted; ``None``, or at least ``n_rows``, means every row.
    random_state : int, RandomState instance or None
        Source of the positions inside each run.

    Returns
    -------
    rows : ndarray of intp of shape (size,), increasing, or None

    Examples
    --------
    >>> sample_rows(10, 4, random_state=0)
    array([1, 2, 5, 7])
    >>> sample_rows(10, None, random_state=0) is None
    True
    """
    if size is None or size >= n_rows:
        return None
    rng = random_state
    if not hasattr(rng, "random"):  # a seed, not a RandomState or Generator
        rng = np.random.default_rng(random_state)
    edges = (np.arange(size + 1, dtype=np.int64) * n_rows) // size
    lengths = np.diff(edges)
    offsets = (rng.random(size) * lengths).astype(np.int64)
    return (edges[:-1] + np.minimum(offsets, lengths - 1)).astype(np.intp)


def column_mode_share(X):
    """Share of each column's non-NaN values taken by its most frequent value.

    1.0 for a constant column, ``1 / n`` when all ``n`` values differ, NaN
    for a column with no non-NaN value.  The count of :func:`nanmode`'s
    value over the non-NaN count.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Numeric data; NaN is skipped (pass ``inf_as_nan(X)`` to skip ±inf too).

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


#: KLL accuracy parameter: at k=400 the normalised rank error of any quantile
#: is below 0.7% (with 99% confidence), within the 1% we promise.
SKETCH_K = 400


class QuantileSketch:
    """Mergeable per-column quantile sketches with a stated rank error.

    One Apache DataSketches KLL sketch per column, fed the finite values
    (NaN and ±inf are left out, as in :class:`ColumnStats`).  Sketches of two
    pieces of data merge into the sketch of their concatenation, so streamed
    (``partial_fit``) and distributed (Dask) fits share this code.  Exact
    in-memory fits use :func:`nanquantile` instead.

    Parameters
    ----------
    n_features : int
    k : int, default=SKETCH_K
        Accuracy parameter; :attr:`rank_error` gives the bound it implies.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(10_000, 2))
    >>> sketch = QuantileSketch.from_array(X[:5000]).merge(
    ...     QuantileSketch.from_array(X[5000:]))
    >>> q = sketch.quantile(0.5)
    >>> bool(np.all(np.abs((X < q).mean(axis=0) - 0.5) <= sketch.rank_error))
    True
    """

    def __init__(self, n_features, k=SKETCH_K):
        from datasketches import kll_doubles_sketch

        self.k = k
        self._sketches = [kll_doubles_sketch(k) for _ in range(n_features)]

    @classmethod
    def from_array(cls, X, k=SKETCH_K):
        """Sketch each column of a 2-D array (NaN and ±inf left out)."""
        X = np.asarray(X)
        sketch = cls(X.shape[1], k)
        for j, column_sketch in enumerate(sketch._sketches):
            col = X[:, j].astype(np.float64)
            col = col[np.isfinite(col)]
            if col.size:
                column_sketch.update(col)
        return sketch

    @property
    def n_features(self):
        return len(self._sketches)

    @property
    def rank_error(self):
        """Normalised rank error bound of a single quantile (99% confidence)."""
        from datasketches import kll_doubles_sketch

        return kll_doubles_sketch.get_normalized_rank_error(self.k, False)

    @property
    def count(self):
        """Finite values sketched, per column."""
        return np.array([s.n for s in self._sketches], dtype=np.int64)

    def merge(self, other):
        """The sketch of the concatenation of the data behind both sketches."""
        if self.n_features != other.n_features:
            raise ValueError(
                f"Cannot merge sketches of {self.n_features} and "
                f"{other.n_features} features."
            )
        merged = QuantileSketch(self.n_features, min(self.k, other.k))
        for target, a, b in zip(
            merged._sketches, self._sketches, other._sketches, strict=True
        ):
            target.merge(a)
            target.merge(b)
        return merged

    __add__ = merge

    def quantile(self, q):
        """Approximate quantiles per column, shaped like :func:`nanquantile`'s."""
        q_arr = np.atleast_1d(np.asarray(q, dtype=np.float64))
        out = np.full((q_arr.size, self.n_features), np.nan)
        for j, sketch in enumerate(self._sketches):
            if not sketch.is_empty():
                out[:, j] = [sketch.get_quantile(float(v)) for v in q_arr]
        return out[0] if np.ndim(q) == 0 else out

    @property
    def interval_rank_error(self):
        """Error bound on the share of values inside an interval (99% confidence).

        DataSketches' "double-sided" bound: it covers a difference of two
        ranks, such as the share of values within a distance of a center
        (:meth:`median_abs_deviation`).  Below 0.9% at the default ``k``.
        """
        from datasketches import kll_doubles_sketch

        return kll_doubles_sketch.get_normalized_rank_error(self.k, True)

    def rank(self, values, inclusive=False):
        """Per column ``j``, the approximate share of values below ``values[j]``.

        With ``inclusive=True``, the share of values at most ``values[j]``.
        Within :attr:`rank_error` of the true share; NaN for an empty column.
        """
        values = np.broadcast_to(np.asarray(values, dtype=np.float64), self.count.shape)
        out = np.full(self.n_features, np.nan)
        for j, sketch in enumerate(self._sketches):
            if not sketch.is_empty():
                out[j] = sketch.get_rank(float(values[j]), inclusive)
        return out

    def median_abs_deviation(self, center):
        """Approximate median of ``|x - center[j]|`` over each column's values.

        Read off the sketch itself: its retained values, with their weights,
        are an approximate distribution of the column, and the weighted
        median of their distances to ``center`` is returned.  The share of
        the column's values within the returned distance of ``center`` is
        that of an interval, so it is within :attr:`interval_rank_error` of
        one half: the result is the median absolute deviation up to that rank
        error, in one pass over the data and mergeable (no second pass with a
        known center is needed).

        Parameters
        ----------
        center : array-like of shape (n_features,)
            The value each column's deviations are measured from (its
            median, e.g. ``self.quantile(0.5)``).

        Returns
        -------
        mad : ndarray of float64 of shape (n_features,)
            NaN for an empty column (or a NaN center).
        """
        center = np.broadcast_to(np.asarray(center, dtype=np.float64), self.count.shape)
        out = np.full(self.n_features, np.nan)
        for j, sketch in enumerate(self._sketches):
            if sketch.is_empty() or np.isnan(center[j]):
                continue
            items, weights = _retained(sketch)
            deviation = np.abs(items - center[j])
            order = np.argsort(deviation, kind="stable")
            cumulative = np.cumsum(weights[order])
            # The smallest distance within which more than half the weight
            # lies (so it is 0 only when more than half the values sit at the
            # center, as for the exact MAD).
            half = np.searchsorted(cumulative, 0.5 * cumulative[-1], side="right")
            out[j] = deviation[order][half]
        return out

    def mode_share(self):
        """Approximate share of each column's values taken by its most frequent one.

        The sketched weight of a value estimates how often it occurs, within
        :attr:`interval_rank_error` of the column's values (it is the
        difference of the ranks just above and just below the value).  NaN
        for an empty column.  :func:`column_mode_share` is the exact
        in-memory counterpart.
        """
        out = np.full(self.n_features, np.nan)
        for j, sketch in enumerate(self._sketches):
            if sketch.is_empty():
                continue
            items, weights = _retained(sketch)
            _, codes = np.unique(items, return_inverse=True)
            out[j] = np.bincount(codes, weights=weights).max() / weights.sum()
        return out

    def __getstate__(self):
        return {"k": self.k, "sketches": [s.serialize() for s in self._sketches]}

    def __setstate__(self, state):
        from datasketches import kll_doubles_sketch

        self.k = state["k"]
        self._sketches = [kll_doubles_sketch.deserialize(b) for b in state["sketches"]]


def _retained(sketch):
    """The values a KLL sketch retains and their weights, as float64 arrays."""
    items, weights = np.array(list(sketch), dtype=np.float64).reshape(-1, 2).T
    return items, weights


@dataclass
class InfRows:
    """The first rows holding ±inf in each column, and how many, mergeable.

    Row numbers count from the first row of the data: merging in data order
    (the chunks of a stream, the blocks of a Dask array as
    :func:`sktorchsafe._dask.reduce_blocks` merges them) shifts the rows of
    the later part by the rows of the earlier one, so messages can name rows
    of the whole data without it being at hand.

    Attributes
    ----------
    n_rows : int
        Rows seen.
    count : ndarray of int64 of shape (n_features,)
        Per column, the ±inf cells seen.
    rows : dict of int to ndarray of int64
        Per column holding ±inf, its first ``limit`` rows holding them.
    limit : int
        How many rows are kept per column.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, np.inf], [2.0, 3.0], [-np.inf, -np.inf]])
    >>> rows = InfRows.from_array(X[:2]).merge(InfRows.from_array(X[2:]))
    >>> rows.count, rows.rows
    (array([1, 2]), {0: array([2]), 1: array([0, 2])})
    """

    n_rows: int
    count: np.ndarray
    rows: dict
    limit: int = 10

    @classmethod
    def from_array(cls, X, columns=None, limit=10):
        """Rows holding ±inf in a 2-D array.

        ``columns`` (boolean, shape (n_features,)) restricts the search to
        the columns known to hold ±inf (e.g. from :class:`ColumnStats`);
        ``None`` finds them with one :func:`column_min_max` pass.
        """
        X = np.asarray(X)
        n, p = X.shape
        if columns is None:
            if X.dtype.kind not in "fc":
                columns = np.zeros(p, dtype=bool)
            else:
                lo, hi = column_min_max(X)
                columns = np.isinf(lo) | np.isinf(hi)
        count = np.zeros(p, dtype=np.int64)
        rows = {}
        for j in np.flatnonzero(columns):
            found = np.flatnonzero(np.isinf(X[:, j]))
            count[j] = found.size
            if found.size:
                rows[int(j)] = found[:limit].astype(np.int64)
        return cls(n_rows=n, count=count, rows=rows, limit=limit)

    def merge(self, other):
        """The rows of ``self``'s data followed by ``other``'s."""
        limit = min(self.limit, other.limit)
        rows = {j: r[:limit] for j, r in self.rows.items()}
        for j, later in other.rows.items():
            earlier = rows.get(j, np.zeros(0, dtype=np.int64))
            if earlier.size < limit:
                shifted = later[: limit - earlier.size] + self.n_rows
                rows[j] = np.concatenate([earlier, shifted])
        return InfRows(
            n_rows=self.n_rows + other.n_rows,
            count=self.count + other.count,
            rows=dict(sorted(rows.items())),
            limit=limit,
        )

    __add__ = merge


@dataclass
class ValueCounts:
    """How often each distinct finite value occurs in each column, mergeable.

    The exact, streaming counterpart of :func:`nanmode`: counts of two pieces
    of data merge into the counts of their concatenation, and :meth:`mode`
    gives what :func:`nanmode` gives on all of it.  It keeps one count per
    distinct value, so it suits discrete columns (categories, counts, coded
    values); a continuous column keeps as many counts as it has rows.

    Attributes
    ----------
    values : list of ndarray
        Per column, its distinct finite values, sorted.
    counts : list of ndarray of int64
        Per column, how often each of ``values`` occurs.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[2.0, np.nan], [1.0, 4.0], [2.0, np.inf], [1.0, 4.0]])
    >>> counts = ValueCounts.from_array(X[:2]).merge(ValueCounts.from_array(X[2:]))
    >>> counts.mode()
    array([1., 4.])
    """

    values: list
    counts: list

    @classmethod
    def from_array(cls, X):
        """Counts of the finite values of each column of a 2-D array."""
        X = np.asarray(X)
        values, counts = [], []
        for j in range(X.shape[1]):
            col = X[:, j]
            if col.dtype.kind in "fc":
                col = col[np.isfinite(col)]
            v, c = np.unique(col, return_counts=True)
            values.append(v)
            counts.append(c.astype(np.int64))
        return cls(values, counts)

    @property
    def n_features(self):
        return len(self.values)

    def merge(self, other):
        """The counts of the concatenation of the data behind both."""
        if self.n_features != other.n_features:
            raise ValueError(
                f"Cannot merge counts of {self.n_features} and "
                f"{other.n_features} features."
            )
        merged = [
            merge_value_counts((va, ca), (vb, cb))
            for va, ca, vb, cb in zip(
                self.values, self.counts, other.values, other.counts, strict=True
            )
        ]
        return ValueCounts([v for v, _ in merged], [c for _, c in merged])

    __add__ = merge

    def mode(self):
        """Most frequent value per column, the smallest on ties; NaN if none."""
        out = np.full(self.n_features, np.nan)
        for j, (values, counts) in enumerate(
            zip(self.values, self.counts, strict=True)
        ):
            if counts.size:
                out[j] = values[np.argmax(counts)]  # first maximum: smallest
        return out
