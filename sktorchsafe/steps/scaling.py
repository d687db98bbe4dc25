"""``ScaleDisparityChecker``: measure feature scales before a net sees them."""

import warnings
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from scipy.stats import norm
from sklearn.base import (
    BaseEstimator,
    OneToOneFeatureMixin,
    TransformerMixin,
)
from sklearn.utils.validation import check_is_fitted

from ..core.compat import Interval, StrOptions, fit_context
from ..core.counts import InfRows
from ..core.dask_blocks import check_dask_input, is_dask_collection
from ..core.messages import plural, user_stacklevel
from ..core.quantiles import column_mode_share, nanquantile
from ..core.sketches import QuantileSketch
from ..core.stats import (
    ColumnStats,
    column_min_max,
    inf_as_nan,
    row_blocks,
    sample_rows,
)
from ..core.streaming import StreamingMixin
from ..core.validation import feature_names, validate_pass_through, validate_X
from ..exceptions import DataQualityError, DataQualityWarning, ScaleDisparityWarning
from ._scale_report import FeatureScale, ScaleReport, build_report

__all__ = ["DataQualityError", "FeatureScale", "ScaleDisparityChecker", "ScaleReport"]

#: Interquartile range of the standard normal: IQR / IQR_NORMAL estimates the
#: standard deviation of normal data, so IQR- and std-based scales compare.
IQR_NORMAL = 2 * norm.ppf(0.75)

#: Cells per column chunk of the row sample (about 8 MiB of float64).
_CHUNK_CELLS = 1 << 20

#: Severities that ``on_problem`` acts on; "info" findings are only reported.
_ACTED_ON = ("error", "warning")


