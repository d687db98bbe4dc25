"""``TableEncoder``: a raw table in, numbers a net can train on out."""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..core.compat import Interval, StrOptions, check_feature_names_in, fit_context
from ..core.dask_blocks import (
    check_dask_input,
    is_dask_collection,
    reduce_blocks,
    transform_blocks,
)
from ..core.frames import (
    MAX_TRACKED,
    NUMERIC_TEXT_SHARE,
    ColumnProfile,
    is_number_column,
    profile_column,
)
from ..core.messages import describe, plural
from ..core.streaming import StreamingMixin
from ..core.validation import feature_names, validate_pass_through
from ..exceptions import DataQualityError, InputTypeError, TargetError
from ._encode_plan import (
    TARGET_FOLDS,
    ColumnPlan,
    Encoders,
    category_matrix,
    date_outputs,
    encode,
    frequent_categories,
    target_kind,
    target_names,
    with_outputs,
)
from ._encode_report import (
    ColumnEncoding,
    EncodingReport,
    build_findings,
    nothing_left,
)

__all__ = ["ColumnEncoding", "EncodingReport", "TableEncoder"]


#: Rows with a target the cross-fitted target encoding needs (5 folds of 2).
_MIN_TARGET_ROWS = 10


class _TableStream:
    """The mergeable statistics of a table: one :class:`ColumnProfile` per column.

    ``data`` keeps ``(X, y, crossfit)`` of an in-memory ``fit`` until its
    finish, for the target encoding (which needs the rows themselves).
    """

    def __init__(self, columns, data=None):
        self.columns = columns
        self.data = data

    def merge(self, other):
        return _TableStream(
            [a.merge(b) for a, b in zip(self.columns, other.columns, strict=True)]
        )


