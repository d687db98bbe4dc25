"""The X side of the torch boundary: the data a skorch net's module receives.

A scikit-learn user hands a net what scikit-learn estimators take: a
DataFrame, float64 or int arrays, a sparse matrix. :class:`_TorchBoundary`
turns it into one float32 array (float64 for a float64 module), once, before
skorch sees it, and refuses NaN, ±inf and values beyond the float32 range
with the rows and features named; a skorch ``Dataset``, a ``dict`` of inputs
and torch tensors go through as they are, their floating tensors cast to the
module's dtype batch by batch. It also keeps ``BatchNorm1d`` from a one-row
last training batch.
"""

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
import torch
from scipy import sparse
from skorch.utils import is_dataset, to_tensor
from torch.utils.data import DataLoader

from ..core.messages import describe, fix_for, plural, user_stacklevel
from ..core.validation import feature_names, nonfinite_report, validate_X
from ..exceptions import DataQualityWarning, NonFiniteInputError

__all__ = ["FLOAT32_MAX", "passes_through"]

#: The largest float32: beyond it a value becomes ±inf inside the net.
FLOAT32_MAX = float(np.finfo(np.float32).max)


def passes_through(X):
    """Whether ``X`` goes to skorch as it is: a ``Dataset``, a dict, a tensor."""
    return is_dataset(X) or isinstance(X, Mapping) or torch.is_tensor(X)


def _input_array(value):
    """A value of a dict input as a writable numpy array, where it is an array.

    skorch would index a DataFrame or Series by label; nullable columns with
    NA become float64 with NaN (which the guard then names), nullable
    integers without NA int64 (codes for an embedding: pandas 2.0 hands them
    over as objects).
    """
    if isinstance(value, (pd.DataFrame, pd.Series)):
        array = value.to_numpy()
        if array.dtype == object:
            dtypes = value.dtypes if isinstance(value, pd.DataFrame) else [value.dtype]
            whole = all(pd.api.types.is_integer_dtype(d) for d in dtypes)
            if whole and not value.isna().to_numpy().any():
                return value.to_numpy(dtype=np.int64)
            try:
                array = value.to_numpy(dtype=np.float64, na_value=np.nan)
            except (TypeError, ValueError):
                pass  # not numeric: skorch's collate says so
    elif isinstance(value, np.ndarray):
        array = value
    else:
        return value
    # A read-only view (copy-on-write) would reach torch as a tensor that must
    # not be written: copy it then.
    return np.require(array, requirements="W")


def _cast_floats(x, dtype):
    """Cast the floating tensors in ``x`` (tensor or dict of tensors) to ``dtype``."""
    if torch.is_tensor(x):
        return x.to(dtype) if x.is_floating_point() and x.dtype != dtype else x
    if isinstance(x, Mapping):
        return {key: _cast_floats(value, dtype) for key, value in x.items()}
    return x


