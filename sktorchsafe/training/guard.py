"""``NonFiniteGuard``: stop a skorch net before a non-finite step, and say why.

The guard is cheap on every batch and thorough only when something goes
wrong.  Every training batch it reads one number: the loss plus the L2 norms
of all gradients, reduced on the device in one fused operation
(``torch._foreach_norm``) and read back with a single host synchronisation,
before ``optimizer.step`` runs.  Only when that number is not finite does it
replay the batch (:func:`~sktorchsafe.training.replay.diagnose_batch`) to name
the module that created the value and the rows and features it came from, then
act on its policy: raise, stop, or skip the batch.
"""

import math
import warnings

import torch
from skorch.callbacks import Callback
from skorch.dataset import unpack_data
from torch.nn.parameter import is_lazy

from ..core.compat import (
    NormBase,
    StrOptions,
    foreach_copy_,
    foreach_norm,
    net_module_names,
    validate_parameter_constraints,
)
from ..core.messages import describe, fix_for, format_number, user_stacklevel
from ..exceptions import NonFiniteTrainingError, NonFiniteTrainingWarning
from .replay import diagnose_batch

__all__ = ["NonFiniteGuard"]

#: Gradient dtypes whose norms are reduced in their own precision.
_NORM_DTYPES = (torch.float32, torch.float64)


