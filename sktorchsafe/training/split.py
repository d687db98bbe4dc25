"""The net's own validation split, checked against the data before training.

skorch holds out a validation fold (``train_split=ValidSplit(5)``, stratified
for classifiers) inside ``fit``. On small data, a cross-validation fold or a
rare class, that split can fail deep inside scikit-learn, or leave a class
out of training. :class:`_SplitChecks` refuses a split the data cannot
satisfy, with the fix, before training starts, and names the classes too
small for it.
"""

import math
import warnings
from numbers import Integral, Real

from skorch.dataset import ValidSplit, get_len

from ..core.messages import describe, plural, user_stacklevel
from ..exceptions import DataQualityWarning, ModuleConfigError

__all__ = ["STRATIFIED_SPLIT"]

#: skorch's default split for classifiers (one shared instance, as in skorch).
STRATIFIED_SPLIT = ValidSplit(5, stratified=True)


class _SplitChecks:
    """Check ``train_split`` against the data (a mixin before ``NeuralNet``)."""

    def get_split_datasets(self, X, y=None, **fit_params):
        """skorch's train/validation split, checked against the data first.

        A ``skorch.dataset.ValidSplit`` that cannot split this data (more
        folds than rows, or, stratified, than any class has rows; a fraction
        that leaves no training row) raises
        :class:`~sktorchsafe.exceptions.ModuleConfigError` with the fix before
        training starts: the net never switches to another split on its own.
        Stratified, a class with fewer rows than the folds gives a
        :class:`~sktorchsafe.exceptions.DataQualityWarning` that names it, in
        place of scikit-learn's warning about the least populated class.
        """
        warned = self._check_split(X, y)
        with warnings.catch_warnings():
            if warned:
                warnings.filterwarnings(
                    "ignore", "The least populated class", UserWarning
                )
            return super().get_split_datasets(X, y, **fit_params)

    def _class_counts(self, y):
        """Labels and row counts of the classes in ``y``; None for a regressor."""
        return None

    def _check_split(self, X, y):
        """Refuse a ``ValidSplit`` the data cannot satisfy; warn about small classes.

        Returns whether a small-class warning was issued.
        """
        split = self.train_split
        cv = getattr(split, "cv", None)
        if not isinstance(split, ValidSplit) or isinstance(cv, bool):
            return False
        try:
            n_rows = get_len(X)
        except (TypeError, ValueError):  # an iterable dataset, ragged inputs
            return False
        found = self._class_counts(y) if split.stratified else None
        labels, counts = found if found is not None else (None, None)
        stratified = ", stratified=True" if split.stratified else ""
        name = f"train_split=ValidSplit({cv!r}{stratified})"
        who = type(self).__name__
        fix = "Pass train_split=None to train on every row without validation"

        def fix_with_folds(most):
            fewer = f", or ValidSplit(cv{stratified}) with 2 <= cv <= {most}"
            if most == 2:
                fewer = f", or ValidSplit(2{stratified})"
            return f"{fix}{fewer if most >= 2 else ''}, or collect more rows."

        if isinstance(cv, Integral):
            largest = n_rows if counts is None else int(counts.max())
            if n_rows < cv:
                raise ModuleConfigError(
                    f"{who}: {name} splits the rows into {cv} folds (one for "
                    f"validation), but X has only {plural(n_rows, 'row')}. "
                    f"{fix_with_folds(n_rows)}"
                )
            if counts is None or not (counts < cv).any():
                return False
            parts = [
                f"{label!r} ({plural(count, 'row')})"
                for label, count in zip(labels, counts, strict=True)
            ]
            if largest < cv:
                raise ModuleConfigError(
                    f"{who}: {name} splits every class into {cv} folds, but no "
                    f"class has {cv} rows: {describe(parts)}. "
                    f"{fix_with_folds(largest)}"
                )
            small = [
                part for part, count in zip(parts, counts, strict=True) if count < cv
            ]
            one = len(small) == 1
            warnings.warn(
                f"{who}: {'class' if one else 'classes'} {describe(small)} "
                f"{'has' if one else 'have'} fewer rows than the {cv} folds of "
                f"{name}: the validation split cannot hold {'it' if one else 'them'} "
                "in proportion, and such a class may be missing from validation or "
                f"from training. {fix_with_folds(int(counts.min()))}",
                DataQualityWarning,
                stacklevel=user_stacklevel(),
            )
            return True
        if not (isinstance(cv, Real) and 0 < cv < 1):
            return False
        n_valid = math.ceil(cv * n_rows)
        problem = None
        if n_rows - n_valid < 1:
            problem = f"leaves no training row of the {plural(n_rows, 'row')} in X"
        elif counts is not None and counts.min() < 2:
            single = [
                label for label, count in zip(labels, counts, strict=True) if count < 2
            ]
            problem = (
                f"needs 2 rows of each class, but class {describe(single, quote=True)}"
                f" {'has' if len(single) == 1 else 'have'} 1"
            )
        elif counts is not None and min(n_valid, n_rows - n_valid) < len(counts):
            problem = (
                f"needs a row of each of the {len(counts)} classes on both sides, "
                f"but X has {plural(n_rows, 'row')} ({n_valid} for validation)"
            )
        if problem is None:
            return False
        raise ModuleConfigError(
            f"{who}: {name} {problem}. {fix}, or collect more rows."
        )
