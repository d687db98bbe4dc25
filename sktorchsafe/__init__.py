"""sktorchsafe: PyTorch training through skorch, safe from bad data.

Put our transformers in front of a skorch net inside a plain
``sklearn.pipeline.Pipeline`` and every fit gets clean, float32 input; if
training still goes non-finite, :class:`NonFiniteGuard` stops it and says which
layer, rows and features did it.
"""

from . import exceptions
from .exceptions import (
    DataQualityWarning,
    InputTypeError,
    NonFiniteInputError,
    NonFiniteTrainingError,
    ScaleDisparityWarning,
    SktorchsafeError,
    SktorchsafeWarning,
    TargetError,
)
from .standardize import SafeStandardScaler

__version__ = "0.1.0.dev0"

__all__ = [
    "DataQualityWarning",
    "InputTypeError",
    "NonFiniteInputError",
    "NonFiniteTrainingError",
    "SafeStandardScaler",
    "ScaleDisparityWarning",
    "SktorchsafeError",
    "SktorchsafeWarning",
    "TargetError",
    "exceptions",
]
