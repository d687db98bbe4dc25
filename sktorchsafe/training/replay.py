"""Replay a non-finite batch with hooks armed, to say where its values came from.

When :class:`~sktorchsafe.NonFiniteGuard` sees a non-finite loss, gradient or
running statistic, or a safe net's trained module returns non-finite
predictions, :func:`diagnose_batch` runs the batch through the module again
with a forward hook on every submodule (the buffers are put back afterwards):
the first module whose output is non-finite, whether it *created* the value
from finite input or only propagated it, which rows and features of X and
which targets were non-finite, and, for gradients, the module whose backward
pass produced them.
"""

import math
from contextlib import contextmanager
from functools import partial

import numpy as np
import torch
from torch.utils.data import Subset

from ..core.messages import agree, describe
from ..core.validation import feature_names

__all__ = ["diagnose_batch"]


def diagnose_batch(
    net,
    Xi,
    yi=None,
    *,
    what="output",
    loss=None,
    bad_params=(),
    bad_stats=(),
    dataset=None,
):
    """Find where a batch's non-finite values come from.

    Replays the batch through ``net.module_`` with forward hooks on every
    submodule (buffers are restored afterwards) and checks ``Xi`` and ``yi``.
    Used by :class:`NonFiniteGuard` during training, and by the safe nets when
    a trained module returns non-finite predictions.

    Returns
    -------
    diagnosis : dict
        ``what``, ``phase`` (``"input"``, ``"forward"``, ``"target"``,
        ``"loss"``, ``"backward"``, ``"statistics"`` or ``"unknown"``),
        ``module`` (name as in ``named_modules``; ``""`` is the top-level
        module), ``module_type``, ``created``, ``rows`` / ``features``
        (non-finite cells of ``Xi``), ``training_rows`` (rows of the training
        data, when ``dataset`` holds an array), ``target_rows``,
        ``parameters`` (with non-finite gradients), ``buffers`` (non-finite
        running statistics), ``loss``, and ``detail`` (a sentence on the
        cause).
    """
    rows, features = _input_cells(net, Xi)
    target_rows = _nonfinite_rows(yi)
    replay = _replay(net, Xi, yi)
    creator = replay.first_creator()
    first = replay.first_nonfinite()
    culprit = creator or first
    d = {
        "what": what,
        "phase": "unknown",
        "module": None if culprit is None else culprit.name,
        "module_type": None if culprit is None else culprit.type_name,
        "created": None if culprit is None else culprit.inputs_finite,
        "rows": rows,
        "features": features,
        "training_rows": _training_rows(dataset) if len(rows) else None,
        "target_rows": target_rows,
        "parameters": list(bad_params),
        "buffers": list(bad_stats),
        "loss": loss,
    }
    if len(rows):
        d["phase"] = "input"
        detail = (
            f"the input X of this batch is non-finite in {len(features)} "
            f"feature{agree(features, '', 's')}: {describe(features, quote=True)} "
            f"(batch row{agree(rows, '', 's')} {describe(rows)})"
        )
        if d["training_rows"] is not None and len(d["training_rows"]):
            detail += (
                f"; row{agree(d['training_rows'], '', 's')} of the training data "
                "holding NaN "
                f"or ±inf: {describe(d['training_rows'])}"
            )
        if first is not None:
            detail += (
                f". The first non-finite output is that of "
                f"{_module_label(first.name, first.type_name)}, which propagated it"
            )
    elif len(target_rows):
        d["phase"] = "target"
        detail = (
            "the targets y of this batch are non-finite in "
            f"row{agree(target_rows, '', 's')} "
            f"{describe(target_rows)}"
        )
    elif creator is not None:
        d["phase"] = "forward"
        detail = (
            f"{_module_label(creator.name, creator.type_name)} created non-finite "
            "values from finite input"
        )
        if creator.weight_max is not None and not math.isfinite(creator.weight_max):
            d["phase"] = "weights"
            detail += " because its weights are already non-finite"
        elif creator.weight_max is not None and creator.weight_max > 1e6:
            detail += f" (its weights have grown to {creator.weight_max:.3g})"
        if first is not None and first is not creator:
            detail += (
                f"; the first non-finite output is that of "
                f"{_module_label(first.name, first.type_name)}, which only "
                "propagated it from the code around it"
            )
    elif replay.forward_finite and replay.loss_finite is False:
        d["phase"] = "loss"
        criterion = getattr(net, "criterion_", None)
        detail = (
            f"the criterion ({type(criterion).__name__}) created non-finite values "
            "from the module's finite output"
        )
        hint = _criterion_hint(criterion, replay.y_pred)
        largest = _largest(replay.y_pred)
        if hint:
            d["phase"] = "nll_logits"
            detail += f". {hint}"
        elif largest > 1e15:
            d["phase"] = "divergence"
            detail += f": the predictions reach {largest:.3g}, so the loss overflows"
    elif len(d["buffers"]):
        d["phase"] = "statistics"
        name = d["buffers"][0].rpartition(".")[0]
        record = next((r for r in replay.records if r.name == name), None)
        type_name = None if record is None else record.type_name
        d.update(module=name, module_type=type_name, created=True)
        detail = (
            f"{_module_label(name, type_name)} updated its running statistics "
            f"({describe(d['buffers'], quote=True)}) to non-finite values "
            "while its output and the loss stayed finite"
        )
        if record is not None and record.input_max is not None:
            detail += (
                f": its input reaches {record.input_max:.3g}, whose square "
                "overflows the float range"
            )
    elif what == "gradients" or len(d["parameters"]):
        d["phase"] = "backward"
        name, type_name = _backward_creator(net, Xi, yi, d["parameters"])
        d.update(module=name, module_type=type_name, created=name is not None or None)
        params = describe(d["parameters"], quote=True)
        if name is not None:
            detail = (
                f"the backward pass of {_module_label(name, type_name)} produced "
                "non-finite gradients while the loss was finite (parameters with "
                f"non-finite gradients: {params})"
            )
        else:
            detail = f"non-finite gradients in parameters {params}"
    else:
        detail = "the replay of this batch was finite"
        if replay.error is not None:
            detail += (
                f" as far as it went (it failed with "
                f"{type(replay.error).__name__}: {replay.error})"
            )
    d["detail"] = detail
    return d


