"""Losses that stay finite on the data this library exists for.

:class:`MaskedMSELoss` trains multi-output regressors whose targets are
partly missing (NaN); :class:`FocalLoss` is a multiclass focal loss computed
from logits in log space, finite for any finite logits.  Both are ordinary
``torch.nn.Module`` criteria: pass them as ``criterion=`` to a skorch net.
"""

import numbers

import torch
from torch import nn

from ..core.compat import InvalidParameterError
from ..core.messages import describe, plural
from ..exceptions import ModuleConfigError, TargetError

__all__ = ["FocalLoss", "MaskedMSELoss"]

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction, who):
    if reduction not in _REDUCTIONS:
        raise InvalidParameterError(
            f"The 'reduction' parameter of {who} must be one of "
            f"{', '.join(map(repr, _REDUCTIONS))}. Got {reduction!r} instead."
        )


def _first_rows(mask):
    """The 0-based rows (first dimension) where ``mask`` holds, as numpy."""
    rows = mask.reshape(mask.shape[0], -1).any(dim=1) if mask.ndim > 1 else mask
    return torch.nonzero(rows).flatten().cpu().numpy()


def _check_logits_and_labels(input, target, n_classes, ignore_index, who):
    """Raise our error for logits and class indices that cannot be paired.

    The mistakes torch reports as an ``IndexError`` or a ``RuntimeError``
    deep in ``gather``: 1-D logits, targets of another shape, and labels
    that are not class indices ``0..n_classes-1`` (or ``ignore_index``).
    """
    if input.ndim < 2:
        raise ModuleConfigError(
            f"{who}: the logits must have shape (n, n_classes) (or (n, n_classes, "
            f"d1, ...)). Got shape {tuple(input.shape)} instead. Give the module "
            "one output per class: for two classes, 2 outputs (or BCEWithLogitsLoss "
            "with one output and a float target)."
        )
    expected = (input.shape[0], *input.shape[2:])
    if tuple(target.shape) != expected:
        hint = (
            " Flatten the targets to 1-D (y.ravel())."
            if target.ndim == len(expected) + 1 and target.shape[-1] == 1
            else ""
        )
        raise ModuleConfigError(
            f"{who}: logits of shape {tuple(input.shape)} and targets of shape "
            f"{tuple(target.shape)} do not pair up: the targets must be class "
            f"indices of shape {expected}, one per row of logits.{hint} If the "
            "numbers of rows differ, the module changes the batch size (e.g. a "
            "flatten or reshape over the batch dimension)."
        )
    if target.is_floating_point():
        fractional = ~torch.isfinite(target) | (target != torch.round(target))
        if bool(fractional.any()):
            rows = _first_rows(fractional)
            raise TargetError(
                f"{who}: the targets must be class indices (whole numbers); "
                f"{plural(rows.size, 'row')} hold other values (NaN or fractions): "
                f"{describe(rows)}. Encode the labels as 0..n_classes-1 "
                "(SafeNeuralNetClassifier does).",
                kind="label_encoding",
                rows=rows,
            )
        target = target.long()
    keep = target != ignore_index
    outside = keep & ((target < 0) | (target >= n_classes))
    if bool(outside.any()):
        rows = _first_rows(outside)
        values = torch.unique(target[outside]).cpu().tolist()
        raise TargetError(
            f"{who}: the targets must be class indices 0..{n_classes - 1} (the "
            f"logits have {n_classes} columns) or ignore_index={ignore_index}. Got "
            f"{describe(values)} in {plural(rows.size, 'row')}: {describe(rows)}. "
            "Encode the labels as 0..K-1 (SafeNeuralNetClassifier does), or give "
            "the module one output per class.",
            kind="label_encoding",
            rows=rows,
        )