class ScaleDisparityChecker(
    StreamingMixin, OneToOneFeatureMixin, TransformerMixin, BaseEstimator
):
    """Report features on wildly different scales, constant ones, float32 traps.

    A pass-through step: ``fit`` measures each feature and warns (or raises)
    about what would hurt a neural net; ``transform`` returns ``X``
    unchanged. It finds

    - scale disparity: the robust scales of two features differ by more than
      ``threshold`` (e.g. 1e6 next to 1e-3: plain SGD diverges);
    - offset: a feature whose median lies more than ``threshold`` times its
      own scale away from zero (1e6 ± 1e-3: an unscaled net sees a constant);
    - float32 overflow: finite values beyond ±3.4e38, which become ±inf when
      the net casts X to float32;
    - float32 collapse: distinct values that all round to one float32 value
      (1e6 ± 1e-9), a constant for the net;
    - ±inf cells, features without any finite value, constant features;
    - near-constant features (reported, not warned about: rare indicator
      columns are legitimate).

    Every finding names the features and the fix (usually: put
    :class:`SafeStandardScaler` after this step). All of it is in
    ``report_``.

    Parameters
    ----------
    threshold : float, default=1e4
        Largest tolerated ratio between two features' scales, and between a
        feature's distance from zero (its median) and its own scale. The
        default flags the "wildly different" case and stays quiet on features
        within four orders of magnitude of each other.
    near_constant_share : float, default=0.99
        A non-constant feature is near-constant when one value takes at
        least this share of its sampled finite values.
    subsample : int or None, default=10_000
        Rows sampled for the quantiles (scale, median) and ``mode_share``;
        ``None`` uses every row. The sample is stratified: the rows are cut
        into ``subsample`` runs of consecutive rows and one row is drawn from
        each. Min, max, ±inf counts, constant and float32 findings are exact
        over all rows whatever this is.
    random_state : int, RandomState instance or None, default=0
        Draws the sampled rows. The default makes ``fit`` deterministic.
    on_problem : {"warn", "raise", "ignore"}, default="warn"
        What ``fit`` does about findings of severity "error" or "warning":
        issue one warning per kind (:class:`ScaleDisparityWarning` for scale
        disparity and offset, :class:`DataQualityWarning` otherwise), raise
        :class:`DataQualityError` listing them all, or stay silent. Findings
        are in ``report_`` in every case.
    copy : bool, default=False
        If True, ``transform`` returns a copy of ``X`` instead of ``X``.

    Attributes
    ----------
    scale_ : ndarray of shape (n_features_in_,)
        Robust scale of each feature (see ``report_``).
    scale_ratio_ : float
        Largest over smallest positive finite scale (1.0 with fewer than two).
    constant_features_ : ndarray of str
        Features whose finite values are all equal.
    near_constant_features_ : ndarray of str
        Features dominated by one value (``near_constant_share``).
    float32_collapse_features_ : ndarray of str
        Features whose distinct values become one value in float32.
    float32_overflow_features_ : ndarray of str
        Features with finite values beyond float32's range.
    report_ : ScaleReport
        Per-feature measurements and the findings, for reports and programs.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when X is a DataFrame with string column names.

    See Also
    --------
    SafeStandardScaler : Removes the disparity this step reports.
    sklearn.feature_selection.VarianceThreshold : Drops low-variance features
        (a threshold in data units, one feature at a time).

    Notes
    -----
    Cost: one exact pass over X for the per-column minimum and maximum (the
    exact findings), plus quantiles and a sort over at most ``subsample``
    rows. ±inf columns (rare) get one more pass over those columns only. This
    is a small fraction of a :class:`SafeStandardScaler` ``fit``; see
    ``benchmarks/bench_checks.py``.

    NaN is left out of every statistic, and ±inf is left out of the scales
    and reported as a finding of its own. The scale of a feature whose
    sampled interquartile range is 0 (e.g. a rare indicator) is the standard
    deviation of the sample, or, when the sample holds a single value, of all
    rows.

    Sparse input is not supported: a net's input is dense.

    **Streaming and Dask.** ``partial_fit`` (one chunk at a time) and
    ``fit`` on a ``dask.array.Array`` or ``dask.dataframe.DataFrame`` (one
    task per block, merged in a tree on the active Dask scheduler) keep
    mergeable statistics of every row instead of a sample: the exact
    quantities (min, max, ±inf counts and their first rows, counted over the
    whole stream, constant and float32 findings) stay exact, the standard
    deviation is exact over all rows, and the quartiles, median and
    ``mode_share`` come from a KLL quantile sketch per feature (Apache
    DataSketches, k=400): each quartile's rank is within 0.7% of the one
    asked for, and ``mode_share`` within 0.9% (with 99% confidence; the
    sketch compacts at random, so two streamed fits may differ within that).
    ``subsample`` and ``random_state`` are not used there. The report is
    current after every ``partial_fit``; each finding is warned about once
    per stream (with ``on_problem="raise"``, every call raises while it
    holds). ``transform`` returns a Dask collection as it is, uncomputed.

    Examples
    --------
    >>> import numpy as np
    >>> from sktorchsafe import ScaleDisparityChecker
    >>> rng = np.random.default_rng(0)
    >>> X = np.column_stack(
    ...     [rng.normal(scale=1e6, size=200), rng.normal(scale=1e-3, size=200)]
    ... )
    >>> checker = ScaleDisparityChecker(on_problem="ignore").fit(X)
    >>> print(f"{checker.scale_ratio_:.1e}")
    9.2e+08
    >>> print(checker.report_.findings[0].message)  # doctest: +ELLIPSIS
    Feature scales span a ratio of 9.2e+08 (threshold 1e+04): 'x0' has scale ...
    >>> checker.transform(X) is X
    True
    """

    _passes_X_through = True
    _fitted_private = ("_warned",)

    _parameter_constraints = {
        "threshold": [Interval(Real, 1, None, closed="left")],
        "near_constant_share": [Interval(Real, 0, 1, closed="right")],
        "subsample": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "on_problem": [StrOptions({"warn", "raise", "ignore"})],
        "copy": ["boolean"],
    }

    def __init__(
        self,
        *,
        threshold=1e4,
        near_constant_share=0.99,
        subsample=10_000,
        random_state=0,
        on_problem="warn",
        copy=False,
    ):
        self.threshold = threshold
        self.near_constant_share = near_constant_share
        self.subsample = subsample
        self.random_state = random_state
        self.on_problem = on_problem
        self.copy = copy

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Measure each feature and act on the findings (``on_problem``).

        Parameters
        ----------
        X : array-like, dask.array.Array or dask.dataframe.DataFrame of \
                shape (n_samples, n_features)
            Numeric data; NaN and ±inf are allowed. A Dask collection is
            measured block by block on the active scheduler (see Notes).
        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted checker.
        """
        self._fit(X)
        return self

    @fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Measure one more chunk and act on the findings about all chunks so far.

        Successive calls merge exact statistics (range, ±inf counts and rows,
        moments) and quantile sketches of every chunk, so the report does
        not depend on how the data was split (see Notes).

        Parameters
        ----------
        X : array-like, dask.array.Array or dask.dataframe.DataFrame of \
                shape (n_samples, n_features)
            A chunk of numeric data; NaN and ±inf are allowed.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The checker, its report updated.
        """
        self._partial_fit(X)
        return self

    # The streaming protocol (sktorchsafe.core.streaming).
    def _validate_block(self, X, *, reset):
        return validate_X(self, X, reset=reset, allow_inf=True, dtype="numeric")

    def _block_statistics(self, X, sample_weight=None):
        return _ScaleStream.of(X)

    def _exact_statistics(self, X, sample_weight=None):
        return self._measure(X)

    def _finish(self, *, partial=False):
        """Build the report from the measurements; act on its findings."""
        measures = self._stream.measures()
        names = feature_names(self, n_features=measures.lo.size)
        features = self._features(names, measures)
        inf_rows = {names[j]: rows for j, rows in measures.inf_rows.items()}
        self._set_report(features, inf_rows, measures.n_samples, measures.n_used)
        findings = self.report_.findings
        if self.on_problem == "warn":
            # Once per stream: the numbers in a message change with every chunk.
            warned = self.__dict__.setdefault("_warned", set())
            findings = [f for f in findings if (f.kind, f.columns) not in warned]
            warned.update((f.kind, f.columns) for f in findings)
        self._act(findings)

    def _set_report(self, features, inf_rows, n_samples, n_used):
        """Build ``report_`` and the attributes read off it."""
        report = build_report(features, inf_rows, self.threshold, n_samples, n_used)
        self.report_ = report
        self.scale_ = np.array([feature.scale for feature in features])
        self.scale_ratio_ = report.scale_ratio
        for attribute, flag in (
            ("constant_features_", "constant"),
            ("near_constant_features_", "near_constant"),
            ("float32_collapse_features_", "float32_collapse"),
            ("float32_overflow_features_", "float32_overflow"),
        ):
            flagged = [f.name for f in features if getattr(f, flag)]
            setattr(self, attribute, np.asarray(flagged, dtype=object))

    def transform(self, X):
        """Return ``X`` unchanged, after checking its shape and feature names.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data to pass on.

        Returns
        -------
        X : ndarray or DataFrame
            ``X`` itself (a copy when ``copy=True``); a DataFrame stays one.
            A Dask collection is returned as it is, uncomputed.
        """
        check_is_fitted(self)
        if is_dask_collection(X):
            check_dask_input(self, X, reset=False)
            return X
        return validate_pass_through(
            self, X, reset=False, copy=self.copy, accept_sparse=False
        )

    # ------------------------------------------------------------ measuring
    def _measure(self, X):
        """Per-feature measurements: exact ones over X, quantiles on a sample."""
        n = X.shape[0]
        lo, hi, n_posinf, n_neginf, inf_rows = _finite_extremes(X)
        rows = sample_rows(n, self.subsample, self.random_state)
        has_inf = (n_posinf + n_neginf) > 0
        quartiles, sample_std, mode_share = _sample_spread(X, rows, has_inf)

        def all_rows(columns):
            stats = ColumnStats.from_array(X[:, columns])
            return stats.std, stats.mean

        return _Measures(
            lo=lo,
            hi=hi,
            n_posinf=n_posinf,
            n_neginf=n_neginf,
            quartiles=quartiles,
            sample_std=sample_std,
            mode_share=mode_share,
            all_rows=all_rows,
            inf_rows=inf_rows,
            n_samples=n,
            n_used=n if rows is None else rows.size,
        )

    def _features(self, names, measures):
        """One :class:`FeatureScale` per feature, from its :class:`_Measures`."""
        lo, hi, quartiles = measures.lo, measures.hi, measures.quartiles
        sample_std, mode_share = measures.sample_std, measures.mode_share
        p = lo.size
        missing = np.isnan(lo)
        constant = ~missing & (lo == hi)
        with np.errstate(over="ignore"):
            lo32, hi32 = lo.astype(np.float32), hi.astype(np.float32)
        overflow = np.isinf(lo32) | np.isinf(hi32)
        collapse = ~overflow & (lo < hi) & (lo32 == hi32)

        with np.errstate(over="ignore", invalid="ignore"):
            iqr_scale = (0.5 * quartiles[2] - 0.5 * quartiles[0]) * (2 / IQR_NORMAL)
        iqr_scale = np.minimum(iqr_scale, np.finfo(np.float64).max)
        scale = np.where(missing, np.nan, 0.0)
        center = np.where(constant, lo, quartiles[1])
        method = np.where(missing, "missing", "constant").astype(object)
        spread = ~missing & ~constant
        use_iqr = spread & (iqr_scale > 0)
        use_std = spread & ~use_iqr & (sample_std > 0)
        scale[use_iqr], method[use_iqr] = iqr_scale[use_iqr], "iqr"
        scale[use_std], method[use_std] = sample_std[use_std], "std"
        exact = spread & ~use_iqr & ~use_std
        if exact.any():  # the sample saw at most one value: use every row
            std, mean = measures.all_rows(exact)
            scale[exact], method[exact] = std, "std"
            center[exact] = np.where(np.isnan(center[exact]), mean, center[exact])

        near_constant = spread & (mode_share >= self.near_constant_share)
        return tuple(
            FeatureScale(
                name=names[j],
                scale=float(scale[j]),
                method=str(method[j]),
                center=float(center[j]),
                min=float(lo[j]),
                max=float(hi[j]),
                n_posinf=int(measures.n_posinf[j]),
                n_neginf=int(measures.n_neginf[j]),
                mode_share=float(mode_share[j]),
                constant=bool(constant[j]),
                near_constant=bool(near_constant[j]),
                float32_collapse=bool(collapse[j]),
                float32_overflow=bool(overflow[j]),
            )
            for j in range(p)
        )

    # --------------------------------------------------------------- acting
    def _act(self, findings):
        acted = [f for f in findings if f.severity in _ACTED_ON]
        if not acted or self.on_problem == "ignore":
            return
        who = type(self).__name__
        if self.on_problem == "raise":
            lines = "\n".join(f"- {finding}" for finding in acted)
            raise DataQualityError(
                f"{who} found {plural(acted, 'problem')} in X:\n{lines}",
                findings=acted,
            )
        for finding in acted:
            category = (
                ScaleDisparityWarning
                if finding.kind in ("scale_disparity", "offset")
                else DataQualityWarning
            )
            warnings.warn(f"{who}: {finding}", category, stacklevel=user_stacklevel())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


