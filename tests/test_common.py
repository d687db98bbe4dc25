"""scikit-learn's estimator checks over every public estimator, found automatically.

A class exported in ``sktorchsafe.__all__`` that is a scikit-learn estimator is
checked the moment it exists.  Any expected failure is listed here with its
reason.
"""

import inspect

from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import parametrize_with_checks

import sktorchsafe

#: Estimators that scikit-learn's checks cannot construct or train as they are,
#: with the reason.  Each has its own test module.
NOT_CHECKED = {
    "SafeNeuralNetRegressor": "a skorch net needs a torch module to be built; "
    "tests/test_nets.py checks clone, pickling and the sklearn API on it",
    "SafeNeuralNetClassifier": "a skorch net needs a torch module to be built; "
    "tests/test_nets.py checks clone, pickling and the sklearn API on it",
}

#: Checks expected to fail, per estimator class name, with the reason.
EXPECTED_FAILED_CHECKS = {}


def _public_estimators():
    for name in sorted(sktorchsafe.__all__):
        obj = getattr(sktorchsafe, name)
        if (
            inspect.isclass(obj)
            and issubclass(obj, BaseEstimator)
            and name not in NOT_CHECKED
        ):
            yield obj


ESTIMATORS = [cls() for cls in _public_estimators()]


def test_every_public_estimator_is_checked():
    names = {type(est).__name__ for est in ESTIMATORS}
    assert "SafeStandardScaler" in names
    for name in sktorchsafe.__all__:
        obj = getattr(sktorchsafe, name)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
            assert name in names or name in NOT_CHECKED


@parametrize_with_checks(
    ESTIMATORS,
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(
        type(est).__name__, {}
    ),
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