class NonFiniteGuard(Callback):
    """Stop a non-finite loss or gradient before the optimizer step; name the cause.

    A skorch callback. Every training batch, after ``backward`` and before
    ``optimizer.step``, it checks the loss and (with ``check_gradients``)
    every gradient, fused into one reduction and one host read. Only when a
    value is NaN or ±inf does it replay the batch with forward hooks on every
    submodule and report:

    - the first module whose output was non-finite, and whether it
      *created* the value (its input was finite) or propagated it;
    - the rows (in the batch, and in the training data when the net's
      dataset holds an array) and the features of X that were non-finite;
    - the rows of the targets that were non-finite;
    - for gradients: the parameters whose gradient was non-finite and the
      module whose backward pass produced it;
    - for the running statistics of normalization layers (BatchNorm's
      running mean and variance, checked with the gradients): the layer
      whose statistics the batch made non-finite, and how large its input was.

    Then it acts on ``on_nonfinite``. Nothing is stepped with the poisoned
    gradients in any mode: the weights stay the last finite ones, and the
    running statistics go back to their values before the batch (the forward
    pass had already updated them). Finite is not the same as good: a fit
    that diverged slowly before its first non-finite step keeps huge
    weights, whose predictions may overflow; the safe nets' ``predict``
    then raises instead of returning them.

    :class:`~sktorchsafe.SafeNeuralNetRegressor` and
    :class:`~sktorchsafe.SafeNeuralNetClassifier` include it by default,
    under the name ``"nonfinite_guard"``; add it to any skorch net with
    ``callbacks=[NonFiniteGuard()]``.

    Parameters
    ----------
    on_nonfinite : {"raise", "stop", "skip"}, default="raise"
        ``"raise"``: raise :class:`~sktorchsafe.exceptions.NonFiniteTrainingError`
        carrying the diagnosis. ``"stop"``: end training gracefully (skorch's
        ``KeyboardInterrupt`` idiom), keeping the last finite weights, with a
        warning. ``"skip"``: drop that batch's step and go on; skipped batches
        are left out of ``train_loss`` and counted per epoch in the history
        (``train_batches_skipped``); if every batch of an epoch is skipped,
        the guard raises.
    check_gradients : bool, default=True
        Also check every gradient, not only the loss. Catches exploding
        gradients and non-differentiable points whose loss is still finite.
        Turn it off when training with mixed-precision loss scaling, whose
        scaler skips steps with infinite gradients by design.
    sink : callable, default=print
        Where the message of a ``"stop"`` or first ``"skip"`` goes; it is only
        called when the net's ``verbose`` is on, unless it is not ``print``.

    Attributes
    ----------
    diagnosis_ : dict or None
        The diagnosis of the last non-finite batch of the current fit, or
        None: ``epoch`` (1-based), ``batch`` (0-based, in the epoch),
        ``what`` (``"loss"``, ``"gradients"`` or ``"running statistics"``),
        ``phase`` (where the values came from: ``"input"``, ``"target"``,
        ``"forward"``, ``"weights"``, ``"loss"``, ``"nll_logits"``,
        ``"divergence"``, ``"backward"``, ``"statistics"`` or
        ``"unknown"``), ``module`` (as in ``named_modules``, ``""`` for the
        top-level module) and ``module_type``, ``created`` (the module's
        input was finite), ``rows`` / ``features`` (non-finite cells of the
        batch X), ``training_rows`` (rows of the training data holding
        NaN or ±inf, when its X is an array), ``target_rows``,
        ``parameters`` (with non-finite gradients), ``buffers`` (non-finite
        running statistics), ``loss``, ``detail`` and ``message``. The same
        keys are attributes of the raised
        :class:`~sktorchsafe.exceptions.NonFiniteTrainingError`.
    n_skipped_ : int
        Batches skipped in the current fit (``on_nonfinite="skip"``).

    See Also
    --------
    SafeNeuralNetRegressor, SafeNeuralNetClassifier : Nets with the guard on.
    torch.autograd.set_detect_anomaly : Finds the operation, at a large cost
        on every batch.

    Notes
    -----
    The loss is read from a forward hook on ``net.criterion_``. With a
    criterion that is not a ``torch.nn.Module``, or a custom ``train_step``
    that does not notify ``on_grad_computed``, the loss is checked after the
    step instead (from the value skorch records; the message says so). The
    replay runs the module again on the same batch under ``torch.no_grad``
    (buffers such as BatchNorm statistics are restored); a non-finite value
    that only a random layer produced may not reappear. Validation batches
    are not guarded: they cannot change the weights.

    Cost per batch (see ``benchmarks/bench_guard.py``): one forward hook
    call and one ``torch._foreach_norm`` per device and dtype of the
    gradients (half-precision gradients are reduced in float32). On the CPU
    the norms are read one by one; on an accelerator they are summed on the
    device and read once, a single synchronisation before
    ``optimizer.step`` (skorch already reads the loss once per batch). The
    parameter list is taken once per fit (again if the module is replaced).
    A module with normalization layers adds their running statistics to the
    same reduction, and one copy of them per batch (a few small tensors per
    layer), so that a hit can restore them.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from skorch import NeuralNetRegressor
    >>> from sktorchsafe import NonFiniteGuard
    >>> from sktorchsafe.exceptions import NonFiniteTrainingError
    >>> class LogMLP(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = torch.nn.Linear(3, 4)
    ...         self.out = torch.nn.Linear(4, 1)
    ...     def forward(self, X):
    ...         return self.out(torch.log(self.hidden(X)))
    >>> X = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
    >>> y = X.sum(axis=1, keepdims=True)
    >>> net = NeuralNetRegressor(
    ...     LogMLP, callbacks=[NonFiniteGuard()], train_split=None, verbose=0
    ... )
    >>> try:
    ...     net.fit(X, y)
    ... except NonFiniteTrainingError as exc:
    ...     print(exc.epoch, exc.batch, repr(exc.module), exc.created)
    1 0 '' True
    """

    _parameter_constraints = {
        "on_nonfinite": [StrOptions({"raise", "stop", "skip"})],
        "check_gradients": ["boolean"],
        "sink": [callable],
    }

    def __init__(self, on_nonfinite="raise", check_gradients=True, sink=print):
        self.on_nonfinite = on_nonfinite
        self.check_gradients = check_gradients
        self.sink = sink

    # ----------------------------------------------------------- lifecycle
    def initialize(self):
        validate_parameter_constraints(
            self._parameter_constraints,
            {name: getattr(self, name) for name in self._parameter_constraints},
            caller_name=type(self).__name__,
        )
        self.diagnosis_ = None
        self.n_skipped_ = 0
        self._forget()
        return self

    def _forget(self):
        """Drop the per-fit references (hook, loss tensor, dataset)."""
        handle = getattr(self, "_hook_", None)
        if handle is not None:
            handle.remove()
        self._hook_ = None
        self._loss_ = None
        self._dataset_ = None
        self._params_ = None
        self._stats_ = None
        self._batch_ = -1
        self._skip_ = False
        self._checked_ = False
        self._epoch_batches_ = 0
        self._epoch_skipped_ = 0
        self._saved_ = None
        self._weights_saved_ = False

    def __getstate__(self):
        state = self.__dict__.copy()
        for key in ("_hook_", "_loss_", "_dataset_", "_params_", "_stats_", "_saved_"):
            state[key] = None
        return state

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self._forget()
        self.diagnosis_ = None
        self.n_skipped_ = 0
        criterion = getattr(net, "criterion_", None)
        if isinstance(criterion, torch.nn.Module):
            self._hook_ = criterion.register_forward_hook(self._store_loss)

    def on_train_end(self, net, X=None, y=None, **kwargs):
        self._forget()

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        self._dataset_ = dataset_train
        self._batch_ = -1
        self._epoch_batches_ = 0
        self._epoch_skipped_ = 0

    def on_epoch_end(self, net, **kwargs):
        if self.on_nonfinite != "skip":
            return
        net.history.record("train_batches_skipped", self._epoch_skipped_)
        if self._epoch_batches_ and self._epoch_skipped_ == self._epoch_batches_:
            diagnosis = dict(self.diagnosis_ or {})
            message = (
                f"NonFiniteGuard: every batch of epoch {len(net.history)} "
                f"({self._epoch_batches_}) was non-finite and skipped; the net "
                "cannot train. Last batch: " + diagnosis.pop("message", "")
            )
            self._forget()
            raise NonFiniteTrainingError(message, **diagnosis)

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if training:
            self._batch_ += 1
            self._loss_ = None
            self._skip_ = False
            self._checked_ = False
            self._weights_saved_ = False
            buffers, saved, _ = self._running_stats(net)
            if buffers:
                foreach_copy_(saved, buffers)

    def _running_stats(self, net):
        """The normalization layers' statistics, their copies, and the floating ones.

        A forward pass in training mode updates them (BatchNorm's running mean
        and variance) before the loss is known: a non-finite batch would poison
        them, and with them every prediction. They are checked with the
        gradients, saved before each training batch and restored on a hit,
        like the weights. The list is taken once per fit (again if a module is
        replaced).

        Returns the buffers, saved copies of them, and ``(name, buffer)`` for
        the floating ones.
        """
        names = net_module_names(net)
        key = tuple(id(getattr(net, name + "_", None)) for name in names)
        if self._stats_ is None or self._stats_[0] != key:
            modules = [getattr(net, name + "_", None) for name in names]
            named = [
                (
                    prefix
                    + (f"{layer_name}.{buffer_name}" if layer_name else buffer_name),
                    buffer,
                )
                for name, module in zip(names, modules, strict=True)
                if isinstance(module, torch.nn.Module)
                for prefix in ["" if name == "module" else f"{name}_."]
                for layer_name, layer in module.named_modules()
                if isinstance(layer, NormBase)
                for buffer_name, buffer in layer.named_buffers(recurse=False)
            ]
            if any(is_lazy(buffer) for _, buffer in named):
                return [], [], []  # a lazy module not run yet: nothing to keep
            self._stats_ = (
                key,
                [buffer for _, buffer in named],
                [buffer.detach().clone() for _, buffer in named],
                [(name, b) for name, b in named if b.is_floating_point()],
            )
        return self._stats_[1:]

    def _learnable(self, net):
        key = (id(getattr(net, "module_", None)), id(getattr(net, "criterion_", None)))
        if self._params_ is None or self._params_[0] != key:
            self._params_ = (key, list(net.get_all_learnable_params()))
        return self._params_[1]

    def _store_loss(self, module, args, output):
        if torch.is_tensor(output):
            self._loss_ = output.detach()

    # -------------------------------------------------------------- checks
    def on_grad_computed(
        self, net, named_parameters, X=None, y=None, training=None, **kwargs
    ):
        if not training:
            return
        loss = self._loss_
        self._checked_ = loss is not None or self.check_gradients
        stats = self._running_stats(net)[2]
        tensors = [b for _, b in stats] if stats else []
        params = None
        if self.check_gradients:
            # skorch's ``named_parameters`` walks every module on each batch;
            # the list kept per fit (refreshed if the module is replaced) is
            # the same and costs nothing.
            params = self._learnable(net)
            tensors += [p.grad for _, p in params if p.grad is not None]
        if tensors:
            suspect = _maybe_nonfinite(tensors, loss)
        else:  # the loss alone: one read
            value = None if loss is None else (loss if loss.ndim == 0 else loss.sum())
            suspect = value is not None and not math.isfinite(value.item())
        if not suspect:
            self._save_weights(net)
            return
        # A norm can overflow on huge but finite values: confirm exactly.
        loss_bad = loss is not None and not bool(torch.isfinite(loss).all())
        bad_params = []
        if params is not None:
            bad_params = [
                name
                for name, p in params
                if p.grad is not None and not bool(torch.isfinite(p.grad).all())
            ]
        bad_stats = [n for n, b in stats if not bool(torch.isfinite(b).all())]
        if not loss_bad and not bad_params and not bad_stats:
            self._save_weights(net)
            return
        if loss_bad:
            what = "loss"
        elif bad_params:
            what = "gradients"
        else:
            what = "running statistics"
        self._on_hit(
            net,
            kwargs.get("batch"),
            what=what,
            loss=None if loss is None else float(loss.sum()),
            bad_params=bad_params if what == "gradients" else [],
            bad_stats=bad_stats if what == "running statistics" else [],
            applied=False,
        )

    def _save_weights(self, net):
        """Copy the weights before a step the checks allowed (undone if bad)."""
        if not self.check_gradients:
            return
        params = [p.detach() for _, p in self._learnable(net)]
        if self._saved_ is None or self._saved_[0] is not self._params_:
            # Kept per list of learnable parameters (a new module, a new copy).
            self._saved_ = (self._params_, [p.clone() for p in params])
        else:
            foreach_copy_(self._saved_[1], params)
        self._weights_saved_ = True

    def _check_step(self, net):
        """After a step from finite gradients: were the weights kept finite?"""
        self._weights_saved_ = False
        params = self._learnable(net)
        if not _maybe_nonfinite([p.detach() for _, p in params], None):
            return
        bad = [n for n, p in params if not bool(torch.isfinite(p.detach()).all())]
        if not bad:
            return
        with torch.no_grad():
            foreach_copy_([p for _, p in params], self._saved_[1])
        layer = bad[0].rpartition(".")[0]
        diagnosis = {
            "epoch": len(net.history),
            "batch": self._batch_,
            "what": "weights",
            "phase": "step",
            "module": layer,
            "parameters": bad,
            "detail": (
                f"the optimizer step made {describe(bad, quote=True)} non-finite "
                "although the loss and every gradient were finite (lr times a "
                "huge gradient, or an optimizer state, beyond the range of "
                f"{params[0][1].dtype}); the step was undone"
            ),
        }
        message = _message(diagnosis, applied=True)
        self.diagnosis_ = {**diagnosis, "message": message}
        net.history.record_batch("nonfinite", "weights")
        self._act(
            net,
            message,
            diagnosis,
            kept="the last finite ones (before that step)",
            skipped="The step was undone and the batch skipped",
        )

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if not training:
            return
        self._epoch_batches_ += 1
        if self._weights_saved_ and not self._skip_:
            self._check_step(net)
        if not self._skip_ and not self._checked_:
            # The loss was not seen before the step (a criterion that is not a
            # torch module, or a train_step that does not notify
            # on_grad_computed): check the value skorch recorded.
            loss = net.history[-1, "batches", -1].get("train_loss")
            if loss is not None and not math.isfinite(loss):
                self._on_hit(
                    net, batch, what="loss", loss=loss, bad_params=[], applied=True
                )
        if self._skip_:
            record = net.history[-1]["batches"][-1]
            record["train_loss_skipped"] = record.pop("train_loss", None)
            record.pop("train_batch_size", None)
            self._epoch_skipped_ += 1

    # ------------------------------------------------------------- actions
    def _on_hit(self, net, batch, *, what, loss, bad_params, applied, bad_stats=()):
        Xi, yi = unpack_data(batch)
        diagnosis = diagnose_batch(
            net,
            Xi,
            yi,
            what=what,
            loss=loss,
            bad_params=bad_params,
            bad_stats=bad_stats,
            dataset=self._dataset_,
        )
        diagnosis = {"epoch": len(net.history), "batch": self._batch_, **diagnosis}
        message = _message(diagnosis, applied=applied)
        self.diagnosis_ = {**diagnosis, "message": message}
        # Nothing may step with these gradients, whatever the policy, and the
        # running statistics go back to their values before the batch.
        for _, param in net.get_all_learnable_params():
            param.grad = None
        buffers, saved, _ = self._running_stats(net)
        if buffers:
            foreach_copy_(buffers, saved)
        net.history.record_batch("nonfinite", what)
        kept = "those of the last step" if applied else "the last finite ones"
        self._act(net, message, diagnosis, kept=kept, skipped="The batch was skipped")

    def _act(self, net, message, diagnosis, *, kept, skipped):
        """The policy: raise, stop (weights ``kept``) or skip the batch."""
        if self.on_nonfinite == "raise":
            self._forget()
            raise NonFiniteTrainingError(message, **diagnosis)
        if self.on_nonfinite == "stop":
            self._report(net, f"{message} Training stopped; the weights are {kept}.")
            raise KeyboardInterrupt
        self._skip_ = True
        self.n_skipped_ += 1
        if self.n_skipped_ == 1:
            self._report(
                net,
                f"{message} {skipped}; further skips are counted in the history "
                "(train_batches_skipped).",
            )

    def _report(self, net, text):
        warnings.warn(text, NonFiniteTrainingWarning, stacklevel=user_stacklevel())
        if self.sink is not print or net.verbose:
            self.sink(text)


