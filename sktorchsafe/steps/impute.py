"""``ImputerSelector``: imputation whose strategy is a parameter, or chosen per column.

``fit`` reduces X to one fill value per feature (a mean, median or mode from
the shared statistics in :mod:`sktorchsafe.core`, or a constant), or to a
model of the feature from the other features (scikit-learn's ``KNNImputer``
or ``IterativeImputer``, fitted in standardized units on a row sample): the
strategies are in :mod:`._impute_strategies`.  ``strategy="auto"`` first
picks, for every feature, the candidate that best reconstructs observed
values hidden from it (:mod:`._impute_auto`).  ``transform`` fills the
missing cells (:mod:`._impute_input`: ``missing_values``, NaN, ±inf) and
never changes the number of columns silently (:mod:`._impute_transform`).
"""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..core.compat import Interval, StrOptions, check_feature_names_in, fit_context
from ..core.dask_blocks import (
    check_dask_input,
    float_block,
    is_dask_collection,
)
from ..core.messages import fix_for
from ..core.progress import Progress
from ..core.stats import SUBSAMPLE, sample_rows
from ..core.streaming import StreamingMixin
from ..core.validation import feature_names, raise_nonfinite_counts
from ._impute_auto import choose_auto
from ._impute_input import (
    check_dense_numbers,
    check_fill_value,
    empty_features,
    empty_policy,
    fill_value_of,
    report_empty,
    takes_sparse,
    text_mask,
    validate_input,
)
from ._impute_strategies import (
    MODEL_STRATEGIES,
    SIMPLE_STRATEGIES,
    STRATEGIES,
    ImputeData,
    ImputeStream,
    ModelImputer,
    check_streaming,
    column_statistic,
    missing_as_nan,
    requested_strategies,
    sparse_statistic,
    text_statistic,
)
from ._impute_transform import (
    fill_dense,
    fill_sparse,
    fill_text,
    fit_indicator,
    restore,
)

__all__ = ["ImputerSelector"]


