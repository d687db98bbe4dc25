"""What :func:`~sktorchsafe.training.preflight.preflight` needs from a net.

From a skorch net (initialized or not, safe or plain) or from a plain module
with its criterion and optimizer: the sample of X and y as the module and
the criterion receive them, the forward pass and the loss to run, and what
the findings read (the number of classes, the feature names, the optimizer's
groups and how its first step is estimated). A skorch net is never changed:
the probe runs on a shallow copy of an initialized net (so the loss can be
computed as in training), or on an initialized clone of an uninitialized one
(with the random state restored, so that ``fit`` draws the same weights).
"""

import numpy as np
import torch
from sklearn.base import clone
from skorch import NeuralNetClassifier
from skorch.utils import to_tensor

from ..core.compat import uncompiled
from ._preflight_probe import (
    materialized_copy,
    take_sample,
    untouched_random_state,
    update_rule,
)
from .losses import FocalLoss
from .outputs import score_kind

__all__ = ["input_width", "lazy_safe", "module_dtype", "module_setup", "net_setup"]


def net_setup(net, X, y, *, n_rows, prepared):
    """What the probe needs from a skorch net: a probe net that may be changed."""
    safe = hasattr(net, "_prepare_X")
    with untouched_random_state():
        if getattr(net, "initialized_", False):
            probe = _shallow_copy(net)
        else:
            probe = clone(net)
            if hasattr(probe, "_learn_widths"):  # widths learned from the data
                probe._learn_widths(X, y)
            probe.initialize()
    # The probe runs the modules uncompiled: hooks in a torch.compile'd
    # module would cost a compilation of their own.
    for name in ("module_", "criterion_"):
        if name in probe.__dict__:
            setattr(probe, name, uncompiled(getattr(probe, name)))
    # A safe net prepares the sample itself: a DataFrame keeps its column
    # names for the net's check of feature_names_in_.
    Xb, yb, rows = take_sample(X, y, n_rows, frames=safe and not prepared)
    names = _names(net, X)
    classifier = isinstance(probe, NeuralNetClassifier)
    if not prepared and safe:
        reset = not (hasattr(probe, "_data_seen") and probe._data_seen())
        Xb = probe._prepare_X(Xb, reset=reset)
        if yb is not None:
            classes = _all_classes(y) if classifier and reset else None
            yb = probe._prepare_y(yb, reset=reset, classes=classes, n_samples=len(rows))
    criterion = uncompiled(getattr(probe, "criterion_", None))
    n_classes = None
    if classifier and yb is not None:
        classes = getattr(probe, "classes_inferred_", None)
        if getattr(probe, "classes", None) is not None:
            classes = probe.classes
        n_classes = len(classes) if classes is not None else _count_classes(y)
    safe_classifier = safe and classifier

    def loss(output):
        if safe_classifier:
            # What the net records on its first training batch, so that its
            # get_loss meets the criterion as in training.
            probe.output_kind_ = None
            if _class_criterion(criterion) and _is_scores(output):
                probe.output_kind_ = score_kind(output)
        # As a training batch reaches get_loss: skorch's tensor, its dtype kept
        # (a safe regressor standardizes y there, in float64).
        target = to_tensor(yb, device=probe.device)
        return probe.get_loss(output, target, X=None, training=False)

    optimizer = getattr(probe, "optimizer_", None)
    return {
        "net": probe,
        "module": probe.module_,
        "criterion": criterion,
        "forward": probe.infer,
        "loss": loss,
        "Xb": Xb,
        "yb": yb,
        "y_width": _y_width(yb),
        "n_classes": n_classes,
        "names": names,
        "n_rows": len(rows),
        "device": probe.device,
        "groups": _groups(optimizer),
        "rule": update_rule(optimizer),
        "skorch_classifier": classifier,
        "safe_classifier": safe_classifier,
        "aligns_output": safe and not classifier,
    }


