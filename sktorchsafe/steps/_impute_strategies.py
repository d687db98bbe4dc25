"""ImputerSelector's strategies: which feature uses which, and how each fills it.

A *simple* strategy fills a feature with one statistic of its observed
values: exactly, from an array in memory (:func:`column_statistic`), or from
mergeable statistics of a stream or of Dask blocks (:class:`ImputeStream`). A
*model* strategy predicts the feature from the other features
(:class:`ModelImputer`: scikit-learn's ``KNNImputer`` or ``IterativeImputer``
in standardized units).
"""

import numbers
import warnings
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer
from threadpoolctl import threadpool_limits

from ..core.compat import InvalidParameterError
from ..core.counts import ValueCounts
from ..core.messages import describe
from ..core.quantiles import nanmode, nanquantile
from ..core.sketches import QuantileSketch
from ..core.stats import ColumnStats, column_min_max, inf_as_nan
from ..exceptions import DataQualityWarning, InputTypeError
from .standardize import SafeStandardScaler

__all__ = [
    "DEFAULT_CANDIDATES",
    "MODEL_STRATEGIES",
    "SIMPLE_STRATEGIES",
    "STRATEGIES",
    "STREAMING_STRATEGIES",
    "ImputeData",
    "ImputeStream",
    "ModelImputer",
    "check_candidates",
    "check_streaming",
    "column_statistic",
    "missing_as_nan",
    "most_frequent_object",
    "requested_strategies",
    "sparse_statistic",
    "text_statistic",
]

#: Strategies that fill a feature with one value learned from it alone.
SIMPLE_STRATEGIES = ("mean", "median", "most_frequent", "constant")
#: Strategies that predict a feature from the other features.
MODEL_STRATEGIES = ("knn", "iterative")
STRATEGIES = SIMPLE_STRATEGIES + MODEL_STRATEGIES

#: Strategies whose statistics merge across ``partial_fit`` calls (and over
#: the blocks of a Dask collection).
STREAMING_STRATEGIES = SIMPLE_STRATEGIES

#: What ``strategy="auto"`` tries when ``candidates`` is None, most preferred
#: first.
DEFAULT_CANDIDATES = ("median", "mean", "iterative")

#: Features a ``strategy`` mapping does not name use this strategy.
UNNAMED_STRATEGY = "median"

#: The ``"iterative"`` strategy regresses each feature on at most this many
#: other features (drawn by their correlation with it, IterativeImputer's
#: ``n_nearest_features``): its cost and memory then grow linearly with the
#: number of features instead of with its square (one ``BayesianRidge`` per
#: feature and round keeps a covariance matrix of its inputs).
ITERATIVE_MAX_NEIGHBORS = 50


def requested_strategies(strategy, names, n_features):
    """One strategy name (``"auto"`` included) per feature.

    ``strategy`` is ImputerSelector's parameter: a name, a callable, or a
    mapping from features (by ``names``, or by position) to names.
    """
    if isinstance(strategy, str) or callable(strategy):
        requested = np.empty(n_features, dtype=object)
        requested[:] = [strategy] * n_features
        return requested
    requested = np.full(n_features, UNNAMED_STRATEGY, dtype=object)
    chosen_by = {}
    for key, value in strategy.items():
        j = _feature_index(key, names, n_features)
        if value not in (*STRATEGIES, "auto"):
            raise InvalidParameterError(
                f"ImputerSelector: strategy[{key!r}] must be one of "
                f"{describe((*STRATEGIES, 'auto'), limit=10, quote=True)}. "
                f"Got {value!r} instead."
            )
        if j in chosen_by and requested[j] != value:
            raise InvalidParameterError(
                f"ImputerSelector: strategy names feature {j} twice, as "
                f"{chosen_by[j]!r} ({requested[j]!r}) and as {key!r} "
                f"({value!r}). Name each feature once."
            )
        requested[j], chosen_by[j] = value, key
    return requested


