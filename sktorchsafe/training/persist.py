"""``save_params`` / ``load_params`` that keep what the net learned from the data.

skorch saves the module's weights (``f_params``), and a fresh net that
loads them knows nothing of the data: a regressor would predict in the
target scaler's units, a classifier would not know its labels. The safe
nets write their learned data attributes (``n_features_in_``, the classes,
the target scaler, the learned module widths, ...) as JSON text into the
metadata of the ``f_params`` file, under :data:`STATE_KEY`: the state
dict's ``_metadata`` (where torch keeps the layers' versions) with
``torch.save``, the header's ``__metadata__`` with safetensors. The weights
stay the module's own state dict, so the file loads into a bare module
(``module.load_state_dict(torch.load(f, weights_only=True))``, safetensors'
``load_file``) and under ``weights_only=True``: nothing is unpickled.
"""

import io
import json
import os
import warnings
from collections import OrderedDict
from contextlib import contextmanager
from functools import partial

import numpy as np
import torch

from ..exceptions import SktorchsafeWarning
from ..steps.standardize import SafeStandardScaler

__all__ = ["STATE_KEY", "safetensors_state", "save_safetensors"]

#: The key of the net's learned state in the metadata of a saved ``f_params``.
STATE_KEY = "sktorchsafe_state"
#: Where files of earlier versions kept it: a uint8 tensor of the state dict.
_TENSOR_KEY = "_sktorchsafe_state"
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
    """The net's learned data attributes as JSON text."""
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
    return json.dumps({"version": _VERSION, "attributes": attributes})


def restore_state(net, saved):
    """Set the learned data attributes saved by :func:`encode_state`.

    ``saved`` is the JSON text, or the uint8 tensor earlier versions saved.
    Only the attributes this net saves are read; anything else is ignored.
    """
    if torch.is_tensor(saved):
        saved = bytes(saved.detach().cpu().numpy().astype(np.uint8)).decode()
    attributes = json.loads(saved)["attributes"]
    for name in _saved_names(net):
        if name in attributes:
            net.__dict__[name] = _decode(attributes[name])


def save_safetensors(net, f):
    """Write the module's weights and the learned state (header) to ``f``."""
    from safetensors.torch import save, save_file

    state = net.module_.state_dict()
    metadata = {STATE_KEY: encode_state(net)}
    if isinstance(f, (str, os.PathLike)):
        save_file(state, f, metadata=metadata)
    else:
        f.write(save(state, metadata=metadata))


def safetensors_state(f):
    """``(f, saved)``: the learned state in the header of the safetensors ``f``.

    A file object is read whole and handed back as a fresh one, for skorch
    to read the weights from; ``saved`` is None in a file without the state.
    """
    if isinstance(f, (str, os.PathLike)):
        from safetensors import safe_open

        with safe_open(f, framework="pt") as opened:
            return f, (opened.metadata() or {}).get(STATE_KEY)
    data = f.read()
    size = int.from_bytes(data[:8], "little")  # the format's header length
    try:
        metadata = json.loads(data[8 : 8 + size]).get("__metadata__") or {}
    except ValueError:
        metadata = {}  # not a safetensors file: skorch's loader says so
    return io.BytesIO(data), metadata.get(STATE_KEY)


def _checkpoint_state(net, checkpoint):
    """The learned state in the safetensors ``f_params`` of ``checkpoint``."""
    f = checkpoint.get_formatted_files(net).get("f_params")
    if isinstance(f, (str, os.PathLike)) and os.path.exists(f):
        return safetensors_state(f)[1]
    return None


class _StatefulModule:
    """Stands for ``module_`` while skorch saves or loads ``f_params``."""

    def __init__(self, net, module, saved=None):
        self.net = net
        self.module = module
        self.saved = saved  # of a safetensors header (or how to read it)

    def state_dict(self, *args, **kwargs):
        state = self.module.state_dict(*args, **kwargs)
        metadata = getattr(state, "_metadata", None)
        if metadata is None:
            metadata = state._metadata = OrderedDict()
        metadata[""] = {**metadata.get("", {}), STATE_KEY: encode_state(self.net)}
        return state

    def load_state_dict(self, state_dict, *args, **kwargs):
        saved = self.saved() if callable(self.saved) else self.saved
        metadata = getattr(state_dict, "_metadata", None) or {}
        saved = metadata.get("", {}).get(STATE_KEY, saved)
        if _TENSOR_KEY in state_dict:  # a file of an earlier version
            state_dict = OrderedDict(state_dict)
            saved = state_dict.pop(_TENSOR_KEY)
            state_dict._metadata = metadata
        result = self.module.load_state_dict(state_dict, *args, **kwargs)
        if saved is not None:
            restore_state(self.net, saved)
        return result


@contextmanager
def _stateful_module(net, saved=None):
    module = vars(net).get("module_")
    if not isinstance(module, torch.nn.Module):
        yield
        return
    vars(net)["module_"] = _StatefulModule(net, module, saved)
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
        widths) in its metadata (``"sktorchsafe_state"``), so that a net that
        loads it predicts as this one does. The weights are the module's own
        state dict: a bare torch module loads them as they are.

        Parameters
        ----------
        f_params : str, file-like or None, default=None
            Where to save the module's state dict (and the learned state).
        **kwargs
            Every other parameter of ``skorch.NeuralNet.save_params``
            (``f_optimizer``, ``f_criterion``, ``f_history``,
            ``use_safetensors``, ``f_<module>``).
        """
        if kwargs.get("use_safetensors", False):
            # skorch's safetensors writer takes no metadata: the weights and
            # the learned state are written here (``f_module`` is skorch's
            # other name of ``f_params``, which Checkpoint uses).
            f = kwargs.pop("f_module", None) if f_params is None else f_params
            if f is not None:
                self.check_is_fitted(["module_"])
                save_safetensors(self, f)
            f_params = None
            if all(v is None for k, v in kwargs.items() if k.startswith("f_")):
                return None
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
        saved = None
        if kwargs.get("use_safetensors", False):
            # skorch's safetensors reader drops the header: read it first.
            if f_params is not None:
                f_params, saved = safetensors_state(f_params)
            elif kwargs.get("f_module") is not None:
                kwargs["f_module"], saved = safetensors_state(kwargs["f_module"])
            elif checkpoint is not None:
                # Named after the history skorch loads first: read on loading.
                saved = partial(_checkpoint_state, self, checkpoint)
        with _stateful_module(self, saved):
            return super().load_params(
                f_params=f_params, checkpoint=checkpoint, **kwargs
            )
