"""``TargetValidator``: check the target before a net trains on it."""

import warnings
from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd
from sklearn.base import (
    BaseEstimator,
    OneToOneFeatureMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from ._stats import ColumnStats, value_counts
from ._validation import Finding, describe, validate_pass_through
from .exceptions import DataQualityWarning, TargetError

__all__ = ["TargetValidator"]

#: ``task_`` for each scikit-learn target type that ``task="auto"`` accepts.
_AUTO_TASKS = {
    "binary": "binary",
    "multiclass": "multiclass",
    "continuous": "regression",
    "continuous-multioutput": "regression",
    "multilabel-indicator": "multilabel",
}

#: ``pandas.api.types.infer_dtype`` answers for object arrays of numbers.
_NUMERIC_OBJECTS = {"integer", "floating", "mixed-integer-float", "decimal", "boolean"}

#: With ``task="auto"``, integer labels with more classes than this and fewer
#: rows per class than this are suspected to be a quantity, not labels.
_MANY_CLASSES = 20

FIX_IMBALANCE = (
    "Weight the classes in the loss (e.g. SafeNeuralNetClassifier("
    "criterion__weight=...), or FocalLoss), or resample; stratify the splits "
    "and score with a metric that sees the rare classes (balanced accuracy, "
    "average precision)."
)
FIX_TARGET_SCALE = (
    "Standardize the target inside the regressor: SafeNeuralNetRegressor("
    "scale_target=True) does, and predicts in the original units (for another "
    "net, sklearn.compose.TransformedTargetRegressor with a StandardScaler)."
)


@dataclass(frozen=True)
class _Target:
    """``y`` as an array (1-D for one output), with its output names and index."""

    values: np.ndarray
    names: list
    index: object


class TargetValidator(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Check ``y`` before a net trains on it; pass ``X`` through unchanged.

    A pipeline step whose ``fit`` validates the target and whose
    ``transform`` returns ``X`` as given. Put it first in a pipeline (it
    accepts X with NaN, ±inf or string columns) so that a bad target fails
    at once, with a message naming the rows, instead of as a ``nan`` loss.

    ``fit`` raises :class:`~sktorchsafe.exceptions.TargetError` for

    - NaN, ±inf or missing labels in ``y`` (naming the rows: positions, and
      index labels for a pandas ``y`` with its own index);
    - a single class, labels mixing strings and numbers, non-integer numbers
      with ``task="classification"``, strings with ``task="regression"``, a
      ``y`` whose length differs from X's, a missing ``y`` when the task
      needs one;

    and warns (:class:`~sktorchsafe.exceptions.DataQualityWarning`) about

    - class imbalance beyond ``imbalance_threshold``;
    - labels that differ only in case or surrounding spaces;
    - ``task="auto"`` reading many integer classes with few rows each
      (possibly a quantity: pass ``task``);
    - a regression target far from unit scale (the regressor should
      standardize it) or a constant one.

    Parameters
    ----------
    task : {"auto", "regression", "classification"}, default="auto"
        The learning task. ``"auto"`` infers it from ``y`` like scikit-learn's
        :func:`~sklearn.utils.multiclass.type_of_target`: non-integer numbers
        (and floats beyond 2**53, where every float is whole) are a regression
        target, whole numbers and strings are class labels (two distinct
        values: binary), a 2-D 0/1 indicator is multilabel. Many classes with
        few rows each draw a warning: pass ``task`` when ``"auto"`` guesses
        wrong. With
        ``y=None``, ``"auto"`` has nothing to validate and ``fit`` only
        records X's shape (``task_`` is None), so the step also sits in
        unsupervised pipelines; an explicit task requires ``y``.
    imbalance_threshold : float, default=10.0
        Warn when the most frequent class has more than this many times the
        rows of the rarest one (per label for a multilabel target).
    scale_threshold : float, default=1e3
        Warn when a regression target's ``|mean|`` or standard deviation is
        above this, or its standard deviation below ``1 / scale_threshold``
        (``numpy.inf`` turns the check off).
    copy : bool, default=False
        If True, ``transform`` returns a copy of ``X`` instead of ``X``.

    Attributes
    ----------
    task_ : {"regression", "binary", "multiclass", "multilabel"} or None
        The task found; None after ``fit(X)`` without ``y`` (``task="auto"``).
    classes_ : ndarray of shape (n_classes,)
        Sorted class labels (classification), as given: strings stay strings,
        ``{0, 5}`` stays ``[0, 5]``. For a multilabel target, the label
        columns ``0 .. n_labels - 1``.
    class_counts_ : ndarray of shape (n_classes,)
        Rows per class (multilabel: rows where each label is on).
    target_mean_, target_std_ : ndarray of shape (n_outputs_,)
        Mean and standard deviation of each output (regression).
    n_outputs_ : int
        Number of target columns (1 for a 1-D ``y``).
    findings_ : tuple of Finding
        What ``fit`` found short of an error, warned about (severity
        ``"warning"``) or not (``"info"``: e.g. labels that are not
        ``0 .. K-1``, which plain torch losses cannot take).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when X is a DataFrame with string column names.

    See Also
    --------
    sklearn.utils.multiclass.type_of_target : The target types ``"auto"``
        follows (it calls a single-class ``y`` "binary").
    SafeNeuralNetRegressor : Standardizes the target with ``scale_target=True``.
    SafeNeuralNetClassifier : Encodes any labels to ``0 .. K-1`` and back.

    Notes
    -----
    Cost: one pass over ``y`` for non-finite values, one counting pass for
    class labels (hash-based for strings), one for the moments of a
    regression target; X is not read. See ``benchmarks/bench_checks.py``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktorchsafe import TargetValidator
    >>> from sktorchsafe.exceptions import TargetError
    >>> X = np.zeros((4, 2))
    >>> validator = TargetValidator().fit(X, ["cat", "dog", "dog", "cat"])
    >>> validator.task_, validator.classes_
    ('binary', array(['cat', 'dog'], dtype=object))
    >>> validator.transform(X) is X
    True
    >>> try:
    ...     TargetValidator().fit(X, [1.5, np.nan, 2.5, np.inf])
    ... except TargetError as exc:
    ...     print(exc)  # doctest: +ELLIPSIS
    TargetValidator: y holds NaN and +inf in 2 rows: 1, 3. ...
    """

    _parameter_constraints = {
        "task": [StrOptions({"auto", "regression", "classification"})],
        "imbalance_threshold": [Interval(Real, 1, None, closed="left")],
        "scale_threshold": [Interval(Real, 1, None, closed="both")],
        "copy": ["boolean"],
    }

    def __init__(
        self,
        *,
        task="auto",
        imbalance_threshold=10.0,
        scale_threshold=1e3,
        copy=False,
    ):
        self.task = task
        self.imbalance_threshold = imbalance_threshold
        self.scale_threshold = scale_threshold
        self.copy = copy

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate ``y`` (and record X's shape and feature names).

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            Passed through; any dtypes, NaN and ±inf are fine.
        y : array-like or DataFrame of shape (n_samples,) or (n_samples, n_outputs)
            The target.

        Returns
        -------
        self : object
            Fitted validator.

        Raises
        ------
        TargetError
            When ``y`` cannot be learned from (see the class docstring).
        """
        X = validate_pass_through(self, X, reset=True)
        who = type(self).__name__
        for attribute in ("classes_", "class_counts_", "target_mean_", "target_std_"):
            self.__dict__.pop(attribute, None)
        self.findings_ = ()
        if y is None:
            if self.task != "auto":
                raise TargetError(
                    f"{who} requires y to be passed, but the target y is None: "
                    f"task={self.task!r} validates a target. Pass y to fit "
                    "(Pipeline.fit(X, y) hands it to every step)."
                )
            self.task_ = None
            return self

        target = _read_target(y, X.shape[0], who)
        _check_complete(target, who)
        values = _numeric_if_possible(target.values, who)
        if values is not target.values:  # object numbers, now floats: ±inf?
            target = _Target(values, target.names, target.index)
            _check_complete(target, who)
        self.n_outputs_ = 1 if values.ndim == 1 else values.shape[1]
        if values.ndim == 1 and self.task != "regression":
            classes, counts = _labels_or_none(values)
        else:
            classes = counts = None
        self.task_ = self._task(target, classes, who)

        if self.task_ == "regression":
            findings = self._check_regression(target)
        elif self.task_ == "multilabel":
            findings = self._check_multilabel(target)
        else:
            findings = self._check_labels(target, classes, counts, who)
        self.findings_ = tuple(findings)
        for finding in findings:
            if finding.severity != "info":
                warnings.warn(f"{who}: {finding}", DataQualityWarning, stacklevel=3)
        return self

    def transform(self, X):
        """Return ``X`` unchanged, after checking its shape and feature names.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            The data to pass on.

        Returns
        -------
        X : ndarray, sparse matrix or DataFrame
            ``X`` itself (a copy when ``copy=True``); a DataFrame stays one.
        """
        check_is_fitted(self)
        return validate_pass_through(self, X, reset=False, copy=self.copy)

    # ------------------------------------------------------------- the task
    def _task(self, target, classes, who):
        values = target.values
        if values.ndim == 1:
            if values.dtype.kind == "f" and classes is None:
                kind = "continuous"
            elif classes is None:  # task="regression": labels not counted
                kind = "continuous" if values.dtype.kind in "biuf" else "labels"
            else:
                kind = "binary" if classes.size <= 2 else "multiclass"
        else:
            kind = type_of_target(values, input_name="y")

        if self.task == "regression":
            if values.dtype.kind not in "biuf":
                raise TargetError(
                    f"{who}: task='regression' needs a numeric y, but y holds "
                    f"labels such as {describe(_examples(values), quote=True)}. "
                    "Use task='classification', or convert y to numbers."
                )
            return "regression"
        if self.task == "classification" and kind.startswith("continuous"):
            fractional = values[np.mod(values, 1) != 0]
            raise TargetError(
                f"{who}: task='classification' needs class labels, but y holds "
                "non-integer numbers (e.g. "
                f"{describe(_examples(fractional if fractional.size else values))}): "
                "Unknown label type: continuous. Use task='regression', or bin "
                "the values into classes first."
            )
        if kind in _AUTO_TASKS:
            return _AUTO_TASKS[kind]
        if kind == "multiclass-multioutput":
            raise TargetError(
                f"{who}: y has {values.shape[1]} columns of class labels "
                "(multiclass-multioutput), which no sktorchsafe net learns as one "
                "task. Pass task='regression' if they are quantities, or fit one "
                "classifier per column."
            )
        raise TargetError(
            f"{who}: y of dtype {values.dtype} and shape {values.shape} is not a "
            "target a net can learn (scikit-learn's type_of_target: "
            f"{kind!r}). Pass numbers for regression, or labels (numbers or "
            "strings) for classification."
        )

    # --------------------------------------------------------- the findings
    def _check_labels(self, target, classes, counts, who):
        n = target.values.shape[0]
        labels = classes.tolist()  # Python scalars, for messages
        if classes.size < 2:
            raise TargetError(
                f"{who}: y has only one class ({labels[0]!r}, in all {n} rows): "
                "a classifier needs at least 2 classes. Check the target column, "
                "or the split: stratified splits keep every class in every fold."
            )
        self.classes_, self.class_counts_ = classes, counts
        findings = []
        name = target.names[0]
        ratio = counts.max() / counts.min()
        if ratio > self.imbalance_threshold:
            majority = labels[np.argmax(counts)]
            rare = np.flatnonzero(counts * self.imbalance_threshold < counts.max())
            parts = [f"{labels[k]!r}: {counts[k]} ({counts[k] / n:.1%})" for k in rare]
            findings.append(
                Finding(
                    "class_imbalance",
                    "warning",
                    (name,),
                    f"y is imbalanced: {describe(parts)} against {counts.max()} "
                    f"rows of {majority!r} (ratio {ratio:.3g} > "
                    f"imbalance_threshold={self.imbalance_threshold:g}).",
                    FIX_IMBALANCE,
                )
            )
        if classes.dtype == object:
            spellings = {}
            for label in classes:
                if isinstance(label, str):
                    spellings.setdefault(label.strip().casefold(), []).append(label)
            clashes = [
                " / ".join(map(repr, g)) for g in spellings.values() if len(g) > 1
            ]
            if clashes:
                findings.append(
                    Finding(
                        "label_spelling",
                        "warning",
                        (name,),
                        "y has labels that differ only in case or surrounding "
                        f"spaces: {describe(clashes)}. They are learned as "
                        "different classes.",
                        "Normalize the labels before fitting (e.g. "
                        "y.str.strip().str.lower()).",
                    )
                )
        integers = classes.dtype.kind in "iu"
        if (
            self.task == "auto"
            and classes.dtype.kind in "iuf"
            and classes.size > _MANY_CLASSES
            and n < _MANY_CLASSES * classes.size
        ):
            findings.append(
                Finding(
                    "many_classes",
                    "warning",
                    (name,),
                    f"task='auto' read y as {classes.size} classes of whole numbers "
                    f"with {n / classes.size:.1f} rows each on average: y may be "
                    "a quantity (a count, an amount) rather than labels.",
                    "Pass task='regression' if it is a quantity, or "
                    "task='classification' to keep the classes.",
                )
            )
        if not (integers and np.array_equal(classes, np.arange(classes.size))):
            findings.append(
                Finding(
                    "label_encoding",
                    "info",
                    (name,),
                    f"The labels are {describe(classes.tolist(), quote=True)}, "
                    f"not 0..{classes.size - 1}: torch's classification losses "
                    "need integer targets 0..K-1.",
                    "SafeNeuralNetClassifier encodes them and decodes its "
                    "predictions; for another net, use sklearn.preprocessing."
                    "LabelEncoder.",
                )
            )
        return findings

    def _check_multilabel(self, target):
        values = target.values
        n = values.shape[0]
        positives = np.count_nonzero(values, axis=0)
        self.classes_ = np.arange(values.shape[1])
        self.class_counts_ = positives
        findings = []
        constant = np.flatnonzero((positives == 0) | (positives == n))
        if constant.size:
            names = [target.names[j] for j in constant]
            findings.append(
                Finding(
                    "constant_label",
                    "warning",
                    tuple(names),
                    f"{describe(names, quote=True)}: "
                    f"{'this label is' if constant.size == 1 else 'these labels are'}"
                    " the same in every row, so there is nothing to learn.",
                    "Drop the label columns that never change.",
                )
            )
        minority = np.minimum(positives, n - positives)
        with np.errstate(divide="ignore"):
            ratio = np.maximum(positives, n - positives) / minority
        skewed = np.flatnonzero((minority > 0) & (ratio > self.imbalance_threshold))
        if skewed.size:
            parts = [
                f"{target.names[j]!r}: on in {positives[j]} of {n} rows" for j in skewed
            ]
            findings.append(
                Finding(
                    "class_imbalance",
                    "warning",
                    tuple(target.names[j] for j in skewed),
                    f"Labels are imbalanced beyond imbalance_threshold="
                    f"{self.imbalance_threshold:g}: {describe(parts)}.",
                    FIX_IMBALANCE,
                )
            )
        return findings

    def _check_regression(self, target):
        values = target.values
        stats = ColumnStats.from_array(values.reshape(values.shape[0], -1))
        mean, std = stats.mean, stats.std
        self.target_mean_, self.target_std_ = mean, std
        findings = []
        constant = np.flatnonzero(std == 0)
        if constant.size:
            names = [target.names[j] for j in constant]
            findings.append(
                Finding(
                    "constant_target",
                    "warning",
                    tuple(names),
                    f"{describe(names, quote=True)}: the target is constant "
                    f"({float(mean[constant[0]])!r} in every row), so there is nothing "
                    "to learn.",
                    "Check the target column and the rows selected.",
                )
            )
        big = self.scale_threshold
        with np.errstate(invalid="ignore"):
            far = (np.maximum(np.abs(mean), std) > big) | ((std > 0) & (std < 1 / big))
        far = np.flatnonzero(far)
        if far.size:
            names = [target.names[j] for j in far]
            numbers = [
                f"{target.names[j]!r}: mean {mean[j]:.3g}, std {std[j]:.3g}"
                for j in far
            ]
            findings.append(
                Finding(
                    "target_scale",
                    "warning",
                    tuple(names),
                    f"The regression target is far from unit scale "
                    f"({describe(numbers)}; scale_threshold={big:g}): a net "
                    "starts predicting near 0, so the loss starts huge (or "
                    "the signal tiny) and training diverges or crawls.",
                    FIX_TARGET_SCALE,
                )
            )
        return findings

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.sparse = True
        tags.input_tags.string = True  # X passes through: string columns are fine
        tags.target_tags.required = self.task != "auto"
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


# ------------------------------------------------------------------- helpers
def _read_target(y, n_samples, who):
    """``y`` as a 1-D (one output) or 2-D array, with output names and index."""
    try:
        values = check_array(
            y,
            ensure_2d=False,
            dtype=None,
            ensure_all_finite=False,
            input_name="y",
        )
    except (TypeError, ValueError) as exc:
        raise TargetError(
            f"{who}: y cannot be read as a target ({exc}). Pass a 1-D array or "
            "Series (one target per row), or a 2-D array or DataFrame for several "
            "outputs."
        ) from exc
    if values.shape[0] != n_samples:
        raise TargetError(
            f"{who}: y has {values.shape[0]} rows but X has {n_samples}: pass one "
            "target per row of X."
        )
    columns = getattr(y, "columns", None)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.dtype.kind in "US":
        values = values.astype(object)
    if columns is not None:
        names = [str(c) for c in columns]
    elif values.ndim == 1:
        name = getattr(y, "name", None)
        names = ["y" if name is None else str(name)]
    else:
        names = [f"y[:, {j}]" for j in range(values.shape[1])]
    index = y.index if isinstance(y, pd.Series | pd.DataFrame) else None
    return _Target(values, names, index)


def _check_complete(target, who):
    """Raise :class:`TargetError` naming the rows with NaN, ±inf or no label."""
    values = target.values
    if values.dtype.kind == "f":
        if np.isfinite(values).all():
            return
        nan, posinf, neginf = np.isnan(values), values == np.inf, values == -np.inf
        kinds = [
            kind
            for kind, mask in (("NaN", nan), ("+inf", posinf), ("-inf", neginf))
            if mask.any()
        ]
        bad = nan | posinf | neginf
    elif values.dtype == object:
        bad = pd.isna(values)
        if not bad.any():
            return
        kinds = ["missing labels (None/NaN)"]
    else:
        return
    if bad.ndim == 2:
        bad = bad.any(axis=1)
    rows = np.flatnonzero(bad)
    where = describe(rows)
    index = target.index
    if index is not None and not index.equals(pd.RangeIndex(len(index))):
        where += f" (index labels {describe(index[rows[:10]].tolist(), quote=True)})"
    raise TargetError(
        f"{who}: y holds {' and '.join(kinds)} in {_rows(rows.size)}: {where}. "
        "A net's loss is nan on such rows, and on every row once the weights "
        "are poisoned. Drop those rows from X and y together, or fill in the "
        "target."
    )


def _numeric_if_possible(values, who):
    """``y`` as numbers or string labels; a mix, dates or other objects raise."""
    if values.dtype.kind in "biuf":
        return values
    inferred = pd.api.types.infer_dtype(values.ravel(), skipna=False)
    if inferred in _NUMERIC_OBJECTS:
        return values.astype(np.int64 if inferred == "integer" else np.float64)
    if inferred in ("string", "bytes"):
        return values
    if inferred in ("mixed", "mixed-integer"):
        flat = values.ravel()
        text = next(v for v in flat if isinstance(v, str))
        other = next(v for v in flat if not isinstance(v, str))
        raise TargetError(
            f"{who}: y mixes strings and other values (e.g. {text!r} and "
            f"{other!r}). Make the labels one type: all strings (y.astype(str)) "
            "or all numbers."
        )
    raise TargetError(
        f"{who}: y holds {inferred} values (e.g. {values.ravel()[0]!r}), which "
        "are neither numbers nor string labels. Convert y to numbers "
        "(regression) or to labels (classification) first."
    )


def _labels_or_none(values):
    """Classes and counts of 1-D labels; ``(None, None)`` for non-integer numbers.

    Floats past 2**53 are all whole numbers, so they count as non-integer.
    """
    if values.dtype.kind == "f" and (
        np.any(np.mod(values, 1) != 0) or np.abs(values).max() >= 2.0**53
    ):
        return None, None
    return value_counts(values)


def _examples(values, limit=3):
    """A few distinct values for a message."""
    seen = []
    for value in values.ravel():
        if value not in seen:
            seen.append(value.item() if hasattr(value, "item") else value)
        if len(seen) == limit:
            break
    return seen


def _rows(n):
    return f"{n} row" if n == 1 else f"{n} rows"