def _feature_index(key, names, n_features):
    """The position of the feature a ``strategy`` mapping names by ``key``."""
    if isinstance(key, numbers.Integral) and not isinstance(key, bool):
        if 0 <= key < n_features:
            return int(key)
        raise InvalidParameterError(
            f"ImputerSelector: strategy names feature {key}, but X has "
            f"{n_features} features (positions 0 to {n_features - 1})."
        )
    if isinstance(key, str):
        if names is None:
            raise InvalidParameterError(
                f"ImputerSelector: strategy names feature {key!r}, but X has no "
                "column names. Fit on a DataFrame, or name features by position."
            )
        matches = np.flatnonzero(np.asarray(names) == key)
        if matches.size:
            return int(matches[0])
        raise InvalidParameterError(
            f"ImputerSelector: strategy names feature {key!r}, which is not a "
            f"column of X. Columns: {describe(names, limit=10, quote=True)}."
        )
    raise InvalidParameterError(
        "ImputerSelector: strategy keys must be column names (str) or positions "
        f"(int). Got {key!r} instead."
    )


def check_candidates(candidates):
    """``candidates`` (ImputerSelector's parameter) as a tuple of strategies."""
    given = candidates
    candidates = DEFAULT_CANDIDATES if given is None else tuple(given)
    bad = [c for c in candidates if c not in STRATEGIES]
    if not candidates or bad or len(set(candidates)) != len(candidates):
        raise InvalidParameterError(
            "ImputerSelector: candidates must be a non-empty list of distinct "
            f"strategies among {describe(STRATEGIES, limit=10, quote=True)}. "
            f"Got {given!r} instead."
        )
    return candidates


def check_streaming(requested, dask=False):
    """Raise unless every strategy in ``requested`` learns from batches."""
    batch_only = sorted(
        {s if isinstance(s, str) else "a callable" for s in requested}
        - set(STREAMING_STRATEGIES)
    )
    if batch_only:
        how = "fit on Dask input" if dask else "ImputerSelector.partial_fit"
        raise InvalidParameterError(
            f"{how} learns from batches with the strategies "
            f"{describe(STREAMING_STRATEGIES, quote=True)} only; strategy "
            f"{describe(batch_only, quote=True)} needs every row at once. Call "
            "fit on the data in memory (for Dask: X.compute(), or a sample of "
            "its rows) instead, or use strategy='median'."
        )
    return True


def column_statistic(strategy, X):
    """The fill value of each column of ``X`` (NaN as missing, no ±inf)."""
    if callable(strategy):
        return np.array([float(strategy(col[~np.isnan(col)])) for col in X.T])
    if strategy == "mean":
        return ColumnStats.from_array(X).mean
    if strategy == "most_frequent":
        return nanmode(X)
    return nanquantile(X, 0.5)  # exact even where the middle values are ±1e308


def sparse_statistic(strategy, X):
    """The fill value of each column of a CSC matrix (NaN and ±inf missing).

    Implicit zeros are observed values, as in scikit-learn's SimpleImputer.
    """
    n_rows = X.shape[0]
    out = np.full(X.shape[1], np.nan)
    for j in range(X.shape[1]):
        data = X.data[X.indptr[j] : X.indptr[j + 1]]
        observed = data[np.isfinite(data)]
        n_zeros = n_rows - data.size
        if observed.size + n_zeros:
            out[j] = _with_zeros(strategy, observed, n_zeros)
    return out


