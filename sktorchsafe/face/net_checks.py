"""What :func:`~sktorchsafe.diagnose` finds in a net: its preflight, on the data.

:func:`~sktorchsafe.training.preflight.preflight` runs one forward and one
backward pass of the net on a sample of the data and names the layer of each
problem; this module runs it for :func:`diagnose` and turns its findings into
the report's. torch and skorch are imported here only when a net is given,
so ``diagnose`` without one never loads them.
"""

import importlib

import numpy as np

from ..core.compat import InvalidParameterError
from ..core.messages import first_line, fix_for, step_for
from ..core.targets import read_target, unusable_rows
from ..exceptions import SktorchsafeError, TargetError
from .report import DiagnosisFinding

__all__ = ["check_net", "net_findings"]


def _preflight_module():
    """:mod:`sktorchsafe.training.preflight`, imported on first use (loads torch)."""
    return importlib.import_module("sktorchsafe.training.preflight")


def check_net(net):
    """Raise unless ``net`` is a skorch net or a torch module (loads torch)."""
    training = _preflight_module()
    if not isinstance(net, training.NeuralNet | training.torch.nn.Module):
        raise InvalidParameterError(
            "diagnose: net must be a skorch net (e.g. SafeNeuralNetClassifier, "
            "skorch.NeuralNetRegressor) or a torch.nn.Module. Got "
            f"{type(net).__name__} instead."
        )


#: Preflight findings that repeat what the data's own findings say, by the
#: kinds of those: left out when one of them is in the report.
REPEATS = {"preflight_nonfinite_input": {"nan", "infinite", "all_missing"}}


def net_findings(net, X, y, *, found=()):
    """The net's preflight on ``X`` and ``y``: findings and the preflight report.

    Rows whose target is NaN, ±inf or missing are left out (the report names
    them already; the net would only echo them as a non-finite loss). When
    the pass cannot run on ``X`` as given (text columns into a plain net, a
    shape the module refuses before its first layer), the report gets one
    ``net_not_checked`` finding with the reason, and no preflight report.
    Preflight findings that repeat one in ``found`` (NaN in X's input) are
    left out.

    Returns
    -------
    findings : list of DiagnosisFinding
        Each with the ``layer`` preflight named.
    report : PreflightReport or None
    """
    preflight = _preflight_module().preflight
    X, y = _rows_with_a_target(X, y)
    try:
        report = preflight(net, X, y)
    except (SktorchsafeError, ValueError, TypeError, RuntimeError) as exc:
        message = (
            f"The net was not checked: its preflight pass could not run on X as "
            f"given ({type(exc).__name__}: {first_line(exc)})."
        )
        return [
            DiagnosisFinding(
                "net_not_checked",
                "warning",
                (),
                message,
                fix_for("net_not_checked"),
                step=step_for("net_not_checked"),
            )
        ], None
    kinds = {f.kind for f in found}
    return [
        _from_preflight(finding)
        for finding in report.findings
        if not REPEATS.get(finding.kind, set()) & kinds
    ], report


def _from_preflight(finding):
    return DiagnosisFinding(
        finding.kind,
        finding.severity,
        tuple(finding.columns),
        finding.message,
        finding.fix,
        step=finding.step,
        layer=finding.layer,
    )


def _rows_with_a_target(X, y):
    """X and y without the rows whose target cannot be used."""
    if y is None:
        return X, y
    try:
        values = read_target(y, "diagnose").values
    except TargetError:
        return X, y  # the report says why; preflight meets y as it is
    bad = unusable_rows(values)
    if bad is None:
        return X, y
    keep = np.setdiff1d(np.arange(len(values)), bad[1])
    return _take_rows(X, keep), _take_rows(y, keep)


def _take_rows(data, rows):
    if hasattr(data, "iloc"):
        return data.iloc[rows]
    return np.asarray(data)[rows]