class ImputerSelector(StreamingMixin, TransformerMixin, BaseEstimator):
    """Impute missing values with a strategy chosen by grid search or per column.

    One transformer for every imputation strategy, so that the strategy is a
    parameter ``GridSearchCV`` can search in front of a skorch net, and
    ``"auto"`` chooses one per feature from the data. It takes what
    scikit-learn's ``SimpleImputer`` takes (``missing_values``, text and
    category columns, sparse matrices, ``keep_empty_features``,
    ``indicator_``, ``inverse_transform``) and, compared with it:

    - ±inf counts as missing (``on_inf="impute"``) instead of raising;
    - a feature with no observed value in the training data (often only in
      one cross-validation fold) is kept as a constant, with a
      :class:`~sktorchsafe.exceptions.DataQualityWarning`, so the output
      width, and the net's input size, is the same in every fold;
    - a feature with no missing value at fit still has a fill value, so
      missing values that appear only at transform are filled too;
    - the missing indicators (``add_indicator=True``) cover every feature, so
      they do not change the width from one fold to the next either.

    Parameters
    ----------
    strategy : str, callable or dict, default="median"
        How missing values are filled:

        - ``"mean"``, ``"median"``, ``"most_frequent"``: the statistic of the
          feature's observed values (``"most_frequent"``: the smallest of
          the most frequent values on ties);
        - ``"constant"``: ``fill_value``;
        - a callable: its result on the feature's observed values (a 1-D
          array), e.g. ``np.min``;
        - ``"knn"``: the mean of the feature over the ``n_neighbors``
          nearest rows (:class:`sklearn.impute.KNNImputer`);
        - ``"iterative"``: a regression on the other features, refined in
          rounds (:class:`sklearn.impute.IterativeImputer` with its default
          ``BayesianRidge``), imputations clipped to the observed range;
          with more than 51 features, each is regressed on 50 others drawn
          by their correlation with it (``n_nearest_features``), so that
          wide data costs time and memory in proportion to its width;
        - ``"auto"``: chosen per feature among ``candidates`` (see Notes);
        - a dict mapping features (DataFrame column names or integer
          positions) to any of the above; features it does not name use
          ``"median"``.

        ``"knn"`` and ``"iterative"`` work in standardized units (distances
        and regressions are not dominated by large-scale features) and are
        fitted on at most ``max_samples`` rows. Text and category features
        take ``"most_frequent"`` and ``"constant"`` (``"mean"`` and
        ``"median"`` too where they hold numbers); sparse X takes the
        simple strategies and callables.
    missing_values : float, int, str, None or pandas.NA, default=np.nan
        The placeholder of a missing value, as in ``SimpleImputer``: cells
        equal to it are missing, e.g. ``-999`` or ``""``. NaN is missing in
        any case (None and ``pandas.NA`` too in text), and so is ±inf with
        ``on_inf="impute"``. A number for numeric data; with a sparse matrix
        it must not be 0 (every implicit zero would be missing).
    fill_value : float or str, default=None
        Value of the ``"constant"`` strategy, and of features without any
        observed value at fit (kept, see ``on_all_nan``). ``None`` means 0
        for numeric data and ``"missing_value"`` for text; a str for text
        only.
    candidates : list of str, default=None
        Strategies ``"auto"`` chooses from, most preferred first: a later
        candidate must do clearly better to be chosen (see Notes). ``None``
        means ``["median", "mean", "iterative"]``.
    scoring : {"mae", "rmse"}, default="mae"
        Error ``"auto"`` minimizes on the hidden values: mean absolute error
        (the median is the best constant; robust to outliers) or root mean
        squared error (the mean is the best constant).
    validation_fraction : float in (0, 1), default=0.2
        Share of each feature's observed values ``"auto"`` hides and
        reconstructs.
    max_samples : int, default=5000
        Most rows ``"auto"`` scores the candidates on and ``"knn"`` and
        ``"iterative"`` are fitted on (a random stratified sample when there
        are more, drawn with ``random_state``); ``None`` uses every row. The
        cost of ``"knn"`` at transform grows with it.
    subsample : int or None, default=20_000
        Above this many rows, an in-memory ``fit`` reads the ``"median"``
        from a stratified sample of that many rows (one at random from each
        of ``subsample`` equal runs): its rank is within ``1.3 /
        sqrt(subsample)`` of one half with 99% confidence (0.92% by default,
        0.023 standard deviations of a normal feature). ``None``: the exact
        median. The other strategies read every row (see ``max_samples``).
    n_neighbors : int, default=5
        Neighbors of the ``"knn"`` strategy.
    iterative_max_iter : int, default=10
        Most imputation rounds of the ``"iterative"`` strategy.
    on_inf : {"impute", "raise"}, default="impute"
        ``"impute"`` treats ±inf like NaN, at fit and at transform;
        ``"raise"`` raises :class:`~sktorchsafe.exceptions.NonFiniteInputError`
        naming the features and rows.
    on_all_nan : {"fill", "raise", "drop"}, default="fill"
        What to do with a feature that has no observed value at fit:

        - ``"fill"``: keep it, as a constant ``fill_value`` (0 by default),
          with a :class:`~sktorchsafe.exceptions.DataQualityWarning` naming it.
          It stays constant at transform, even where it then has values: the
          steps after the imputer learned nothing about it (a net's weights
          on an input that was constant in training never trained, so new
          values there would only add noise);
        - ``"raise"``: raise :class:`~sktorchsafe.exceptions.NonFiniteInputError`;
        - ``"drop"``: leave it out of the output. This **changes the output
          width** with the training data, which breaks a net whose input
          size is fixed when folds differ.
    keep_empty_features : bool or None, default=None
        ``SimpleImputer``'s switch for the same features: ``True`` keeps them
        (as ``on_all_nan="fill"``), ``False`` leaves them out (as
        ``on_all_nan="drop"``), whatever the strategy. ``None`` lets
        ``on_all_nan`` decide; a bool overrides its ``"fill"`` or ``"drop"``,
        while ``on_all_nan="raise"`` still raises. Either way the features
        are named in a ``DataQualityWarning`` at fit.
    add_indicator : bool, default=False
        Append one missing-indicator column (1.0 where the value was missing,
        NaN or ±inf, else 0.0) per output feature, named
        ``missingindicator_<name>``. Every feature gets one, including those
        without missing values at fit, which are flagged at transform like
        any other (see Notes). Text output gets ``True``/``False``; sparse
        output, sparse indicators.
    copy : bool, default=True
        If False, ``transform`` fills X in place when it can (a writeable
        float ndarray of the same width as the output, or a CSC matrix); the
        caller's array is then modified. ``fit`` never modifies X.
    random_state : int, RandomState instance or None, default=None
        Draws the row sample and the hidden values of ``"auto"``, the row
        samples of ``"knn"``/``"iterative"`` and of ``subsample``, and seeds
        ``IterativeImputer``.
        Pass an int for reproducible results.
    verbose : int, default=0
        ``0``: progress of ``"auto"`` and the models on a terminal after 2 s;
        ``1``: always, at once; ``2``: also ``IterativeImputer(verbose=1)``.

    Attributes
    ----------
    strategies_ : ndarray of str of shape (n_features_in_,)
        The strategy each feature uses: ``"auto"`` and mappings resolved;
        ``"constant"`` for a feature filled because it had no observed
        value, ``"drop"`` for one left out by ``on_all_nan="drop"``.
    statistics_ : ndarray of shape (n_features_in_,)
        The fill value of each feature; NaN for ``"knn"``, ``"iterative"``
        and dropped features. float64, or objects for text data.
    indicator_ : sklearn.impute.MissingIndicator or None
        With ``add_indicator=True``, a fitted ``MissingIndicator`` of the kept
        features (``features_``), flagging the cells equal to
        ``missing_values`` (not ±inf); ``None`` otherwise.
    selection_scores_ : pandas.DataFrame of shape (n_candidates, n_features_in_) \
            or None
        The error of each candidate (rows) on each feature (columns) when
        ``"auto"`` chose; NaN for features it did not score. ``None`` when no
        feature used ``"auto"``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when X is a DataFrame with string column names.

    See Also
    --------
    sklearn.impute.SimpleImputer : One statistic for every feature.
    sklearn.impute.KNNImputer : The ``"knn"`` strategy.
    sklearn.impute.IterativeImputer : The ``"iterative"`` strategy.
    OutlierClipper : Clips extreme values before or after imputation.

    Notes
    -----
    **How "auto" chooses.** In a row sample of at most ``max_samples`` rows,
    ``validation_fraction`` of the observed values of every ``"auto"``
    feature is hidden (all features at once). Each candidate is fitted on
    what is left and fills the hidden cells. Its error there (``scoring``)
    is divided by the error of the best constant on the values left (their
    mean absolute deviation from their median for ``"mae"``, their standard
    deviation for ``"rmse"``; 1 where that is 0), so a score reads the same
    on every feature: about 1 for the median (``"mae"``) or the mean
    (``"rmse"``), below 1 for a model that uses the other features well.
    Each feature gets the first candidate, in ``candidates`` order, whose
    mean error on the hidden cells is within one standard error of the
    lowest (the one-standard-error rule: a difference smaller than the noise
    of its estimate does not make a later, usually costlier, candidate
    win), and the first candidate when fewer than 10 of its values could be
    hidden. The chosen strategies are then fitted on all
    the training data, exactly as if given as a mapping. Everything random
    follows ``random_state``; ``transform`` never refits. With
    ``verbose=1`` each step is printed with its duration.

    **Missing values that appear only at transform.** Every feature has a
    fill value (or a model), so a feature without missing values at fit
    is still filled at transform, and with ``add_indicator=True`` it is
    flagged like any other. (scikit-learn's ``SimpleImputer`` adds
    indicators only for the features with missing values at fit, so its
    output width depends on the training fold.)

    **Streaming and Dask.** ``partial_fit`` (one batch at a time) and
    ``fit`` on a ``dask.array.Array`` or ``dask.dataframe.DataFrame`` (one
    task per block, merged in a tree on the active Dask scheduler) keep
    mergeable statistics of every row of dense numbers, for the strategies
    ``"mean"`` (exact moments, equal to ``fit``'s up to rounding),
    ``"median"`` (a KLL quantile sketch per feature, k=400: an observed value
    whose rank is within 0.7% of one half with 99% confidence, where ``fit``
    is exact; two streamed fits may differ within that), ``"most_frequent"``
    (exact counts of each distinct value, for discrete features) and
    ``"constant"``.

    ``"knn"``, ``"iterative"`` and ``"auto"`` need every row at once: the
    imputer then has no ``partial_fit``, and a Dask ``fit`` raises (fit on
    a computed sample instead); a fitted imputer transforms Dask input with
    any strategy, lazily, block by block. A ``partial_fit`` after ``fit``
    continues from it when ``fit`` kept mergeable statistics (``"mean"``
    and ``"constant"`` only), and starts anew otherwise.

    **dtype.** float32 input gives float32 output; statistics are computed
    in float64. Other numeric input is converted to float64. Text input
    (object arrays, lists of strings, DataFrames with text or category
    columns) gives objects, or with ``set_output(transform="pandas")`` each
    column in its dtype; sparse input gives a CSC matrix. Text and sparse
    input are fitted in memory.

    Examples
    --------
    ±inf counts as missing, and a feature without any observed value is kept
    and filled (with a ``DataQualityWarning`` naming it):

    >>> import numpy as np
    >>> from sktorchsafe import ImputerSelector
    >>> X = np.array([[1.0, 10.0, np.nan],
    ...               [2.0, np.inf, np.nan],
    ...               [np.nan, 30.0, np.nan],
    ...               [9.0, 40.0, np.nan]])
    >>> imputer = ImputerSelector(strategy="median", add_indicator=True)
    >>> imputer.fit_transform(X)
    array([[ 1., 10.,  0.,  0.,  0.,  1.],
           [ 2., 30.,  0.,  0.,  1.,  1.],
           [ 2., 30.,  0.,  1.,  0.,  1.],
           [ 9., 40.,  0.,  0.,  0.,  1.]])
    >>> imputer.strategies_, imputer.statistics_
    (array(['median', 'median', 'constant'], dtype=object), array([ 2., 30.,  0.]))
    >>> imputer.get_feature_names_out()
    array(['x0', 'x1', 'x2', 'missingindicator_x0', 'missingindicator_x1',
           'missingindicator_x2'], dtype=object)

    ``"auto"`` chooses per feature: here a model of the other features for
    two strongly correlated features, and the median for a skewed one:

    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=500)
    >>> X = np.column_stack([z, z + 0.1 * rng.normal(size=500),
    ...                      rng.lognormal(size=500)])
    >>> X[rng.random(X.shape) < 0.1] = np.nan
    >>> auto = ImputerSelector(strategy="auto", random_state=0).fit(X)
    >>> auto.strategies_
    array(['iterative', 'iterative', 'median'], dtype=object)
    >>> auto.selection_scores_.round(2)  # doctest: +NORMALIZE_WHITESPACE
                 x0    x1    x2
    candidate
    median     1.00  0.90  1.02
    mean       1.00  0.90  1.15
    iterative  0.32  0.27  1.15

    A placeholder as ``missing_values``, and ``inverse_transform`` putting it
    back where the indicators say:

    >>> X = np.array([[1.0, -999.0], [-999.0, 4.0], [3.0, 6.0]])
    >>> placeholder = ImputerSelector(
    ...     missing_values=-999, strategy="mean", add_indicator=True
    ... )
    >>> Xt = placeholder.fit_transform(X)
    >>> Xt
    array([[1., 5., 0., 1.],
           [2., 4., 1., 0.],
           [3., 6., 0., 0.]])
    >>> placeholder.inverse_transform(Xt)
    array([[   1., -999.],
           [-999.,    4.],
           [   3.,    6.]])

    Text and categories with ``"most_frequent"`` or ``"constant"``; with
    pandas output each column keeps its dtype:

    >>> import pandas as pd
    >>> df = pd.DataFrame({
    ...     "city": pd.Series(["Oslo", None, "Oslo", "Rome"], dtype="category"),
    ...     "size": [1.0, 2.0, np.nan, 2.0],
    ... })
    >>> text = ImputerSelector(strategy="most_frequent").fit(df)
    >>> text.statistics_
    array(['Oslo', 2.0], dtype=object)
    >>> out = text.set_output(transform="pandas").transform(df)
    >>> out["city"].tolist(), [str(dtype) for dtype in out.dtypes]
    (['Oslo', 'Oslo', 'Oslo', 'Rome'], ['category', 'float64'])

    Sparse matrices (implicit zeros are values), and a feature without any
    observed value left out as ``SimpleImputer(keep_empty_features=False)``
    does (with a ``DataQualityWarning`` naming it):

    >>> from scipy import sparse
    >>> S = sparse.csr_matrix([[np.nan, 2.0, np.nan], [4.0, 0.0, np.nan]])
    >>> imputer = ImputerSelector(strategy="mean", keep_empty_features=False)
    >>> imputer.fit_transform(S).toarray()
    array([[4., 2.],
           [4., 0.]])
    """

    _fitted_private = ("_models", "_kept", "_constant", "_indicate", "_text", "_dtypes")

    _parameter_constraints = {
        "strategy": [StrOptions({*STRATEGIES, "auto"}), dict, callable],
        "missing_values": [Real, str, None, type(pd.NA)],
        "fill_value": [None, Interval(Real, None, None, closed="neither"), str],
        "candidates": [None, list, tuple],
        "scoring": [StrOptions({"mae", "rmse"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "max_samples": [None, Interval(Integral, 1, None, closed="left")],
        "subsample": [None, Interval(Integral, 1, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "iterative_max_iter": [Interval(Integral, 1, None, closed="left")],
        "on_inf": [StrOptions({"impute", "raise"})],
        "on_all_nan": [StrOptions({"fill", "raise", "drop"})],
        "keep_empty_features": ["boolean", None],
        "add_indicator": ["boolean"],
        "copy": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        strategy="median",
        missing_values=np.nan,
        fill_value=None,
        candidates=None,
        scoring="mae",
        validation_fraction=0.2,
        max_samples=5000,
        subsample=SUBSAMPLE,
        n_neighbors=5,
        iterative_max_iter=10,
        on_inf="impute",
        on_all_nan="fill",
        keep_empty_features=None,
        add_indicator=False,
        copy=True,
        random_state=None,
        verbose=0,
    ):
        self.strategy = strategy
        self.missing_values = missing_values
        self.fill_value = fill_value
        self.candidates = candidates
        self.scoring = scoring
        self.validation_fraction = validation_fraction
        self.max_samples = max_samples
        self.subsample = subsample
        self.n_neighbors = n_neighbors
        self.iterative_max_iter = iterative_max_iter
        self.on_inf = on_inf
        self.on_all_nan = on_all_nan
        self.keep_empty_features = keep_empty_features
        self.add_indicator = add_indicator
        self.copy = copy
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the fill value (or model) of every feature.

        Parameters
        ----------
        X : array-like, DataFrame, dask.array.Array or dask.dataframe.DataFrame \
                of shape (n_samples, n_features)
            Numeric data; NaN (and ±inf, with ``on_inf="impute"``) are missing.
            A Dask collection is reduced block by block on the active
            scheduler (see Notes).
        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted imputer.
        """
        self._fit(X)
        return self

    def _named_strategies(self):
        strategy = self.strategy
        return list(strategy.values()) if isinstance(strategy, dict) else [strategy]

    def _can_partial_fit(self):
        return check_streaming(self._named_strategies())

    @available_if(_can_partial_fit)
    @fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Update the statistics with one more batch of rows.

        Successive calls merge the statistics of every batch, so the fill
        values do not depend on how the rows were split: the same as one
        ``fit`` on all the batches for ``"mean"``, ``"most_frequent"`` and
        ``"constant"``, and within a quantile sketch's rank error for
        ``"median"`` (see Notes). With ``"knn"``, ``"iterative"`` or
        ``"auto"`` the imputer has no ``partial_fit`` (``hasattr`` is False,
        and the ``AttributeError`` comes from an error that says why).

        Parameters
        ----------
        X : array-like, DataFrame, dask.array.Array or dask.dataframe.DataFrame \
                of shape (n_samples, n_features)
            One batch of rows.
        y : None
            Ignored.

        Returns
        -------
        self : object
            Updated imputer.
        """
        self._partial_fit(X)
        return self

    # The streaming protocol (sktorchsafe.core.streaming).
    def _validate_block(self, X, *, reset):
        return validate_input(self, X, reset=reset)

    def _check_dask_input(self, X, *, reset):
        check_dask_input(self, X, reset=reset)
        if reset:
            self._text = False  # Dask input is numeric (check_dask_input)
        check_streaming(self._requested_strategies(self.n_features_in_), dask=True)

    def _block_statistics(self, X, sample_weight=None):
        check_dense_numbers(self, X)
        X = float_block(X)  # a Dask block comes as it is
        requested = self._requested_strategies(X.shape[1])
        check_streaming(requested)
        return ImputeStream.of(X, requested=requested)

    def _exact_statistics(self, X, sample_weight=None):
        requested = self._requested_strategies(X.shape[1])
        check_fill_value(self.fill_value, X)
        if self._text or sparse.issparse(X):
            return ImputeData(requested, X, empty_features(self, X, requested))
        if set(requested) <= {"mean", "constant"}:
            # Exact and mergeable (a partial_fit continues), and ColumnStats
            # leaves ±inf out by itself: no cleaned copy needed.
            return ImputeStream.of(X, requested=requested)
        X, empty = missing_as_nan(X)
        return ImputeData(requested, X, empty)

    def _check_statistics(self, statistics, X):
        # In memory, validate_X refused ±inf already, naming the rows.
        if self.on_inf == "raise" and is_dask_collection(X):
            raise_nonfinite_counts(
                statistics.stats,
                feature_names(self, n_features=self.n_features_in_),
                who=type(self).__name__,
                fix=fix_for("inf_in_imputer"),
            )

    def _finish(self, *, partial=False):
        """Resolve and fit the strategy of each feature from the statistics."""
        stream = self._stream
        if self._continues_stream():  # mergeable statistics
            self._fit_strategies(stream.requested, stream.empty, stats=stream)
        else:  # all of X, in memory
            self._fit_strategies(stream.requested, stream.empty, X=stream.X)

    def _fit_strategies(self, requested, empty, *, X=None, stats=None):
        """Resolve and fit the strategy of each feature.

        ``X`` holds NaN in place of ±inf; it may be None when ``stats``
        (from ``X`` itself) is enough, as for the streaming strategies.
        """
        names = feature_names(self, n_features=requested.size)
        report_empty(self, empty, names)
        strategies = requested.copy()
        strategies[empty] = "drop" if empty_policy(self) == "drop" else "constant"
        rng = check_random_state(self.random_state)
        rows = None if X is None else sample_rows(X.shape[0], self.max_samples, rng)

        # "auto" resolved in place in strategies, with the scores' table.
        self.selection_scores_ = choose_auto(self, strategies, X, rows, empty, rng)

        dtype = object if self._text else np.float64
        statistics = np.full(requested.size, np.nan, dtype=dtype)
        callables = {id(s): s for s in strategies if callable(s)}
        for strategy in (*SIMPLE_STRATEGIES, *callables.values()):
            cols = np.flatnonzero([s is strategy or s == strategy for s in strategies])
            if cols.size:
                statistics[cols] = self._statistic(strategy, X, cols, stats)
        statistics[empty & (strategies == "constant")] = fill_value_of(self)

        self._models = {}
        for kind in MODEL_STRATEGIES:
            targets = np.flatnonzero(strategies == kind)
            if targets.size:
                self._models[kind] = self._fit_model(
                    kind, X, rows, ~empty, targets, rng
                )
        self.strategies_ = strategies
        self.statistics_ = statistics
        self._kept = strategies != "drop"
        self._constant = empty & self._kept  # filled in every row at transform
        self._indicate = bool(self.add_indicator)
        self.indicator_ = fit_indicator(self) if self._indicate else None

    def _statistic(self, strategy, X, cols, stats):
        if strategy == "constant":
            return fill_value_of(self)
        if stats is not None:  # an ImputeStream
            return stats.statistic(strategy, cols)
        if self._text:
            names = np.array(feature_names(self, n_features=X.shape[1]), object)
            mask = text_mask(X[:, cols], self.missing_values)
            return text_statistic(strategy, X[:, cols], mask, names[cols])
        if sparse.issparse(X):
            return sparse_statistic(strategy, X[:, cols])
        if strategy == "median" and X.shape[0] > (self.subsample or np.inf):
            X = X[sample_rows(X.shape[0], self.subsample, self.random_state)]
        if callable(strategy) or 2 * cols.size < X.shape[1]:  # the few columns
            return column_statistic(strategy, X[:, cols])
        return column_statistic(strategy, X)[cols]

    def _fit_model(self, kind, X, rows, inputs, targets, rng):
        model = ModelImputer.of(self, kind, inputs, targets, rng)
        n_rows = X.shape[0] if rows is None else rows.size
        with self._progress(f"fitting {kind!r} on {n_rows} rows"):
            return model.fit(X, rows)

    def _progress(self, label):
        return Progress(label, who="ImputerSelector", verbose=bool(self.verbose))

    def _requested_strategies(self, n_features, names=None):
        """One strategy (``"auto"`` included) per feature."""
        if names is None:
            names = getattr(self, "feature_names_in_", None)
        return requested_strategies(self.strategy, names, n_features)

    # ------------------------------------------------------------ transform
    def transform(self, X):
        """Fill the missing values of X.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Data to impute; NaN (and ±inf, with ``on_inf="impute"``) are
            missing.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
            Finite values: X's kept features, then one missing indicator per
            kept feature with ``add_indicator=True``. float32 input stays
            float32. For Dask input, a lazy Dask array (Dask DataFrame for a
            Dask DataFrame) with the same row chunks.
        """
        check_is_fitted(self)
        if is_dask_collection(X):
            return self._transform_blocks(X)
        in_place = not self.copy and self._kept.all() and not self._indicate
        index = getattr(X, "index", None)
        X = validate_input(self, X, reset=False, in_place=in_place)
        if self._text:
            return fill_text(self, X, index)
        if sparse.issparse(X):
            return fill_sparse(self, X, not self.copy)
        return fill_dense(self, X, in_place)

    def _inverts(self):
        if not self.add_indicator:
            raise AttributeError(
                "'inverse_transform' works only when 'ImputerSelector' is "
                "instantiated with 'add_indicator=True'. Got "
                f"'add_indicator={self.add_indicator}' instead."
            )
        return True

    @available_if(_inverts)
    def inverse_transform(self, X):
        """Put ``missing_values`` back where the missing indicators say.

        Only for an imputer with ``add_indicator=True`` (otherwise ``hasattr``
        is False): the indicators are part of the output to invert.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, 2 * n_kept)
            Output of ``transform``: the kept features, then their indicators.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features_in_)
            The imputed values, with ``missing_values`` in the cells that were
            missing (NaN for NaN, None or ``pandas.NA`` in numeric data, so
            ±inf come back as NaN too) and in every row of a feature left out
            of the output. float64 for numbers, objects for text.
        """
        check_is_fitted(self)
        return restore(self, X)

    def get_feature_names_out(self, input_features=None):
        """Names of the output features.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; ``None`` uses ``feature_names_in_`` or
            ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The kept features, then ``missingindicator_<name>`` for each with
            ``add_indicator=True``.
        """
        check_is_fitted(self, "n_features_in_")
        names = check_feature_names_in(self, input_features)[self._kept]
        if self._indicate:
            names = np.concatenate([names, [f"missingindicator_{n}" for n in names]])
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        named = self._named_strategies()
        tags.input_tags.sparse = all(takes_sparse(s) for s in named)
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.non_deterministic = self.random_state is None and "auto" in named
        return tags
