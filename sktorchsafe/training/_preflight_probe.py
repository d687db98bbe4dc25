"""The measuring run behind :func:`~sktorchsafe.training.preflight.preflight`.

One forward and one backward pass on a sample, with hooks on every submodule,
that leaves no trace: the random state (torch, CUDA, numpy, Python), the
modules' training flags and buffers (BatchNorm's running statistics), the
parameters and their ``.grad`` are as they were before. The gradients come
from ``torch.autograd.grad``, which never writes ``.grad``; the optimizer is
only read.

What it measures goes into a :class:`Probe`, which :mod:`.preflight` turns
into findings; nothing here judges.
"""

import copy
import random
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from scipy import sparse
from skorch.dataset import unpack_data
from skorch.utils import is_dataset
from torch.nn.parameter import is_lazy
from torch.utils.data import default_collate

from ..core import stats

__all__ = [
    "Probe",
    "floating_inputs",
    "materialized_copy",
    "run_probe",
    "sample_rows",
    "take_sample",
    "to_module_input",
    "untouched_random_state",
    "update_rule",
]

#: A Sigmoid output within this distance of 0 or 1 is saturated (its input
#: beyond ±4.6): the gradient through it is below 1% of its largest.
SIGMOID_EDGE = 0.01
#: A Tanh output beyond this magnitude is saturated (input beyond ±2.6).
TANH_EDGE = 0.99
#: A Softmax row whose largest probability exceeds this is near one-hot.
ONE_HOT = 0.99


def sample_rows(n, n_rows):
    """``n_rows`` row indices spread over ``n`` rows (stratified, fixed seed)."""
    rows = stats.sample_rows(n, n_rows, random_state=0)
    return np.arange(n) if rows is None else rows


# ------------------------------------------------------------------- state
@contextmanager
def untouched_random_state():
    """Restore torch's (CPU and CUDA), numpy's and Python's random state."""
    devices = (
        list(range(torch.cuda.device_count())) if torch.cuda.is_initialized() else []
    )
    numpy_state = np.random.get_state()
    python_state = random.getstate()
    with torch.random.fork_rng(devices=devices):
        try:
            yield
        finally:
            np.random.set_state(numpy_state)
            random.setstate(python_state)


@contextmanager
def untouched_modules(*modules):
    """Restore the training flags and the buffers of ``modules`` afterwards."""
    modules = [m for m in modules if isinstance(m, torch.nn.Module)]
    flags = [(m, m.training) for top in modules for m in top.modules()]
    buffers = [
        (b, b.detach().clone())
        for top in modules
        for b in top.buffers()
        if not is_lazy(b)
    ]
    try:
        yield
    finally:
        with torch.no_grad():
            for buffer, saved in buffers:
                buffer.copy_(saved)
        for module, training in flags:
            module.training = training


# -------------------------------------------------------------- the sample
def _take(X, rows):
    """Rows ``rows`` of X as a numpy array, tensor, dict of them, or batch."""
    if isinstance(X, dict):
        return {key: _take(value, rows) for key, value in X.items()}
    if isinstance(X, pd.DataFrame | pd.Series):
        values = X.iloc[rows]
        try:
            return values.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            return values.to_numpy()
    if sparse.issparse(X):
        return sparse.csr_array(X)[rows].toarray()
    if torch.is_tensor(X):
        return X[torch.as_tensor(rows)]
    return np.asarray(X)[rows]


def take_sample(X, y, n_rows, *, frames=False):
    """The sample of X and y, and the row indices taken.

    A skorch ``Dataset`` is read item by item and collated, as its
    ``DataLoader`` would; everything else is indexed directly. With
    ``frames=True`` a DataFrame X stays a DataFrame (its column names kept).
    """
    if is_dataset(X):
        rows = sample_rows(len(X), n_rows)
        Xb, yb = unpack_data(default_collate([X[int(i)] for i in rows]))
        return Xb, yb, rows
    first = next(iter(X.values())) if isinstance(X, dict) else X
    rows = sample_rows(
        first.shape[0] if hasattr(first, "shape") else len(first), n_rows
    )
    yb = None if y is None else _take(y, rows)
    if frames and isinstance(X, pd.DataFrame):
        return X.iloc[rows], yb, rows
    return _take(X, rows), yb, rows


