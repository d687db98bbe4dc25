"""The module's output against its criterion, for :func:`preflight`.

Which function made the output (read from the autograd graph: a ``Sigmoid``,
a ``Softmax``, the ``log`` of one) and what it holds (logits, probabilities
or log-probabilities, as :func:`~sktorchsafe.training.outputs.score_kind`
reads them), against what the criterion takes and what the net does with it
(skorch's classifier takes the log of probabilities for ``NLLLoss``;
:class:`~sktorchsafe.SafeNeuralNetClassifier` also gives ``CrossEntropyLoss``
the log of probabilities); and the output's width against the classes or the
target's columns.
"""

import numpy as np
import torch

from ..core.messages import plural
from ._preflight_findings import (
    _CLASS_CRITERIA,
    MIN_ROWS,
    SATURATION_SHARE,
    _called,
    _found,
)
from ._preflight_probe import ONE_HOT
from .losses import FocalLoss
from .outputs import score_kind

__all__ = ["output_findings"]


def _output_name(probe, kind):
    """The ``kind`` layer that made the output, else the function in ``forward``.

    The last ``kind`` layer made it when no layer with weights follows it
    (a ``Flatten`` may); one with a layer with weights after it is a hidden
    activation, and ``forward`` applied the function itself.
    """
    made = [k for k, m in enumerate(probe.layers) if m.type.lower() == kind]
    if made and all(m.weight is None for m in probe.layers[made[-1] + 1 :]):
        layer = probe.layers[made[-1]]
        return _called(layer), layer.name
    return f"torch.{kind} in forward", None


def output_findings(probe, setup):
    """The module's output against its criterion: pairing and width."""
    out, criterion = probe.output, setup["criterion"]
    if out is None or criterion is None or not out.is_floating_point():
        return []
    chain = probe.output_chain
    head = chain[0] if chain else ""
    name = type(criterion).__name__
    kind = score_kind(out) if out.ndim == 2 and out.shape[0] else None
    found = []
    if head.startswith("Sigmoid") and isinstance(
        criterion, torch.nn.BCELoss | torch.nn.BCEWithLogitsLoss
    ):
        found.append(_sigmoid_finding(probe, criterion))
    elif isinstance(criterion, torch.nn.CrossEntropyLoss | FocalLoss) and (
        head.startswith("Softmax") or kind == "probabilities"
    ):
        found += _softmax_findings(probe, setup, out, name, head)
    elif isinstance(criterion, torch.nn.NLLLoss):
        found += _nll_findings(probe, setup, out, chain, kind)
    found += _width_findings(out, setup, criterion)
    return found


def _sigmoid_finding(probe, criterion):
    where, layer = _output_name(probe, "sigmoid")
    logits = isinstance(criterion, torch.nn.BCEWithLogitsLoss)
    return _found(
        "preflight_sigmoid_logits" if logits else "preflight_sigmoid_bce",
        "warning",
        f"The module's output comes from {where} into {type(criterion).__name__}"
        + (
            ", which applies its own sigmoid: the sigmoid is applied twice."
            if logits
            else ": the loss saturates (log of a sigmoid that rounds to "
            "0 or 1) where logits into BCEWithLogitsLoss are exact."
        ),
        layer=layer,
        criterion=type(criterion).__name__,
    )


def _softmax_findings(probe, setup, out, name, head):
    where, layer = _output_name(probe, "softmax")
    if not head.startswith("Softmax"):
        where = "rows of probabilities (a softmax)"
    if not setup["safe_classifier"]:
        return [
            _found(
                "preflight_softmax_cross_entropy",
                "warning",
                f"The module's output comes from {where} into {name}, which "
                "applies its own softmax: it is applied twice, and the "
                "gradients shrink.",
                layer=layer,
                criterion=name,
            )
        ]
    # SafeNeuralNetClassifier gives the criterion log(p): right, unless the
    # softmax rounds to one-hot, where log(p) has almost no gradient left.
    with torch.no_grad():
        share = float((out.double().amax(dim=1) > ONE_HOT).double().mean())
    if share <= SATURATION_SHARE or setup["n_rows"] < MIN_ROWS:
        return []
    return [
        _found(
            "preflight_softmax_cross_entropy",
            "info",
            f"The module's output comes from {where}; the net gives {name} "
            f"its log, but {share:.0%} of the rows are near one-hot (a "
            f"probability above {ONE_HOT}), where the log of a softmax has "
            "almost no gradient left.",
            layer=layer,
            criterion=name,
            saturated=share,
        )
    ]


