"""``save_params`` / ``load_params`` that keep what the net learned from the data.

skorch saves the module's weights (``f_params``), and a fresh net that
loads them knows nothing of the data: a regressor would predict in the
target scaler's units, a classifier would not know its labels. The safe
nets write their learned data attributes (``n_features_in_``, the classes,
the target scaler, the learned module widths, ...) as JSON into one uint8
tensor under the key :data:`STATE_KEY` of the ``f_params`` state dict, so
they travel in the same file with ``torch.save`` and with safetensors, and
load under ``torch.load(weights_only=True)``: nothing is unpickled.
"""

import json
import warnings
from contextlib import contextmanager

import numpy as np
import torch

from ..exceptions import SktorchsafeWarning
from ..steps.standardize import SafeStandardScaler

__all__ = ["STATE_KEY"]

#: The key of the net's learned state in a saved ``f_params`` state dict.
STATE_KEY = "_sktorchsafe_state"
_VERSION = 1
#: Learned attributes saved beside ``_data_attributes``.
_EXTRA = ("output_kind_", "_learned_widths")


def _encode(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        dtype = "object" if value.dtype == object else value.dtype.str
        return {"array": value.tolist(), "dtype": dtype}
    if isinstance(value, SafeStandardScaler):
        # Its parameters and fitted attributes: enough to transform and to
        # invert, not to continue a partial_fit.
        kept = {k: v for k, v in vars(value).items() if not k.startswith("_")}
        return {"scaler": {k: _encode(v) for k, v in kept.items()}}
    if isinstance(value, dict):
        return {"dict": {k: _encode(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    raise TypeError(f"cannot save a {type(value).__name__}")


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "array" in value:
        return np.array(value["array"], dtype=value["dtype"])
    if "scaler" in value:
        scaler = SafeStandardScaler()
        scaler.__dict__.update({k: _decode(v) for k, v in value["scaler"].items()})
        return scaler
    return {k: _decode(v) for k, v in value["dict"].items()}


def _saved_names(net):
    return (*net._data_attributes, *_EXTRA)


def encode_state(net):
    """The net's learned data attributes as a uint8 tensor (JSON inside)."""
    attributes = {}
    for name in _saved_names(net):
        if name not in vars(net):
            continue
        try:
            attributes[name] = _encode(vars(net)[name])
        except TypeError as error:
            warnings.warn(
                f"{type(net).__name__}.save_params: {name} is not saved ({error}); "
                "a net that loads the file will lack it (classes_: pass "
                "classes= to that net).",
                SktorchsafeWarning,
                stacklevel=4,
            )
    text = json.dumps({"version": _VERSION, "attributes": attributes})
    return torch.frombuffer(bytearray(text.encode()), dtype=torch.uint8)


def restore_state(net, tensor):
    """Set the learned data attributes saved by :func:`encode_state`.

    Only the attributes this net saves are read; anything else in the file
    is ignored.
    """
    data = bytes(tensor.detach().cpu().numpy().astype(np.uint8))
    attributes = json.loads(data.decode())["attributes"]
    for name in _saved_names(net):
        if name in attributes:
            net.__dict__[name] = _decode(attributes[name])


class _StatefulModule:
    """Stands for ``module_`` while skorch saves or loads ``f_params``."""

    def __init__(self, net, module):
        self.net = net
        self.module = module

    def state_dict(self, *args, **kwargs):
        state = self.module.state_dict(*args, **kwargs)
        state[STATE_KEY] = encode_state(self.net)
        return state

    def load_state_dict(self, state_dict, *args, **kwargs):
        state_dict = dict(state_dict)
        saved = state_dict.pop(STATE_KEY, None)
        result = self.module.load_state_dict(state_dict, *args, **kwargs)
        if saved is not None:
            restore_state(self.net, saved)
        return result


@contextmanager
def _stateful_module(net):
    module = vars(net).get("module_")
    if not isinstance(module, torch.nn.Module):
        yield
        return
    vars(net)["module_"] = _StatefulModule(net, module)
    try:
        yield
    finally:
        vars(net)["module_"] = module


class _SavedState:
    """``save_params`` / ``load_params`` with the net's learned state."""

    def save_params(self, f_params=None, **kwargs):
        """Save the module, optimizer, criterion and history, as in skorch.

        ``f_params`` also holds what the net learned from the data (the
        classes, the target scaler, ``n_features_in_``, the learned module
        widths), under the key ``"_sktorchsafe_state"`` of the state dict, so
        that a net that loads it predicts as this one does. To load the
        weights into a bare torch module, drop that key first:
        ``state.pop("_sktorchsafe_state")``.

        Parameters
        ----------
        f_params : str, file-like or None, default=None
            Where to save the module's state dict (and the learned state).
        **kwargs
            Every other parameter of ``skorch.NeuralNet.save_params``
            (``f_optimizer``, ``f_criterion``, ``f_history``,
            ``use_safetensors``, ``f_<module>``).
        """
        with _stateful_module(self):
            return super().save_params(f_params=f_params, **kwargs)

    def load_params(self, f_params=None, checkpoint=None, **kwargs):
        """Load what :meth:`save_params` saved, the learned state included.

        Initialize the net first, as in skorch (``net.initialize()``, with the
        module's widths given when it learned them from the data in ``fit``:
        ``module__in_features=...``); a file saved by skorch itself loads
        too, without the learned state.

        Parameters
        ----------
        f_params : str, file-like or None, default=None
            The module's saved state dict.
        checkpoint : skorch.callbacks.Checkpoint or None, default=None
            As in skorch.
        **kwargs
            Every other parameter of ``skorch.NeuralNet.load_params``.
        """
        if checkpoint is not None and not self.initialized_:
            self.initialize()
        with _stateful_module(self):
            return super().load_params(
                f_params=f_params, checkpoint=checkpoint, **kwargs
            )