# ---------------------------------------------------------------- helpers
def _float_tensors(obj):
    """The floating-point tensors inside a (nested) output or argument list."""
    if torch.is_tensor(obj):
        if obj.is_floating_point() or obj.is_complex():
            yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _float_tensors(value)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            yield from _float_tensors(value)


def _all_finite(obj):
    return all(bool(torch.isfinite(t).all()) for t in _float_tensors(obj))


def _nonfinite_rows(t):
    """Batch rows of tensor ``t`` holding a NaN or ±inf (empty array if none)."""
    if not torch.is_tensor(t) or not (t.is_floating_point() or t.is_complex()):
        return np.array([], dtype=np.intp)
    if t.ndim == 0:
        return np.array([], dtype=np.intp)
    bad = ~torch.isfinite(t.detach()).reshape(len(t), -1)
    return bad.any(dim=1).nonzero().flatten().cpu().numpy()


def _input_cells(net, Xi):
    """Rows of the batch X, and names of its features, that are non-finite."""
    parts = Xi.items() if isinstance(Xi, dict) else [(None, Xi)]
    rows, features = [], []
    for key, t in parts:
        if not torch.is_tensor(t) or not t.is_floating_point() or t.ndim == 0:
            continue
        bad = ~torch.isfinite(t.detach())
        if not bool(bad.any()):
            continue
        rows.append(bad.reshape(len(t), -1).any(dim=1).nonzero().flatten().cpu())
        if t.ndim == 2:
            names = feature_names(net, n_features=t.shape[1])
            if len(names) != t.shape[1]:
                names = feature_names(None, n_features=t.shape[1])
            cols = bad.any(dim=0).nonzero().flatten().cpu().tolist()
            features += [
                names[j] if key is None else f"{key}[{names[j]}]" for j in cols
            ]
        else:
            features.append("X" if key is None else str(key))
    if not rows:
        return np.array([], dtype=np.intp), []
    return np.unique(torch.cat(rows).numpy()), features


def _training_rows(dataset):
    """Rows of the X given to ``fit`` with non-finite values, if X is reachable."""
    indices = None
    while isinstance(dataset, Subset):
        idx = np.asarray(dataset.indices)
        indices = idx if indices is None else idx[indices]
        dataset = dataset.dataset
    X = getattr(dataset, "X", None)
    if torch.is_tensor(X) and X.is_floating_point() and X.ndim:
        bad = (~torch.isfinite(X)).reshape(len(X), -1).any(dim=1).cpu().numpy()
    elif hasattr(X, "shape") and len(X.shape) and hasattr(X, "dtype"):
        values = np.asarray(X)
        if values.dtype.kind not in "fc":
            return None
        bad = ~np.isfinite(values).reshape(len(values), -1).all(axis=1)
    else:
        return None
    if indices is None:
        return np.flatnonzero(bad)
    return np.sort(indices[bad[indices]])