def floating_inputs(Xb):
    """``(name, float64 array)`` of the floating inputs of a sample (dicts too)."""
    items = Xb.items() if isinstance(Xb, dict) else [(None, Xb)]
    found = []
    for key, value in items:
        if torch.is_tensor(value):
            if not value.is_floating_point():
                continue
            value = value.detach().cpu().double().numpy()
        value = np.asarray(value)
        if value.dtype.kind == "f":
            found.append((key, value.astype(np.float64, copy=False)))
    return found


def to_module_input(Xb, dtype, device):
    """The sample as tensors on ``device``, floating ones in ``dtype``."""
    if isinstance(Xb, dict):
        return {key: to_module_input(value, dtype, device) for key, value in Xb.items()}
    # A copy: a read-only array (a DataFrame's values) makes torch warn.
    x = Xb if torch.is_tensor(Xb) else torch.as_tensor(np.array(Xb))
    if x.is_floating_point() and dtype is not None:
        with np.errstate(over="ignore"):
            x = x.to(dtype)
    return x.to(device)


# ----------------------------------------------------------- measurements
@dataclass
class Layer:
    """What one leaf module did on its first call in the forward pass."""

    name: str
    type: str
    order: int
    in_rms: float | None = None
    in_max: float | None = None
    in_finite: bool = True
    out_rms: float | None = None
    out_max: float | None = None
    out_finite: bool = True
    saturated: float | None = None
    dead: float | None = None
    n_units: int | None = None
    parent: str | None = None  # the module whose forward called it
    weight: str | None = None
    weight_norm: float | None = None
    grad_norm: float | None = None
    out_grad_rms: float | None = None  # RMS of the loss's gradient at its output
    update_norm: float | None = None


@dataclass
class Probe:
    """Everything the measuring run saw."""

    layers: list = field(default_factory=list)
    output: object = None  # the module's output tensor (detached)
    output_layer: str | None = None  # the leaf module that returned it
    output_chain: tuple = ()  # autograd node names from the output inwards
    loss: float | None = None
    error: tuple | None = None  # (where, module name, exception)
    update_rule: str | None = None


def _stats(t):
    """RMS, largest magnitude and finiteness of a floating tensor."""
    t = t.detach()
    finite = bool(torch.isfinite(t).all())
    t64 = t.double()
    if not finite:
        t64 = t64[torch.isfinite(t64)]
    if t64.numel() == 0:
        return float("nan"), float("nan"), finite
    return float(t64.pow(2).mean().sqrt()), float(t64.abs().max()), finite


def _first_float(args):
    for arg in args:
        if torch.is_tensor(arg) and arg.is_floating_point():
            return arg
    return None


def _saturation(module, out):
    """The saturated share of a Sigmoid / Tanh / Softmax output, or None."""
    out = out.detach().double()
    if isinstance(module, torch.nn.Sigmoid):
        return float(((out < SIGMOID_EDGE) | (out > 1 - SIGMOID_EDGE)).double().mean())
    if isinstance(module, torch.nn.Tanh):
        return float((out.abs() > TANH_EDGE).double().mean())
    if isinstance(module, torch.nn.Softmax) and out.ndim >= 1:
        dim = module.dim if module.dim is not None else -1
        return float((out.amax(dim=dim) > ONE_HOT).double().mean())
    return None


def _dead(out):
    """Share of units (dim 1) that are zero on every row, and their count."""
    if out.ndim < 2 or out.shape[0] < 2:
        return None, None
    alive = (out.detach() > 0).transpose(0, 1).reshape(out.shape[1], -1).any(dim=1)
    return float((~alive).double().mean()), int(out.shape[1])


