"""Input checks shared by every step, and the messages that name what is wrong.

One place decides how a feature is named (its DataFrame column name, else
``x{i}``), how many rows a message lists, and how the fix is said, so that
every step speaks the same way.  The checks are cheap column reductions; the
exact offending rows are only searched for once something is known to be
wrong.
"""

import numbers

import numpy as np
from scipy import sparse
from sklearn.utils.validation import validate_data

from ..exceptions import DataQualityError, InputTypeError, NonFiniteInputError
from .compat import output_config
from .frames import classify_column, is_text_dtype
from .messages import describe, fix_for, plural
from .stats import column_min_max

__all__ = [
    "feature_names",
    "nonfinite_report",
    "raise_nonfinite",
    "validate_X",
    "validate_pass_through",
]


def feature_names(estimator=None, X=None, n_features=None):
    """Names of the features as messages show them.

    The fitted ``feature_names_in_`` of ``estimator`` wins, then the columns of a
    DataFrame ``X``, else ``x0, x1, ...`` (the convention of
    ``get_feature_names_out``).
    """
    names = getattr(estimator, "feature_names_in_", None)
    if names is None and hasattr(X, "columns"):
        names = X.columns
    if names is not None:
        return [str(name) for name in names]
    if n_features is None:
        n_features = X.shape[1] if X is not None and X.ndim == 2 else 1
    return [f"x{i}" for i in range(n_features)]


def _dense_column(X, j):
    if sparse.issparse(X):
        return sparse.csc_array(X)[:, [j]].toarray().ravel()
    return X[:, j]


def nonfinite_report(X, *, allow_nan=True, allow_inf=False):
    """Find the columns of ``X`` holding values that are not allowed.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Numeric data, already validated.
    allow_nan, allow_inf : bool
        Which non-finite values are acceptable.

    Returns
    -------
    report : list of (column_index, kind, row_indices)
        One entry per offending column and kind (``"NaN"``, ``"+inf"`` /
        ``"-inf"`` collapsed to ``"±inf"``); empty when ``X`` is acceptable.
        Only the columns known to be bad are scanned for rows.
    """
    if allow_nan and allow_inf:
        return []
    coo = X.tocoo() if sparse.issparse(X) else None
    values = X if coo is None else coo.data
    if values.size == 0 or values.dtype.kind not in "fc":
        return []
    report = []
    if not allow_inf:
        if coo is not None:
            bad_cols = np.unique(coo.col[np.isinf(coo.data)])
        else:
            lo, hi = column_min_max(X)
            bad_cols = np.flatnonzero(np.isinf(lo) | np.isinf(hi))
        for j in bad_cols:
            rows = np.flatnonzero(np.isinf(_dense_column(X, j)))
            report.append((int(j), "±inf", rows))
    if not allow_nan:
        if coo is not None:
            bad_cols = np.unique(coo.col[np.isnan(coo.data)])
        else:
            # A sum is NaN where a column holds NaN (or where huge finite
            # values overflow to inf and -inf: no NaN row is found there).
            with np.errstate(over="ignore", invalid="ignore"):
                sums = np.add.reduce(X, axis=0)
            bad_cols = np.flatnonzero(np.isnan(sums))
        for j in bad_cols:
            rows = np.flatnonzero(np.isnan(_dense_column(X, j)))
            if rows.size:
                report.append((int(j), "NaN", rows))
    return report


def raise_nonfinite(report, names, *, who, fix=None, what="X"):
    """Raise :class:`NonFiniteInputError` describing ``report``.

    ``report`` comes from :func:`nonfinite_report`; ``names`` are the feature
    names; ``who`` is the step or function named at the start of the message.
    """
    fix = fix or fix_for("nonfinite_input")
    if not report:
        return
    kinds = sorted({kind for _, kind, _ in report})
    parts = [
        f"{names[j]!r} ({kind}, {plural(rows.size, 'row')}: {describe(rows)})"
        for j, kind, rows in report
    ]
    all_rows = np.unique(np.concatenate([rows for _, _, rows in report]))
    message = (
        f"{who}: {what} contains {' and '.join(kinds)} in "
        f"{len(report)} feature{'s' if len(report) > 1 else ''}: "
        f"{describe(parts)}. Offending rows (0-based): {describe(all_rows)}. {fix}"
    )
    raise NonFiniteInputError(message)


