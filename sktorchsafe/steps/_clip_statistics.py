"""What :class:`~sktorchsafe.OutlierClipper` makes its bounds of.

Per-feature statistics of the finite values (:class:`BoundStatistics`):
exact, from an array in memory (:func:`exact_statistics`), or from the
mergeable statistics of a stream or of Dask blocks (:class:`ClipStream`:
moments and a quantile sketch per feature).
"""

from dataclasses import dataclass, field

import numpy as np
from scipy.stats import norm

from ..core.quantiles import nanmedian_abs_deviation, nanquantile
from ..core.sketches import QuantileSketch
from ..core.stats import ColumnStats, column_min_max, inf_as_nan

__all__ = [
    "GRID_LEVELS",
    "MAD_TO_STD",
    "BoundStatistics",
    "ClipStream",
    "exact_statistics",
]

#: The quantile levels a ``"quantile_normal"`` map (and ``"auto"``'s choice)
#: is made of: every 0.1%, the minimum and maximum included.
GRID_LEVELS = np.linspace(0.0, 1.0, 1001)

#: Methods that learn the quantile grid (the others learn a few statistics).
GRID_METHODS = ("quantile_normal", "auto")

#: Methods that learn the finite range only.
RANGE_METHODS = ("none", "range")

#: The rows of the grid every feature gets (the range, 1%, the quartiles,
#: 99%); ``exact_statistics`` fills the others only for the features that
#: need the whole grid.
COARSE_ROWS = np.array([0, 10, 250, 500, 750, 990, 1000])

#: ``1 / Φ⁻¹(3/4)``: scales the median absolute deviation of normal data to its
#: standard deviation (``scipy.stats.median_abs_deviation(scale="normal")``).
MAD_TO_STD = float(1.0 / norm.ppf(0.75))


@dataclass
class BoundStatistics:
    """What ``fit`` learns from the finite values of each feature.

    The bounds are ``low - k * spread`` and ``high + k * spread`` with ``k``
    the ``fold`` or ``threshold`` parameter: ``low``/``high`` are the first and
    third quartiles (``"iqr"``), the two quantiles (``"quantile"``, where
    ``k = 0``), or the mean (``"zscore"``) or median (``"mad"``) on both
    sides.  ``data_min``/``data_max`` are the observed finite range.  All are
    float64 arrays of shape (n_features,), NaN for a feature without any
    finite value.
    """

    low: np.ndarray
    high: np.ndarray
    spread: np.ndarray
    data_min: np.ndarray
    data_max: np.ndarray
    #: The median (``"squash"`` and the grid methods), else None.
    center: np.ndarray = None
    #: Quantiles at :data:`GRID_LEVELS`, shape (1001, n_features), for the
    #: grid methods, else None.
    grid: np.ndarray = None
    #: Finite values per feature (the grid methods), else None.
    count: np.ndarray = field(default=None)
    #: Standard deviation of the finite values (the grid methods; NaN for
    #: the features without the whole grid), else None.
    std: np.ndarray = None
    #: ``(n_rows, n_nan, n_neginf, n_posinf)`` per feature, read from every
    #: row by :func:`exact_statistics`, else None.
    nonfinite: tuple = None

    def counts_if_only_inf_clipped(self, lower, upper):
        """What ``transform`` of the training data clips, if no finite value is.

        ``(n_below, n_above, n_observed)`` per feature, as
        :meth:`OutlierClipper._clip` counts them, when every feature's finite
        range lies within ``[lower, upper]`` (only ±inf are moved: the
        methods that do not clip, bounds at the range, loose bounds); None
        otherwise, or without the counts.
        """
        if self.nonfinite is None:
            return None
        n_rows, n_nan, n_neginf, n_posinf = self.nonfinite
        with np.errstate(invalid="ignore"):
            outside = (self.data_min < lower) | (self.data_max > upper)
        if outside.any():
            return None
        return n_neginf, n_posinf, n_rows - n_nan


def moment_statistics(stats):
    """``"zscore"`` statistics of :class:`~sktorchsafe.core.stats.ColumnStats`."""
    mean = stats.mean
    return BoundStatistics(mean, mean, stats.std, stats.min, stats.max)