class _Hooks:
    """Forward hooks on every submodule: measure the leaves, track the failing."""

    def __init__(self, module):
        self.layers = {}
        self.outputs = {}  # id(output tensor) -> leaf name
        self.stack = []
        self.parents = {}
        self.tensors = {}  # leaf name -> its output, for the gradient there
        self.handles = []
        for name, sub in module.named_modules():
            leaf = next(sub.children(), None) is None
            self.handles.append(sub.register_forward_pre_hook(self._pre(name)))
            self.handles.append(sub.register_forward_hook(self._post(name, leaf)))

    def _pre(self, name):
        def hook(module, args):
            self.parents.setdefault(name, self.stack[-1] if self.stack else None)
            self.stack.append(name)

        return hook

    def _post(self, name, leaf):
        def hook(module, args, out):
            if self.stack:
                self.stack.pop()
            if not leaf or name in self.layers or not torch.is_tensor(out):
                return
            layer = Layer(name, type(module).__name__, len(self.layers))
            layer.parent = self.parents.get(name)
            x = _first_float(args)
            if x is not None:
                layer.in_rms, layer.in_max, layer.in_finite = _stats(x)
            if out.is_floating_point():
                layer.out_rms, layer.out_max, layer.out_finite = _stats(out)
                layer.saturated = _saturation(module, out)
                if isinstance(module, torch.nn.ReLU | torch.nn.ReLU6):
                    layer.dead, layer.n_units = _dead(out)
            self.layers[name] = layer
            self.outputs[id(out)] = (name, out)
            if out.is_floating_point() and out.requires_grad:
                self.tensors[name] = out

        return hook

    def remove(self):
        for handle in self.handles:
            handle.remove()


#: Autograd nodes that only move values around (shape, copies), skipped when
#: reading which operation made the output.
_SHAPE_NODES = (
    "View",
    "UnsafeView",
    "Reshape",
    "Squeeze",
    "Unsqueeze",
    "Permute",
    "Transpose",
    "TBackward",
    "Clone",
    "Expand",
    "Alias",
    "AsStrided",
    "ToCopy",
    "Select",
    "Slice",
)


def _chain(t, depth=4):
    """The names of the autograd nodes that made ``t``, outermost first.

    Nodes that only reshape or copy (a final ``Flatten`` or ``squeeze``) are
    skipped.
    """
    names, node, seen = [], getattr(t, "grad_fn", None), 0
    while node is not None and len(names) < depth and seen < 64:
        seen += 1
        name = node.name()
        if not name.startswith(_SHAPE_NODES):
            names.append(name)
        nexts = [n for n, _ in node.next_functions if n is not None]
        node = nexts[0] if nexts else None
    return tuple(names)


def _main_weight(module):
    """The ``(name, parameter)`` a layer's scale is read from: its largest matrix."""
    params = [
        (n, p)
        for n, p in module.named_parameters(recurse=False)
        if p.requires_grad and p.ndim >= 2 and not is_lazy(p)
    ]
    return max(params, key=lambda item: item[1].numel()) if params else (None, None)


def _update(grad, param, group, kind):
    """The first step the optimizer would take on ``param`` (its norm)."""
    lr = float(group.get("lr", 0.0))
    decay = float(group.get("weight_decay", 0.0) or 0.0)
    grad = grad.double()
    if kind == "sgd":
        if decay:
            grad = grad + decay * param.detach().double()
        if group.get("nesterov"):
            grad = grad * (1 + float(group.get("momentum", 0.0)))
        return lr * float(grad.norm())
    # The Adam family's first step is lr * g / (|g| + eps), with the bias
    # corrections cancelling: lr per element where the gradient is not tiny.
    eps = float(group.get("eps", 1e-8))
    return lr * float((grad / (grad.abs() + eps)).norm())


_SGD_LIKE = (torch.optim.SGD,)
_ADAM_LIKE = (
    torch.optim.Adam,
    torch.optim.AdamW,
    torch.optim.NAdam,
    torch.optim.RAdam,
    torch.optim.Adamax,
)