def _with_zeros(strategy, observed, n_zeros):
    """The statistic of ``observed`` and ``n_zeros`` more zeros."""
    if callable(strategy):
        return float(strategy(np.concatenate([observed, np.zeros(n_zeros)])))
    n = observed.size + n_zeros
    if strategy == "mean":
        return float(np.sum(observed / n))  # divided first: cannot overflow
    if strategy == "median":
        values = np.sort(observed)
        first_positive = np.searchsorted(values, 0.0)

        def at(k):  # the k-th smallest of values and the zeros
            if k < first_positive:
                return values[k]
            return 0.0 if k < first_positive + n_zeros else values[k - n_zeros]

        return float(0.5 * at((n - 1) // 2) + 0.5 * at(n // 2))
    values, counts = np.unique(observed, return_counts=True)
    if n_zeros:
        at_zero = np.searchsorted(values, 0.0)
        if at_zero < values.size and values[at_zero] == 0.0:
            counts[at_zero] += n_zeros
        else:
            values = np.insert(values, at_zero, 0.0)
            counts = np.insert(counts, at_zero, n_zeros)
    return float(values[np.argmax(counts)])  # the smallest on ties


def most_frequent_object(values):
    """The most frequent of ``values`` (objects); the smallest on ties.

    Values that cannot be compared (text and numbers) are ordered by type
    name and text, as scikit-learn does.
    """
    counts = Counter(values)
    top = max(counts.values())
    tied = [value for value, count in counts.items() if count == top]
    try:
        return min(tied)
    except TypeError:
        return min(tied, key=lambda v: (str(type(v)), str(v)))


def text_statistic(strategy, X, mask, names):
    """The fill value of each column of an object array (``mask``: missing).

    ``"mean"`` and ``"median"`` take columns of numbers only; ``names`` name
    the features in the error otherwise.
    """
    out = np.empty(X.shape[1], dtype=object)
    for j in range(X.shape[1]):
        observed = X[~mask[:, j], j]
        if strategy == "most_frequent":
            out[j] = most_frequent_object(observed)
            continue
        values = pd.to_numeric(pd.Series(observed), errors="coerce").to_numpy(float)
        bad = np.flatnonzero(np.isnan(values))
        if bad.size:
            rows = np.flatnonzero(~mask[:, j])[bad]
            raise InputTypeError(
                f"ImputerSelector: strategy {strategy!r} cannot use non-numeric "
                f"data:\ncould not convert string to float: {observed[bad[0]]!r} "
                f"(feature {names[j]!r}, rows {describe(rows)}).\nUse "
                "strategy='most_frequent' or 'constant' for it (a mapping gives "
                "each column its own strategy), or encode it first with "
                "TableEncoder."
            )
        out[j] = column_statistic(strategy, values[:, None])[0].item()
    return out


def missing_as_nan(X):
    """``X`` with ±inf as NaN (a copy only if it holds any), and its empty features.

    A feature is empty when it has no finite value.
    """
    lo, hi = column_min_max(X)
    has_inf = np.isinf(lo) | np.isinf(hi)
    if has_inf.any():
        X = inf_as_nan(X, has_inf)
        lo[has_inf] = column_min_max(X[:, has_inf])[0]
    return X, np.isnan(lo)


@dataclass
class ImputeStream:
    """Mergeable statistics of the simple strategies (``partial_fit``, Dask).

    ``stats`` (moments, counts) covers every feature; ``sketch`` only the
    ``"median"`` features and ``counts`` only the ``"most_frequent"`` ones,
    as ``requested`` (one strategy per feature) asked.
    """

    requested: np.ndarray
    stats: ColumnStats
    sketch: QuantileSketch | None
    counts: ValueCounts | None

    @classmethod
    def of(cls, X, *, requested):
        median = np.flatnonzero(requested == "median")
        frequent = np.flatnonzero(requested == "most_frequent")
        return cls(
            requested=requested,
            stats=ColumnStats.from_array(X),  # NaN and ±inf are left out
            sketch=QuantileSketch.from_array(X[:, median]) if median.size else None,
            counts=ValueCounts.from_array(X[:, frequent]) if frequent.size else None,
        )

    def merge(self, other):
        if not np.array_equal(self.requested, other.requested):
            raise InvalidParameterError(
                "ImputerSelector: the strategy changed between partial_fit "
                "calls. Call fit, or start a new imputer, to use another one."
            )
        return ImputeStream(
            requested=self.requested,
            stats=self.stats.merge(other.stats),
            sketch=None if self.sketch is None else self.sketch.merge(other.sketch),
            counts=None if self.counts is None else self.counts.merge(other.counts),
        )

    @property
    def empty(self):
        """Features without any finite value."""
        return self.stats.count == 0

    def statistic(self, strategy, cols):
        """The fill values of ``strategy`` for the features ``cols``."""
        if strategy == "mean":
            return self.stats.mean[cols]
        kept = np.flatnonzero(self.requested == strategy)
        if strategy == "median":
            return self.sketch.quantile(0.5)[np.searchsorted(kept, cols)]
        return self.counts.mode()[np.searchsorted(kept, cols)]


@dataclass
class ImputeData:
    """All of X in memory (NaN in place of ±inf), for the exact strategies.

    It does not merge: a ``partial_fit`` after such a ``fit`` starts anew.
    """

    requested: np.ndarray
    X: np.ndarray
    empty: np.ndarray


class ModelImputer:
    """``KNNImputer`` or ``IterativeImputer`` on standardized features.

    Distances (knn) and regressions (iterative) are computed on the
    ``inputs`` features standardized with :class:`SafeStandardScaler`
    (overflow-proof) fitted on every row, so large-scale features do not
    dominate; the model itself learns from a row sample.  Imputations are
    mapped back to data units; iterative ones are clipped to each feature's
    observed range.  ``targets`` (a subset of ``inputs``) are the features
    whose imputations are used.
    """

    def __init__(
        self, kind, inputs, targets, *, n_neighbors, max_iter, random_state, verbose
    ):
        self.kind = kind
        self.inputs = np.flatnonzero(inputs)
        self.targets = np.asarray(targets)
        self.n_neighbors = n_neighbors
        self.max_iter = max_iter
        self.random_state = random_state
        self.verbose = verbose

    @classmethod
    def of(cls, imputer, kind, inputs, targets, rng):
        """The unfitted model of ``targets`` an :class:`ImputerSelector` asks for."""
        return cls(
            kind,
            inputs,
            targets,
            n_neighbors=imputer.n_neighbors,
            max_iter=imputer.iterative_max_iter,
            random_state=rng.randint(np.iinfo(np.int32).max),
            verbose=max(0, imputer.verbose - 1),
        )

    def fit(self, X, rows=None):
        every = self.inputs.size == X.shape[1]
        with warnings.catch_warnings():
            # A feature may have no value in a sample of rows; it is kept.
            warnings.simplefilter("ignore", DataQualityWarning)
            self.scaler = SafeStandardScaler().fit(X if every else X[:, self.inputs])
        sample = X if rows is None else X[rows]
        Zs = self.scaler.transform(sample[:, self.inputs])
        if self.kind == "knn":
            self.model = KNNImputer(
                n_neighbors=self.n_neighbors, keep_empty_features=True
            )
        else:
            lo, hi = column_min_max(Zs)
            # Every observed value at 0 (constant features, one row): nothing
            # to regress, and IterativeImputer's stopping rule (a change below
            # tol times the largest value) can never hold.
            degenerate = not np.any(np.fmax(-lo, hi) > 0)
            lo, hi = np.nan_to_num(lo, nan=-np.inf), np.nan_to_num(hi, nan=np.inf)
            hi = np.where(hi > lo, hi, np.nextafter(lo, np.inf))  # strictly above
            n_inputs = self.inputs.size
            self.model = IterativeImputer(
                max_iter=self.max_iter,
                n_nearest_features=(
                    ITERATIVE_MAX_NEIGHBORS
                    if n_inputs > ITERATIVE_MAX_NEIGHBORS + 1
                    else None
                ),
                min_value=lo,
                max_value=hi,
                keep_empty_features=True,
                random_state=self.random_state,
                verbose=self.verbose,
            )
        # A feature without values in the sample is kept by the model and
        # imputed with 0 in standardized units: its mean over every row.
        with self._threads(), warnings.catch_warnings():
            if self.kind == "iterative" and degenerate:
                warnings.simplefilter("ignore", ConvergenceWarning)
            self.model.fit(Zs)
        self._columns = np.searchsorted(self.inputs, self.targets)
        return self

    def _threads(self):
        """One BLAS thread for the iterative strategy's many small regressions.

        Threads only add overhead on matrices of a few features (and slow
        them down tenfold on a busy machine); the knn distances keep them.
        """
        return threadpool_limits(1 if self.kind == "iterative" else None, "blas")

    def impute(self, X):
        """Imputed values of the targets for the rows of ``X`` (NaN missing)."""
        Zs = self.scaler.transform(X[:, self.inputs])
        with self._threads():
            Zs = self.model.transform(Zs)[:, self._columns]
        mean = self.scaler.mean_[self._columns]
        scale = self.scaler.scale_[self._columns]
        with np.errstate(over="ignore", invalid="ignore"):
            filled = Zs * scale + mean
        bad = ~np.isfinite(filled)
        if bad.any():  # not expected: fall back to the feature's mean
            filled[bad] = np.broadcast_to(mean, filled.shape)[bad]
        return filled
