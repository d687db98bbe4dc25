"""The preprocessing steps: one public scikit-learn transformer per module.

Each step's ``fit`` computes statistics through :mod:`sktorchsafe.core` and its
``transform`` is a cheap elementwise map. Nothing here loads torch.
"""