def update_rule(optimizer):
    """``"sgd"``, ``"adam"`` or None: how the first step is estimated."""
    cls = optimizer if isinstance(optimizer, type) else type(optimizer)
    if not isinstance(cls, type):
        return None
    if issubclass(cls, _SGD_LIKE):
        return "sgd"
    if issubclass(cls, _ADAM_LIKE):
        return "adam"
    return None


def run_probe(module, forward, loss_fn, Xt, param_groups, rule):
    """Run one forward and backward pass of ``module`` on ``Xt``, leaving no trace.

    ``forward(Xt)`` returns the module's output; ``loss_fn(output)`` the loss
    (None to stop after the forward pass). ``param_groups`` maps ``id`` of a
    parameter to its optimizer group (lr, momentum, ...). A module with lazy
    parameters is measured on a copy, which the forward pass materializes.
    """
    probe = Probe(update_rule=rule)
    hooks = _Hooks(module)
    try:
        with (
            untouched_random_state(),
            untouched_modules(module),
            torch.enable_grad(),
            warnings.catch_warnings(),
        ):
            # torch's own warnings (a broadcasting loss) become findings.
            warnings.simplefilter("ignore")
            module.train()
            try:
                output = forward(Xt)
            except Exception as exc:  # noqa: BLE001 - reported as a finding
                where = hooks.stack[-1] if hooks.stack else None
                probe.error = ("forward", where, exc)
                output = None
            if output is not None:
                _read_output(probe, hooks, output)
                if torch.is_tensor(output) and loss_fn is not None:
                    _backward(probe, module, hooks, loss_fn, output, param_groups)
    finally:
        hooks.remove()
    probe.layers = sorted(hooks.layers.values(), key=lambda layer: layer.order)
    return probe


def _read_output(probe, hooks, output):
    if not torch.is_tensor(output):
        return
    probe.output = output.detach()
    found = hooks.outputs.get(id(output))
    if found is not None and found[1] is output:
        probe.output_layer = found[0]
    probe.output_chain = _chain(output)


def _backward(probe, module, hooks, loss_fn, output, param_groups):
    try:
        loss = loss_fn(output)
    except Exception as exc:  # noqa: BLE001 - reported as a finding
        probe.error = ("loss", None, exc)
        return
    if not torch.is_tensor(loss) or loss.numel() != 1:
        return
    probe.loss = float(loss.detach())
    weights = {}
    for name, sub in module.named_modules():
        layer = hooks.layers.get(name)
        pname, param = _main_weight(sub)
        if layer is not None and param is not None:
            weights[name] = (pname, param)
    if not weights or not loss.requires_grad:
        return
    params = [param for _, param in weights.values()]
    outs = {name: hooks.tensors[name] for name in weights if name in hooks.tensors}
    try:
        grads = torch.autograd.grad(
            loss, params + list(outs.values()), allow_unused=True
        )
    except RuntimeError:
        outs = {}  # an output changed in place: the weights' gradients only
        try:
            grads = torch.autograd.grad(loss, params, allow_unused=True)
        except RuntimeError as exc:
            probe.error = ("backward", None, exc)
            return
    for name, grad in zip(outs, grads[len(params) :], strict=True):
        if grad is not None:
            hooks.layers[name].out_grad_rms = float(grad.double().pow(2).mean().sqrt())
    grads = grads[: len(params)]
    for (name, (pname, param)), grad in zip(weights.items(), grads, strict=True):
        layer = hooks.layers[name]
        layer.weight = pname
        layer.weight_norm = float(param.detach().double().norm())
        if grad is None:
            continue
        layer.grad_norm = float(grad.double().norm())
        group = param_groups.get(id(param))
        if probe.update_rule is not None and group is not None:
            layer.update_norm = _update(grad, param, group, probe.update_rule)


def materialized_copy(*modules):
    """``modules`` as they are, or deep copies when one has lazy parameters."""
    lazy = any(
        is_lazy(p)
        for m in modules
        if isinstance(m, torch.nn.Module)
        for p in m.parameters()
    )
    return copy.deepcopy(modules) if lazy else modules
