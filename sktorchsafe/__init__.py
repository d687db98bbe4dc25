"""sktorchsafe: PyTorch training through skorch, safe from bad data.

Put our transformers in front of a skorch net inside a plain
``sklearn.pipeline.Pipeline`` and every fit gets clean, float32 input; if
training still goes non-finite, :class:`NonFiniteGuard` stops it and says which
layer, rows and features did it.
"""

from . import exceptions
from .callbacks import NonFiniteGuard
from .diagnose import DiagnosisReport, diagnose
from .exceptions import (
    DataQualityError,
    DataQualityWarning,
    InputTypeError,
    ModuleConfigError,
    NonFiniteInputError,
    NonFiniteTrainingError,
    NonFiniteTrainingWarning,
    ScaleDisparityWarning,
    SktorchsafeError,
    SktorchsafeWarning,
    TargetError,
)
from .impute import ImputerSelector
from .losses import FocalLoss, MaskedMSELoss
from .nets import SafeNeuralNetClassifier, SafeNeuralNetRegressor
from .outliers import OutlierClipper
from .pipeline import make_safe_pipeline
from .scaling import ScaleDisparityChecker
from .standardize import SafeStandardScaler
from .stream import stream_fit
from .target import TargetValidator

__version__ = "0.1.0.dev0"

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
    "SafeNeuralNetClassifier",
    "SafeNeuralNetRegressor",
    "SafeStandardScaler",
    "ScaleDisparityChecker",
    "ScaleDisparityWarning",
    "SktorchsafeError",
    "SktorchsafeWarning",
    "TargetError",
    "TargetValidator",
    "diagnose",
    "exceptions",
    "make_safe_pipeline",
    "stream_fit",
]
