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

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.utils.validation import validate_data

from ..core.frames import is_text_dtype
from ..core.messages import describe, fix_for
from ..core.validation import feature_names, validate_X
from ..exceptions import InputTypeError
from ._impute_strategies import MODEL_STRATEGIES

__all__ = [
    "DEFAULT_TEXT_FILL",
    "FLOAT_DTYPES",
    "TEXT_STRATEGIES",
    "check_fill_value",
    "is_nan_marker",
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
