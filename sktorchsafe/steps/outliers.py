"""``OutlierClipper``: tail handling per feature, NaN-tolerant, explicit ±inf policy.

``fit`` reduces X to per-feature statistics of its finite values (quantiles,
or moments, plus the observed range; exact in memory, mergeable for
``partial_fit`` and Dask), then chooses a method per feature and makes its
bounds and map (:mod:`._tail_maps`). ``transform`` is one ``np.clip`` and,
for the smooth methods, one elementwise map per column.
"""

import warnings
from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    OneToOneFeatureMixin,
    TransformerMixin,
)
from sklearn.utils.validation import check_is_fitted

from ..core.compat import Interval, InvalidParameterError, StrOptions, fit_context
from ..core.dask_blocks import (
    float_block,
    is_dask_collection,
    reduce_blocks,
)
from ..core.messages import fix_for, user_stacklevel
from ..core.stats import BLOCK_ELEMENTS, SUBSAMPLE, sample_rows
from ..core.streaming import StreamingMixin
from ..core.validation import feature_names, raise_nonfinite_counts, validate_X
from ..exceptions import DataQualityWarning, SktorchsafeWarning
from ._clip_findings import degenerate_features
from ._clip_statistics import ClipStream, exact_statistics
from ._tail_maps import (
    BOUND_METHODS,
    MAP_METHODS,
    TailMaps,
    as_dtype,
    beyond_fences,
    choose_methods,
    clipped_fraction,
    count_true,
    counts_bunch,
    pieces,
    send_inf,
)

__all__ = ["OutlierClipper"]

FLOAT_DTYPES = (np.float64, np.float32)


