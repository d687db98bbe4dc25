"""The tail maps of :class:`~sktorchsafe.OutlierClipper`: chosen per column, applied.

``fit`` turns the statistics of :mod:`._clip_statistics` into one method per
feature (:func:`choose_methods` for ``method="auto"``) and the parameters of
its map (:class:`TailMaps`); ``transform`` clips every feature to its bounds
(``-inf``/``+inf`` for the methods that do not clip) and then applies the
smooth maps in place, one elementwise map per column:

- ``"squash"``: robust scaling and a smooth clip, as skrub's
  ``SquashingScaler`` (``z / sqrt(1 + (z / B)**2)`` with
  ``z = (x - median) / IQR``), returned in the feature's units
  (``median + IQR * squashed``);
- ``"quantile_normal"``: the empirical distribution function (linear between
  the learned quantiles) followed by the normal quantile function, returned
  in the feature's units (``median + sigma * z`` with ``sigma`` the IQR of
  normal data with the feature's IQR).

Both are increasing, so the order of the values is kept, and bounded.
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri
from sklearn.utils import Bunch

from ..core.stats import BLOCK_ELEMENTS, row_blocks
from ._clip_statistics import GRID_LEVELS, MAD_TO_STD

__all__ = [
    "AUTO_FENCE",
    "AUTO_HEAVY_SHARE",
    "AUTO_RESOLUTION",
    "BOUND_METHODS",
    "MAP_METHODS",
    "TailMaps",
    "beyond_fences",
    "choose_methods",
]

#: Methods that hard-clip to bounds learned from the statistics.
BOUND_METHODS = ("iqr", "quantile", "zscore", "mad")

#: Methods that map every value through a smooth increasing function.
MAP_METHODS = ("squash", "quantile_normal")

#: ``"auto"`` keeps a feature's training values (and clips new ones to their
#: range) when they all lie within Tukey's outer fences, ``AUTO_FENCE`` IQRs
#: beyond the quartiles.
AUTO_FENCE = 3.0

#: ``"auto"`` calls values beyond the fences a tail (kept, or mapped to a
#: normal) when at least this share of the training values lies there
#: (0.0002% for normal data; 4% for a lognormal of sigma 1.2); below it, the
#: few values beyond are taken for outliers (1% of gross errors reads as 1%)
#: and squashed.
AUTO_HEAVY_SHARE = 0.02

#: ``"auto"`` keeps the training values of a tail beyond the fences (and
#: clips new ones to their range) when its robust spread is at least this
#: many standard deviations: standardizing then leaves the body its
#: resolution (normal data: 1.35; a lognormal of sigma 1.2: 0.58, of sigma
#: 1.5: 0.27, of sigma 2: 0.07; 1% of gross errors near 1e4 in normal data:
#: 0.002), and a tail that carries the target keeps its linear relation to
#: it.
AUTO_RESOLUTION = 0.25


def _robust_spread(stats):
    """The IQR; where it is 0, the 1%-99% range; where that is 0 too, 0."""
    spread = stats.spread.copy()
    if stats.grid is not None:
        n = GRID_LEVELS.size - 1
        with np.errstate(over="ignore", invalid="ignore"):
            wide = stats.grid[(99 * n) // 100] - stats.grid[n // 100]
        spread = np.where(spread > 0, spread, wide)
    return spread


def choose_methods(stats, *, fence=None, heavy_share=None, resolution=None):
    """The ``"auto"`` rule: one of "range", "squash", "quantile_normal".

    Per feature, from the quantile grid, the finite range and the standard
    deviation; every choice keeps new values within what ``fit`` saw, so the
    net never extrapolates from values it was not trained on:

    1. ``"range"`` when every finite training value lies within ``fence``
       robust spreads beyond the quartiles (Tukey's outer fences; further
       out on samples so large that normal data reaches them: as far as
       ``n`` normal values reach with 99% probability; the spread is the
       IQR, or the 1%-99% range where the IQR is 0, as in a mostly-zero
       count), or when the spread is 0 (a constant, an indicator of a rare
       event): the training values stay as they are, and new values beyond
       the training range go to its ends (a gross error in new data, a
       value the net never saw);
    2. ``"squash"`` when fewer than ``heavy_share`` of the values lie beyond
       the fences: a few values far out, noise more likely than signal, are
       pulled smoothly towards ``median ± threshold * IQR`` while the body
       stays nearly linear;
    3. ``"range"`` too for a tail (at least ``heavy_share`` beyond the
       fences) whose spread is still at least ``resolution`` standard
       deviations: it does not crush the body under standardizing (a
       moderate tail: amounts, delays), and a tail that carries the target
       keeps its linear relation to it;
    4. ``"quantile_normal"`` for a heavier tail, one that would crush the
       body: its values keep their order and their spread in rank (the top
       1% stays the top 1%), while its extreme values no longer dominate the
       scaler.

    Deterministic: a function of the statistics only, which ``partial_fit``
    and Dask fits merge (their quantile grid is a sketch's).
    """
    heavy_share = AUTO_HEAVY_SHARE if heavy_share is None else heavy_share
    resolution = AUTO_RESOLUTION if resolution is None else resolution
    methods = np.full(stats.data_min.size, "range", dtype=object)
    low, high, tame = _fences(stats, fence)
    with np.errstate(invalid="ignore"):
        interior = stats.grid[1:-1][:, tame]
        share = np.mean((interior < low[tame]) | (interior > high[tame]), axis=0)
    heavy = np.zeros_like(tame)
    heavy[tame] = share >= heavy_share
    resolved = np.zeros_like(tame)
    if stats.std is not None:
        with np.errstate(over="ignore", invalid="ignore"):
            resolved = _robust_spread(stats) >= resolution * stats.std
    methods[tame & ~heavy] = "squash"
    methods[heavy & resolved] = "range"
    methods[heavy & ~resolved] = "quantile_normal"
    return methods


def beyond_fences(stats, *, fence=None):
    """The features rule 1 of :func:`choose_methods` does not give ``"range"``.

    A boolean mask, read from the quartiles, the 1% and 99% quantiles, the
    finite range and the counts only: the features that need the whole
    quantile grid.
    """
    return _fences(stats, fence)[2]


def _fences(stats, fence=None):
    """``(low, high, beyond)``: the ``"auto"`` fences, and who lies beyond them."""
    fence = AUTO_FENCE if fence is None else fence
    spread = _robust_spread(stats)
    # On large samples, no closer than a normal sample of that size reaches
    # with 99% probability (in IQRs beyond the quartile): 3.5 at 400,000 rows.
    n = np.maximum(stats.count, 1)
    quartile = ndtri(0.75)
    fence = np.maximum(fence, (-ndtri(0.01 / n) - quartile) / (2 * quartile))
    with np.errstate(over="ignore", invalid="ignore"):
        low = stats.low - fence * spread
        high = stats.high + fence * spread
        beyond = (stats.data_min < low) | (stats.data_max > high)
    return low, high, beyond & (spread > 0) & np.isfinite(spread)


@dataclass
class TailMaps:
    """Per-column parameters of the smooth maps that follow the hard clip."""

    methods: np.ndarray
    center: np.ndarray
    scale: np.ndarray
    bound: float
    knots: dict

    @classmethod
    def of(cls, methods, stats, bound):
        """The maps of ``methods`` (per feature) from the fitted statistics."""
        spread = _robust_spread(stats) if stats.center is not None else stats.spread
        center = stats.center
        if center is None:
            center = np.full(methods.size, np.nan)
        with np.errstate(over="ignore", invalid="ignore"):
            # skrub's fallback where the IQR is 0: half the range.
            span = 0.5 * stats.data_max - 0.5 * stats.data_min
            scale = np.where(spread > 0, spread, span)
        scale = np.fmin(scale, np.finfo(np.float64).max)  # an overflowed spread
        knots = {}
        for j in np.flatnonzero(methods == "quantile_normal"):
            knots[j] = _normal_knots(stats, j, center[j], scale[j])
        return cls(methods, center, scale, float(bound), knots)

    def apply(self, out, tails="both"):
        """Map the smooth columns of the clipped ``out`` in place.

        Results beyond the finite range of ``out``'s dtype (features near
        1e308) are clamped to it.
        """
        big = np.finfo(out.dtype).max
        for j in np.flatnonzero(np.isin(self.methods, MAP_METHODS)):
            if not np.isfinite(self.center[j]):
                continue  # a feature without finite values: left as is
            col = out[:, j].astype(np.float64)
            with np.errstate(over="ignore", invalid="ignore"):
                if self.methods[j] == "squash":
                    mapped = self._squash(col, j)
                else:
                    xp, zp = self.knots[j]
                    if xp.size > 1:
                        mapped = np.interp(col, xp, zp)
                    else:
                        mapped = np.full_like(col, zp[0])
                    mapped[np.isnan(col)] = np.nan
            if tails == "right":
                mapped = np.where(col < self.center[j], col, mapped)
            elif tails == "left":
                mapped = np.where(col > self.center[j], col, mapped)
            out[:, j] = np.clip(mapped, -big, big)

    def _squash(self, col, j):
        center, scale, bound = self.center[j], self.scale[j], self.bound
        if not scale > 0 or not np.isfinite(scale) or bound == 0:
            return np.where(np.isnan(col), np.nan, center)
        with np.errstate(over="ignore", invalid="ignore"):
            z = (col - center) / scale
            soft = z / np.sqrt(1.0 + (z / bound) ** 2)
        huge = np.isinf(z) | (np.abs(z) > 1e150)
        soft[huge] = np.sign(z[huge]) * bound
        return center + scale * soft


def _normal_knots(stats, j, center, scale):
    """``(xp, zp)``: the quantiles of feature ``j`` and their normal images.

    The value of rank ``r`` among ``n`` gets the plotting position
    ``(r + 0.5) / n`` (so the minimum and maximum map to the normal quantiles
    of a sample of that size, never to ±inf), then ``center + sigma * z`` with
    ``sigma = scale / 1.349`` (a normal with this IQR). Runs of equal
    quantiles (ties) map to the middle of their positions.
    """
    grid = stats.grid[:, j]
    n = max(int(stats.count[j]), 1)
    levels = (GRID_LEVELS * (n - 1) + 0.5) / n
    xp, start, counts = np.unique(grid, return_index=True, return_counts=True)
    p = np.add.reduceat(levels, start) / counts if xp.size else levels
    sigma = scale * (MAD_TO_STD / 2.0) if scale > 0 else 0.0
    big = np.finfo(np.float64).max
    with np.errstate(over="ignore", invalid="ignore"):
        zp = np.clip(center + sigma * ndtri(p), -big, big)
    return xp, zp


# ------------------------------------------------------ hard clip in pieces
def clipped_fraction(n_below, n_above, n_observed):
    """Share of the non-NaN values that were changed, 0 where none was seen."""
    return np.divide(
        (n_below + n_above).astype(np.float64),
        n_observed,
        out=np.zeros(n_below.size),
        where=n_observed > 0,
    )


def counts_bunch(counts):
    """What ``transform(X, return_counts=True)`` returns with X."""
    n_below, n_above, n_observed = counts
    return Bunch(
        n_below=n_below,
        n_above=n_above,
        n_observed=n_observed,
        clipped_fraction=clipped_fraction(*counts),
    )


def as_dtype(bounds, dtype):
    """``bounds`` in ``dtype``, finite ones clamped to its finite range."""
    big = np.finfo(dtype).max
    finite = np.isfinite(bounds)
    return np.where(finite, np.clip(bounds, -big, big), bounds).astype(dtype)


def pieces(X):
    """``(rows, cols)`` slices covering X in contiguous, cache-sized pieces.

    Single columns for a Fortran-ordered X (a DataFrame's values), row blocks
    otherwise.
    """
    n, p = X.shape
    if X.flags.f_contiguous and not X.flags.c_contiguous:
        for j in range(p):
            for start in range(0, n, BLOCK_ELEMENTS):
                yield slice(start, min(start + BLOCK_ELEMENTS, n)), slice(j, j + 1)
    else:
        for rows in row_blocks(n, p):
            yield rows, slice(None)


def count_true(mask):
    """Per-column number of True in a 2-D boolean ``mask``."""
    if mask.shape[1] == 1:
        return np.count_nonzero(mask)
    return np.add.reduce(mask, axis=0, dtype=np.int64)


def send_inf(block, neg_to, pos_to):
    """Replace the ±inf left in ``block`` by ``neg_to`` / ``pos_to`` per column."""
    rows, cols = np.nonzero(np.isinf(block))
    if rows.size:
        values = block[rows, cols]
        block[rows, cols] = np.where(values > 0, pos_to[cols], neg_to[cols])