def check_has_features(X, who):
    """Raise :class:`InputTypeError` for a 2-D X without a single row or column.

    A frame left empty by a column selection (``select_dtypes`` on an
    all-text frame) would otherwise end in numpy's "at least one array or
    dtype is required". The message keeps scikit-learn's wording, which its
    estimator checks look for.
    """
    shape = getattr(X, "shape", None)
    if shape is None or len(shape) != 2:
        return
    if shape[0] == 0:
        raise InputTypeError(
            f"{who}: X has 0 sample(s) (shape={tuple(shape)}) while a minimum of "
            "1 is required: there is no row to learn from or to transform. Check "
            "the row selection (a filter or a split) that left none."
        )
    if shape[1] != 0:
        return
    raise InputTypeError(
        f"{who}: X has 0 feature(s) (shape={tuple(shape)}) while a minimum of 1 "
        "is required: there is no column to learn from. If a column selection "
        "(e.g. select_dtypes) left none, keep the columns and let TableEncoder "
        "(make_safe_pipeline's 'encode' step) turn them into numbers."
    )


def check_frame_columns(X, who):
    """Raise a clear error for DataFrame column names scikit-learn cannot take.

    Duplicate names (a feature could not be told from its copy), and names
    mixing strings with other types (scikit-learn raises a ``TypeError``
    deep inside; the fix is one line).  Anything without ``columns`` passes.
    """
    columns = getattr(X, "columns", None)
    if columns is None or not hasattr(X, "dtypes"):
        return
    names = list(columns)
    seen, duplicated = set(), []
    for name in names:
        try:
            if name in seen and name not in duplicated:
                duplicated.append(name)
            seen.add(name)
        except TypeError:  # unhashable names: leave them to scikit-learn
            return
    if duplicated:
        parts = [f"{name!r} ({names.count(name)} columns)" for name in duplicated]
        raise InputTypeError(
            f"{who}: X has duplicate column names: {describe(parts)}. Each feature "
            "needs its own name: rename the copies, or drop them (e.g. "
            "X.loc[:, ~X.columns.duplicated()])."
        )
    types = sorted({type(name).__qualname__ for name in names})
    if len(types) > 1 and "str" in types:
        raise InputTypeError(
            f"{who}: X has column names of several types ({', '.join(types)}), "
            f"e.g. {describe(names, limit=3, quote=True)}. Feature names must all "
            "be strings (or none of them): X.columns = X.columns.astype(str)."
        )


def check_frame_dtypes(X, who, frame=True):
    """Raise a clear error for non-numeric DataFrame columns.

    The error names the columns with what they hold (text, categories,
    dates, numbers stored as text with their placeholders) and says how to
    convert or encode them.  Object columns of numbers pass (see
    :func:`numeric_frame`).
    """
    problems = _frame_problems(X)
    if problems:
        _raise_non_numeric(who, problems, frame=frame)


def _frame_problems(X):
    """``(name, kind, text)`` for each column of ``X`` that is not numeric."""
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None or not hasattr(X, "columns"):
        return []
    bad = [
        (name, dtype)
        for name, dtype in zip(X.columns, dtypes, strict=True)
        if getattr(dtype, "kind", "O") not in "biuf"
    ]
    if not bad:
        return []
    import pandas as pd

    if not isinstance(X, pd.DataFrame):  # Dask, polars: judged by the dtype alone
        return [
            (name, "complex" if getattr(dtype, "kind", "O") == "c" else "other", dtype)
            for name, dtype in bad
        ]
    positions = {name: j for j, name in enumerate(X.columns)}
    problems = []
    for name, _ in bad:
        kind, text = classify_column(X.iloc[:, positions[name]])
        if kind != "numbers":
            problems.append((name, kind, text))
    return problems


def _raise_non_numeric(who, problems, frame=True):
    """Raise :class:`InputTypeError` for ``problems``, ``(name, kind, text)`` each."""
    groups = {}
    for name, kind, text in problems:
        kind = "other" if kind == "objects" else kind
        groups.setdefault(kind, []).append(f"{name!r} ({text})")
    parts = []
    if "other" in groups:
        parts.append(
            f"X has non-numeric columns: {describe(groups['other'])}. Encode them "
            "first: TableEncoder (make_safe_pipeline's 'encode' step; first in a "
            "pipeline of your own) makes one-hot columns (scikit-learn's "
            "OneHotEncoder inside) or codes of categories and numbers of dates, "
            "or drop them, before this step."
        )
    if "text_numbers" in groups:
        first = next(name for name, kind, _ in problems if kind == "text_numbers")
        column = f"X[{first!r}]" if frame else "the column"
        parts.append(
            f"X has numbers stored as text: {describe(groups['text_numbers'])}. "
            "Convert them to numbers, the placeholders becoming NaN: "
            f"pandas.read_csv(..., na_values=[...]), or "
            f"pandas.to_numeric({column}, errors='coerce'); TableEncoder "
            "(make_safe_pipeline's 'encode' step) reads them so."
        )
    if "complex" in groups:
        parts.append(
            f"X has complex numbers: {describe(groups['complex'])}. Complex data "
            "not supported: a net's input is real; split them into real and "
            "imaginary parts (numpy.real, numpy.imag) or take their magnitude "
            "(numpy.abs)."
        )
    raise InputTypeError(f"{who}: " + " ".join(parts))


