"""Mergeable per-column moments: the one place where steps compute numbers.

A step's ``fit`` reduces X to statistics and its ``transform`` is a cheap
elementwise map.  The statistics here are *mergeable*: the statistics of two
pieces of data combine into exactly (up to rounding) the statistics of their
concatenation, so ``fit`` on an array, ``partial_fit`` on a stream and a fit
over the blocks of a Dask array are the same code.  The statistics live in
four modules, one idea each:

- here, the moments (:class:`ColumnStats`: counts, mean, variance, range) and
  the row blocks every pass over X is read in;
- :mod:`.quantiles`, exact order statistics of an array in memory
  (:func:`~.quantiles.nanquantile`, modes, median absolute deviations);
- :mod:`.sketches`, their mergeable, approximate counterpart
  (:class:`~.sketches.QuantileSketch`);
- :mod:`.counts`, mergeable exact counts (distinct values, rows holding ±inf).

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
    "BLOCK_ELEMENTS",
    "EXP_LIMIT",
    "SUBSAMPLE",
    "ColumnStats",
    "column_min_max",
    "inf_as_nan",
    "row_blocks",
    "sample_rows",
    "scale_exponent",
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


def scale_exponent(magnitude, limit=EXP_LIMIT):
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

        exp = scale_exponent(np.fmax(np.abs(lo), np.abs(hi)))
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
        exp = scale_exponent(np.fmax(np.abs(lo), np.abs(hi)))
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


#: Rows an in-memory ``fit`` reads its order statistics (the clipper's
#: quantiles, the imputer's medians) from, by default, when there are more: a
#: stratified sample (see :func:`sample_rows`) whose every quantile has a rank
#: within ``1.3 / sqrt(SUBSAMPLE)`` (0.92%) of the one asked for, with 99%
#: confidence; a median within 0.023 standard deviations of a normal
#: feature's. Bounds and fill values need no finer, and the sort is then a
#: fixed cost that no longer grows with the rows.
SUBSAMPLE = 20_000


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