class MaskedMSELoss(nn.Module):
    """Mean squared error that ignores NaN targets.

    For multi-output regression with missing labels: each prediction is
    compared with its target where the target is observed, and entries whose
    target is NaN contribute neither to the loss nor to the gradient.  The
    mean is taken over the observed entries only, so a batch whose targets
    are all NaN gives a loss of exactly 0 and a zero gradient, never NaN.

    Only NaN means "missing": an infinite target still gives an infinite
    loss (and :class:`~sktorchsafe.NonFiniteGuard` names its rows). Finite
    predictions and targets give a finite loss and finite gradients while
    the squared errors and their sum (``"sum"``) or mean (``"mean"``, each
    square divided before the sum) fit the dtype; an error past the square
    root of its largest value (about 1.8e19 in float32) gives ``+inf``, the
    true value lying beyond the dtype (the gradients stay finite up to half
    its largest value), and the guard names the rows.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"``: sum of squared errors over the observed entries divided by
        their number (0 when there is none). ``"sum"``: the sum over the
        observed entries. ``"none"``: the elementwise squared errors, 0 where
        the target is missing.

    Attributes
    ----------
    supports_nan_target : bool
        Always ``True``: tells :class:`~sktorchsafe.SafeNeuralNetRegressor`
        to let NaN targets through to this loss instead of raising
        :class:`~sktorchsafe.exceptions.TargetError`.

    See Also
    --------
    torch.nn.MSELoss : The loss this one extends to missing targets.
    SafeNeuralNetRegressor : Accepts NaN targets with this criterion.

    Notes
    -----
    Unlike ``torch.nn.MSELoss``, predictions and targets must have the same
    shape: a ``(n, 1)`` prediction against an ``(n,)`` target would silently
    broadcast to ``(n, n)`` pairs, so it raises
    :class:`~sktorchsafe.exceptions.ModuleConfigError` instead.

    Examples
    --------
    >>> import torch
    >>> from sktorchsafe import MaskedMSELoss
    >>> pred = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> target = torch.tensor([[1.5, float("nan")], [3.0, 2.0]])
    >>> loss = MaskedMSELoss()(pred, target)
    >>> round(float(loss), 4)
    1.4167
    >>> loss.backward()
    >>> pred.grad
    tensor([[-0.3333,  0.0000],
            [ 0.0000,  1.3333]])
    """

    supports_nan_target = True

    def __init__(self, reduction="mean"):
        super().__init__()
        _check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def forward(self, input, target):
        """Squared error over the entries whose target is not NaN."""
        if input.shape != target.shape:
            raise ModuleConfigError(
                f"{type(self).__name__}: predictions of shape {tuple(input.shape)} "
                f"and targets of shape {tuple(target.shape)} differ. Give the "
                "module one output per target column (reshape a 1-D target to "
                "(n, 1), or the module's output to match)."
            )
        target = target.to(input.dtype)
        observed = ~torch.isnan(target)
        # Where the target is missing, compare the prediction with itself
        # (detached): the error and its gradient are exactly 0, and no NaN
        # enters the graph (a masked NaN would still poison the backward pass).
        target = torch.where(observed, target, input.detach())
        squared = (input - target).square()
        if self.reduction == "none":
            return squared
        if self.reduction == "sum":
            return squared.sum()
        # Each square divided before the sum: a mean that fits the dtype stays
        # finite even where the sum of the squares would pass its maximum.
        return (squared / observed.sum().clamp(min=1)).sum()


