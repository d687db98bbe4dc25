"""The one home of private and version-dependent imports.

Everything sktorchsafe needs from scikit-learn, skorch or torch that is not a
public name of theirs comes through this module, each with the public
alternative where there is one and a fallback where a version lacks it
(scikit-learn keeps its own back-ports the same way, in
``sklearn/utils/fixes.py``). ruff's banned-imports rule keeps the rest of the
package on public names.

The oldest versions we support are the ones ``setup.cfg`` requires
(scikit-learn 1.6); the test suite runs against them in CI.

Torch names resolve on first use (PEP 562), so importing this module never
loads torch: the transformers and ``diagnose`` import it too.
"""

import functools
import inspect
import os

import numpy as np
import sklearn
from sklearn.preprocessing import StandardScaler

# Parameter validation: scikit-learn has no public home for it; every
# scikit-learn-compatible library imports it from here.
from sklearn.utils._param_validation import (  # noqa: TID251
    Interval,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)
from sklearn.utils.fixes import parse_version
from sklearn.utils.validation import (  # noqa: TID251
    _check_feature_names,
    _check_feature_names_in,
    _check_sample_weight,
)

from sklearn.base import _fit_context  # noqa: TID251  # isort: skip

__all__ = [
    "Interval",
    "SKLEARN_VERSION",
    "StrOptions",
    "check_feature_names",
    "check_feature_names_in",
    "check_n_features",
    "check_sample_weight",
    "check_same_namespace",
    "effective_n_threads",
    "fit_context",
    "foreach_copy_",
    "foreach_norm",
    "get_namespace",
    "is_constant_feature",
    "is_numpy_namespace",
    "net_module_names",
    "output_config",
    "parameter_constraints",
    "reject_unrequested_metadata",
    "standard_scaler_partial_fit",
    "uncompiled",
    "validate_parameter_constraints",
    "validate_params",
]

SKLEARN_VERSION = parse_version(parse_version(sklearn.__version__).base_version)

#: ``@fit_context(prefer_skip_nested_validation=True)`` on every ``fit``.
fit_context = _fit_context

check_feature_names = _check_feature_names
check_feature_names_in = _check_feature_names_in
check_sample_weight = _check_sample_weight


def check_n_features(estimator, X, *, reset):
    """Set or check ``n_features_in_``, as ``validate_data`` does."""
    try:  # scikit-learn >= 1.6 has it as a function
        from sklearn.utils.validation import _check_n_features  # noqa: TID251
    except ImportError:  # pragma: no cover - older: a method
        return estimator._check_n_features(X, reset=reset)
    return _check_n_features(estimator, X, reset=reset)


def output_config(estimator, method="transform"):
    """The ``set_output`` configuration in force for ``estimator``."""
    from sklearn.utils._set_output import _get_output_config  # noqa: TID251

    return _get_output_config(method, estimator)


# ---------------------------------------------------------------- array API
from sklearn.utils._array_api import get_namespace  # noqa: E402, TID251

try:  # scikit-learn >= 1.7
    from sklearn.utils._array_api import _is_numpy_namespace  # noqa: TID251
except ImportError:  # pragma: no cover

    def _is_numpy_namespace(xp):
        return xp.__name__ in {"numpy", "array_api_compat.numpy", "numpy.array_api"}


try:  # scikit-learn >= 1.9
    from sklearn.utils._array_api import check_same_namespace  # noqa: TID251
except ImportError:  # pragma: no cover
    check_same_namespace = None

is_numpy_namespace = _is_numpy_namespace


def is_constant_feature(var, mean, n_samples):
    """Whether a variance is indistinguishable from 0 at float64 precision.

    scikit-learn's own rule (``sklearn.preprocessing._data._is_constant_feature``,
    after Chan, Golub and LeVeque): the error bound of the two-pass variance.
    Written out here (numpy inputs only) so that it does not move with
    scikit-learn's private modules.
    """
    eps = np.finfo(np.float64).eps
    var = np.asarray(var, dtype=np.float64)
    mean = np.asarray(mean, dtype=np.float64)
    upper_bound = n_samples * eps * var + (n_samples * mean * eps) ** 2
    return var <= upper_bound


def standard_scaler_partial_fit(estimator, X, y=None, sample_weight=None):
    """``StandardScaler.partial_fit`` without its parameter validation.

    For a subclass that validated its parameters already (its own
    ``fit_context``) and hands scikit-learn inputs our fast path does not
    take (sparse, array API).
    """
    method = StandardScaler.partial_fit
    method = getattr(method, "__wrapped__", method)  # undo @_fit_context
    return method(estimator, X, y, sample_weight)