class _TorchBoundary:
    """The X side of a safe net (a mixin before skorch's ``NeuralNet``)."""

    def _module_dtype(self):
        """The dtype of the module's first floating parameter, or None."""
        module = getattr(self, "module_", None)
        if not isinstance(module, torch.nn.Module):
            return None
        return next(
            (p.dtype for p in module.parameters() if p.is_floating_point()), None
        )

    def _prepare_X(self, X, *, reset):
        """One float32 array (or CSR matrix) for the net; refuse NaN and ±inf.

        float64 is kept for a module whose parameters are float64. A skorch
        ``Dataset``, a ``dict`` of inputs (for modules whose ``forward`` takes
        several arguments) and torch tensors are passed on as they are: the
        guard watches them during training, and floating tensors are cast to
        the module's dtype in :meth:`infer`.
        """
        if passes_through(X):
            if reset:
                for name in ("n_features_in_", "feature_names_in_"):
                    self.__dict__.pop(name, None)
            if isinstance(X, Mapping):
                X = {key: _input_array(value) for key, value in X.items()}
            return X
        X = validate_X(
            self,
            X,
            reset=reset,
            allow_nan=False,
            allow_inf=False,
            fix=fix_for("guard_input"),
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
        )
        if X.dtype == np.float32 or self._module_dtype() == torch.float64:
            # A read-only view (e.g. of a DataFrame under copy-on-write) would
            # reach torch as a tensor that must not be written: copy it then.
            return X if sparse.issparse(X) else np.require(X, requirements="W")
        with np.errstate(over="ignore"):
            X32 = X.astype(np.float32)
        report = nonfinite_report(X32, allow_nan=True, allow_inf=False)
        if report:
            names = feature_names(self, n_features=X.shape[1])
            parts = [
                f"{names[j]!r} ({plural(rows.size, 'row')}: {describe(rows)})"
                for j, _, rows in report
            ]
            raise NonFiniteInputError(
                f"{type(self).__name__}: X has values beyond the float32 range "
                f"(±{FLOAT32_MAX:.3g}) the net computes in, in {len(report)} "
                f"feature(s): {describe(parts)}. Scale X before the net: "
                "SafeStandardScaler(dtype=np.float32), as in make_safe_pipeline."
            )
        return X32

    def infer(self, x, **fit_params):
        """Run the module on a batch, cast to the dtype of its parameters.

        A float64 batch (e.g. from a user's Dataset) meets a float32 module
        (or a float32 batch a float64 module) without a dtype error.
        """
        dtype = self._module_dtype()
        if dtype is not None:
            x = _cast_floats(to_tensor(x, device=self.device), dtype)
        return super().infer(x, **fit_params)

    def forward_iter(self, X, training=False, device="cpu"):
        """Yield the module's outputs batch by batch; X is checked like in ``fit``.

        NaN or ±inf in X raise
        :class:`~sktorchsafe.exceptions.NonFiniteInputError` naming the rows
        and features, instead of predictions that are silently NaN.
        """
        self.check_is_fitted()
        X = self._prepare_X(X, reset=False)
        return super().forward_iter(X, training=training, device=device)

    def get_iterator(self, dataset, training=False):
        """skorch's ``DataLoader``; no one-row last batch for ``BatchNorm1d``.

        ``BatchNorm1d`` cannot normalize a single row in training mode (torch
        raises), and a training set whose size leaves one row after the last
        full batch is a matter of chance in cross-validation. That row is
        left out of each epoch (``drop_last=True``), with a warning.
        """
        if not training:
            return super().get_iterator(dataset, training=training)
        kwargs = self.get_params_for("iterator_train")
        batch_size = kwargs.get("batch_size", self.batch_size)
        module = getattr(self, "module_", None)
        layers = module.modules() if isinstance(module, torch.nn.Module) else ()
        norm = next(
            (
                type(layer).__name__
                for layer in layers
                if isinstance(layer, torch.nn.BatchNorm1d)
            ),
            None,
        )
        try:
            n_rows = len(dataset)
        except TypeError:  # an iterable dataset
            n_rows = 0
        if (
            norm is None
            or n_rows < 2
            or batch_size in (-1, None)
            or n_rows % batch_size != 1
            or kwargs.get("drop_last")
            or "batch_sampler" in kwargs
            or not (
                isinstance(self.iterator_train, type)
                and issubclass(self.iterator_train, DataLoader)
            )
        ):
            return super().get_iterator(dataset, training=training)
        warnings.warn(
            f"{type(self).__name__}: the last training batch would hold 1 row "
            f"({n_rows} rows, batch_size={batch_size}), on which {norm} cannot "
            "train; it is left out of each epoch (iterator_train__drop_last=True). "
            "Pass iterator_train__shuffle=True so that it is a different row each "
            "epoch, or a batch_size that leaves more than one row.",
            DataQualityWarning,
            stacklevel=user_stacklevel(),
        )
        kwargs.update(batch_size=batch_size, drop_last=True)
        return self.iterator_train(dataset, **kwargs)
