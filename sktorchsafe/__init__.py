"""sktorchsafe: PyTorch training through skorch, safe from bad data.

Put our transformers in front of a skorch net inside a plain
``sklearn.pipeline.Pipeline`` and every fit gets clean, float32 input; if
training still goes non-finite, :class:`NonFiniteGuard` stops it and says which
layer, rows and features did it.

The transformers, :func:`diagnose` and :func:`stream_fit` never load torch; the
training names (the safe nets, :class:`NonFiniteGuard`, :func:`preflight` and
:class:`Preflight`, the losses) import torch and skorch the first time they are
looked up (PEP 562).
"""

import importlib

from . import exceptions
from .exceptions import (
    DataQualityError,
    DataQualityWarning,
    InputTypeError,
    ModuleConfigError,
    NonFiniteInputError,
    NonFiniteTrainingError,
    NonFiniteTrainingWarning,
    PreflightWarning,
    ScaleDisparityWarning,
    SktorchsafeError,
    SktorchsafeWarning,
    TargetError,
)
from .face.diagnose import diagnose
from .face.pipeline import make_safe_pipeline
from .face.report import DiagnosisReport
from .face.stream import stream_fit
from .steps.encode import TableEncoder
from .steps.impute import ImputerSelector
from .steps.outliers import OutlierClipper
from .steps.scaling import ScaleDisparityChecker
from .steps.standardize import SafeStandardScaler
from .steps.target import TargetValidator

__version__ = "0.1.0.dev0"

#: The names that need torch, and the module that defines each.
_TRAINING = {
    "FocalLoss": "sktorchsafe.training.losses",
    "MaskedMSELoss": "sktorchsafe.training.losses",
    "NonFiniteGuard": "sktorchsafe.training.guard",
    "Preflight": "sktorchsafe.training.preflight",
    "PreflightReport": "sktorchsafe.training.preflight",
    "SafeNeuralNetClassifier": "sktorchsafe.training.nets",
    "SafeNeuralNetRegressor": "sktorchsafe.training.nets",
    "TabularMLP": "sktorchsafe.training.modules",
    "preflight": "sktorchsafe.training.preflight",
}


def __getattr__(name):
    module = _TRAINING.get(name)
    if module is None:
        raise AttributeError(f"module 'sktorchsafe' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(_TRAINING))


__all__ = [
    "DataQualityError",
    "DataQualityWarning",
    "DiagnosisReport",
    "FocalLoss",
    "ImputerSelector",
    "InputTypeError",
    "MaskedMSELoss",
    "ModuleConfigError",
    "NonFiniteGuard",
    "NonFiniteInputError",
    "NonFiniteTrainingError",
    "NonFiniteTrainingWarning",
    "OutlierClipper",
    "Preflight",
    "PreflightReport",
    "PreflightWarning",
    "SafeNeuralNetClassifier",
    "SafeNeuralNetRegressor",
    "SafeStandardScaler",
    "ScaleDisparityChecker",
    "ScaleDisparityWarning",
    "SktorchsafeError",
    "SktorchsafeWarning",
    "TableEncoder",
    "TabularMLP",
    "TargetError",
    "TargetValidator",
    "diagnose",
    "exceptions",
    "make_safe_pipeline",
    "preflight",
    "stream_fit",
]
