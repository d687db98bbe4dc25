"""Errors and warnings raised by sktorchsafe.

Every error subclasses both :class:`SktorchsafeError` and the built-in
exception that scikit-learn users already catch, so ``except ValueError``
keeps working around a pipeline that now uses our steps.

Examples
--------
>>> import numpy as np
>>> from sktorchsafe import SafeStandardScaler
>>> from sktorchsafe.exceptions import NonFiniteInputError
>>> X = np.array([[1.0, 2.0], [np.inf, 3.0]])
>>> try:
...     SafeStandardScaler().fit(X)
... except NonFiniteInputError as exc:
...     print(type(exc).__name__, isinstance(exc, ValueError))
NonFiniteInputError True
"""

__all__ = [
    "DataQualityError",
    "DataQualityWarning",
    "InputTypeError",
    "ModuleConfigError",
    "NonFiniteInputError",
    "NonFiniteTrainingError",
    "NonFiniteTrainingWarning",
    "PreflightWarning",
    "ScaleDisparityWarning",
    "SktorchsafeError",
    "SktorchsafeWarning",
    "TargetError",
]


class SktorchsafeError(Exception):
    """Base class of every error raised by sktorchsafe."""


class SktorchsafeWarning(UserWarning):
    """Base class of every warning issued by sktorchsafe."""


class NonFiniteInputError(SktorchsafeError, ValueError):
    """X holds NaN or ±inf where the step cannot accept them, or finite values
    that the step's output cannot hold (they would become ±inf there).

    The message names the features (DataFrame column names, else ``x{i}``),
    the first offending rows, and the pipeline step that fixes it. Also
    raised for NaN or ±inf sample weights.
    """


class InputTypeError(SktorchsafeError, ValueError):
    """X holds columns that are not numeric (strings, dates, objects)."""


class TargetError(SktorchsafeError, ValueError):
    """The target ``y`` cannot be learned from as given.

    Raised for NaN or ±inf targets, a single class, or a missing ``y`` where
    the task needs one. The message names the rows and the fix.

    Attributes
    ----------
    kind : str or None
        What is wrong, as :func:`~sktorchsafe.diagnose` names it:
        ``"target_nonfinite"``, ``"single_class"``, ``"target_type"``,
        ``"target_length"``...
    rows : ndarray or None
        The rows (0-based) named, for ``"target_nonfinite"``.
    """

    def __init__(self, message, *, kind=None, rows=None):
        super().__init__(message)
        self.kind = kind
        self.rows = rows

    def __reduce__(self):  # keep kind and rows through pickling (joblib)
        return (_target_error, (self.args, self.kind, self.rows))


def _target_error(args, kind, rows):
    return TargetError(*args, kind=kind, rows=rows)


class ModuleConfigError(SktorchsafeError, ValueError):
    """The net's configuration does not fit the data.

    Raised by the safe nets before or at the first training batch: a module
    whose output does not match the criterion or the number of classes, a
    criterion the net cannot train with, or an internal validation split
    (``train_split``) with more folds than the data has rows (or than any
    class has). The message says what to change.
    """


class NonFiniteTrainingError(SktorchsafeError, RuntimeError):
    """Training produced a non-finite loss or gradient, or a trained module
    returned non-finite predictions for finite input.

    Raised by :class:`~sktorchsafe.NonFiniteGuard` with ``on_nonfinite="raise"``.
    The diagnosis is kept on the exception as attributes (``epoch``,
    ``batch``, ``module``, ``created``, ``rows``, ``features``, ...) for
    programs that want to act on it.
    """

    def __init__(self, message, **diagnosis):
        super().__init__(message)
        self.diagnosis = diagnosis
        for key, value in diagnosis.items():
            setattr(self, key, value)


class DataQualityError(SktorchsafeError, ValueError):
    """A data check found a problem and was asked to raise (``on_problem="raise"``),
    or data that no statistic can be computed from (negative sample weights).

    The findings are kept on the exception as ``findings`` for programs that
    act on them (empty for sample weights).
    """

    def __init__(self, message, findings=()):
        super().__init__(message)
        self.findings = tuple(findings)


class NonFiniteTrainingWarning(SktorchsafeWarning):
    """Training met a non-finite loss or gradient and went on without it.

    Issued by :class:`~sktorchsafe.NonFiniteGuard` when it stops training
    (``on_nonfinite="stop"``, the last finite weights kept) or skips a batch
    (``on_nonfinite="skip"``).
    """


class DataQualityWarning(SktorchsafeWarning):
    """The data will train, but something about it deserves a look.

    Issued for all-NaN or constant columns, class imbalance, a target far
    from unit scale, and similar findings that do not stop a fit.
    """


class ScaleDisparityWarning(DataQualityWarning):
    """Features live on wildly different scales (e.g. 1e6 next to 1e-3).

    Plain SGD diverges on such data; put a
    :class:`~sktorchsafe.SafeStandardScaler` after the check.
    """


class PreflightWarning(SktorchsafeWarning):
    """The check of the network before the first epoch found problems.

    Issued once per ``fit`` by :class:`~sktorchsafe.Preflight` (on by
    default in the safe nets, callback ``"preflight"``), listing each
    finding with its layer and fix: a loss that does not fit the module's
    output, saturated or dead units, activations or gradients that explode
    or vanish across the layers, a first optimizer step larger than the
    weights, input that is not standardized. With
    ``callbacks__preflight__on_problem="raise"`` the severe ones raise
    :class:`ModuleConfigError` instead.
    """