def module_setup(module, X, y, n_rows, criterion, optimizer, lr):
    """What the probe needs from a plain module and its criterion."""
    if isinstance(criterion, type):
        criterion = criterion()
    Xb, yb, rows = take_sample(X, y, n_rows)
    if isinstance(optimizer, type):
        kwargs = {} if lr is None else {"lr": lr}
        optimizer = optimizer(module.parameters(), **kwargs)
    device = next((p.device for p in module.parameters()), torch.device("cpu"))

    def forward(x):
        return module(**x) if isinstance(x, dict) else module(x)

    def loss(output):
        if criterion is None:
            return None
        return criterion(output, _target_tensor(yb, output, device))

    n_classes = None
    if yb is not None and _class_criterion(criterion):
        n_classes = _count_classes(y)
    return {
        "net": None,
        "module": module,
        "criterion": uncompiled(criterion),
        "forward": forward,
        "loss": loss,
        "Xb": Xb,
        "yb": yb,
        "y_width": _y_width(yb),
        "n_classes": n_classes,
        "names": _names(None, X),
        "n_rows": len(rows),
        "device": device,
        "groups": _groups(optimizer),
        "rule": update_rule(optimizer) if optimizer is not None else None,
        "skorch_classifier": False,
        "safe_classifier": False,
        "aligns_output": False,
    }


def _shallow_copy(net):
    """A copy of the net whose attributes can be set without touching ``net``."""
    probe = object.__new__(type(net))
    probe.__dict__.update(net.__dict__)
    return probe


def lazy_safe(setup):
    """The module to measure and its forward, on a copy if it has lazy parameters."""
    module, criterion = setup["module"], setup["criterion"]
    copies = materialized_copy(module, criterion)
    if copies[0] is module:
        return module, setup["forward"]
    module, criterion = copies
    net = setup["net"]
    if net is not None:
        net.module_, net.criterion_ = module, criterion
        return module, net.infer
    setup["criterion"] = criterion
    return module, lambda x: module(**x) if isinstance(x, dict) else module(x)


def module_dtype(module):
    return next((p.dtype for p in module.parameters() if p.is_floating_point()), None)


def _groups(optimizer):
    if optimizer is None or not hasattr(optimizer, "param_groups"):
        return {}
    return {id(p): group for group in optimizer.param_groups for p in group["params"]}


def _names(net, X):
    names = getattr(net, "feature_names_in_", None)
    if names is None and hasattr(X, "columns"):
        names = X.columns
    return None if names is None else [str(name) for name in names]


def _all_classes(y):
    try:
        return np.unique(np.asarray(y))
    except TypeError:
        return None


def _count_classes(y):
    values = y.detach().cpu().numpy() if torch.is_tensor(y) else np.asarray(y)
    if values.dtype.kind not in "biu":
        return None
    return int(max(len(np.unique(values)), values.max(initial=-1) + 1))


def _class_criterion(criterion):
    return isinstance(
        uncompiled(criterion), torch.nn.CrossEntropyLoss | torch.nn.NLLLoss | FocalLoss
    )


def _y_width(yb):
    if yb is None:
        return None
    shape = tuple(getattr(yb, "shape", np.shape(yb)))
    return shape[1] if len(shape) == 2 else (1 if len(shape) == 1 else None)


def input_width(Xb):
    shape = getattr(Xb, "shape", None)
    return int(shape[-1]) if shape is not None and len(shape) == 2 else None


def _target_tensor(yb, output, device):
    """y for a plain module's criterion, floats in the output's dtype."""
    target = yb if torch.is_tensor(yb) else torch.as_tensor(np.asarray(yb))
    if target.is_floating_point() and torch.is_tensor(output):
        target = target.to(output.dtype)
    return target.to(device)


def _is_scores(output):
    """Whether ``output`` is a ``(n, n_classes)`` floating tensor with rows."""
    return (
        torch.is_tensor(output)
        and output.ndim == 2
        and output.shape[0] > 0
        and output.is_floating_point()
    )
