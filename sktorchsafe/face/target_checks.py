"""What :func:`~sktorchsafe.diagnose` finds in y, and a step's finding rated for a net.

y is read, checked and validated as :class:`TargetValidator` and the nets do
(:mod:`sktorchsafe.core.targets`), so each finding names the same rows and
kind as their errors.
"""

import warnings

import numpy as np
import pandas as pd

from ..core.frames import numbers_in_text
from ..core.messages import FIXES, describe, fix_for, step_for
from ..core.targets import (
    describe_unusable,
    index_labels,
    read_target,
    unusable_rows,
)
from ..exceptions import DataQualityWarning, TargetError
from ..steps.target import TargetValidator
from .report import DiagnosisFinding

__all__ = ["diagnose_target", "from_step", "numeric_target"]

#: Findings that a pipeline step rates milder, because in the pipeline the
#: next step handles them, but that make *plain* skorch training fail or
#: diverge: a diagnosis rates them by what they do to an unprotected net.
PLAIN_NET_SEVERITY = {"scale_disparity": "error", "label_encoding": "error"}


def from_step(finding, **counts):
    """A step's finding as a diagnosis finding, rated for a plain net."""
    step, fix = FIXES.get(finding.kind, (None, None))
    return DiagnosisFinding(
        finding.kind,
        PLAIN_NET_SEVERITY.get(finding.kind, finding.severity),
        tuple(finding.columns),
        finding.message,
        fix or finding.fix,
        step=step,
        **counts,
    )


def diagnose_target(y, n_samples, task):
    """Findings on y, the fitted :class:`TargetValidator` (or None) and y's name.

    ``y`` is read, checked and validated as :class:`TargetValidator` and the
    nets do (:mod:`sktorchsafe.core.targets`), so each finding names the same
    rows and kind as their errors; only a ``y`` of the wrong length raises.
    """
    name = _target_name(y)
    findings = []
    if n_samples == 0 and len(np.shape(y)) and np.shape(y)[0] == 0:
        return findings, None, name  # no rows: the report says so once
    as_text = _numbers_as_text(y)
    if as_text is not None:
        # Numbers stored as text (a CSV column with "?" in it): a net needs
        # numbers; report it, then look at them as numbers.
        values, placeholders = as_text
        what = (
            "with placeholders that are not numbers: "
            + describe([f"{v!r} x{c}" for v, c in placeholders.items()], limit=3)
            if placeholders
            else "(every value is a number written as text)"
        )
        findings.append(
            DiagnosisFinding(
                "target_text",
                "error",
                (name,),
                f"y holds numbers stored as text {what}. They are measured below "
                "as numbers, placeholders as missing.",
                fix_for("target_text"),
            )
        )
        y = pd.Series(values, index=getattr(y, "index", None), name=name)
    try:
        target = read_target(y, "diagnose", n_samples=n_samples)
    except TargetError as exc:
        if exc.kind == "target_length":
            raise
        return findings + [_target_error_finding(exc, name)], None, name
    bad = unusable_rows(target.values)
    if bad is not None:
        # The validator stops at unusable targets: report them, then validate
        # the rows that have a target.
        kinds, rows = bad
        where = describe_unusable(kinds, rows, labels=index_labels(target.index, rows))
        findings.append(
            DiagnosisFinding(
                "target_nonfinite",
                "error",
                (name,),
                (
                    f"y holds {' and '.join(kinds)} in every row ({rows.size}): "
                    "there is no target to learn from."
                    if rows.size == n_samples
                    else f"{where}. A net's loss is nan on such rows, and on every "
                    "row once the weights are poisoned."
                ),
                fix_for("target_nonfinite"),
                n_rows=int(rows.size),
            )
        )
        keep = np.setdiff1d(np.arange(n_samples), rows)
        y = y.iloc[keep] if hasattr(y, "iloc") else target.values[keep]
        n_samples = keep.size
    if n_samples == 0:  # no row, or no target: nothing for the validator
        return findings, None, name
    validator = TargetValidator(task=task)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            validator.fit(np.zeros((n_samples, 1)), y)
    except TargetError as exc:
        return findings + [_target_error_finding(exc, name)], None, name
    findings += [from_step(finding) for finding in validator.findings_]
    return findings, validator, name


def _target_error_finding(exc, name):
    """The finding of a :class:`TargetError` raised while reading y."""
    kind = exc.kind if exc.kind in FIXES else "target_type"
    return DiagnosisFinding(
        kind, "error", (name,), _strip_who(exc), fix_for(kind), step=step_for(kind)
    )


def _numbers_as_text(y):
    """``(values, placeholders)`` of a 1-D ``y`` of numbers stored as text, or None."""
    values = y.to_numpy() if hasattr(y, "to_numpy") else np.asarray(y)
    if values.ndim != 1 or pd.api.types.infer_dtype(values, skipna=True) not in (
        "string",
        "mixed",
        "mixed-integer",
    ):
        return None
    return numbers_in_text(pd.Series(values, dtype=object))


def numeric_target(y, n_samples):
    """``y`` as float numbers of ``n_samples`` rows, or None (labels, 2-D, bad)."""
    if y is None:
        return None
    values = pd.to_numeric(pd.Series(np.asarray(y).ravel()), errors="coerce")
    if len(values) != n_samples or values.isna().all():
        return None
    return values.to_numpy(dtype=np.float64)


def _target_name(y):
    columns = getattr(y, "columns", None)
    if columns is not None and len(columns) == 1:
        return str(columns[0])
    name = getattr(y, "name", None)
    return "y" if name is None else str(name)


def _strip_who(exc):
    """A step's error message without the step's name in front."""
    text = str(exc)
    head, sep, rest = text.partition(": ")
    return rest if sep and head.isidentifier() else text
