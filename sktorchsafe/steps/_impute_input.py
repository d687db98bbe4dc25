"""What ImputerSelector takes, and what it reads as missing.

Three kinds of input, decided once in ``fit``:

- numbers, dense: validated to float32/float64; cells equal to
  ``missing_values`` become NaN (in a copy), so every strategy sees one
  marker; NaN always counts as missing, and ±inf too with ``on_inf="impute"``;
- numbers, sparse: a CSC matrix (CSR and the other formats are converted),
  explicit NaN (and cells equal to ``missing_values``) missing, implicit
  zeros observed values, as in scikit-learn's ``SimpleImputer``;
- text and categories (object arrays, lists of strings, DataFrames with
  text, string or category columns): an object array, the missing cells
  being those equal to ``missing_values`` and pandas' missing values (None,
  NaN, ``pandas.NA``), for the strategies that take text.
"""

import numbers
import warnings

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.utils.validation import validate_data

from ..core.frames import is_text_dtype
from ..core.messages import agree, describe, fix_for, plural, user_stacklevel
from ..core.validation import feature_names, validate_X
from ..exceptions import DataQualityWarning, InputTypeError, NonFiniteInputError
from ._impute_strategies import MODEL_STRATEGIES, SIMPLE_STRATEGIES

__all__ = [
    "DEFAULT_TEXT_FILL",
    "FLOAT_DTYPES",
    "TEXT_STRATEGIES",
    "check_dense_numbers",
    "check_fill_value",
    "empty_features",
    "empty_policy",
    "fill_value_of",
    "is_nan_marker",
    "report_empty",
    "takes_sparse",
    "text_mask",
    "validate_input",
]

FLOAT_DTYPES = (np.float64, np.float32)

#: Strategies that fill text and categorical features.
TEXT_STRATEGIES = ("most_frequent", "constant")

#: The fill of ``"constant"`` (and of kept empty features) in text data when
#: ``fill_value`` is None, as in scikit-learn's ``SimpleImputer``.
DEFAULT_TEXT_FILL = "missing_value"


def is_nan_marker(value):
    """Whether ``missing_values`` means pandas' missing values (NaN, None, NA)."""
    if value is None or value is pd.NA:
        return True
    return isinstance(value, numbers.Real) and bool(np.isnan(value))


def text_mask(X, missing_values):
    """The missing cells of an object array: pandas' missing values and markers."""
    mask = np.asarray(pd.isna(X), dtype=bool)
    if not is_nan_marker(missing_values):
        present = ~mask
        equal = np.zeros_like(mask)
        equal[present] = [value == missing_values for value in X[present]]
        mask |= equal
    return mask


def validate_input(imputer, X, *, reset, in_place=False):
    """``X`` validated for ``imputer``: a float ndarray, a CSC matrix or objects.

    In ``fit`` (``reset=True``) the kind of input is decided and kept in
    ``imputer._text``; ``transform`` then reads X the same way. ``in_place``:
    cells equal to ``missing_values`` may be set to NaN in X itself.
    """
    who = type(imputer).__name__
    X = _text_list_as_objects(X)
    if reset:
        imputer._text = False
    if not imputer._text:
        try:
            X = validate_X(
                imputer,
                X,
                reset=reset,
                allow_nan=True,
                allow_inf=imputer.on_inf == "impute",
                fix=fix_for("inf_in_imputer"),
                dtype=FLOAT_DTYPES,
                accept_sparse="csc",
            )
        except ValueError as error:
            text = isinstance(error, InputTypeError) or "could not convert" in str(
                error
            )
            if not (text and reset and _holds_text(X)):
                if isinstance(error, InputTypeError):
                    raise InputTypeError(f"{error} {_TEXT_HINT}") from None
                raise
        else:
            return _numbers_marked(imputer, X, who, in_place)
        imputer._text = True
        imputer._dtypes = list(X.dtypes) if isinstance(X, pd.DataFrame) else None
        _check_text_strategies(imputer, X)
    X = validate_data(
        imputer, X, reset=reset, dtype=object, ensure_all_finite=False, copy=False
    )
    return X


_TEXT_HINT = (
    "ImputerSelector fills text and category columns itself with "
    "strategy='most_frequent' or 'constant'."
)


def _text_list_as_objects(X):
    """A list of rows holding text as an object array (numpy would make it U)."""
    if isinstance(X, (list, tuple)) and any(
        isinstance(value, str) for row in X for value in np.ravel(row)
    ):
        return np.asarray(X, dtype=object)
    return X


def _holds_text(X):
    """Whether X is text or categories (not dates, complex numbers...)."""
    if isinstance(X, np.ndarray):
        return X.dtype.kind in "OSU"
    dtypes = getattr(X, "dtypes", None)
    return isinstance(X, pd.DataFrame) and any(
        is_text_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype)
        for dtype in dtypes
    )


def _check_text_strategies(imputer, X):
    """Text takes the simple strategies; numpy strings cannot hold NaN."""
    names = getattr(X, "columns", None)
    requested = imputer._requested_strategies(X.shape[1], names)
    bad = [j for j, s in enumerate(requested) if s in MODEL_STRATEGIES or s == "auto"]
    if bad:
        names = feature_names(imputer, X, n_features=X.shape[1])
        raise InputTypeError(
            f"ImputerSelector: X holds text or categories, and the strategies of "
            f"{describe([names[j] for j in bad], quote=True)} "
            f"({describe(sorted({requested[j] for j in bad}), quote=True)}) need "
            f"numbers. Use {describe(TEXT_STRATEGIES, quote=True)} (or 'mean', "
            "'median' on columns of numbers) with text, or encode it first with "
            "TableEncoder."
        )
    if isinstance(X, np.ndarray) and X.dtype.kind in "SU":
        if all(s in ("mean", "median") for s in requested):
            return  # the error names the text that is not a number
        raise InputTypeError(
            f"ImputerSelector does not support data with dtype {X.dtype}: a numpy "
            "string array cannot hold missing values (np.nan becomes the text "
            "'nan'). Pass X.astype(object), with None or NaN where values are "
            "missing, or a DataFrame."
        )