# --------------------------------------------------------------- measuring
def _finite_extremes(X):
    """Exact finite min and max per column, ±inf counts and rows, one read of X.

    Only the columns whose min or max is infinite (rare) are read again.
    """
    p = X.shape[1]
    lo, hi = column_min_max(X)
    n_posinf = np.zeros(p, dtype=np.int64)
    n_neginf = np.zeros(p, dtype=np.int64)
    inf_rows = {}
    for j in np.flatnonzero(np.isinf(lo) | np.isinf(hi)):
        col = X[:, j]
        inf = np.isinf(col)
        inf_rows[j] = np.flatnonzero(inf)
        n_posinf[j] = np.count_nonzero(col[inf] > 0)
        n_neginf[j] = inf_rows[j].size - n_posinf[j]
        finite = col[~inf & ~np.isnan(col)]
        if finite.size:
            lo[j], hi[j] = finite.min(), finite.max()
        else:
            lo[j] = hi[j] = np.nan
    return lo, hi, n_posinf, n_neginf, inf_rows


@dataclass
class _Measures:
    """What the report is built from, per feature.

    ``lo``/``hi`` (the finite range), the ±inf counts and ``inf_rows`` (per
    column holding ±inf, its first rows) are exact; ``quartiles`` (shape
    (3, n_features)), ``sample_std`` (used where the IQR is 0) and
    ``mode_share`` come from a row sample or a sketch of ``n_used`` rows;
    ``all_rows(columns)`` gives the exact ``(std, mean)`` of the given
    columns over all ``n_samples`` rows, for those where the sample saw one
    value.  Exact order statistics of a sample do not merge: ``fit``'s
    measurements end a stream.
    """

    lo: np.ndarray
    hi: np.ndarray
    n_posinf: np.ndarray
    n_neginf: np.ndarray
    quartiles: np.ndarray
    sample_std: np.ndarray
    mode_share: np.ndarray
    all_rows: object
    inf_rows: dict
    n_samples: int
    n_used: int

    def measures(self):
        return self


