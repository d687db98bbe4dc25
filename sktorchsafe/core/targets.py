"""Reading and checking ``y``: one home for the validator, the nets and diagnose.

:class:`~sktorchsafe.TargetValidator`, both safe nets and
:func:`~sktorchsafe.diagnose` read a target through :func:`read_target`, find
its unusable rows with :func:`unusable_rows` and raise through the ``raise_*``
functions here, so the same bad ``y`` is named the same way (the same rows,
the same kind, the same fix) wherever it is met. Each error carries the kind
of finding (``exc.kind``, a key of :data:`~sktorchsafe.core.messages.FIXES`)
and the rows it names (``exc.rows``).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.utils import check_array

from ..exceptions import TargetError
from .frames import NUMERIC_OBJECT_KINDS
from .messages import describe, describe_first, fix_for, plural

__all__ = [
    "BAD_KINDS",
    "Target",
    "MANY_CLASSES",
    "auto_task",
    "describe_unusable",
    "index_labels",
    "raise_mixed",
    "raise_length",
    "raise_not_numeric",
    "raise_single_class",
    "raise_unusable",
    "read_target",
    "unusable_rows",
]

#: With ``task="auto"``, whole numbers with more distinct values than this,
#: and fewer rows per distinct value than this on average, are a quantity (a
#: count, an amount, grams), not class labels.
MANY_CLASSES = 20

#: With ``task="auto"``, whole numbers with more distinct values than this and
#: fewer rows per distinct value than this on average are a quantity too:
#: classes of a few rows each cannot be learned (nor split for validation).
FEW_ROWS_PER_CLASS = 5

#: Kinds of unusable target cells, in the order messages name them.
BAD_KINDS = ("NaN", "+inf", "-inf", "missing labels (None/NaN)")


@dataclass(frozen=True)
class Target:
    """``y`` as an array (1-D for one output), with its output names and index.

    Attributes
    ----------
    values : ndarray
        Numbers (bool, int or float; pandas' nullable types as float64 with
        NaN for ``pd.NA``) or string labels (an object array); 1-D for one
        output, 2-D for several.
    names : list of str
        The output names: the DataFrame's columns, the Series' name, else
        ``"y"`` (one output) or ``"y[:, j]"``.
    index : pandas.Index or None
        The index of a pandas ``y``, to name rows by their labels too.
    given_dtype : numpy.dtype
        The dtype ``y`` was given in (numpy strings are read as objects).
    """

    values: np.ndarray
    names: list
    index: object
    given_dtype: np.dtype | None = None

    @property
    def strings(self):
        """Whether ``y`` holds labels that are not numbers."""
        return self.values.dtype.kind not in "biuf"


def auto_task(*, n_rows, n_distinct, strings, whole):
    """The task ``task="auto"`` reads in a 1-D target, and why.

    The rule, in order:

    1. strings, booleans and categories are class labels;
    2. numbers that are not all whole are a quantity: regression;
    3. whole numbers with at most 2 distinct values are binary labels;
    4. whole numbers with more than :data:`MANY_CLASSES` distinct values and
       fewer than :data:`MANY_CLASSES` rows per value on average, or more
       than :data:`FEW_ROWS_PER_CLASS` distinct values and fewer rows per
       value than that, are a quantity
       (a count, grams, a price in cents): regression;
    5. other whole numbers are multiclass labels.

    Parameters
    ----------
    n_rows, n_distinct : int
        Rows, and distinct values among them.
    strings : bool
        The values are labels that are not numbers.
    whole : bool
        The numbers are all whole.

    Returns
    -------
    task : {"binary", "multiclass", "regression"}
    reason : str
        Why, in words for a report.

    Examples
    --------
    >>> auto_task(n_rows=342, n_distinct=94, strings=False, whole=True)[0]
    'regression'
    >>> auto_task(n_rows=150, n_distinct=3, strings=False, whole=True)[0]
    'multiclass'
    >>> auto_task(n_rows=15, n_distinct=15, strings=False, whole=True)[0]
    'regression'
    """
    per_value = n_rows / max(n_distinct, 1)
    counted = f"{plural(n_distinct, 'distinct value')} in {plural(n_rows, 'row')}"
    if strings:
        task = "binary" if n_distinct <= 2 else "multiclass"
        return task, f"labels that are not numbers ({counted})"
    if not whole:
        return "regression", "numbers that are not all whole"
    if n_distinct <= 2:
        return "binary", f"whole numbers with {counted}"
    few = FEW_ROWS_PER_CLASS if n_distinct <= MANY_CLASSES else MANY_CLASSES
    if n_distinct > FEW_ROWS_PER_CLASS and per_value < few:
        return "regression", (
            f"whole numbers with {counted} ({per_value:.1f} rows per value, "
            f"fewer than {few}): a quantity, not class labels"
        )
    return "multiclass", (
        f"whole numbers with {counted} ({per_value:.1f} rows per value): class labels"
    )


def read_target(y, who, *, n_samples=None):
    """Read ``y`` as a :class:`Target`; raise :class:`TargetError` when it cannot.

    Parameters
    ----------
    y : array-like, Series or DataFrame
        The target, one row per sample. Tensors must be converted first.
    who : str
        Who is reading (the class name), for messages.
    n_samples : int or None
        The number of rows of X, when ``y`` must have as many.

    Returns
    -------
    target : Target

    Raises
    ------
    TargetError
        A ``y`` that cannot be read as an array, of the wrong length, that
        mixes strings and numbers, or holds neither numbers nor strings.

    Examples
    --------
    >>> import pandas as pd
    >>> t = read_target(pd.Series([1, None, 3], dtype="Int64", name="n"), "demo")
    >>> t.values, t.names
    (array([ 1., nan,  3.]), ['n'])
    """
    values = _numeric_pandas(y)
    if values is None:
        try:
            values = check_array(
                y, ensure_2d=False, dtype=None, ensure_all_finite=False, input_name="y"
            )
        except (TypeError, ValueError) as exc:
            raise TargetError(
                f"{who}: y cannot be read as a target ({exc}). Pass a 1-D array or "
                "Series (one target per row), or a 2-D array or DataFrame for "
                "several outputs.",
                kind="target_type",
            ) from exc
    if values.ndim == 0 or values.ndim > 2:
        raise TargetError(
            f"{who}: y must be 1-D or 2-D. Got an array of shape {values.shape}.",
            kind="target_type",
        )
    if n_samples is not None:
        raise_length(who, values.shape[0], n_samples)
    columns = getattr(y, "columns", None)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    given_dtype = values.dtype
    if values.dtype.kind in "US":
        values = values.astype(object)
    values = _numeric_if_possible(values, who)
    if columns is not None:
        names = [str(c) for c in columns]
    elif values.ndim == 1:
        name = getattr(y, "name", None)
        names = ["y" if name is None else str(name)]
    else:
        names = [f"y[:, {j}]" for j in range(values.shape[1])]
    index = y.index if isinstance(y, pd.Series | pd.DataFrame) else None
    return Target(values, names, index, given_dtype)


def unusable_rows(values, *, allow_nan=False):
    """``(kinds, rows)`` of the NaN, ±inf or missing labels in ``values``, or None.

    ``kinds`` lists the kinds found (in :data:`BAD_KINDS` order); ``rows`` the
    rows (0-based) holding at least one. With ``allow_nan`` (a loss that
    ignores NaN targets), only ±inf makes a row unusable.

    Examples
    --------
    >>> import numpy as np
    >>> unusable_rows(np.array([1, np.nan, 2, 3, np.inf, 4]))
    (('NaN', '+inf'), array([1, 4]))
    """
    if values.dtype.kind == "f":
        if np.isfinite(values).all():
            return None
        masks = [
            ("NaN", None if allow_nan else np.isnan(values)),
            ("+inf", values == np.inf),
            ("-inf", values == -np.inf),
        ]
        kinds = tuple(kind for kind, mask in masks if mask is not None and mask.any())
        if not kinds:
            return None
        bad = np.logical_or.reduce([mask for _, mask in masks if mask is not None])
    elif values.dtype == object:
        bad = np.asarray(pd.isna(values), dtype=bool)
        if not bad.any():
            return None
        kinds = ("missing labels (None/NaN)",)
    else:
        return None
    if bad.ndim == 2:
        bad = bad.any(axis=1)
    return kinds, np.flatnonzero(bad)


def describe_unusable(kinds, rows, *, n_rows=None, labels=None, outputs=None):
    """``"y holds NaN and +inf in 2 rows: 1, 4"``: the rows :func:`unusable_rows` found.

    Parameters
    ----------
    kinds : tuple of str
    rows : array of int
        The rows (0-based), or the first of them for a summary that kept only
        those.
    n_rows : int, default=len(rows)
        How many rows there are in all.
    labels : list or None
        The index labels of those rows (see :func:`index_labels`).
    outputs : list of str or None
        The outputs holding them, named when ``y`` has several.

    Examples
    --------
    >>> describe_unusable(("NaN", "+inf"), [1, 4])
    'y holds NaN and +inf in 2 rows: 1, 4'
    """
    n_rows = len(rows) if n_rows is None else n_rows
    where = describe_first(rows, n_rows)
    if labels is not None:
        where += f" (index labels {describe(labels, quote=True)})"
    if outputs:
        where += f", in {describe(outputs, quote=True)}"
    return f"y holds {' and '.join(kinds)} in {plural(n_rows, 'row')}: {where}"


def index_labels(index, rows, limit=10):
    """The index labels of the first ``rows`` of a pandas ``y``, or None.

    None too when the index is the default 0..n-1 (the labels are the rows).
    """
    if index is None or index.equals(pd.RangeIndex(len(index))):
        return None
    return index[np.asarray(rows)[:limit]].tolist()


def raise_unusable(who, kinds, rows, **where):
    """Raise the :class:`TargetError` naming the rows :func:`unusable_rows` found.

    ``where`` is passed to :func:`describe_unusable`.
    """
    only_inf = set(kinds) <= {"+inf", "-inf"}
    raise TargetError(
        f"{who}: {describe_unusable(kinds, rows, **where)}. A net's loss is nan on "
        "such rows, and on every row once the weights are poisoned. "
        f"{fix_for('target_inf' if only_inf else 'target_nonfinite')}",
        kind="target_nonfinite",
        rows=np.asarray(rows),
    )


def raise_length(who, n_y, n_samples):
    """Raise the :class:`TargetError` of a ``y`` not as long as X, if it is not."""
    if n_y != n_samples:
        raise TargetError(
            f"{who}: y has {n_y} rows but X has {n_samples}: pass one target per "
            "row of X.",
            kind="target_length",
        )


def raise_single_class(who, label, n_rows):
    """Raise the :class:`TargetError` of a classification target of one class."""
    if isinstance(label, np.generic):
        label = label.item()
    raise TargetError(
        f"{who}: y has only one class ({label!r}, in all {plural(n_rows, 'row')}): "
        "a classifier needs at least 2 classes. Check the target column, or the "
        "split: stratified splits keep every class in every fold.",
        kind="single_class",
    )


def raise_not_numeric(who, examples, *, numbers_as_text=False):
    """Raise the :class:`TargetError` of labels given where numbers are needed."""
    fix = (
        "Convert the numbers stored as text first: pd.to_numeric(y)."
        if numbers_as_text
        else "For class labels use task='classification' (SafeNeuralNetClassifier)."
    )
    raise TargetError(
        f"{who}: regression needs a numeric y, but y holds labels such as "
        f"{describe(list(examples), limit=3, quote=True)}. {fix}",
        kind="target_type",
    )


def raise_mixed(who, text, other):
    """Raise the :class:`TargetError` of labels mixing strings and other values."""
    fix = "Make the labels one type: all strings (y.astype(str)) or all numbers"
    if not pd.isna(pd.to_numeric(pd.Series([text]), errors="coerce")[0]):
        fix += " (numbers stored as text: pd.to_numeric(y))"
    raise TargetError(
        f"{who}: y mixes strings and other values (e.g. {text!r} and {other!r}). "
        f"{fix}.",
        kind="target_type",
    )


# ------------------------------------------------------------------ helpers
def _numeric_pandas(y):
    """A pandas ``y`` of numeric columns (nullable ones too) as float64, or None."""
    if not isinstance(y, pd.Series | pd.DataFrame):
        return None
    dtypes = list(y.dtypes) if isinstance(y, pd.DataFrame) else [y.dtype]
    if not dtypes or not all(
        pd.api.types.is_numeric_dtype(d) and not pd.api.types.is_complex_dtype(d)
        for d in dtypes
    ):
        return None
    if all(isinstance(d, np.dtype) for d in dtypes):
        return None  # plain numpy dtypes: check_array keeps ints as ints
    # Nullable Int64 / Float64 / boolean columns: pd.NA becomes NaN.
    return y.to_numpy(dtype=np.float64, na_value=np.nan)


def _numeric_if_possible(values, who):
    """``y`` as numbers or string labels; a mix, dates or other objects raise."""
    if values.dtype.kind in "biuf":
        return values
    inferred = pd.api.types.infer_dtype(values.ravel(), skipna=True)
    if inferred in NUMERIC_OBJECT_KINDS:
        if inferred == "integer" and not pd.isna(values).any():
            return values.astype(np.int64)
        flat = pd.array(values.ravel(), dtype="Float64")
        return flat.to_numpy(dtype=np.float64, na_value=np.nan).reshape(values.shape)
    if inferred in ("string", "bytes"):
        return values
    if inferred in ("mixed", "mixed-integer"):
        flat = values.ravel()
        present = [v for v in flat if not _is_missing(v)]
        text = next((v for v in present if isinstance(v, str)), None)
        other = next((v for v in present if not isinstance(v, str)), None)
        if text is not None and other is not None:
            raise_mixed(who, text, other)
        return values
    raise TargetError(
        f"{who}: y holds {inferred} values (e.g. {values.ravel()[0]!r}), which "
        "are neither numbers nor string labels. Convert y to numbers "
        "(regression) or to labels (classification) first.",
        kind="target_type",
    )


def _is_missing(value):
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
