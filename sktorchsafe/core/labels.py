"""Class labels and their codes: how the classifier reads y.

Labels of any type become int64 codes 0..K-1 in the order of the classes;
a one-hot y is recognized to say how to pass it; and y may hold the codes of
the ``classes`` given (skorch's meaning of ``classes``).
"""

import numpy as np
from sklearn.utils.multiclass import type_of_target

from ..exceptions import TargetError
from .messages import describe, plural

__all__ = [
    "check_bare_codes",
    "check_codes",
    "check_labels",
    "encode_labels",
    "given_codes",
    "is_one_hot",
]


def given_codes(y, classes):
    """Whether y holds codes 0..K-1 of the ``classes`` given, not their labels.

    skorch's ``classes`` names the output columns of codes (``classes=["neg",
    "pos"]`` with y in {0, 1}); ours also takes the labels themselves. y holds
    labels when it has the dtype kind of ``classes`` (numbers with numbers,
    text with text) or every label of y is a class; otherwise whole numbers
    are codes.
    """
    classes = np.asarray(classes)
    values = np.asarray(y)
    if classes.dtype.kind == values.dtype.kind or np.isin(values, classes).all():
        return False
    return values.dtype.kind in "iu" or (
        values.dtype.kind == "f" and bool((values == np.round(values)).all())
    )


def check_codes(y, n_classes, who):
    """Codes 0..K-1 as int64; codes outside raise naming the rows."""
    codes = np.asarray(y)
    outside = np.flatnonzero((codes < 0) | (codes >= n_classes))
    if outside.size:
        raise TargetError(
            f"{who}: y holds class codes (its labels are not among the classes "
            f"given), but {plural(outside.size, 'row')} lie outside 0.."
            f"{n_classes - 1}: {describe(outside)}, e.g. "
            f"{codes[outside[0]].tolist()!r}. "
            "Pass the labels themselves, or every class in `classes`.",
            kind="label_encoding",
            rows=outside,
        )
    return codes.astype(np.int64)


def check_bare_codes(y, who):
    """y as class codes 0..K-1 without classes (skorch's ``classes=[]``), int64.

    Labels that are not whole numbers of at least 0 raise, naming the rows.
    """
    values = np.asarray(y)
    if values.dtype.kind not in "biuf":
        raise TargetError(
            f"{who}: with classes=[] (skorch's meaning: no classes_), y must hold "
            f"the class codes 0..K-1, but it holds {values.dtype} labels. Pass "
            "classes=None to learn the labels from y.",
            kind="label_encoding",
        )
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero((values < 0) | (values != np.round(values)))
    if bad.size:
        raise TargetError(
            f"{who}: with classes=[] (skorch's meaning: no classes_), y must hold "
            f"the class codes 0..K-1, but {plural(bad.size, 'row')} do not: "
            f"{describe(bad)}, e.g. {values[bad[0]].tolist()!r}. Pass "
            "classes=None to learn the labels from y.",
            kind="label_encoding",
            rows=bad,
        )
    return values.astype(np.int64)


def is_one_hot(y):
    """Whether the 2-D target ``y`` holds one 1 per row and 0 elsewhere."""
    try:
        values = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return bool(np.isin(values, (0, 1)).all() and (values.sum(axis=1) == 1).all())


def encode_labels(y, classes, who):
    """Codes 0..K-1 of labels ``y`` in ``classes`` (int64); unknown labels raise."""
    classes = np.asarray(classes)
    try:
        order = np.argsort(classes, kind="stable")
        sorted_classes = classes[order]
        position = np.searchsorted(sorted_classes, y)
    except TypeError as exc:
        raise TargetError(
            f"{who}: y mixes label types that cannot be compared ({exc}). Use "
            "labels of one type (all strings or all numbers)."
        ) from exc
    position = np.clip(position, 0, len(classes) - 1)
    unknown = sorted_classes[position] != y
    if np.any(unknown):
        labels = np.unique(np.asarray(y)[unknown])
        raise TargetError(
            f"{who}: y has labels not among the classes "
            f"{describe(classes.tolist(), quote=True)}: "
            f"{describe(labels.tolist(), quote=True)}. Pass "
            "every label in `classes` (or to the first partial_fit)."
        )
    return order[position].astype(np.int64)


def check_labels(labels, who):
    """Raise unless ``labels`` look like class labels (not a continuous target)."""
    kind = type_of_target(labels)
    if kind not in ("binary", "multiclass"):
        raise TargetError(
            f"{who}: y must hold class labels. Got a {kind} target "
            f"(e.g. {describe(np.unique(labels)[:3].tolist())}). For a "
            "continuous target use SafeNeuralNetRegressor."
        )
