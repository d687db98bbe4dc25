"""Does the module's output fit the criterion, and are its predictions finite?

The checks a safe net makes on what its module returns: one tensor for a
criterion that takes one (:func:`check_tensor_output`); for the classifier,
one score per class and the kind of score its criterion expects, logits,
probabilities or log-probabilities (:func:`check_class_scores`, on the first
training batch); for the regressor, an output of the target's shape
(:func:`align_regression_output`); and, in ``predict``, finite predictions
from finite X, the layer that broke them named by a replay
(:func:`check_predictions`).
"""

import numpy as np
import torch
from skorch.utils import to_tensor

from ..core.compat import LossBase
from ..core.messages import describe, plural
from ..exceptions import ModuleConfigError, NonFiniteTrainingError
from .boundary import passes_through
from .losses import FocalLoss, MaskedMSELoss
from .replay import diagnose_batch

__all__ = [
    "align_regression_output",
    "check_class_scores",
    "class_loss_input",
    "score_kind",
    "scores_to_probabilities",
    "check_predictions",
    "check_tensor_output",
    "standardized_targets",
]


def check_tensor_output(net, y_pred):
    """Refuse a tuple or dict output for a criterion that takes one tensor."""
    criterion = net._criterion()
    if torch.is_tensor(y_pred) or not isinstance(
        criterion, (LossBase, MaskedMSELoss, FocalLoss)
    ):
        return
    raise ModuleConfigError(
        f"{type(net).__name__}: the module returns a {type(y_pred).__name__}, "
        f"but {type(criterion).__name__} takes one tensor. Return the "
        "prediction alone from forward, or override get_loss to combine the "
        "outputs (skorch's convention for several outputs; predict uses the "
        "first)."
    )


def check_class_scores(net, y_pred):
    """Check a classifier's first training output against its criterion.

    The output must have one column per class, and logits must not meet
    ``NLLLoss`` (skorch takes the log of probabilities: NaN from the first
    negative logit). BCE losses, which take one float target per output,
    cannot train on class codes.

    Returns the kind of score the module returns (see :func:`score_kind`):
    ``"logits"``, ``"probabilities"`` (a module ending with a softmax,
    skorch's convention) or ``"log_probabilities"`` (a final
    ``LogSoftmax``, PyTorch's). The classifier records it as
    ``output_kind_`` and meets each criterion with what it expects.
    """
    criterion = net._criterion()
    takes_probabilities = isinstance(criterion, torch.nn.NLLLoss)
    takes_logits = isinstance(criterion, (torch.nn.CrossEntropyLoss, FocalLoss))
    who, name = type(net).__name__, type(criterion).__name__
    if isinstance(criterion, (torch.nn.BCELoss, torch.nn.BCEWithLogitsLoss)):
        raise ModuleConfigError(
            f"{who}: {name} takes one float target per output, but this "
            "classifier trains on class codes, one per row. Use the default "
            f"CrossEntropyLoss with one output per class ({len(net.classes_)}), "
            "or skorch's NeuralNetBinaryClassifier for one logit per row."
        )
    if not torch.is_tensor(y_pred) or not (takes_probabilities or takes_logits):
        return None
    if y_pred.ndim == 2 and net._codes_only():
        return score_kind(y_pred)  # skorch's classes=[]: the width is the user's
    n_classes = len(net.classes_)
    if y_pred.ndim == 1:
        raise ModuleConfigError(
            f"{who}: the module returns one value per row (shape "
            f"{tuple(y_pred.shape)}), but {name} takes one score per class, "
            f"shape (n, {n_classes}). Make its last layer output {n_classes} "
            "values (for one logit per row, use skorch's "
            "NeuralNetBinaryClassifier)."
        )
    if y_pred.ndim != 2:
        return None
    if y_pred.shape[1] != n_classes:
        fix = f"Make its last layer output {n_classes} values, one per class."
        if y_pred.shape[1] > n_classes and net.classes is None:
            fix += (
                " If the data has more classes than this y shows (a "
                "cross-validation fold or a subset without a rare class), "
                "pass them all, in the order of the output columns: "
                "classes=[...]."
            )
        classes = describe(np.asarray(net.classes_).tolist(), quote=True)
        raise ModuleConfigError(
            f"{who}: the module returns {y_pred.shape[1]} column(s) but y has "
            f"{n_classes} classes ({classes}). {fix}"
        )
    kind = score_kind(y_pred)
    if takes_probabilities and kind == "logits":
        with torch.no_grad():
            lo, hi = float(y_pred.min()), float(y_pred.max())
            sums = y_pred.sum(dim=1)
            s_lo, s_hi = float(sums.min()), float(sums.max())
        raise ModuleConfigError(
            f"{who}: the module returns logits (values in [{lo:.3g}, {hi:.3g}], "
            f"row sums in [{s_lo:.3g}, {s_hi:.3g}]), but NLLLoss expects "
            "probabilities (skorch's convention: it takes their log) or "
            "log-probabilities (PyTorch's). Use "
            "criterion=torch.nn.CrossEntropyLoss (the default of this class), "
            "or end the module with a softmax or log-softmax."
        )
    return kind


def score_kind(y_pred):
    """What a ``(n, n_classes)`` output holds: logits, probabilities or their log.

    Probabilities: every value in [0, 1] and every row summing to 1 (within
    1e-3); log-probabilities: every value ≤ 0 and every row's logsumexp
    within 1e-3 of 0. Anything else is logits.
    """
    with torch.no_grad():
        scores = y_pred.float()
        lo, hi = float(scores.min()), float(scores.max())
        sums = scores.sum(dim=1)
        if lo >= 0 and hi <= 1 and float((sums - 1).abs().max()) <= 1e-3:
            return "probabilities"
        if hi <= 0 and float(torch.logsumexp(scores, dim=1).abs().max()) <= 1e-3:
            return "log_probabilities"
    return "logits"


