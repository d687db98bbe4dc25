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

from ._stats import column_min_max
from .exceptions import InputTypeError, NonFiniteInputError

__all__ = [
    "describe",
    "feature_names",
    "nonfinite_report",
    "raise_nonfinite",
    "validate_X",
]

#: How many rows or columns a message lists before it says "and N more".
MAX_LISTED = 5

#: The fix we suggest for non-finite values reaching a step that needs finite X.
FIX_NONFINITE = (
    "Put ImputerSelector (it treats ±inf as missing) or OutlierClipper "
    "(it clips ±inf to the learned bounds) before this step."
)


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


def describe(items, limit=MAX_LISTED, quote=False):
    """``"a, b, c and 4 more"``: a short, bounded listing for messages."""
    items = list(items)
    shown = [repr(item) if quote else str(item) for item in items[:limit]]
    text = ", ".join(shown)
    if len(items) > limit:
        text += f" and {len(items) - limit} more"
    return text


def _count_rows(n):
    return f"{n} row" if n == 1 else f"{n} rows"


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
            bad_cols = np.flatnonzero(np.isnan(np.add.reduce(X, axis=0)))
        for j in bad_cols:
            rows = np.flatnonzero(np.isnan(_dense_column(X, j)))
            if rows.size:
                report.append((int(j), "NaN", rows))
    return report


def raise_nonfinite(report, names, *, who, fix=FIX_NONFINITE, what="X"):
    """Raise :class:`NonFiniteInputError` describing ``report``.

    ``report`` comes from :func:`nonfinite_report`; ``names`` are the feature
    names; ``who`` is the step or function named at the start of the message.
    """
    if not report:
        return
    kinds = sorted({kind for _, kind, _ in report})
    parts = [
        f"{names[j]!r} ({kind}, {_count_rows(rows.size)}: {describe(rows)})"
        for j, kind, rows in report
    ]
    all_rows = np.unique(np.concatenate([rows for _, _, rows in report]))
    message = (
        f"{who}: {what} contains {' and '.join(kinds)} in "
        f"{len(report)} feature{'s' if len(report) > 1 else ''}: "
        f"{describe(parts)}. Offending rows (0-based): {describe(all_rows)}. {fix}"
    )
    raise NonFiniteInputError(message)


def _check_numeric_frame(X, who):
    """Raise a clear error for non-numeric DataFrame columns."""
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None or not hasattr(X, "columns"):
        return
    bad = []
    for name, dtype in zip(X.columns, dtypes, strict=True):
        kind = getattr(dtype, "kind", "O")
        if kind not in "biuf":
            bad.append(f"{name!r} ({dtype})")
    if bad:
        raise InputTypeError(
            f"{who}: X has non-numeric columns: {describe(bad)}. "
            "Encode them first (e.g. sklearn's OneHotEncoder or OrdinalEncoder in "
            "a ColumnTransformer), or drop them, before this step."
        )


def validate_X(
    estimator,
    X,
    *,
    reset,
    allow_nan=True,
    allow_inf=False,
    fix=FIX_NONFINITE,
    **check_params,
):
    """Validate ``X`` for ``estimator`` and check its non-finite values.

    A thin layer over :func:`sklearn.utils.validation.validate_data` (which
    sets or checks ``n_features_in_`` and ``feature_names_in_``): the
    finiteness check is ours, so the error names the features and rows and
    says how to fix it instead of scikit-learn's generic "Input contains
    infinity".

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
    _check_numeric_frame(X, who)
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
    """Reject NaN, infinite or negative sample weights with a clear message."""
    if sample_weight is None or isinstance(sample_weight, numbers.Number):
        return
    w = np.asarray(sample_weight, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(w))
    if bad.size:
        raise NonFiniteInputError(
            f"{who}: sample_weight contains NaN or ±inf at "
            f"{_count_rows(bad.size)}: {describe(bad)}. Give every row a finite "
            "weight (0 drops a row)."
        )