class _Record:
    __slots__ = (
        "name",
        "type_name",
        "inputs_finite",
        "input_max",
        "output_finite",
        "weight_max",
    )

    def __init__(self, name, module, inputs, output):
        self.name = name
        self.type_name = type(module).__name__
        self.inputs_finite = _all_finite(inputs)
        self.input_max = _largest(inputs) if self.inputs_finite else None
        self.output_finite = _all_finite(output)
        weights = [p.detach() for p in module.parameters(recurse=False)]
        self.weight_max = (
            max(float(w.abs().max()) for w in weights if w.numel())
            if any(w.numel() for w in weights)
            else None
        )


class _Replay:
    """The batch run again with a forward hook on every submodule."""

    def __init__(self):
        self.records = []
        self.forward_finite = None
        self.loss_finite = None
        self.y_pred = None
        self.error = None

    def first_nonfinite(self):
        return next((r for r in self.records if not r.output_finite), None)

    def first_creator(self):
        return next(
            (r for r in self.records if r.inputs_finite and not r.output_finite), None
        )


@contextmanager
def _hooked(module, hook):
    """``hook(name, mod, args, kwargs, output)`` on every submodule's forward.

    On exit the hooks are removed and the buffers (BatchNorm's running
    statistics) put back, so a diagnostic replay leaves no trace.
    """
    handles = [
        mod.register_forward_hook(partial(hook, name), with_kwargs=True)
        for name, mod in module.named_modules()
    ]
    buffers = [(b, b.detach().clone()) for b in module.buffers()]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()
        with torch.no_grad():
            for buffer, saved in buffers:
                buffer.copy_(saved)


def _replay(net, Xi, yi):
    replay = _Replay()

    def hook(name, mod, args, kwargs, output):
        replay.records.append(_Record(name, mod, (args, kwargs), output))

    try:
        with _hooked(net.module_, hook), torch.no_grad():
            y_pred = net.infer(Xi)
            replay.y_pred = y_pred
            replay.forward_finite = _all_finite(y_pred)
            if yi is not None:
                loss = net.get_loss(y_pred, yi, X=Xi, training=True)
                replay.loss_finite = _all_finite(loss)
    except Exception as exc:  # a diagnosis must never hide the real failure
        replay.error = exc
    return replay


def _backward_creator(net, Xi, yi, bad_params):
    """The deepest module whose backward turned finite gradients non-finite."""
    module = net.module_
    owner = {}
    for name, mod in module.named_modules():
        for pname, _ in mod.named_parameters(recurse=False):
            owner[f"{name}.{pname}" if name else pname] = (name, type(mod).__name__)
    grads_out, grads_in = {}, {}

    def mark(store, name, grad):
        store[name] = store.get(name, True) and bool(torch.isfinite(grad).all())

    def hook(name, mod, args, kwargs, output):
        for t in _float_tensors(output):
            if t.requires_grad:
                t.register_hook(partial(mark, grads_out, name))
        for t in _float_tensors((args, kwargs)):
            if t.requires_grad:
                t.register_hook(partial(mark, grads_in, name))

    named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
    try:
        with _hooked(module, hook), torch.enable_grad():
            loss = net.get_loss(net.infer(Xi), yi, X=Xi, training=True)
            grads = torch.autograd.grad(
                loss.sum(), [p for _, p in named], allow_unused=True
            )
        bad = {
            n
            for (n, _), g in zip(named, grads, strict=True)
            if g is not None and not bool(torch.isfinite(g).all())
        }
        candidates = []
        for name, mod in module.named_modules():
            own = any(
                (f"{name}.{p}" if name else p) in bad
                for p, _ in mod.named_parameters(recurse=False)
            )
            if grads_out.get(name, True) and (own or grads_in.get(name) is False):
                candidates.append((name, type(mod).__name__))
        deepest = [
            c
            for c in candidates
            if not any(
                o[0] != c[0] and (c[0] == "" or o[0].startswith(c[0] + "."))
                for o in candidates
            )
        ]
        if deepest:
            return deepest[0]
    except Exception:  # fall back on the owner of the first bad parameter
        pass
    for name in bad_params:
        if name in owner:
            return owner[name]
    return None, None


def _module_label(name, type_name):
    if name == "":
        return f"the top-level module ({type_name})"
    return f"module {name!r} ({type_name})"


def _largest(y_pred):
    """The largest finite magnitude among the floating tensors of ``y_pred``."""
    values = [
        float(t.detach().abs().max()) for t in _float_tensors(y_pred) if t.numel()
    ]
    return max(values, default=0.0)


def _criterion_hint(criterion, y_pred):
    """Explain the most common loss-created NaN: logits fed to skorch's NLLLoss."""
    if not isinstance(criterion, torch.nn.NLLLoss) or not torch.is_tensor(y_pred):
        return ""
    if bool((y_pred < 0).any()):
        return (
            "The module returns negative values (logits or log-probabilities), but "
            "skorch's classifier takes the log of the module's output before "
            "NLLLoss, expecting probabilities"
        )
    return ""