def class_loss_input(net, y_pred, kind):
    """The module's output as the classifier's criterion takes it.

    Returns the scores to pass on and whether skorch's own ``get_loss``
    (which takes the log of probabilities for ``NLLLoss``) should see them.
    A criterion that takes logits (``CrossEntropyLoss``, :class:`FocalLoss`)
    gets the log of probabilities, which its softmax maps back to them, so
    a module ending in a softmax trains as in skorch; ``NLLLoss`` gets
    log-probabilities as they are.
    """
    criterion = net._criterion()
    if kind == "probabilities" and isinstance(
        criterion, (torch.nn.CrossEntropyLoss, FocalLoss)
    ):
        eps = torch.finfo(y_pred.dtype).eps
        return torch.log(y_pred + eps), False
    if kind == "log_probabilities" and isinstance(criterion, torch.nn.NLLLoss):
        return y_pred, False
    return y_pred, True


def scores_to_probabilities(net, y_pred):
    """Class probabilities from a batch of the module's output.

    Follows ``output_kind_`` when the net recorded it; otherwise (a net
    that was loaded, not trained) the batch itself tells.
    """
    kind = getattr(net, "output_kind_", None) or score_kind(y_pred)
    if kind == "probabilities":
        return y_pred
    if kind == "log_probabilities":
        return torch.exp(y_pred)
    criterion = net._criterion()
    if isinstance(criterion, torch.nn.NLLLoss):
        return y_pred
    return torch.softmax(y_pred, dim=-1)


def align_regression_output(net, y_pred, y_true):
    """A regressor's batch output and targets, of one shape and dtype.

    A 1-D output meets a one-column target (or the reverse) as ``(n, 1)``
    both; any other difference of shape raises
    :class:`~sktorchsafe.exceptions.ModuleConfigError` instead of
    broadcasting to ``(n, n)`` pairs. Floating targets take the output's
    dtype.
    """
    y_true = to_tensor(y_true, device=net.device)
    if torch.is_tensor(y_pred) and torch.is_tensor(y_true):
        if y_pred.shape != y_true.shape:
            if y_pred.ndim == 1 and y_true.shape == (len(y_pred), 1):
                y_pred = y_pred.unsqueeze(1)
            elif y_true.ndim == 1 and y_pred.shape == (len(y_true), 1):
                y_true = y_true.unsqueeze(1)
            else:
                raise ModuleConfigError(
                    f"{type(net).__name__}: the module returns shape "
                    f"{tuple(y_pred.shape)} but the targets have shape "
                    f"{tuple(y_true.shape)}. Make the module's last layer "
                    f"output n_outputs_={net.n_outputs_} value(s) per row."
                )
        if y_true.is_floating_point() and y_true.dtype != y_pred.dtype:
            y_true = y_true.to(y_pred.dtype)
    return y_pred, y_true


def standardized_targets(net, y_true):
    """A regressor's batch targets in its target scaler's units (float64).

    The batches keep y in its own units, so that skorch's scoring callbacks
    compare ``predict(X)`` with y like with like; the loss is computed in
    the scaler's units.
    """
    scaler = getattr(net, "target_scaler_", None)
    if scaler is None or y_true is None:
        return y_true
    y_true = to_tensor(y_true, device=net.device)
    if not torch.is_tensor(y_true) or not y_true.is_floating_point():
        return y_true
    y64 = y_true.to(torch.float64).reshape(len(y_true), -1)
    if y64.shape[1] != scaler.n_features_in_:
        return y_true  # align_regression_output names the mismatch
    scale = torch.as_tensor(scaler.scale_, dtype=torch.float64, device=y64.device)
    mean = torch.as_tensor(scaler.mean_, dtype=torch.float64, device=y64.device)
    # y/s - m/s, not (y - m)/s: no overflow for targets near ±1.8e308.
    return (y64 / scale - mean / scale).reshape(y_true.shape)


def check_predictions(net, y_pred, X):
    """Raise instead of returning predictions that are NaN or ±inf.

    X was finite (``forward_iter`` checks it), so the trained module
    created them; on array input the first offending rows are replayed
    through the module to name the layer.
    """
    bad = ~np.isfinite(y_pred.reshape(len(y_pred), -1)).all(axis=1)
    if not bad.any():
        return
    rows = np.flatnonzero(bad)
    diagnosis = {"rows": rows, "module": None, "created": None}
    detail = ""
    if not passes_through(X):
        X = net._prepare_X(X, reset=False)
        batch = X[rows[:256]]
        batch = batch.toarray() if hasattr(batch, "toarray") else batch
        found = diagnose_batch(net, torch.as_tensor(batch))
        diagnosis.update(module=found["module"], created=found["created"])
        detail = f" Cause: {found['detail']}."
    raise NonFiniteTrainingError(
        f"{type(net).__name__}: the module returns NaN or ±inf for "
        f"{plural(rows.size, 'row')} of X: {describe(rows)}, although X is finite."
        f"{detail} Either a layer is outside its domain on these rows, or "
        "the weights (or BatchNorm running statistics) are no longer finite "
        "(training without NonFiniteGuard can leave them so).",
        **diagnosis,
    )