class FocalLoss(nn.Module):
    """Multiclass focal loss on logits, finite for any finite logits.

    ``FL = -alpha_t * (1 - p_t) ** gamma * log(p_t)`` (Lin et al., 2017), where
    ``p_t`` is the softmax probability of the true class.  It down-weights
    easy, well-classified examples so that training concentrates on the hard
    ones; ``gamma=0`` and no ``alpha`` give cross-entropy.

    The module must return logits of shape ``(n, n_classes)`` (or
    ``(n, n_classes, d1, ...)``); targets are class indices of shape ``(n,)``
    (or ``(n, d1, ...)``). 1-D logits, targets of another shape, and labels
    outside ``0..n_classes-1`` (other than ``ignore_index``) raise
    :class:`~sktorchsafe.exceptions.ModuleConfigError` (the shapes) or
    :class:`~sktorchsafe.exceptions.TargetError` (the labels, with their
    rows) instead of torch's ``IndexError``.

    Everything is computed in log space (``log_softmax``,
    ``1 - p_t = -expm1(log p_t)``), so logits of ±1e4 give a finite loss and
    finite gradients, and so does ``gamma < 1`` at ``p_t = 1`` (where the
    gradient of ``(1 - p_t) ** gamma`` is infinite in exact arithmetic).
    Logits beyond the square root of the dtype's largest value (about 1.8e19
    in float32) are scaled down row by row to that bound first, so even
    logits near the float limits (3e38) give a finite loss and finite
    gradients (the loss of such a row is capped near ``2 * 1.8e19``; the
    ranking of the classes is kept, and the gradient is that of the scaled
    logits, passed straight through). Float16
    and bfloat16 logits are worked on, and the loss returned, in float32.

    Parameters
    ----------
    gamma : float, default=2.0
        Focusing parameter, ``>= 0``.
    alpha : None, float or sequence of float, default=None
        Class weighting: ``None`` for none, a float to scale every term, or
        one non-negative weight per class (``alpha_t`` is the weight of the
        true class).
    reduction : {"mean", "sum", "none"}, default="mean"
        How per-sample losses are reduced; ``"mean"`` averages over the
        samples whose target is not ``ignore_index``.
    ignore_index : int, default=-100
        Target value that contributes nothing (as in
        ``torch.nn.CrossEntropyLoss``).

    See Also
    --------
    torch.nn.CrossEntropyLoss : The ``gamma=0`` special case.
    SafeNeuralNetClassifier : Applies softmax to this loss's logits in
        ``predict_proba``.

    Examples
    --------
    >>> import torch
    >>> from sktorchsafe import FocalLoss
    >>> logits = torch.tensor([[1e4, -1e4, 0.0], [0.0, 2.0, 1.0]])
    >>> target = torch.tensor([1, 1])
    >>> FocalLoss(gamma=2.0, reduction="none")(logits, target)
    tensor([2.0000e+04, 4.5678e-02])
    >>> torch.allclose(
    ...     FocalLoss(gamma=0.0)(logits, target),
    ...     torch.nn.functional.cross_entropy(logits, target),
    ... )
    True
    """

    def __init__(self, gamma=2.0, alpha=None, reduction="mean", ignore_index=-100):
        super().__init__()
        who = type(self).__name__
        if (
            not isinstance(gamma, numbers.Real)
            or not gamma >= 0
            or gamma == float("inf")
        ):
            raise InvalidParameterError(
                f"The 'gamma' parameter of {who} must be a finite number >= 0. "
                f"Got {gamma!r} instead."
            )
        _check_reduction(reduction, who)
        self.gamma = float(gamma)
        self.reduction = reduction
        self.ignore_index = ignore_index
        if alpha is None or isinstance(alpha, numbers.Real):
            if alpha is not None and not 0 <= alpha < float("inf"):
                raise InvalidParameterError(
                    f"The 'alpha' parameter of {who} must be a finite number >= 0. "
                    f"Got {alpha!r} instead."
                )
            self.alpha = alpha
            self.register_buffer("class_weight", None)
        else:
            try:
                weight = torch.as_tensor(alpha, dtype=torch.float32)
            except (TypeError, ValueError, RuntimeError):
                weight = None
            if (
                weight is None
                or weight.ndim != 1
                or not bool(torch.all((weight >= 0) & torch.isfinite(weight)))
            ):
                raise InvalidParameterError(
                    f"The 'alpha' parameter of {who} must be None, a number, or a "
                    "1-D sequence of finite non-negative per-class weights. Got "
                    f"{alpha!r} instead."
                )
            self.alpha = None
            self.register_buffer("class_weight", weight)

    def forward(self, input, target):
        """Focal loss of the logits ``input`` against class indices ``target``."""
        who = type(self).__name__
        n_classes = input.shape[1] if input.ndim >= 2 else 0
        _check_logits_and_labels(input, target, n_classes, self.ignore_index, who)
        if self.class_weight is not None and len(self.class_weight) != n_classes:
            raise ModuleConfigError(
                f"{who}: alpha has {len(self.class_weight)} "
                f"class weights but the logits have {n_classes} classes "
                "(columns). Give one weight per class, in the order of the "
                "output columns (the net's classes_)."
            )
        target = target.long()
        keep = target != self.ignore_index
        safe_target = torch.where(keep, target, 0).unsqueeze(1)
        log_p = torch.log_softmax(self._bounded(input), dim=1)
        log_pt = log_p.gather(1, safe_target).squeeze(1)
        # 1 - p_t without cancellation, clamped away from 0 so that the
        # gradient of the power stays finite (the clamp passes 0 gradient).
        one_minus_pt = (-torch.expm1(log_pt)).clamp(min=torch.finfo(log_pt.dtype).tiny)
        loss = -one_minus_pt.pow(self.gamma) * log_pt
        if self.class_weight is not None:
            weight = self.class_weight.to(loss.dtype)
            loss = loss * weight[safe_target.squeeze(1)]
        elif self.alpha is not None:
            loss = loss * self.alpha
        loss = torch.where(keep, loss, 0.0)
        if self.reduction == "none":
            return loss
        total = loss.sum()
        if self.reduction == "sum":
            return total
        return total / keep.sum().clamp(min=1)

    @staticmethod
    def _bounded(input):
        """The logits, each row (pixel) scaled down to ``|logit| <= sqrt(max)``.

        Rows whose largest ``|logit|`` passes the square root of the dtype's
        largest value (about 1.8e19 in float32) are multiplied by one factor
        below 1, so that differences of logits and the loss of a batch cannot
        overflow; other rows are unchanged. The gradient passes straight
        through the scaling: the gradient of a softmax loss with respect to
        its logits (probabilities minus the one-hot target) does not shrink
        with their scale, so neither does the gradient here. Half-precision
        logits are worked on in float32.
        """
        if input.dtype not in (torch.float32, torch.float64):
            input = input.float()
        limit = torch.finfo(input.dtype).max ** 0.5
        with torch.no_grad():
            peak = input.abs().amax(dim=1, keepdim=True)
            scaled = input * (limit / peak).clamp(max=1.0)
        # The value of ``scaled``, the gradient of ``input`` (x - x is 0).
        return scaled + (input - input.detach())