def numeric_frame(X, who):
    """``X`` checked for non-numeric columns, its object columns of numbers as floats.

    A pandas DataFrame whose object columns hold only numbers (Python or
    numpy ints and floats, ``Decimal``, ``None``, ``pandas.NA``; what
    scikit-learn accepts) comes back with those columns as float64, missing
    values as NaN (a shallow copy: the caller's frame is not touched).
    Numpy arrays of complex numbers, text or objects are checked the same
    way.  Other input is returned as it is.
    """
    check_frame_columns(X, who)
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind in "cOSU":
        import pandas as pd

        names = [f"x{j}" for j in range(X.shape[1])]
        if X.dtype.kind == "c":
            _raise_non_numeric(who, [(name, "complex", X.dtype) for name in names])
        frame = pd.DataFrame(X, columns=names, copy=False)
        problems = _frame_problems(frame)
        if any(kind == "objects" for _, kind, _ in problems):
            return X  # scikit-learn's TypeError names the object it cannot read
        if problems:
            _raise_non_numeric(who, problems, frame=False)
        return numeric_frame(frame, who).to_numpy(dtype=np.float64, na_value=np.nan)
    check_frame_dtypes(X, who)
    import pandas as pd

    if not isinstance(X, pd.DataFrame):
        return X
    objects = [j for j, dtype in enumerate(X.dtypes) if is_text_dtype(dtype)]
    if not objects:
        return X
    X = X.copy(deep=False)
    for j in objects:
        values = pd.to_numeric(X.iloc[:, j], errors="coerce")
        X.isetitem(j, values.astype(np.float64))
    return X


def raise_nonfinite_counts(stats, names, *, who, fix=None):
    """Raise :class:`NonFiniteInputError` for the ±inf counted in ``stats``.

    For data seen only through statistics (Dask blocks, streamed chunks), where
    the rows are not at hand: names the features and how many cells.
    """
    fix = fix or fix_for("nonfinite_input")
    n_inf = stats.n_posinf + stats.n_neginf
    bad = np.flatnonzero(n_inf)
    if bad.size:
        parts = [f"{names[j]!r} ({plural(n_inf[j], 'cell')})" for j in bad]
        raise NonFiniteInputError(
            f"{who}: X contains ±inf in {bad.size} feature"
            f"{'s' if bad.size > 1 else ''}: {describe(parts)}. {fix}"
        )


def validate_X(
    estimator,
    X,
    *,
    reset,
    allow_nan=True,
    allow_inf=False,
    fix=None,
    **check_params,
):
    """Validate ``X`` for ``estimator`` and check its non-finite values.

    A thin layer over :func:`sklearn.utils.validation.validate_data` (which
    sets or checks ``n_features_in_`` and ``feature_names_in_``): the
    finiteness check is ours, so the error names the features and rows and
    says how to fix it instead of scikit-learn's generic "Input contains
    infinity".  Column names and dtypes are checked first
    (:func:`numeric_frame`): duplicate or mixed-type names, text, dates,
    categories and complex numbers raise :class:`InputTypeError` saying
    what to do, and object columns of numbers are read as float64.

    Parameters
    ----------
    estimator : estimator instance
    X : array-like, DataFrame or sparse matrix
    reset : bool
        ``True`` in ``fit``, ``False`` in ``transform``.
    allow_nan, allow_inf : bool, default=True, False
        Which non-finite values pass.
    fix : str
        The remedy appended to the message.
    **check_params
        Passed to ``validate_data`` (``dtype``, ``copy``, ``accept_sparse``...).

    Returns
    -------
    X : ndarray or sparse matrix
    """
    who = type(estimator).__name__
    if sparse.issparse(X) and not check_params.get("accept_sparse", False):
        raise InputTypeError(
            f"{who}: X is a sparse matrix, and this step needs dense data. Use "
            "X.toarray() if it fits in memory; in make_safe_pipeline, pass sparse "
            'X with impute, clip and check set to "passthrough" and '
            "scale=SafeStandardScaler(with_mean=False, dtype=np.float32)."
        )
    check_has_features(X, who)
    X = numeric_frame(X, who)
    check_params.setdefault("dtype", [np.float64, np.float32])
    X = validate_data(
        estimator, X, reset=reset, ensure_all_finite=False, **check_params
    )
    report = nonfinite_report(X, allow_nan=allow_nan, allow_inf=allow_inf)
    if report:
        names = feature_names(estimator, n_features=X.shape[1])
        raise_nonfinite(report, names, who=who, fix=fix)
    return X


