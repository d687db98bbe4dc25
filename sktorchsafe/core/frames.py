"""What a table's columns hold: one column classification for every floor.

The validation of X (:mod:`sktorchsafe.core.validation`), the reading of
targets (:mod:`sktorchsafe.core.targets`) and :func:`~sktorchsafe.diagnose`
ask these functions whether a column holds numbers, numbers stored as text
(with their placeholders), text, dates or other objects, instead of testing
dtypes themselves (the way skrub's ``_dataframe`` dispatch answers such
questions once).
"""

import numbers

import numpy as np
import pandas as pd

from .messages import describe

__all__ = [
    "NUMERIC_OBJECT_KINDS",
    "NUMERIC_TEXT_SHARE",
    "as_float",
    "classify_column",
    "is_number_column",
    "is_text_dtype",
    "numbers_in_text",
]

#: ``pandas.api.types.infer_dtype`` answers for object columns (and targets)
#: that hold numbers.
NUMERIC_OBJECT_KINDS = frozenset(
    {"integer", "floating", "mixed-integer-float", "decimal", "boolean", "empty"}
)

#: With this share of a text column's values readable as numbers, the column
#: is taken for numbers with placeholders ("?", "n/a") rather than for text.
NUMERIC_TEXT_SHARE = 0.9


def numbers_in_text(column):
    """``(values, placeholders)`` for a text column that is mostly numbers, else None.

    ``column`` is a pandas Series of strings (object or string dtype).
    ``values`` is a float64 array with NaN for the missing entries and the
    placeholders; ``placeholders`` maps each non-number (``"?"``, ``"n/a"``)
    to how often it occurs, most frequent first.  ``None`` when fewer than
    ``NUMERIC_TEXT_SHARE`` of the present values read as numbers: the column
    is text.

    Examples
    --------
    >>> import pandas as pd
    >>> values, placeholders = numbers_in_text(pd.Series(["1.5", "?"] + ["2"] * 9))
    >>> values[:3], placeholders
    (array([1.5, nan, 2. ]), {'?': 1})
    """
    present = column.notna().to_numpy()
    if not present.any():
        return None
    try:
        values = pd.to_numeric(column, errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
    except (TypeError, ValueError):  # lists, dicts, complex numbers
        return None
    # A "nan" written out reads as NaN: count it as parsed, not as text.
    spelled_nan = column.astype(str).str.strip().str.lower().eq("nan").to_numpy()
    parsed = present & (~np.isnan(values) | spelled_nan)
    if parsed.sum() < NUMERIC_TEXT_SHARE * present.sum():
        return None
    others = column[present & ~parsed].astype(str).value_counts()
    return values, others.to_dict()


def is_number_column(column):
    """Real numbers or booleans (not categories, complex numbers or text).

    By dtype kind, as the steps judge a column: pyarrow-backed booleans are
    numbers (``pandas.api.types.is_numeric_dtype`` says no).
    """
    dtype = column.dtype
    return getattr(dtype, "kind", "O") in "biuf" and not isinstance(
        dtype, pd.CategoricalDtype
    )


def as_float(column, dtype=np.float64):
    """A column :func:`classify_column` calls numbers, as a float array.

    Missing values (None, ``pd.NA``) become NaN; numbers stored as text are
    read with :func:`numbers_in_text` (placeholders become NaN).
    """
    if is_number_column(column):
        return column.to_numpy(dtype=dtype, na_value=np.nan)
    read = numbers_in_text(column) if is_text_dtype(column.dtype) else None
    if read is not None:
        return read[0].astype(dtype, copy=False)
    values = pd.to_numeric(column, errors="coerce")
    return values.to_numpy(dtype=dtype, na_value=np.nan)


def is_text_dtype(dtype):
    """Whether ``dtype`` holds text: object, numpy strings or pandas' string."""
    return isinstance(dtype, pd.StringDtype) or (
        isinstance(dtype, np.dtype) and dtype.kind in "OSU"
    )


def classify_column(column):
    """What a non-numeric pandas column holds: ``(kind, text)``.

    Returns ``(kind, text)``: kind ``"numbers"`` for an object column of
    numbers (it converts as it is: ``text`` is None), ``"text_numbers"`` for
    numbers stored as text, ``"complex"`` for complex numbers, ``"objects"``
    for objects that are neither numbers nor text, ``"other"`` for
    everything else.
    """
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "other", "category"
    kind = getattr(dtype, "kind", "O")
    if kind == "c":
        return "complex", str(dtype)
    if kind in "mM":
        return "other", f"{'dates' if kind == 'M' else 'durations'}, {dtype}"
    if not is_text_dtype(dtype):
        return "other", str(dtype)
    if not column.notna().any():
        return "numbers", None  # nothing but missing values: a column of NaN
    inferred = pd.api.types.infer_dtype(column, skipna=True)
    if inferred in NUMERIC_OBJECT_KINDS and not isinstance(dtype, pd.StringDtype):
        return "numbers", None
    if inferred in ("mixed", "mixed-integer"):
        values = column.dropna()
        if any(not isinstance(value, str | numbers.Number) for value in values):
            return "objects", f"{inferred}, {dtype}"  # dicts, lists, dates...
        if not any(isinstance(value, str) for value in values):
            return "numbers", None  # e.g. Decimal next to int
    if inferred in ("string", "mixed", "mixed-integer"):
        read = numbers_in_text(column)
        if read is not None:
            _, placeholders = read
            if placeholders:
                shown = describe(
                    [f"{value!r} x{count}" for value, count in placeholders.items()],
                    limit=3,
                )
                return "text_numbers", f"not numbers: {shown}"
            return "text_numbers", "every value is a number written as text"
    return "other", "text" if inferred == "string" else f"{inferred}, {dtype}"