def _message(d, *, applied):
    when = (
        "after the optimizer step (the criterion is not a torch.nn.Module, so "
        "the loss could only be read then)"
        if applied
        else "before the optimizer step"
    )
    if d.get("phase") == "step":
        when = "after the optimizer step"
    if d["what"] == "loss":
        what = f"the training loss is {format_number(d['loss'])}"
    else:
        what = f"the {d['what']} are non-finite"
    return (
        f"NonFiniteGuard: {what} at epoch {d['epoch']}, batch {d['batch']}, "
        f"{when}. Cause: {d['detail']}. Fix: {fix_for('guard_' + d['phase'])}"
    )


# ---------------------------------------------------------- cheap checks
def _grad_norms(grads):
    """The L2 norm of each gradient: one ``torch._foreach_norm`` per group.

    Gradients are grouped by device and dtype (one group, and a single fused
    kernel on CUDA, in the common case); half-precision ones are reduced in
    float32, whose range their squares need. Returns the norms (0-d tensors)
    and whether they all live on the CPU.
    """
    if not grads:
        return [], True
    first = grads[0]
    device, dtype = first.device, first.dtype
    if dtype in _NORM_DTYPES and all(
        g.device == device and g.dtype == dtype and g.layout == torch.strided
        for g in grads
    ):
        return foreach_norm(grads), device.type == "cpu"
    groups = {}
    for grad in grads:
        if grad.layout != torch.strided:
            grad = grad.coalesce().values() if grad.is_sparse else grad.to_dense()
        groups.setdefault((grad.device, grad.dtype), []).append(grad)
    norms = []
    for (_, group_dtype), group in groups.items():
        kwargs = {} if group_dtype in _NORM_DTYPES else {"dtype": torch.float32}
        norms.extend(foreach_norm(group, 2, **kwargs))
    return norms, all(device.type == "cpu" for device, _ in groups)


def _maybe_nonfinite(grads, loss):
    """Whether the loss or a gradient may be non-finite, from one cheap reduction.

    Sums the loss and the norms of the gradients. On the CPU the few norms
    are read one by one into a Python float (reading is free there); on an
    accelerator they are summed on the device and read once: a single
    synchronisation. A norm can overflow on huge but finite gradients, so
    True is only a suspicion, which the caller confirms exactly.
    """
    values, on_cpu = _grad_norms(grads)
    if loss is not None:
        values.append(loss if loss.ndim == 0 else loss.sum())
        on_cpu = on_cpu and loss.device.type == "cpu"
    if not values:
        return False
    if on_cpu:
        total = 0.0
        for value in values:
            total += value.item()
    else:
        device = values[-1].device
        total = torch.stack([v.to(device, torch.float32) for v in values]).sum()
        total = total.item()
    return not math.isfinite(total)