def _numbers_marked(imputer, X, who, in_place):
    """Numeric X with the cells equal to ``missing_values`` as NaN."""
    marker = imputer.missing_values
    if isinstance(marker, str):
        raise InputTypeError(
            f"{who}: 'X' and 'missing_values' types are expected to be both "
            f"numerical. Got X.dtype={X.dtype} and missing_values={marker!r} "
            f"({type(marker).__name__}): X holds numbers. Pass a number as "
            "missing_values, or text data (an object array or DataFrame)."
        )
    if sparse.issparse(X) and not is_nan_marker(marker) and marker == 0:
        raise InputTypeError(
            f"{who}: imputation not possible when missing_values == 0 and input "
            "is sparse: every implicit zero would be missing. Provide a dense "
            "array instead (X.toarray()), or another missing_values."
        )
    if is_nan_marker(marker):
        return X
    values = X.data if sparse.issparse(X) else X
    mask = values == marker
    if not mask.any():
        return X
    if in_place and (not isinstance(X, np.ndarray) or X.flags.writeable):
        values[mask] = np.nan
        return X
    if sparse.issparse(X):
        X = X.copy()
        X.data[mask] = np.nan
        return X
    return np.where(mask, np.array(np.nan, dtype=X.dtype), X)


def check_fill_value(fill_value, X):
    """Refuse a text ``fill_value`` for numeric data, as SimpleImputer does."""
    if fill_value is None or X.dtype == object:
        return
    if isinstance(fill_value, str):
        raise InputTypeError(
            f"ImputerSelector: fill_value={fill_value!r} (of type "
            f"{type(fill_value)!r}) cannot be cast to the input data that is "
            f"{X.dtype!r}. Pass a number for numeric data; text fill values are "
            "for text and category columns."
        )


def takes_sparse(strategy):
    """Whether ``strategy`` fills a sparse matrix (the simple ones do)."""
    return callable(strategy) or strategy in SIMPLE_STRATEGIES


def empty_features(imputer, X, requested):
    """The features of text or sparse X without any observed value."""
    if imputer._text:
        return text_mask(X, imputer.missing_values).all(axis=0)
    dense_only = sorted({s for s in requested if not takes_sparse(s)})
    if dense_only:
        raise InputTypeError(
            f"ImputerSelector: X is a sparse matrix, and strategy "
            f"{describe(dense_only, quote=True)} needs dense data (sparse "
            "input is not supported by it). Use X.toarray(), or a strategy "
            "among 'mean', 'median', 'most_frequent', 'constant'."
        )
    column = np.repeat(np.arange(X.shape[1]), np.diff(X.indptr))
    missing = np.bincount(column[~np.isfinite(X.data)], minlength=X.shape[1])
    return X.shape[0] - missing == 0


def check_dense_numbers(imputer, X):
    """Refuse a sparse or text batch: only dense numbers stream."""
    if sparse.issparse(X) or imputer._text:
        raise InputTypeError(
            "ImputerSelector.partial_fit and fit on Dask input take dense "
            "numeric batches; sparse matrices and text are fitted with fit on "
            "all the rows at once."
        )


def fill_value_of(imputer):
    """``fill_value`` for the data fitted: None is 0, or text's default."""
    if imputer.fill_value is None:
        return DEFAULT_TEXT_FILL if imputer._text else 0.0
    return imputer.fill_value if imputer._text else float(imputer.fill_value)


def empty_policy(imputer):
    """``on_all_nan``, or ``keep_empty_features`` (when given) for fill/drop."""
    if imputer.on_all_nan == "raise" or imputer.keep_empty_features is None:
        return imputer.on_all_nan
    return "fill" if imputer.keep_empty_features else "drop"


def report_empty(imputer, empty, names):
    """Warn about (or refuse) the features without any observed value at fit."""
    if not empty.any():
        return
    listed = describe([names[j] for j in np.flatnonzero(empty)], quote=True)
    count = int(empty.sum())
    policy = empty_policy(imputer)
    what = (
        f"ImputerSelector: {plural(count, 'feature')} "
        f"{agree(count, 'has', 'have')} no observed value in the data given "
        f"to fit: {listed}"
    )
    if policy == "raise":
        raise NonFiniteInputError(
            f"{what}. Drop {agree(count, 'it', 'them')}, or set "
            "on_all_nan='fill' to keep and fill such features (the output "
            "width then stays the same in every fold)."
        )
    they = agree(count, "It is", "They are")
    fill = fill_value_of(imputer)
    if policy == "drop":
        action = (
            f"{they} left out of the output (on_all_nan='drop' or "
            "keep_empty_features=False), which changes its width"
        )
    else:
        action = (
            f"{they} kept as the constant "
            f"{repr(fill) if isinstance(fill, str) else format(fill, 'g')} "
            "(fill_value) so that the output width does not change; set "
            "on_all_nan='drop' to leave them out or 'raise' to stop"
        )
    warnings.warn(
        f"{what}. {action}.", DataQualityWarning, stacklevel=user_stacklevel()
    )