def check_sample_weight_finite(sample_weight, who):
    """Reject NaN, infinite or negative sample weights with a clear message.

    NaN and ±inf raise :class:`NonFiniteInputError`; negative weights (which
    make a weighted variance negative, hence NaN statistics) raise
    :class:`DataQualityError`. Both name the first rows. A scalar weight is
    checked the same way.
    """
    if sample_weight is None:
        return
    scalar = isinstance(sample_weight, numbers.Number)
    try:
        w = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):
        return  # not numbers: scikit-learn's own check names what it got
    w = w.ravel()

    def where(rows):
        if scalar:
            return f"(the one weight of every row, {float(w[0])!r})"
        return f"at {plural(rows.size, 'row')}: {describe(rows)}"

    bad = np.flatnonzero(~np.isfinite(w))
    if bad.size:
        raise NonFiniteInputError(
            f"{who}: sample_weight contains NaN or ±inf {where(bad)}. Give every "
            "row a finite weight (0 drops a row)."
        )
    negative = np.flatnonzero(w < 0)
    if negative.size:
        example = "" if scalar else f", e.g. {float(w[negative[0]])!r}"
        raise DataQualityError(
            f"{who}: sample_weight is negative {where(negative)}{example}. "
            "Weights must be >= 0 (0 drops a row): a negative weight makes the "
            "weighted variance negative and every statistic NaN."
        )


def validate_pass_through(estimator, X, *, reset, copy=False, accept_sparse=True):
    """Check the shape and feature names of ``X`` for a step that passes it on.

    For steps whose ``transform`` returns ``X`` unchanged.  A DataFrame
    (pandas, polars: anything with ``columns`` and ``dtypes``) is not
    converted at all, so its dtypes (strings included) and column names reach
    the next step; only ``n_features_in_`` / ``feature_names_in_`` are set
    (``reset=True``) or checked, as ``validate_data`` does.  When the step's
    output is set to a container (``set_output(transform="pandas")``), a new
    frame sharing the data is returned, which scikit-learn may relabel
    without touching the caller's.  Anything else
    goes through ``validate_data`` without a dtype conversion: a numpy array
    or sparse matrix comes back as the same object.  NaN and ±inf pass.

    Parameters
    ----------
    estimator : estimator instance
    X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
    reset : bool
        ``True`` in ``fit``, ``False`` in ``transform``.
    copy : bool, default=False
        Return a copy instead of ``X`` itself.
    accept_sparse : bool, default=True
        Whether sparse matrices pass.

    Returns
    -------
    X : ndarray, sparse matrix or DataFrame
    """
    who = type(estimator).__name__
    check_has_features(X, who)
    check_frame_columns(X, who)
    if getattr(getattr(X, "dtype", None), "kind", None) == "c":
        n_features = X.shape[1] if X.ndim == 2 else 1
        _raise_non_numeric(
            who, [(f"x{j}", "complex", X.dtype) for j in range(n_features)]
        )
    if not (hasattr(X, "columns") and hasattr(X, "dtypes")):
        return validate_data(
            estimator,
            X,
            reset=reset,
            dtype=None,
            accept_sparse=accept_sparse,
            ensure_all_finite=False,
            copy=copy,
        )
    validate_data(estimator, X, reset=reset, skip_check_array=True)
    n_samples, n_features = X.shape
    for n, what in ((n_samples, "sample"), (n_features, "feature")):
        if n < 1:
            raise InputTypeError(
                f"Found array with 0 {what}(s) (shape={tuple(X.shape)}) while a "
                f"minimum of 1 is required by {type(estimator).__name__}."
            )
    if copy:
        return X.clone() if hasattr(X, "clone") else X.copy()
    if output_config(estimator)["dense"] != "default":
        # ``set_output`` renames the columns of the frame it is handed, in
        # place: give it a new frame (sharing the data), not the caller's.
        return X.clone() if hasattr(X, "clone") else X.copy(deep=False)
    return X