@dataclass
class _ScaleStream:
    """Mergeable statistics of every row: moments, a quantile sketch, ±inf rows."""

    stats: ColumnStats
    sketch: QuantileSketch
    inf: InfRows

    @classmethod
    def of(cls, X):
        X = np.asarray(X)
        stats = ColumnStats.from_array(X)
        has_inf = (stats.n_posinf + stats.n_neginf) > 0
        return cls(stats, QuantileSketch.from_array(X), InfRows.from_array(X, has_inf))

    def merge(self, other):
        return _ScaleStream(
            self.stats.merge(other.stats),
            self.sketch.merge(other.sketch),
            self.inf.merge(other.inf),
        )

    def measures(self):
        stats = self.stats
        return _Measures(
            lo=stats.min,
            hi=stats.max,
            n_posinf=stats.n_posinf,
            n_neginf=stats.n_neginf,
            quartiles=self.sketch.quantile([0.25, 0.5, 0.75]),
            sample_std=stats.std,
            mode_share=self.sketch.mode_share(),
            all_rows=lambda columns: (stats.std[columns], stats.mean[columns]),
            inf_rows=self.inf.rows,
            n_samples=stats.n_rows,
            n_used=stats.n_rows,
        )


def _sample_spread(X, rows, has_inf):
    """Quartiles, std (where the IQR is 0) and mode share of the sampled rows.

    ``rows=None`` uses every row.  The sample is read a chunk of columns at a
    time, as float64 with ±inf turned into NaN (in a copy, never in X).
    """
    p = X.shape[1]
    n_used = X.shape[0] if rows is None else rows.size
    quartiles = np.full((3, p), np.nan)
    sample_std = np.full(p, np.nan)
    mode_share = np.full(p, np.nan)
    for cols in row_blocks(p, n_used, _CHUNK_CELLS):  # chunks of columns
        sample = X[:, cols] if rows is None else X[rows, cols]
        sample = inf_as_nan(np.asarray(sample, dtype=np.float64), has_inf[cols])
        q = nanquantile(sample, [0.25, 0.5, 0.75])
        quartiles[:, cols] = q
        mode_share[cols] = column_mode_share(sample)
        flat = ~(q[2] > q[0])
        if flat.any():
            chunk_std = sample_std[cols]
            chunk_std[flat] = ColumnStats.from_array(sample[:, flat]).std
            sample_std[cols] = chunk_std
    return quartiles, sample_std, mode_share
