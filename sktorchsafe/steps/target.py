"""``TargetValidator``: check the target before a net trains on it.

``fit`` reduces ``y`` to a mergeable summary (row count, label counts,
moments, the first bad rows) and judges the summary, so ``partial_fit`` on a
stream of chunks and a fit over the blocks of a Dask collection make the same
checks and give the same answer.
"""

import warnings
from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    OneToOneFeatureMixin,
    TransformerMixin,
)
from sklearn.utils.validation import check_is_fitted

from ..core.compat import Interval, StrOptions, fit_context
from ..core.dask_blocks import check_dask_input, is_dask_collection, reduce_blocks
from ..core.messages import (
    Finding,
    describe,
    fix_for,
    user_stacklevel,
)
from ..core.streaming import StreamingMixin
from ..core.target_stats import TargetStats, auto_target_kind, summarize_block
from ..core.targets import (
    raise_length,
    raise_not_numeric,
    raise_single_class,
)
from ..core.validation import validate_pass_through
from ..exceptions import DataQualityWarning, TargetError

__all__ = ["TargetValidator"]

#: ``task_`` for each scikit-learn target type that ``task="auto"`` accepts.
_AUTO_TASKS = {
    "binary": "binary",
    "multiclass": "multiclass",
    "continuous": "regression",
    "continuous-multioutput": "regression",
    "multilabel-indicator": "multilabel",
}