class OutlierClipper(
    StreamingMixin, OneToOneFeatureMixin, TransformerMixin, BaseEstimator
):
    """Clip each feature to bounds learned from its finite values (winsorizing).

    ``fit`` learns a lower and an upper bound per feature; ``transform``
    clips to them. NaN is left out of the statistics and passed through
    untouched, so the clipper may stand before or after an imputer. ±inf is
    left out of the statistics too, and at ``transform`` goes to the bounds
    (``on_inf="clip"``), becomes NaN (``"nan"``) or raises (``"raise"``).
    How much was clipped is reported: ``clipped_fraction_`` at fit, and
    ``transform(X, return_counts=True)`` on new data.

    Parameters
    ----------
    method : {"auto", "iqr", "quantile", "zscore", "mad", "range", "squash", \
            "quantile_normal", "none"}, default="auto"
        How each feature's tails are handled. Hard clipping to bounds learned
        per feature:

        - ``"iqr"``: Tukey's fences, ``Q1 - fold * IQR`` and ``Q3 + fold * IQR``
          with ``IQR = Q3 - Q1``;
        - ``"quantile"``: the ``quantile_range`` percentiles themselves;
        - ``"zscore"``: ``mean ± threshold * std`` (population standard
          deviation);
        - ``"mad"``: the robust z-score, ``median ± threshold * 1.4826 * MAD``
          with MAD the median absolute deviation from the median (see Notes);
        - ``"range"``: the finite range seen in ``fit``: the training values
          stay as they are, new values beyond the range go to its ends.

        Smooth, increasing maps that keep the order of the values, returned
        in the feature's units:

        - ``"squash"``: robust scaling and a smooth clip, skrub's
          ``SquashingScaler``: ``median + IQR * z / sqrt(1 + (z / threshold)²)``
          with ``z = (x - median) / IQR``, so every value lies within
          ``median ± threshold * IQR``;
        - ``"quantile_normal"``: the empirical distribution function
          (linear between the quantiles at every 0.1%) followed by the normal
          quantile function, ``median + IQR / 1.349 * Φ⁻¹(F(x))``: a normal
          with the feature's median and IQR, as ``QuantileTransformer(
          output_distribution="normal")`` in the feature's units.

        And ``"none"``: values unchanged (±inf still follow ``on_inf``).
        ``"auto"`` chooses one of ``"range"``, ``"squash"`` and
        ``"quantile_normal"`` per feature in ``fit`` (see Notes); the choice
        is in ``methods_``.

        Quantiles use numpy's default ``"linear"`` definition.
    fold : float, default=1.5
        Multiple of the IQR beyond the quartiles for ``method="iqr"``
        (1.5: Tukey's inner fences; 3.0: outer fences).
    quantile_range : tuple (q_min, q_max), 0 <= q_min <= q_max <= 100, \
            default=(1.0, 99.0)
        Percentiles, in percent as in ``sklearn.preprocessing.RobustScaler``,
        used as bounds by ``method="quantile"``.
    threshold : float or None, default=None
        Multiple of the (robust) standard deviation for ``method="zscore"``
        and ``method="mad"`` (None: 3.0; Iglewicz and Hoaglin suggest 3.5 for
        the robust z-score); for ``"squash"`` (also when ``"auto"`` chooses
        it), the largest distance from the median in IQRs (skrub's
        ``max_absolute_value``; None: 5.0, as skrub's ``tabular_pipeline``).
    tails : {"both", "left", "right"}, default="both"
        Which tail to clip. The other side's bound is ``-inf`` / ``+inf``.
    on_inf : {"clip", "nan", "raise"}, default="clip"
        What to do with ±inf, at fit and at transform: ``"clip"`` sends
        ``-inf`` to the lower and ``+inf`` to the upper bound (on a side that
        is not clipped, to the finite ``data_min_`` / ``data_max_``);
        ``"nan"`` turns them into NaN for a later imputer; ``"raise"`` raises
        :class:`~sktorchsafe.exceptions.NonFiniteInputError` naming the
        features and rows.
    copy : bool, default=True
        If False, clip in place when X is a writeable float ndarray (the
        caller's array is then modified).
    subsample : int or None, default=20_000
        Above this many rows, an in-memory ``fit`` reads its quantiles from a
        stratified sample of that many rows (one at random from each of
        ``subsample`` equal runs of rows): each learned quantile's rank is
        within ``1.3 / sqrt(subsample)`` (0.92% by default) of the one asked
        for, with 99% confidence. The range, moments, counts and
        ``clipped_fraction_`` read every row. ``None``: exact quantiles.
    random_state : int, RandomState instance or None, default=0
        Draws the rows of ``subsample``; an int gives the same fit every time.

    Attributes
    ----------
    methods_ : ndarray of object of shape (n_features,)
        The method of each feature: ``method`` itself, or what ``"auto"``
        chose.
    lower_ : ndarray of float64 of shape (n_features,)
        Lower bound per feature, applied before any smooth map; ``-inf``
        where the left tail is not clipped (``"squash"``, ``"none"``), the
        smallest training value for ``"quantile_normal"`` and ``"range"``.
    upper_ : ndarray of float64 of shape (n_features,)
        Upper bound per feature; ``+inf`` where the right tail is not clipped
        (``"squash"``, ``"none"``), the largest training value for
        ``"quantile_normal"`` and ``"range"``.
    spread_ : ndarray of float64 of shape (n_features,)
        The spread the bounds are ``fold`` times away from: the interquartile
        range (``"iqr"``), the distance between the two quantiles
        (``"quantile"``), the standard deviation (``"zscore"``) or the scaled
        median absolute deviation (``"mad"``), before any widening; the
        interquartile range for the smooth maps and ``"auto"``, NaN for
        ``"none"`` and ``"range"``.
    data_min_ : ndarray of float64 of shape (n_features,)
        Smallest finite value per feature seen in fit (NaN if none).
    data_max_ : ndarray of float64 of shape (n_features,)
        Largest finite value per feature seen in fit (NaN if none).
    findings_ : tuple of Finding
        What fit found and handled itself: features whose spread is 0 although
        they are not constant (rare indicators, one-hot columns), whose
        bounds widen to the observed range. Constant features and features
        without a finite value draw a ``DataQualityWarning`` instead.
    clipped_fraction_ : ndarray of float64 of shape (n_features,)
        Per feature, the share of the non-NaN training values that
        ``transform`` clips (finite values outside the bounds, and every
        ±inf); 0 for a feature without any non-NaN value. The smooth maps of
        ``"squash"`` and ``"quantile_normal"`` move values without clipping
        them, so they count only the ±inf there. Exact after an
        in-memory ``fit``; estimated from the quantile sketch after
        ``partial_fit`` or a fit on Dask input (see Notes).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when X is a DataFrame with string column names.

    See Also
    --------
    ImputerSelector : Fills the NaN this step passes through.
    SafeStandardScaler : Standardizes the clipped features.
    sklearn.preprocessing.RobustScaler : Scales by quantiles, clips nothing.

    Notes
    -----
    **The default, ``method="auto"``.** Per feature, from the quartiles,
    the quantiles at every 0.1%, the finite range and, for the features
    beyond the fences, the standard deviation learned in ``fit``. Every
    choice keeps new values within what ``fit`` saw, so the net never
    extrapolates from values it was not trained on:

    1. ``"range"`` when every training value lies within Tukey's outer
       fences (3 IQRs beyond the quartiles, or as far as a normal sample of
       that size reaches with 99% probability if further: 3.5 IQRs at
       400,000 rows; the 1%-99% range stands in for an IQR of 0) or the
       spread is 0: the training values stay as they are, new values beyond
       the training range (a gross error in new data) go to its ends;
    2. ``"squash"`` when fewer than 2% of the values lie beyond the fences:
       a few values far out, more likely noise than signal, are pulled
       smoothly within 5 IQRs of the median (``threshold``);
    3. ``"range"`` too for a tail (2% or more beyond the fences) whose IQR
       is still at least a quarter of its standard deviation: it does not
       crush the other values once standardized (a moderate tail: amounts,
       delays, incomes), so its values are kept and a tail that carries the
       target keeps its linear relation to it;
    4. ``"quantile_normal"`` for a heavier tail, one that would crush the
       others: every value keeps its rank, so a tail that carries the target
       survives, while its extremes no longer dominate a standard scaler.

    The rule reads only mergeable statistics, so ``partial_fit`` and Dask
    fits choose alike (unless a feature sits at a threshold within the rank
    error). Choose one method for all features by name, e.g. in
    ``GridSearchCV`` over ``clip__method`` in :func:`make_safe_pipeline`.
    ``clipped_fraction_`` counts the values sent to a hard bound (±inf, and
    new values beyond the training range for ``"quantile_normal"``), not
    the values a smooth map moves.

    **Which values make the bounds.** Only the finite values of a feature:
    NaN and ±inf are both left out, so a few ±inf cells can never drag a
    quantile or a mean to infinity; they only count in ``clipped_fraction_``.
    Bounds that would overflow float64 (e.g. a mean near 1e308 plus three
    standard deviations) are clamped to the largest finite float.

    **Degenerate features.** Each case below is named in a
    :class:`~sktorchsafe.exceptions.DataQualityWarning` at fit, and none
    gives NaN bounds:

    - *constant* (one finite value): both bounds are that value, so
      ``transform`` maps every value of the feature to it (out of play);
    - *zero spread* but not constant (more than half the values equal for
      ``"iqr"`` or ``"mad"``, the two quantiles equal for ``"quantile"``):
      the learned interval would collapse onto one value and erase the
      feature (a count that is mostly 0, a rare binary indicator), so the
      bounds are the observed range ``data_min_`` and ``data_max_`` instead
      and no training value is clipped;
    - *no finite value* (all NaN, possibly ±inf): nothing is learned, the
      bounds are ``-inf`` and ``+inf`` and values pass through unchanged,
      except ±inf, which become NaN (there is no finite value to put there).

    **The robust z-score.** ``MAD * 1.4826`` (exactly ``1 / Φ⁻¹(3/4)``, with
    Φ the standard normal CDF) estimates the standard deviation of normally
    distributed data, so ``threshold`` means the same number of standard
    deviations for ``"zscore"`` and ``"mad"`` on normal data, while the
    median and MAD ignore up to half the values being outliers.

    **dtype.** float32 input gives float32 output; the bounds are computed in
    float64 and rounded to float32 to clip, and counts use the rounded
    bounds, so they match what ``transform`` does exactly. Other input is
    converted to float64.

    **Streaming and Dask: exact moments, sketched quantiles.** ``fit`` on a
    NumPy array or DataFrame is exact. ``partial_fit`` (one chunk at a time)
    and ``fit`` on a ``dask.array.Array`` or ``dask.dataframe.DataFrame``
    (one task per block, merged in a tree on the active Dask scheduler, e.g.
    a ``distributed.Client``) keep mergeable statistics instead, so any
    split of the data into chunks or blocks gives the same result:

    - the finite range, the counts and, for ``"zscore"``, the mean and
      standard deviation are exact (equal to ``fit``'s up to rounding);
    - quantiles (``"iqr"``, ``"quantile"``, and the median of ``"mad"``)
      come from one Apache DataSketches KLL sketch per feature (k=400):
      each learned quantile is a training value whose rank is within 0.7%
      of the one asked for (with 99% confidence; the sketch's
      ``rank_error``). The error is absolute: with ``quantile_range=(1,
      99)`` the lower bound's rank lies between 0.3% and 1.7%;
    - the MAD of ``"mad"`` is read off the same sketch, as the distance to
      the learned median within which half of the sketched weight lies: the
      share of training values within it is within 0.9% of one half (the
      sketch's ``interval_rank_error``, which covers the difference of two
      ranks). One pass suffices, with no second pass from a known median;
    - ``clipped_fraction_`` is estimated from the sketch (the ranks of the
      bounds), within 1.4% (twice the rank error) of the exact share; ±inf
      are counted exactly.

    The sketch compacts at random, so two streamed fits of the same data may
    learn slightly different quantiles (both within the rank error).
    ``transform`` on Dask input is lazy (with ``on_inf="raise"``, ±inf
    raises when its block is computed). A ``partial_fit`` after an in-memory
    ``fit`` starts a new stream; after ``partial_fit`` or a Dask ``fit`` it
    continues the stream.

    Examples
    --------
    >>> import numpy as np
    >>> from sktorchsafe import OutlierClipper
    >>> X = np.array([[1.0, 10.0], [2.0, np.nan], [3.0, 12.0], [4.0, 11.0],
    ...               [100.0, -np.inf]])
    >>> clipper = OutlierClipper(method="iqr").fit(X)
    >>> clipper.lower_, clipper.upper_
    (array([-1.,  9.]), array([ 7., 13.]))
    >>> clipper.clipped_fraction_
    array([0.2 , 0.25])
    >>> clipper.transform(X)
    array([[ 1., 10.],
           [ 2., nan],
           [ 3., 12.],
           [ 4., 11.],
           [ 7.,  9.]])
    >>> Xt, counts = clipper.transform([[50.0, np.inf]], return_counts=True)
    >>> Xt, counts.n_above
    (array([[ 7., 13.]]), array([1, 1]))
    """

    _parameter_constraints = {
        "method": [StrOptions({*BOUND_METHODS, *MAP_METHODS, "range", "none", "auto"})],
        "fold": [Interval(Real, 0, None, closed="left")],
        "quantile_range": [tuple],
        "threshold": [Interval(Real, 0, None, closed="left"), None],
        "tails": [StrOptions({"both", "left", "right"})],
        "on_inf": [StrOptions({"clip", "nan", "raise"})],
        "copy": ["boolean"],
        "subsample": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    _fitted_private = ("_maps",)  # the smooth maps that follow the clip

    def __init__(
        self,
        *,
        method="auto",
        fold=1.5,
        quantile_range=(1.0, 99.0),
        threshold=None,
        tails="both",
        on_inf="clip",
        copy=True,
        subsample=SUBSAMPLE,
        random_state=0,
    ):
        self.method = method
        self.fold = fold
        self.quantile_range = quantile_range
        self.threshold = threshold
        self.tails = tails
        self.on_inf = on_inf
        self.copy = copy
        self.subsample = subsample
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the per-feature bounds from X.

        Parameters
        ----------
        X : array-like, dask.array.Array or dask.dataframe.DataFrame of \
                shape (n_samples, n_features)
            Training data; NaN and ±inf are allowed (see ``on_inf``). A Dask
            collection is reduced block by block on the active scheduler,
            with quantiles from a sketch (see Notes).
        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted clipper.
        """
        self._check_quantile_range()
        X = self._fit(X)
        if not hasattr(self, "clipped_fraction_"):  # count what transform changes
            self._set_clipped_fraction(self._clip(X, out=None, count=True))
        return self

    @fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit to X and return it clipped; clipping and counting share one pass.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; NaN and ±inf are allowed (see ``on_inf``).
        y : None
            Ignored.

        Returns
        -------
        X_tr : ndarray of shape (n_samples, n_features)
            The clipped data, float32 for float32 input, float64 otherwise
            (a lazy Dask collection for Dask input).
        """
        if is_dask_collection(X):
            return self.fit(X).transform(X)
        X_in = X
        self._check_quantile_range()
        X = self._fit(X)
        out = self._output_for(X, X_in)
        known = hasattr(self, "clipped_fraction_")  # from the statistics
        if known and not self.clipped_fraction_.any():
            if out is not X:  # nothing to clip: the training values stay
                np.copyto(out, X)
        else:
            counts = self._clip(X, out=out, count=not known)
            if not known:
                self._set_clipped_fraction(counts)
        self._maps.apply(out, self.tails)
        return out

    @fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Update the bounds with one more chunk of training data.

        Successive calls keep mergeable statistics of all the chunks seen
        (exact moments, counts and range; a KLL quantile sketch per feature),
        so the bounds do not depend on how the data was split into chunks,
        and the learned quantiles are within the sketch's rank error of the
        exact ones (see Notes). The bounds are usable after every call.

        Parameters
        ----------
        X : array-like, dask.array.Array or dask.dataframe.DataFrame of \
                shape (n_samples, n_features)
            A chunk of training data; NaN and ±inf are allowed (see
            ``on_inf``).
        y : None
            Ignored.

        Returns
        -------
        self : object
            The clipper, bounds updated.
        """
        self._check_quantile_range()
        self._partial_fit(X)
        return self

    # The streaming protocol (sktorchsafe.core.streaming).
    def _block_statistics(self, X, sample_weight=None):
        return ClipStream.of(float_block(X))

    def _check_statistics(self, statistics, X):
        # In memory, validate_X refused ±inf already, naming the rows.
        if self.on_inf == "raise" and is_dask_collection(X):
            raise_nonfinite_counts(
                statistics.stats,
                feature_names(self, n_features=statistics.stats.n_features),
                who=type(self).__name__,
                fix=fix_for("inf_in_clipper"),
            )

    def _finish(self, *, partial=False):
        """Make the bounds of the statistics; warn about degenerate features."""
        if not self._continues_stream():  # exact statistics of an in-memory fit
            self._set_bounds(self._stream)
            # Known without a pass over X when no finite value is clipped.
            counts = self._stream.counts_if_only_inf_clipped(self.lower_, self.upper_)
            if counts is not None:
                self._set_clipped_fraction(counts)
            return
        stream = self._stream
        self._set_bounds(stream.bound_statistics(self.method, self._quantile_levels()))
        self.clipped_fraction_ = stream.clipped_fraction(self.lower_, self.upper_)

    def _validate_block(self, X, *, reset):
        return validate_X(
            self,
            X,
            reset=reset,
            allow_nan=True,
            allow_inf=self.on_inf != "raise",
            fix=fix_for("inf_in_clipper"),
            dtype=FLOAT_DTYPES,
        )

    def _check_quantile_range(self):
        q = self.quantile_range
        valid = (
            len(q) == 2
            and all(isinstance(v, Real) and not isinstance(v, bool) for v in q)
            and 0 <= q[0] <= q[1] <= 100
        )
        if not valid:
            raise InvalidParameterError(
                "OutlierClipper: quantile_range must be (q_min, q_max) with "
                f"0 <= q_min <= q_max <= 100, in percent. Got {q!r} instead."
            )
        if self.method == "quantile" and 0 < q[1] <= 1:
            warnings.warn(
                f"OutlierClipper: quantile_range={q!r} is read in percent: it "
                f"keeps the values between the {q[0]}th and {q[1]}th "
                "percentiles. For fractions of 1 multiply by 100, e.g. "
                "quantile_range=(1.0, 99.0) for the 1st and 99th percentiles.",
                SktorchsafeWarning,
                stacklevel=user_stacklevel(),
            )

    def _quantile_levels(self):
        """The two quantiles (as fractions) of ``"iqr"`` or ``"quantile"``."""
        if self.method in ("iqr", "squash"):
            return (0.25, 0.75)
        return (self.quantile_range[0] / 100, self.quantile_range[1] / 100)

    def _exact_statistics(self, X, sample_weight=None):
        rows = sample_rows(X.shape[0], self.subsample, self.random_state)
        # "auto" needs the whole grid only where it maps a tail.
        grid_for = beyond_fences if self.method == "auto" else None
        return exact_statistics(X, self.method, self._quantile_levels(), rows, grid_for)

    def _set_bounds(self, stats):
        """Make the methods, ``lower_``, ``upper_`` and maps of the statistics."""
        if self.method == "auto":
            methods = choose_methods(stats)
        else:
            methods = np.full(stats.data_min.size, self.method, dtype=object)
        threshold = 3.0 if self.threshold is None else self.threshold
        k = {"iqr": self.fold, "quantile": 0.0}.get(self.method, threshold)
        with np.errstate(over="ignore", invalid="ignore"):
            width = k * stats.spread if k else np.zeros_like(stats.spread)
            lower = stats.low - width
            upper = stats.high + width
        big = np.finfo(np.float64).max
        np.clip(lower, -big, big, out=lower)
        np.clip(upper, -big, big, out=upper)
        bounded = np.isin(methods, BOUND_METHODS)
        lower[~bounded] = -np.inf
        upper[~bounded] = np.inf
        # The normal map reads values within the training range only; "range"
        # keeps the training values and clips new ones to their range.
        in_range = np.isin(methods, ("quantile_normal", "range"))
        lower[in_range] = stats.data_min[in_range]
        upper[in_range] = stats.data_max[in_range]

        empty = np.isnan(stats.data_min)
        constant = stats.data_min == stats.data_max
        collapsed = (stats.spread == 0) & ~constant & ~empty & bounded
        widened = constant | collapsed
        lower[widened] = stats.data_min[widened]
        upper[widened] = stats.data_max[widened]
        lower[empty] = -np.inf
        upper[empty] = np.inf
        if self.tails == "right":
            lower[:] = -np.inf
        elif self.tails == "left":
            upper[:] = np.inf

        self.methods_ = methods
        self.lower_ = lower
        self.upper_ = upper
        self.spread_ = stats.spread
        self.data_min_ = stats.data_min
        self.data_max_ = stats.data_max
        bound = 5.0 if self.threshold is None else self.threshold
        self._maps = TailMaps.of(methods, stats, bound)
        self._warn_degenerate(constant, collapsed, empty)

    def _warn_degenerate(self, constant, collapsed, empty):
        names = feature_names(self, n_features=self.n_features_in_)
        self.findings_, messages = degenerate_features(
            names, self.method, constant, collapsed, empty
        )
        for message in messages:
            warnings.warn(message, DataQualityWarning, stacklevel=user_stacklevel())

    def _set_clipped_fraction(self, counts):
        self.clipped_fraction_ = clipped_fraction(*counts)

    # ------------------------------------------------------------ transform
    def transform(self, X, *, return_counts=False):
        """Handle each feature's tails as fit chose: clip, map or leave them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data to clip; NaN passes through, ±inf follows ``on_inf``.
        return_counts : bool, default=False
            Also return how many values were clipped per feature (one more
            comparison per value; the default path only clips).

        Returns
        -------
        X_tr : ndarray of shape (n_samples, n_features)
            The clipped data, float32 for float32 input, float64 otherwise.
            For Dask input, a lazy Dask array (Dask DataFrame for a Dask
            DataFrame) with the same row chunks.
        counts : :class:`~sklearn.utils.Bunch`
            Only when ``return_counts=True``. Arrays of shape (n_features,):
            ``n_below`` (values below ``lower_``, ``-inf`` included),
            ``n_above`` (values above ``upper_``, ``+inf`` included),
            ``n_observed`` (non-NaN values) and ``clipped_fraction``
            (``(n_below + n_above) / n_observed``, 0 where nothing was
            observed), as ``clipped_fraction_`` is at fit. For Dask input,
            a ``dask.delayed`` object that computes this Bunch (counted
            block by block).
        """
        check_is_fitted(self)
        if is_dask_collection(X):
            return self._transform_dask(X, return_counts)
        X_in = X
        X = self._validate_block(X, reset=False)
        out = self._output_for(X, X_in)
        counts = self._clip(X, out=out, count=return_counts)
        self._maps.apply(out, self.tails)
        if not return_counts:
            return out
        return out, counts_bunch(counts)

    def _transform_dask(self, X, return_counts):
        """Lazy ``transform`` of a Dask collection, block by block."""
        out = self._transform_blocks(X)
        if not return_counts:
            return out
        import dask

        # Blocks need the bounds only, not the sketches of the stream.
        bounds = self._without_stream()
        counts = reduce_blocks(X, partial(_block_counts, bounds), compute=False)
        return out, dask.delayed(counts_bunch)(counts)

    def _output_for(self, X, X_in):
        """The array to clip into: X itself when we may write to it, else new."""
        fresh = isinstance(X_in, (list, tuple)) or (
            isinstance(X_in, np.ndarray) and not np.may_share_memory(X, X_in)
        )
        if X.flags.writeable and (fresh or not self.copy):
            return X
        return np.empty_like(X)

    def _clip(self, X, out, *, count):
        """Clip ``X`` into ``out`` (if given) and count, in cache-sized pieces.

        Returns ``(n_below, n_above, n_observed)`` when ``count``, else None.
        """
        dtype = X.dtype
        big = np.finfo(dtype).max
        lower, upper = as_dtype(self.lower_, dtype), as_dtype(self.upper_, dtype)
        # Where ±inf must go when a bound does not catch it.
        to_nan = self.on_inf == "nan"
        unbounded = np.isinf(self.lower_) | np.isinf(self.upper_)
        fix_inf = not to_nan and out is not None and unbounded.any()
        fix_inf = fix_inf and bool(np.isinf(X).any())  # none: the default path
        if out is not None and not (count or to_nan or fix_inf):
            return np.clip(X, lower, upper, out=out)  # the default path

        # ``x < below_at`` is true exactly for the values transform moves down
        # (``-inf`` on a side without bound included); likewise ``above_at``.
        below_at = np.where(np.isinf(lower), -big, lower).astype(dtype)
        above_at = np.where(np.isinf(upper), big, upper).astype(dtype)
        inf_to = None
        if fix_inf:
            ends = [(self.lower_, self.data_min_), (self.upper_, self.data_max_)]
            inf_to = [as_dtype(np.where(np.isinf(b), e, b), dtype) for b, e in ends]
        p = X.shape[1]
        n_below, n_above, n_nan = (np.zeros(p, dtype=np.int64) for _ in range(3))
        mask_buffer = np.empty(min(X.size, max(BLOCK_ELEMENTS, p)), dtype=bool)
        for rows, cols in pieces(X):
            block = X[rows, cols]
            mask = mask_buffer[: block.size].reshape(block.shape)
            if count:
                n_below[cols] += count_true(np.less(block, below_at[cols], out=mask))
                n_above[cols] += count_true(np.greater(block, above_at[cols], out=mask))
                n_nan[cols] += count_true(np.isnan(block, out=mask))
            if out is None:
                continue
            dest = out[rows, cols]
            if to_nan:
                np.isinf(block, out=mask)
            np.clip(block, lower[cols], upper[cols], out=dest)
            if to_nan:
                dest[mask] = np.nan
            elif fix_inf and unbounded[cols].any():
                send_inf(dest, inf_to[0][cols], inf_to[1][cols])
        if count:
            return n_below, n_above, X.shape[0] - n_nan
        return None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _block_counts(clipper, block, weights=None):
    """``(n_below, n_above, n_observed)`` of one Dask block, mergeable by sum."""
    return clipper._clip(float_block(block), out=None, count=True)