class TableEncoder(StreamingMixin, TransformerMixin, BaseEstimator):
    """Turn a raw table (text, categories, dates, numbers as text) into numbers.

    The first step of :func:`make_safe_pipeline` (``encode``). ``fit``
    classifies every column once, by its dtype and its values, and
    ``transform`` encodes each by its kind:

    ================  ==================================================
    kind              output
    ================  ==================================================
    numbers           the column, missing values as NaN for the imputer
                      (numeric, boolean, nullable and pyarrow dtypes)
    text_numbers      numbers stored as text (``"1,234"``, ``"3.5"``)
                      read as numbers, placeholders (``"?"``) as NaN
    dates             year, month, day, weekday (Monday=0), hour (when
                      some value has a time of day) and days since
                      1970-01-01, NaN where missing (datetime64, pyarrow
                      dates, date objects, and text that reads as dates)
    durations         seconds
    category          one-hot columns ``species=Adelie`` (or one column
                      of codes, ``categorical="codes"``), text and
                      ``category`` dtypes with at most
                      ``cardinality_threshold`` distinct values
    high_cardinality  more distinct values: target-encoded or dropped
                      (``high_cardinality``)
    id_like           more distinct values, none repeated (identifiers,
                      free text): dropped
    all_missing       no value at fit: one column of NaN
    ================  ==================================================

    Missing values of a category are a category of their own, and a
    category seen at fit fewer than ``min_frequency`` times, like one never
    seen, has the all-zero one-hot row (code 1): ``transform`` never fails on
    new categories and never changes the width. What was decided, column by
    column, is in ``report_``; nothing is warned about, since every case is
    handled.

    Parameters
    ----------
    categorical : {"onehot", "codes"}, default="onehot"
        How a category column is encoded: ``"onehot"``, one 0/1 column per
        kept category (and one for missing values when frequent), built by
        scikit-learn's ``OneHotEncoder(handle_unknown="ignore")`` on the
        categories kept; ``"codes"``, one column of integer codes for an
        embedding layer (``torch.nn.Embedding``): 0 for a missing value, 1
        for a category unseen at fit or rarer than ``min_frequency``, and
        2, 3, ... for the kept categories, in ``categories_`` order. The
        code columns are at ``code_columns_`` and their embedding sizes in
        ``cardinalities_``.
    cardinality_threshold : int, default=40
        Text and category columns with more distinct values are
        high-cardinality (or identifiers when no value repeats).
    min_frequency : float or None, default=5
        A category gets its place (a one-hot column, a code) when it occurs
        at least this many times at fit (1 or more) or in at least this share
        of the rows (below 1); rarer ones share the place of unseen ones,
        so that a rare category a CV fold never sees does not change the
        width. Missing values follow the same rule. None keeps every
        category seen. The rule of ``OneHotEncoder(min_frequency=...)``,
        without its extra "infrequent" column.
    max_categories : int or None, default=None
        At most this many categories per column get a place (the most
        frequent); None for no limit.
    high_cardinality : {"auto", "target", "drop"}, default="auto"
        What high-cardinality columns become: ``"target"``, scikit-learn's
        ``TargetEncoder`` (cross-fitted in ``fit_transform``, so a row's
        encoding never uses its own target; one column per class for a
        multiclass target); ``"drop"``, nothing; ``"auto"``, ``"target"``
        when ``fit`` gets all rows and a 1-D ``y`` that can fill the 5
        cross-fitting folds (10 rows with a target, and for classes one
        class of 5 rows), else ``"drop"``.
    task : {"auto", "regression", "classification"}, default="auto"
        How the target encoding reads ``y``: ``"regression"``, a quantity
        (one column, the mean of y per category); ``"classification"``,
        class labels (one column for two classes, else one per class);
        ``"auto"``, as :class:`TargetValidator` with ``task="auto"`` reads it
        (whole numbers with few rows per value are a quantity).
        :func:`make_safe_pipeline` sets it from the net, so that counts such
        as births per day are never read as a thousand classes.
    random_state : int, RandomState instance or None, default=0
        Shuffles the cross-fitting folds of the target encoding.

    Attributes
    ----------
    column_kinds_ : dict of str to str
        The kind of each input column (see above).
    categories_ : dict of str to ndarray
        The categories kept per category column, in output order.
    code_columns_ : ndarray of int
        With ``categorical="codes"``, the positions of the code columns in
        the output (empty otherwise), one per category column.
    cardinalities_ : ndarray of int
        With ``categorical="codes"``, the number of codes of each column of
        ``code_columns_``: the size of its ``torch.nn.Embedding``
        (``len(categories_[name]) + 2``; codes 0 and 1 reserved).
    report_ : EncodingReport
        What each column became (one entry per column), and the findings.
    findings_ : tuple of Finding
        ``report_.findings``: numbers or dates read from text, identifiers
        and high-cardinality columns, constant and all-missing columns,
        rare categories.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when X is a DataFrame with string column names.

    See Also
    --------
    make_safe_pipeline : With ``embed=True``, codes that the steps after this
        one leave alone, for :class:`TabularMLP` to embed.
    sklearn.preprocessing.OneHotEncoder : The one-hot encoding used inside.
    sklearn.preprocessing.TargetEncoder : The target encoding used inside.
    sklearn.compose.ColumnTransformer : What one builds by hand instead.
    skrub.TableVectorizer : A richer table vectorizer (string embeddings).

    Notes
    -----
    **Output.** A DataFrame gives a DataFrame (so the steps after it name
    the encoded columns in their messages), an array an array; float32 when
    every numeric input column is float32, float64 otherwise. A numeric
    array (or sparse matrix) is returned as it is, without being read, and
    a DataFrame whose columns all have plain numeric dtypes passes through
    unchanged: the step costs nothing in front of numeric data.

    **The width.** It depends on the dtypes and on the categories kept,
    never on the rows ``transform`` gets: unseen and rare categories and
    missing values never add a column, constant columns are kept, an
    all-missing column gives a column of NaN. A CV fold sees the same width
    unless a category frequent in the others is absent from its training
    rows; with ``categorical="codes"`` the width is one column per category
    column whatever the categories (only ``cardinalities_`` change). A
    ``category`` dtype sets the order of its categories (and codes); text
    categories are sorted.

    **Choices.** Columns of every kind are kept except identifiers (a value
    seen once generalizes to nothing) and high-cardinality columns without
    a target encoding. Numbers stored as text are columns where at least 90%
    of the values read as numbers (thousands separators included); dates
    stored as text, where at least 90% read in one format with a year, a
    month and a day (found by pandas).

    **Streaming and Dask.** The statistics are per-column counts that merge
    (one profile per column): ``partial_fit`` on
    chunks, or ``fit`` on a Dask DataFrame (per partition), classifies as
    ``fit`` on all rows would. The target encoding needs every row at once,
    so there ``high_cardinality="auto"`` drops such columns.

    Examples
    --------
    >>> from sktorchsafe import TableEncoder
    >>> from sktorchsafe.datasets import load_penguins
    >>> X, y = load_penguins(numeric_only=False, return_X_y=True)
    >>> encoder = TableEncoder().fit(X, y)
    >>> encoder.column_kinds_["species"], encoder.column_kinds_["date_egg"]
    ('category', 'dates')
    >>> [name for name in encoder.get_feature_names_out() if "sex" in name]
    ['sex=female', 'sex=male', 'sex=<missing>']
    >>> Xt = encoder.transform(X)
    >>> Xt.shape, str(Xt.dtypes.iloc[0])
    ((344, 21), 'float64')

    An island never seen at fit has no place, and the width stays:

    >>> new = X.head(1).assign(island="Atlantis")
    >>> encoder.transform(new).filter(like="island=").to_numpy()
    array([[0., 0., 0.]])

    For an embedding layer, integer codes (0 missing, 1 unseen or rare):

    >>> codes = TableEncoder(categorical="codes").fit(X, y)
    >>> codes.code_columns_, codes.cardinalities_
    (array([0, 1, 2, 3]), array([5, 5, 4, 4]))
    >>> codes.transform(X.tail(1)).iloc[0, :4].tolist()
    [3.0, 3.0, 2.0, 3.0]
    """

    _fitted_private = ("_plans", "_encoders", "_out_dtype", "_identity")

    _parameter_constraints = {
        "categorical": [StrOptions({"onehot", "codes"})],
        "cardinality_threshold": [Interval(Integral, 1, None, closed="left")],
        "min_frequency": [Interval(Real, 0, None, closed="neither"), None],
        "max_categories": [Interval(Integral, 1, None, closed="left"), None],
        "high_cardinality": [StrOptions({"auto", "target", "drop"})],
        "task": [StrOptions({"auto", "regression", "classification"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        categorical="onehot",
        cardinality_threshold=40,
        min_frequency=5,
        max_categories=None,
        high_cardinality="auto",
        task="auto",
        random_state=0,
    ):
        self.categorical = categorical
        self.cardinality_threshold = cardinality_threshold
        self.min_frequency = min_frequency
        self.max_categories = max_categories
        self.high_cardinality = high_cardinality
        self.task = task
        self.random_state = random_state

    # ------------------------------------------------------------- public
    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Classify every column and fit the encoders of the categorical ones.

        Parameters
        ----------
        X : DataFrame, array-like, sparse matrix or Dask collection of \
                shape (n_samples, n_features)
            The table, with any dtypes; NaN, None and ``pd.NA`` are missing
            values.
        y : array-like of shape (n_samples,), default=None
            The target, for the target encoding of high-cardinality columns
            (rows with a missing target are left out of it).

        Returns
        -------
        self : object
            Fitted encoder.
        """
        self._fit(X, y)
        return self

    @fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Count one more chunk; the columns are judged on all chunks so far.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            A chunk of the table.
        y : None
            Ignored: the target encoding needs every row in one ``fit``.

        Returns
        -------
        self : object
            The encoder, fitted on the chunks so far.
        """
        self._partial_fit(X)
        return self

    @fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit, and encode ``X``, with cross-fitted target encodings.

        The target-encoded columns of these rows come from the
        ``TargetEncoder``'s cross-fitting (each row encoded by a model that
        never saw its target), unlike ``fit(X, y).transform(X)``.

        Parameters
        ----------
        X : DataFrame, array-like or sparse matrix of shape (n_samples, n_features)
            The table.
        y : array-like of shape (n_samples,), default=None
            The target.

        Returns
        -------
        X_out : DataFrame or ndarray of shape (n_samples, n_features_out)
            The encoded table.
        """
        table = self._fit(X, y, crossfit=True)
        if is_dask_collection(table):  # no target encoding on Dask
            return self.transform(table)
        try:
            return self._encode(table, crossfit=True)
        finally:
            self._encoders.crossfit = None

    def transform(self, X):
        """Encode ``X`` as learned in ``fit``.

        Parameters
        ----------
        X : DataFrame, array-like, sparse matrix or Dask collection of \
                shape (n_samples, n_features)
            The table, with the columns seen in fit.

        Returns
        -------
        X_out : DataFrame, ndarray, sparse matrix or Dask collection of \
                shape (n_samples, n_features_out)
            The encoded table (a DataFrame for a DataFrame); numeric input
            that needs no encoding is returned as it is.
        """
        check_is_fitted(self)
        if is_dask_collection(X):
            check_dask_input(self, X, reset=False, numeric=False)
            if self._identity:
                return X
            return transform_blocks(self._without_stream(), X, dtype=self._out_dtype)
        return self._encode(validate_pass_through(self, X, reset=False))

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        Numbers keep their name; one-hot columns are ``column=category``
        (``column=<missing>`` for missing values), date parts
        ``column_year``, ... ``column_epoch_days``, target encodings
        ``column`` (``column_class`` for each class of a multiclass target).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; must match ``feature_names_in_`` if set.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        names_in = check_feature_names_in(self, input_features)
        return np.asarray(
            [
                str(names_in[plan.position]) + output[len(plan.name) :]
                for plan in self._plans
                for output in plan.outputs
            ],
            dtype=object,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # ---------------------------------------- the streaming protocol
    def _statistics(
        self, X, y=None, *, reset, whole=False, sample_weight=None, crossfit=False
    ):
        if is_dask_collection(X):
            check_dask_input(self, X, reset=reset, numeric=False)
            if _is_numeric_dask(X):  # not read: numbers pass through
                unread = [ColumnProfile("unread")] * self.n_features_in_
                return X, _TableStream(unread)
            frames = hasattr(X, "divisions")
            statistics = reduce_blocks(
                X, self._without_stream()._block_statistics, frames=frames
            )
            return X, statistics
        table = self._validate_block(X, reset=reset)
        statistics = self._block_statistics(table)
        if whole and not _is_numeric_array(table):
            statistics.data = (table, y, crossfit)
        return table, statistics

    def _validate_block(self, X, *, reset):
        return validate_pass_through(self, X, reset=reset)

    def _block_statistics(self, X, sample_weight=None):
        if _is_numeric_array(X):
            return _TableStream([ColumnProfile("unread", X.shape[0])] * X.shape[1])
        frame = self._as_frame(X)
        names = feature_names(self, n_features=frame.shape[1])
        tracked = max(MAX_TRACKED, self.cardinality_threshold + 1)
        profiles = []
        for j, name in enumerate(names):
            profile = profile_column(frame.iloc[:, j], tracked)
            _check_profile(name, profile, frame.iloc[:, j].dtype)
            profiles.append(profile)
        return _TableStream(profiles)

    def _finish(self, *, partial=False):
        stream = self._stream
        data, stream.data = stream.data, None  # do not keep X past the fit
        profiles = stream.columns
        names = feature_names(self, n_features=len(profiles))
        n_rows = profiles[0].n_rows if profiles else 0
        kinds = [profile.kind(self.cardinality_threshold) for profile in profiles]
        target = self._target_choice(data, kinds, n_rows)  # (y or None, why, kind)
        plans = [
            self._plan(j, name, profile, kind, n_rows, target)
            for j, (name, profile, kind) in enumerate(
                zip(names, profiles, kinds, strict=True)
            )
        ]
        numbers = [plan for plan in plans if plan.encoding == "numbers"]
        float32 = bool(numbers) and all(plan.float32 for plan in numbers)
        self._out_dtype = np.float32 if float32 else np.float64
        encoders = Encoders(plans, dtype=self._out_dtype)
        targeted = [plan for plan in plans if plan.encoding == "target"]
        if targeted:
            table, _, crossfit = data
            values = category_matrix(self._as_frame(table), targeted)
            encoders.fit_target(
                values,
                target[0],
                kind=target[2],
                crossfit=crossfit,
                random_state=self.random_state,
            )
        self._plans = with_outputs(
            plans, encoders.onehot_names(plans), target_names(encoders, plans)
        )
        self._encoders = encoders
        self._identity = all(
            plan.encoding == "numbers" and plan.kind == "numbers"
            for plan in self._plans
        )
        self._set_attributes(profiles, target)

    # ------------------------------------------------------------ helpers
    def _as_frame(self, X):
        if isinstance(X, pd.DataFrame):
            return X
        names = feature_names(self, n_features=X.shape[1])
        return pd.DataFrame(X, columns=names, copy=False)

    def _encode(self, table, *, crossfit=False):
        """The fitted encoding of a validated table."""
        if self._identity and _is_numeric_array(table):
            return table
        frame = self._as_frame(table)
        names = [output for plan in self._plans for output in plan.outputs]
        if self._identity and all(
            isinstance(dtype, np.dtype) and dtype.kind in "biuf"
            for dtype in frame.dtypes
        ):
            if not isinstance(table, pd.DataFrame) or list(table.columns) == names:
                return table
            table = table.copy(deep=False)  # fitted without names: name as out
            table.columns = names
            return table
        out = encode(
            frame, self._plans, self._encoders, self._out_dtype, crossfit=crossfit
        )
        if isinstance(table, pd.DataFrame):
            return pd.DataFrame(out, columns=names, index=table.index, copy=False)
        return out

    def _target_choice(self, data, kinds, n_rows):
        """``(y, why, kind)``: the target to encode high-cardinality columns with.

        ``y`` is None when they are dropped, and ``why`` says why (or that
        they are target-encoded); ``kind`` is the target type of y.
        """
        if "high_cardinality" not in kinds:
            return None, "", None
        if self.high_cardinality == "drop":
            return None, "dropped (high_cardinality='drop')", None
        who = type(self).__name__
        if data is None:
            why = "fitted by partial_fit or on Dask, where it cannot be cross-fitted"
        elif data[1] is None:
            why = "fit got no y"
        else:
            y = np.asarray(data[1])
            if y.shape[0] != n_rows:
                raise TargetError(
                    f"{who}: y has {plural(y.shape[0], 'row')} and X "
                    f"{plural(n_rows, 'row')}. Pass the target of the rows of X.",
                    kind="target_length",
                )
            if y.ndim == 2 and y.shape[1] == 1:
                y = y.ravel()
            if y.ndim != 1:
                why = f"y has {y.shape[1]} columns and TargetEncoder takes one"
            elif (n_known := int((~pd.isna(y)).sum())) < _MIN_TARGET_ROWS:
                why = (
                    f"{plural(n_known, 'row')} with a target, too few to "
                    f"cross-fit (at least {_MIN_TARGET_ROWS})"
                )
            else:
                kind, largest = target_kind(y[~pd.isna(y)], self.task)
                if not largest:
                    return y, "target-encoded (TargetEncoder, cross-fitted)", kind
                why = (
                    f"the largest class of y has {plural(largest, 'row')}, too "
                    f"few for {TARGET_FOLDS} stratified cross-fitting folds"
                )
        if self.high_cardinality == "target":
            raise TargetError(
                f"{who}: high_cardinality='target' cannot encode the "
                f"high-cardinality columns: {why}. Fit on every row at once with "
                "a 1-D y (fit or fit_transform), or use high_cardinality='drop'.",
                kind="target_type",
            )
        return None, f"dropped: {why}", None

    def _plan(self, position, name, profile, kind, n_rows, target):
        """The :class:`ColumnPlan` of one column of ``kind``."""
        plan = ColumnPlan(name, position, kind, "dropped")
        if kind in ("numbers", "text_numbers", "durations"):
            return ColumnPlan(
                name, position, kind, "numbers", (name,), float32=profile.float32
            )
        if kind == "all_missing":
            return ColumnPlan(name, position, kind, "missing", (name,))
        if kind in ("dates", "text_dates"):
            return ColumnPlan(
                name,
                position,
                kind,
                "dates",
                date_outputs(name, profile.has_time),
                date_format=profile.date_format if kind == "text_dates" else None,
                has_time=profile.has_time,
            )
        if kind == "category":
            kept, missing = frequent_categories(
                profile, n_rows, self.min_frequency, self.max_categories
            )
            if self.categorical == "codes":
                return ColumnPlan(
                    name, position, kind, "codes", (name,), categories=kept
                )
            return ColumnPlan(
                name, position, kind, "onehot", categories=kept, missing=missing
            )
        if kind == "high_cardinality" and target[0] is not None:
            return ColumnPlan(name, position, kind, "target")
        return plan

    def _set_attributes(self, profiles, target):
        plans = self._plans
        self.column_kinds_ = {plan.name: plan.kind for plan in plans}
        self.categories_ = {
            plan.name: np.asarray(plan.categories, dtype=object)
            for plan in plans
            if plan.encoding in ("onehot", "codes")
        }
        codes = [plan for plan in plans if plan.encoding == "codes"]
        self.code_columns_ = np.array([plan.start for plan in codes], dtype=np.intp)
        self.cardinalities_ = np.array(
            [len(plan.categories) + 2 for plan in codes], dtype=np.intp
        )
        columns = [
            _column_encoding(plan, profile, target[1])
            for plan, profile in zip(plans, profiles, strict=True)
        ]
        findings = build_findings(columns, min_frequency=self.min_frequency)
        self.report_ = EncodingReport(tuple(columns), findings)
        self.findings_ = findings
        if columns and not any(column.outputs for column in columns):
            raise DataQualityError(nothing_left(columns))


def _is_numeric_dask(X):
    meta = getattr(X, "_meta", None)
    if isinstance(meta, pd.DataFrame):
        return all(is_number_column(meta.iloc[:, j]) for j in range(meta.shape[1]))
    return getattr(X.dtype, "kind", "O") in "biuf"


def _is_numeric_array(X):
    """A numeric ndarray or sparse matrix: numbers as they are, never read."""
    if sparse.issparse(X):
        return True
    return isinstance(X, np.ndarray) and X.dtype.kind in "biuf"


def _check_profile(name, profile, dtype):
    """Raise :class:`InputTypeError` for a column no encoding can take."""
    who = TableEncoder.__name__
    if profile.dtype == "complex":
        raise InputTypeError(
            f"{who}: {name!r} holds complex numbers ({dtype}). A net's input is "
            "real: split them into real and imaginary parts (numpy.real, "
            "numpy.imag) or take their magnitude (numpy.abs) first."
        )
    if profile.n_objects > (1 - NUMERIC_TEXT_SHARE) * profile.n_present:
        raise InputTypeError(
            f"{who}: {name!r} holds values that are neither text, numbers nor "
            f"dates (lists, dicts...) in {plural(profile.n_objects, 'row')}, "
            f"e.g. rows {describe(profile.object_rows)}. Expand them into "
            "columns first (pandas.json_normalize, Series.explode), or turn "
            f"them into text (X[{name!r}].astype(str)) to encode them as "
            "categories."
        )


def _column_encoding(plan, profile, target_why):
    """The :class:`ColumnEncoding` of a fitted plan."""
    unread = profile.dtype == "unread"
    textual = profile.dtype in ("text", "category")
    detail = ""
    if plan.kind == "text_numbers":
        if profile.placeholders:
            shown = describe(
                [f"{value!r} x{n}" for value, n in profile.placeholders.items()],
                limit=3,
            )
            detail = f"not numbers, read as missing: {shown}"
        else:
            detail = "every value a number"
    elif plan.kind == "text_dates":
        unread_dates = profile.n_present - profile.n_dates
        detail = f"format {profile.date_format!r}"
        if unread_dates:
            detail += f"; {plural(unread_dates, 'value')} not in it, read as missing"
    elif plan.kind == "high_cardinality":
        detail = target_why
    elif plan.kind == "id_like":
        detail = "dropped"
    elif plan.encoding in ("onehot", "codes"):
        counts = profile.counts or {}
        rare = [value for value in counts if value not in set(plan.categories)]
        if rare:
            detail = (
                f"{plural(len(rare), 'rare category', 'rare categories')}: "
                f"{describe(rare, limit=3, quote=True)}"
            )
        if profile.n_missing and not plan.missing:
            detail += ("; " if detail else "") + (
                f"{plural(profile.n_missing, 'missing value')}, too few for a place"
            )
    return ColumnEncoding(
        name=plan.name,
        kind=plan.kind,
        encoding=plan.encoding,
        outputs=plan.outputs,
        n_missing=None if unread else profile.n_missing,
        n_distinct=profile.n_distinct if textual else None,
        constant=profile.constant,
        detail=detail,
    )