class TargetValidator(
    StreamingMixin, OneToOneFeatureMixin, TransformerMixin, BaseEstimator
):
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
    - a regression target far from unit scale (the regressor should
      standardize it) or a constant one.

    Parameters
    ----------
    task : {"auto", "regression", "classification"}, default="auto"
        The learning task. ``"auto"`` infers it from ``y`` by this rule
        (the one :func:`~sktorchsafe.diagnose` uses too): strings, booleans
        and categories are class labels; non-integer numbers (and floats beyond
        2**53, where every float is whole) are a regression target; whole
        numbers are class labels (two distinct values: binary) unless there
        are more than 20 distinct values with fewer than 20 rows each on
        average, or more than 5 with fewer than 5 rows each, which is a
        quantity (grams, a count): regression. A 2-D 0/1
        indicator is multilabel. The reason is kept in ``task_reason_`` (and
        :func:`~sktorchsafe.diagnose` prints it); pass ``task`` when
        ``"auto"`` guesses wrong. With
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
    task_reason_ : str or None
        Why ``task="auto"`` found ``task_`` for a 1-D target (None when the
        task was given).
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
    numeric target; X is not read. See ``benchmarks/bench_checks.py``.

    **Streaming and Dask.** ``fit`` reduces ``y`` to a mergeable summary (row
    count, label counts, moments, the first bad rows) and judges that.
    ``partial_fit`` merges the summary of each chunk into those before, and
    ``fit`` with a Dask ``y`` (array, Series or DataFrame) merges those of its
    blocks on the active Dask scheduler, so both find what one ``fit`` on
    all rows finds: the same task, classes and counts, the moments up to
    rounding, and bad rows numbered from the first row of the stream. Pass
    ``y`` with every chunk or with none. After ``partial_fit`` each finding
    is warned about once per stream; errors are raised by the chunk that
    shows them, except a single class, which only the end of the stream
    shows (:func:`~sktorchsafe.stream_fit` checks it there). ``transform``
    returns a Dask X as it is, uncomputed.

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

    #: transform returns X unchanged: stream_fit fits the next step in the
    #: same pass over the chunks.
    _passes_X_through = True
    _fitted_private = ("_warned",)

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

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate ``y`` (and record X's shape and feature names).

        Parameters
        ----------
        X : array-like, DataFrame, sparse matrix or Dask collection of shape \
                (n_samples, n_features)
            Passed through; any dtypes, NaN and ±inf are fine.
        y : array-like, DataFrame or Dask collection of shape (n_samples,) or \
                (n_samples, n_outputs)
            The target. A Dask ``y`` is summarized block by block on the
            active scheduler (see Notes).

        Returns
        -------
        self : object
            Fitted validator.

        Raises
        ------
        TargetError
            When ``y`` cannot be learned from (see the class docstring).
        """
        self._fit(X, y)
        return self

    @fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Validate one more chunk of ``y``, together with the chunks before.

        The summaries of the chunks (label counts, moments, bad rows) are
        merged, so the task, classes, counts and findings are those of one
        ``fit`` on all rows seen (see Notes).

        Parameters
        ----------
        X : array-like, DataFrame, sparse matrix or Dask collection of shape \
                (n_samples, n_features)
            Passed through; any dtypes, NaN and ±inf are fine.
        y : array-like, DataFrame or Dask collection of shape (n_samples,) or \
                (n_samples, n_outputs)
            The target of this chunk (pass ``y`` with every chunk or none).

        Returns
        -------
        self : object
            The validator, updated.

        Raises
        ------
        TargetError
            When the chunk's ``y``, or all of ``y`` so far, cannot be learned
            from; bad rows are numbered from the first row of the stream. A
            single class so far is not an error yet (chunks of sorted data
            often hold one class each): :func:`~sktorchsafe.stream_fit`
            raises it once the last chunk holds no second class.
        """
        self._partial_fit(X, y)
        return self

    # ------------------------------------------ the streaming protocol
    def _statistics(self, X, y=None, *, reset, whole=False):
        """Merge step: check X's features, summarize ``y`` (block by block for
        Dask), and check the summary against the chunks before."""
        who = type(self).__name__
        n_samples = self._check_X(X, reset=reset)
        previous = None if reset else self._stream
        if not reset and (y is None) != isinstance(previous, _NoTarget):
            which = (
                "earlier chunks but not this one"
                if y is None
                else "this chunk but not earlier ones"
            )
            raise TargetError(
                f"{who}: partial_fit got y for {which}. Pass y with every chunk, "
                "or with none (task='auto' then only records X's features).",
                kind="target_type",
            )
        if y is None:
            return X, _NoTarget()
        stats = self._summarize(y, n_samples)
        stats.raise_if_incomplete(
            who, offset=0 if previous is None else previous.n_rows
        )
        if previous is not None and (stats.ndim, stats.n_outputs) != (
            previous.ndim,
            previous.n_outputs,
        ):
            raise TargetError(
                f"{who}: this chunk's y has {_outputs(stats)} but earlier "
                f"chunks had {_outputs(previous)}. Pass the same target "
                "columns with every chunk.",
                kind="target_type",
            )
        return X, stats

    def _finish(self, *, partial=False):
        """Judge the summary of all of ``y`` seen; with ``partial`` (more chunks
        may come) a single class so far is not an error, and each finding is
        warned about once per stream."""
        if isinstance(self._stream, _NoTarget):
            self._without_y()
            return
        if not partial:
            self._warned = set()
        elif not hasattr(self, "_warned"):
            self._warned = set()
        self._judge(self._stream, warned=self._warned, partial=partial)

    def _check_X(self, X, reset):
        """Record or check X's features; return its number of rows if known."""
        if is_dask_collection(X):
            check_dask_input(self, X, reset=reset, numeric=False)
            n = X.shape[0]
            return int(n) if isinstance(n, Integral | np.integer) else None
        return validate_pass_through(self, X, reset=reset).shape[0]

    def _without_y(self):
        for attribute in ("classes_", "class_counts_", "target_mean_", "target_std_"):
            self.__dict__.pop(attribute, None)
        self.findings_ = ()
        if self.task != "auto":
            raise TargetError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                f"is None: task={self.task!r} validates a target. Pass y to fit "
                "(Pipeline.fit(X, y) hands it to every step)."
            )
        self.task_ = None
        return self

    def _summarize(self, y, n_samples):
        """The :class:`TargetStats` of ``y`` (in memory, or block by block)."""
        who = type(self).__name__
        count_labels = self.task != "regression"
        if not is_dask_collection(y):
            return TargetStats.of(y, n_samples, who, count_labels)
        block = partial(summarize_block, who=who, count_labels=count_labels)
        stats = reduce_blocks(y, block, frames=True)
        if stats.ndim == 2 and hasattr(y, "columns"):
            stats.names = [str(c) for c in y.columns]
        if n_samples is not None:
            raise_length(who, stats.n_rows, n_samples)
        return stats

    def _judge(self, stats, warned=None, partial=False):
        """Set the fitted attributes from a summary; warn about the findings.

        ``warned`` (a set, for ``partial_fit``) holds the findings already
        warned about in this stream; each is warned about once.  With
        ``partial=True`` (more chunks may come) a single class so far is not
        an error.
        """
        who = type(self).__name__
        for attribute in ("classes_", "class_counts_", "target_mean_", "target_std_"):
            self.__dict__.pop(attribute, None)
        self.findings_ = ()
        stats.raise_if_mixed(who)
        self.n_outputs_ = stats.n_outputs
        classes, counts = stats.labels if stats.labels is not None else (None, None)
        self.task_ = self._task(stats, classes, who)

        if self.task_ == "regression":
            findings = self._check_regression(stats)
        elif self.task_ == "multilabel":
            findings = self._check_multilabel(stats)
        else:
            findings = self._check_labels(stats, classes, counts, who, partial)
        self.findings_ = tuple(findings)
        for finding in findings:
            if finding.severity == "info":
                continue
            if warned is not None:
                if (finding.kind, finding.columns) in warned:
                    continue
                warned.add((finding.kind, finding.columns))
            warnings.warn(
                f"{who}: {finding}", DataQualityWarning, stacklevel=user_stacklevel()
            )

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
            A Dask collection is returned as it is, uncomputed.
        """
        check_is_fitted(self)
        if is_dask_collection(X):
            check_dask_input(self, X, reset=False, numeric=False)
            return X
        return validate_pass_through(self, X, reset=False, copy=self.copy)

    # ------------------------------------------------------------- the task
    def _task(self, stats, classes, who):
        self.task_reason_ = None
        if stats.ndim == 1:
            if self.task == "auto" and (classes is not None or not stats.strings):
                kind, self.task_reason_ = auto_target_kind(stats)
            elif classes is None:  # task="regression"
                kind = "labels" if stats.strings else "continuous"
            else:
                kind = "binary" if classes.size <= 2 else "multiclass"
        else:
            kind = stats.kind_2d
            if (
                self.task == "auto"
                and kind == "multiclass-multioutput"
                and not stats.strings
            ):
                # Several columns of whole numbers: no net learns them as one
                # classification task; they are quantities (linnerud).
                kind = "continuous-multioutput"
                self.task_reason_ = (
                    f"{stats.n_outputs} columns of whole numbers: quantities "
                    "(several columns of class labels are no single task)"
                )

        if self.task == "regression":
            if stats.strings:
                raise_not_numeric(who, stats.examples)
            return "regression"
        if self.task == "classification" and kind.startswith("continuous"):
            raise TargetError(
                f"{who}: task='classification' needs class labels, but y holds "
                "non-integer numbers (e.g. "
                f"{describe(stats.fractional or stats.examples)}): "
                "Unknown label type: continuous. Use task='regression', or bin "
                "the values into classes first.",
                kind="target_type",
            )
        if kind in _AUTO_TASKS:
            return _AUTO_TASKS[kind]
        if kind == "multiclass-multioutput":
            raise TargetError(
                f"{who}: y has {stats.n_outputs} columns of class labels "
                "(multiclass-multioutput), which no sktorchsafe net learns as one "
                "task. Pass task='regression' if they are quantities, or fit one "
                "classifier per column.",
                kind="target_type",
            )
        raise TargetError(
            f"{who}: y of shape {(stats.n_rows, stats.n_outputs)} is not a "
            "target a net can learn (scikit-learn's type_of_target: "
            f"{kind!r}). Pass numbers for regression, or labels (numbers or "
            "strings) for classification.",
            kind="target_type",
        )

    # --------------------------------------------------------- the findings
    def _check_labels(self, stats, classes, counts, who, partial=False):
        n = stats.n_rows
        labels = classes.tolist()  # Python scalars, for messages
        if classes.size < 2 and partial:
            # Chunks of sorted (or small) data often hold one class each.
            self.classes_, self.class_counts_ = classes, counts
            return []
        if classes.size < 2:
            raise_single_class(who, labels[0], n)
        self.classes_, self.class_counts_ = classes, counts
        findings = []
        name = stats.names[0]
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
                    fix_for("class_imbalance"),
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

    def _check_multilabel(self, stats):
        n = stats.n_rows
        positives = stats.positives
        self.classes_ = np.arange(stats.n_outputs)
        self.class_counts_ = positives
        findings = []
        constant = np.flatnonzero((positives == 0) | (positives == n))
        if constant.size:
            names = [stats.names[j] for j in constant]
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
                f"{stats.names[j]!r}: on in {positives[j]} of {n} rows" for j in skewed
            ]
            findings.append(
                Finding(
                    "class_imbalance",
                    "warning",
                    tuple(stats.names[j] for j in skewed),
                    f"Labels are imbalanced beyond imbalance_threshold="
                    f"{self.imbalance_threshold:g}: {describe(parts)}.",
                    fix_for("class_imbalance"),
                )
            )
        return findings

    def _check_regression(self, stats):
        moments = stats.numeric_moments()
        mean, std = moments.mean, moments.std
        self.target_mean_, self.target_std_ = mean, std
        findings = []
        constant = np.flatnonzero(std == 0)
        if constant.size:
            names = [stats.names[j] for j in constant]
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
            names = [stats.names[j] for j in far]
            numbers = [
                f"{stats.names[j]!r}: mean {mean[j]:.3g}, std {std[j]:.3g}" for j in far
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
                    fix_for("target_scale"),
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
def _outputs(stats):
    if stats.ndim == 1:
        return "one output"
    return f"{stats.n_outputs} outputs"


class _NoTarget:
    """The summary of a stream without ``y`` (``task="auto"`` records X only)."""

    n_rows = 0

    def merge(self, other):
        return self