def parameter_constraints(estimator_class):
    """A copy of a scikit-learn estimator class's parameter constraints.

    For a subclass that adds parameters of its own
    (``{**parameter_constraints(StandardScaler), "dtype": [...]}``); scikit-learn
    keeps them in the private class attribute ``_parameter_constraints``.
    """
    return dict(estimator_class._parameter_constraints)


def effective_n_threads():
    """The threads scikit-learn's OpenMP code would use (respects OMP_NUM_THREADS
    and CPU quotas); the number of usable CPUs where that helper is missing."""
    try:
        from sklearn.utils._openmp_helpers import (  # noqa: TID251
            _openmp_effective_n_threads,
        )
    except ImportError:  # pragma: no cover
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return _openmp_effective_n_threads()


# -------------------------------------------------------------------- torch
def foreach_norm(tensors, ord=2, **kwargs):
    """``[t.norm(ord) for t in tensors]`` as one fused kernel where torch has it."""
    import torch

    fused = getattr(torch, "_foreach_norm", None)
    if fused is not None:
        return list(fused(tensors, ord, **kwargs))
    dtype = kwargs.get("dtype")  # pragma: no cover - torch without foreach
    return [torch.linalg.vector_norm(t, ord, dtype=dtype) for t in tensors]


def foreach_copy_(destinations, sources):
    """Copy each source tensor into its destination, fused where torch can."""
    import torch

    fused = getattr(torch, "_foreach_copy_", None)
    if fused is not None:
        fused(destinations, sources)
        return
    with torch.no_grad():  # pragma: no cover - torch without foreach
        for destination, source in zip(destinations, sources, strict=True):
            destination.copy_(source)


def uncompiled(module):
    """The module inside a ``torch.compile`` wrapper, or ``module`` itself.

    ``torch.compile(module)`` returns an ``OptimizedModule`` that keeps the
    original as ``_orig_mod`` (torch has no public accessor); type checks
    such as "is the criterion an ``NLLLoss``" look through it.
    """
    return getattr(module, "_orig_mod", module)


# ------------------------------------------------------------------- skorch
def net_module_names(net):
    """The names of the modules a skorch net registered (``module``, ...).

    skorch keeps them in ``net._modules`` (``"module"`` and every
    ``<name>_`` module a subclass sets in ``initialize_module``), without a
    public accessor; ``["module"]`` where a version keeps no such list.
    """
    names = getattr(net, "_modules", None)
    return list(names) if names is not None else ["module"]


def reject_unrequested_metadata(net, method, fit_params):
    """Raise now the ``TypeError`` skorch's fit loop raises for unrequested metadata.

    With scikit-learn's metadata routing enabled, skorch (1.4 and later)
    routes ``fit_params`` through ``process_routing`` in its fit loop, and a
    parameter no consumer requested raises there, after the net has
    checked the data; the safe nets check first, so that a wrong call is
    named before its data. Without routing, or with a skorch that does not
    route, nothing is checked here (skorch passes the parameters on).
    """
    from sklearn import get_config
    from sklearn.utils.metadata_routing import process_routing

    if get_config().get("enable_metadata_routing", False) and _skorch_routes():
        params = {k: v for k, v in fit_params.items() if k != "_routing_method"}
        process_routing(net, method, **params)


@functools.cache
def _skorch_routes():
    """Whether skorch's fit loop routes fit parameters (skorch 1.4 and later)."""
    from skorch import NeuralNet

    return "_routing_method" in inspect.signature(NeuralNet.fit_loop).parameters


def __getattr__(name):
    # Torch classes without a public name, resolved (and torch loaded) on use.
    if name == "NormBase":
        # The base of BatchNorm*, InstanceNorm* and SyncBatchNorm: the layers
        # that keep running statistics.
        from torch.nn.modules.batchnorm import _NormBase  # noqa: TID251

        return _NormBase
    if name == "LossBase":
        # The base of torch's built-in losses.
        from torch.nn.modules.loss import _Loss  # noqa: TID251

        return _Loss
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# scikit-learn's parameter error (a ValueError and a TypeError), for parameters
# checked outside ``_parameter_constraints``: a function's, a torch loss's.
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402, TID251

__all__ += ["InvalidParameterError", "to_numpy"]


def to_numpy(array):
    """A numpy copy of an array of any array-API namespace and device."""
    if isinstance(array, np.ndarray) or np.isscalar(array):
        return np.asarray(array)
    xp, _ = get_namespace(array)
    try:  # scikit-learn >= 1.8
        from sklearn.utils._array_api import move_to  # noqa: TID251
    except ImportError:  # pragma: no cover
        from sklearn.utils._array_api import _convert_to_numpy  # noqa: TID251

        return _convert_to_numpy(array, xp)
    return move_to(array, xp=np, device="cpu")
