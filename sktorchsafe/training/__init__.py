"""The training side: the safe skorch nets, the torch boundary, the guard, losses.

The only floor that imports torch and skorch; :mod:`sktorchsafe` resolves these
names on first use. One idea per module:

- ``nets``: :class:`SafeNeuralNetRegressor` and :class:`SafeNeuralNetClassifier`,
  each with its side of y;
- ``base``: what both nets share, left of skorch's net (data attributes,
  ``fit`` / ``partial_fit``, their own parameters, the guard among the default
  callbacks);
- ``boundary``: the X side of the torch boundary (one float32 array, dict,
  Dataset and tensor input, batches cast to the module's dtype, BatchNorm's
  one-row last batch);
- ``split``: the net's validation split checked against the data;
- ``outputs``: the module's output checked against the criterion, and
  predictions checked for NaN;
- ``guard``: :class:`NonFiniteGuard`, the callback and its cheap checks;
- ``replay``: a non-finite batch replayed with hooks, to name the module,
  rows and features that made it;
- ``losses``: :class:`MaskedMSELoss` and :class:`FocalLoss`;
- ``modules``: ready modules, :class:`TabularMLP` (numbers beside embedded
  category codes);
- ``preflight``: :func:`preflight`, the check of a network on a sample before
  the first epoch, and :class:`Preflight`, the callback that runs it at the
  start of ``fit`` (its setup, measuring run, and findings in the private
  ``_preflight_*`` modules).

``preflight``, :class:`PreflightReport` and :class:`Preflight` are importable
from here (``sktorchsafe.training.preflight`` is then the function).
"""

from .modules import TabularMLP
from .preflight import Preflight, PreflightReport, preflight

__all__ = ["Preflight", "PreflightReport", "TabularMLP", "preflight"]