def exact_statistics(X, method, levels, rows=None, grid_for=None):
    """Per-feature statistics of the finite values of an in-memory X.

    ``levels`` are the two quantiles (fractions) of ``"iqr"`` and
    ``"quantile"``. ``rows`` (sorted row indices, or None for all) are the
    rows the order statistics are read from; the moments, the finite range
    and the counts always read every row. ``grid_for`` (the grid methods):
    a function of the statistics at :data:`COARSE_ROWS` that gives the
    features which need the whole grid (a boolean mask); the other features'
    grid holds NaN outside those rows. None: every feature gets the whole
    grid. Sorting every value of a feature is what the whole grid costs,
    while the coarse rows take a few partial orderings.
    """
    if method == "zscore":
        # NaN and ±inf are left out of the moments.
        column_stats = ColumnStats.from_array(X)
        stats = moment_statistics(column_stats)
        stats.nonfinite = (
            X.shape[0],
            column_stats.n_nan,
            column_stats.n_neginf,
            column_stats.n_posinf,
        )
        return stats

    data_min, data_max = column_min_max(X)
    has_inf = np.isinf(data_min) | np.isinf(data_max)
    nonfinite = _nonfinite_counts(X, has_inf)
    if has_inf.any():
        data_min[has_inf], data_max[has_inf] = column_min_max(inf_as_nan(X[:, has_inf]))
    if method in RANGE_METHODS:
        stats = _no_statistics(data_min, data_max)
    else:
        sample = inf_as_nan(X if rows is None else X[rows], has_inf)
        if method in GRID_METHODS:
            n_rows, n_nan, n_neginf, n_posinf = nonfinite
            count = n_rows - n_nan - n_neginf - n_posinf
            stats, whole = _grid_in_stages(sample, grid_for, count, data_min, data_max)
            # Every row's moments, for the features with the whole grid.
            stats.std = np.full(whole.size, np.nan)
            if whole.any():
                finite = inf_as_nan(X[:, whole], has_inf[whole])
                stats.std[whole] = ColumnStats.from_array(finite).std
        else:
            stats = _order_statistics(sample, method, levels, data_min, data_max)
    stats.nonfinite = nonfinite
    return stats


def _nonfinite_counts(X, has_inf):
    """``(n_rows, n_nan, n_neginf, n_posinf)`` per column; ``has_inf`` flags ±inf."""
    n_nan = np.count_nonzero(np.isnan(X), axis=0)
    n_neginf, n_posinf = np.zeros_like(n_nan), np.zeros_like(n_nan)
    if has_inf.any():
        with_inf = X[:, has_inf]
        n_neginf[has_inf] = np.count_nonzero(with_inf == -np.inf, axis=0)
        n_posinf[has_inf] = np.count_nonzero(with_inf == np.inf, axis=0)
    return X.shape[0], n_nan, n_neginf, n_posinf


def _order_statistics(X, method, levels, data_min, data_max):
    """The few quantiles of the bound methods (X: the rows read, ±inf as NaN)."""
    if method == "squash":
        return quartile_statistics(
            nanquantile(X, (0.25, 0.5, 0.75)), data_min, data_max
        )
    if method == "mad":
        median = nanquantile(X, 0.5)
        with np.errstate(over="ignore"):  # a MAD near 1e308: inf, clipped later
            spread = MAD_TO_STD * nanmedian_abs_deviation(X, median)
        return BoundStatistics(median, median, spread, data_min, data_max)
    low, high = nanquantile(X, levels)
    with np.errstate(over="ignore"):
        spread = high - low
    return BoundStatistics(low, high, spread, data_min, data_max)