def _nll_findings(probe, setup, out, chain, kind):
    head = chain[0] if chain else ""
    plain_skorch = setup["skorch_classifier"] and not setup["safe_classifier"]
    if kind == "log_probabilities" and plain_skorch:
        return [
            _found(
                "preflight_nll_double_log",
                "error",
                "The module returns log-probabilities into NLLLoss, but "
                "skorch's NeuralNetClassifier takes the log of the module's "
                "output for NLLLoss (it expects probabilities): the log of a "
                "negative number is NaN, in every epoch.",
                layer=probe.output_layer,
                criterion="NLLLoss",
            )
        ]
    if head == "LogBackward0" and any(n.startswith("Softmax") for n in chain[1:]):
        return [
            _found(
                "preflight_log_softmax",
                "warning",
                "The module returns the log of a softmax into NLLLoss: a "
                "probability that underflows to 0 gives -inf and a NaN gradient.",
                layer=probe.output_layer,
                criterion="NLLLoss",
            )
        ]
    if kind == "log_probabilities":
        return []
    if head.startswith("Softmax") or kind == "probabilities":
        where, layer = _output_name(probe, "softmax")
        if setup["skorch_classifier"]:
            return [
                _found(
                    "preflight_log_softmax",
                    "info",
                    f"The module's output comes from {where} into NLLLoss; the "
                    "skorch classifier takes log(p + eps) of it, which flattens "
                    "the gradient of confident mistakes.",
                    layer=layer,
                    criterion="NLLLoss",
                )
            ]
        return [
            _found(
                "preflight_log_softmax",
                "warning",
                f"The module's output comes from {where} into NLLLoss, which "
                "expects log-probabilities: the loss is -p instead of -log(p).",
                layer=layer,
                criterion="NLLLoss",
            )
        ]
    with torch.no_grad():
        lo, hi = float(out.min()), float(out.max())
    nan = " (skorch takes their log: NaN in every epoch)" if plain_skorch else ""
    return [
        _found(
            "preflight_nll_logits",
            "error",
            f"The module returns logits (values in [{lo:.3g}, {hi:.3g}]) into "
            f"NLLLoss, which expects log-probabilities{nan}.",
            layer=probe.output_layer,
            low=lo,
            high=hi,
        )
    ]


def _width_findings(out, setup, criterion):
    yb = setup["yb"]
    if yb is None:
        return []
    shape = tuple(out.shape)
    if isinstance(criterion, _CLASS_CRITERIA):
        n_classes = setup["n_classes"]
        if n_classes is None or (len(shape) == 2 and shape[1] == n_classes):
            return []
        return [
            _found(
                "preflight_output_width",
                "error",
                f"The module returns shape {shape}, but y has "
                f"{plural(n_classes, 'class', 'classes')}: its last layer must "
                f"output {n_classes} values per row.",
                output_shape=shape,
                n_classes=n_classes,
            )
        ]
    y_shape = tuple(getattr(yb, "shape", np.shape(yb)))
    if len(shape) > 2 or len(y_shape) > 2 or shape == y_shape:
        return []
    width = shape[1] if len(shape) == 2 else 1
    y_width = y_shape[1] if len(y_shape) == 2 else 1
    if width == y_width and setup["aligns_output"]:
        return []  # a safe regressor compares (n,) with (n, 1) as (n, 1) both
    problem = (
        f"the loss broadcasts them to {(shape[0], shape[0])} pairs"
        if width == y_width
        else f"its last layer must output {y_width} value(s) per row"
    )
    return [
        _found(
            "preflight_output_width",
            "error",
            f"The module returns shape {shape}, but the targets have shape "
            f"{y_shape}: {problem}.",
            output_shape=shape,
            target_shape=y_shape,
        )
    ]
