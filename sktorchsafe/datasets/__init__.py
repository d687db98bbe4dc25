"""Data to try sktorchsafe on: a real dataset with genuine gaps, and messy generators.

- :func:`load_penguins`: the Palmer penguins, raw (CC0), shipped inside the
  package: missing values, features on different scales, a target in the
  thousands or string labels.
- :func:`make_messy_regression`, :func:`make_messy_classification`:
  scikit-learn's generators with a chosen share of NaN, ±inf and outliers,
  a chosen spread of feature scales, and a chosen target scale.
"""

from ._base import load_penguins
from ._samples_generator import make_messy_classification, make_messy_regression

__all__ = ["load_penguins", "make_messy_classification", "make_messy_regression"]