def _grid_in_stages(X, grid_for, count, data_min, data_max):
    """``(stats, whole)``: the grid statistics, and the features with the whole grid.

    The whole grid only for the features ``grid_for`` picks (every feature
    when it is None); the others get the rows of :data:`COARSE_ROWS`.
    """
    if grid_for is None:
        grid = nanquantile(X, GRID_LEVELS)
        whole = np.ones(X.shape[1], dtype=bool)
        return grid_statistics(grid, count, data_min, data_max), whole
    grid = np.full((GRID_LEVELS.size, X.shape[1]), np.nan)
    inner = COARSE_ROWS[1:-1]  # the ends are the exact range
    grid[inner] = nanquantile(X, GRID_LEVELS[inner])
    stats = grid_statistics(grid, count, data_min, data_max)
    whole = np.asarray(grid_for(stats), dtype=bool)
    if whole.any():
        stats.grid[1:-1, whole] = nanquantile(X[:, whole], GRID_LEVELS[1:-1])
    return stats, whole


def _no_statistics(data_min, data_max):
    nan = np.full(data_min.shape, np.nan)
    return BoundStatistics(nan, nan, nan, data_min, data_max)


def quartile_statistics(quartiles, data_min, data_max):
    """``"squash"`` statistics of the quartiles, shape (3, n_features)."""
    low, center, high = quartiles
    with np.errstate(over="ignore"):
        spread = high - low
    return BoundStatistics(low, high, spread, data_min, data_max, center=center)


def grid_statistics(grid, count, data_min, data_max):
    """Statistics of the quantiles at :data:`GRID_LEVELS` (rows of ``grid``)."""
    n = GRID_LEVELS.size - 1
    stats = quartile_statistics(grid[[n // 4, n // 2, 3 * n // 4]], data_min, data_max)
    # The ends are the exact range (a row sample or a sketch may miss the
    # extremes), so that every training value keeps its rank in the map.
    grid = np.array(grid, dtype=np.float64)
    grid[0], grid[-1] = data_min, data_max
    stats.grid = grid
    stats.count = np.asarray(count, dtype=np.int64)
    return stats


@dataclass
class ClipStream:
    """Mergeable statistics of a chunk or a block: moments and a quantile sketch."""

    stats: ColumnStats
    sketch: QuantileSketch

    @classmethod
    def of(cls, X):
        return cls(ColumnStats.from_array(X), QuantileSketch.from_array(X))

    def merge(self, other):
        return ClipStream(
            self.stats.merge(other.stats), self.sketch.merge(other.sketch)
        )

    def bound_statistics(self, method, levels):
        """Per-feature statistics from the merged moments and quantile sketch."""
        stats, sketch = self.stats, self.sketch
        if method == "zscore":
            return moment_statistics(stats)
        if method in RANGE_METHODS:
            return _no_statistics(stats.min, stats.max)
        if method in GRID_METHODS:
            grid = grid_statistics(
                sketch.quantile(GRID_LEVELS), stats.count, stats.min, stats.max
            )
            grid.std = stats.std
            return grid
        if method == "squash":
            return quartile_statistics(
                sketch.quantile((0.25, 0.5, 0.75)), stats.min, stats.max
            )
        if method == "mad":
            median = sketch.quantile(0.5)
            with np.errstate(over="ignore"):
                spread = MAD_TO_STD * sketch.median_abs_deviation(median)
            return BoundStatistics(median, median, spread, stats.min, stats.max)
        low, high = sketch.quantile(levels)
        with np.errstate(over="ignore"):
            spread = high - low
        return BoundStatistics(low, high, spread, stats.min, stats.max)

    def clipped_fraction(self, lower, upper):
        """The share of values clipped to ``lower``/``upper``, from the sketch.

        Finite values below ``lower`` and above ``upper`` are estimated from
        the ranks of the bounds in the sketch; ±inf (always changed by
        ``transform``) are counted.
        """
        stats, sketch = self.stats, self.sketch
        finite = stats.count
        with np.errstate(invalid="ignore"):
            below = np.where(np.isfinite(lower), sketch.rank(lower), 0.0)
            above = np.where(
                np.isfinite(upper), 1.0 - sketch.rank(upper, inclusive=True), 0.0
            )
        below = np.nan_to_num(below) * finite + stats.n_neginf
        above = np.nan_to_num(above) * finite + stats.n_posinf
        n_observed = stats.n_rows - stats.n_nan
        return np.divide(
            below + above,
            n_observed,
            out=np.zeros(n_observed.size),
            where=n_observed > 0,
        )
