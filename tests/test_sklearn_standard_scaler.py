"""scikit-learn's own StandardScaler tests, run against SafeStandardScaler.

Every test in ``sklearn/preprocessing/tests/test_data.py`` and
``test_common.py`` that involves ``StandardScaler`` is collected here with
``SafeStandardScaler`` substituted: in the test module's globals (so
``StandardScaler(...)`` in a test body builds ours) and in the parametrize
values (so ``StandardScaler`` instances and the class itself become ours).
Parameter sets of other estimators are left out; nothing else is skipped.
"""

import functools
import inspect

import pytest
from _pytest.mark.structures import ParameterSet
from sklearn.preprocessing import StandardScaler
from sklearn.preprocessing.tests import test_common as sk_test_common
from sklearn.preprocessing.tests import test_data as sk_test_data

from sktorchsafe import SafeStandardScaler

SKLEARN_MODULES = (sk_test_data, sk_test_common)


def _involves_scaler(value):
    if value is StandardScaler or type(value) is StandardScaler:
        return True
    if isinstance(value, ParameterSet):
        return _involves_scaler(value.values)
    if isinstance(value, (list, tuple)):
        return any(_involves_scaler(v) for v in value)
    return False


def _substitute(value):
    if value is StandardScaler:
        return SafeStandardScaler
    if type(value) is StandardScaler:
        return SafeStandardScaler(**value.get_params())
    if isinstance(value, ParameterSet):
        return value._replace(values=_substitute(value.values))
    if isinstance(value, (list, tuple)):
        return type(value)(_substitute(v) for v in value)
    return value


def _port_mark(mark):
    if mark.name != "parametrize":
        return mark
    argnames, argvalues = mark.args[0], list(mark.args[1])
    kwargs = dict(mark.kwargs)
    keep = [i for i, value in enumerate(argvalues) if _involves_scaler(value)]
    if keep:
        argvalues = [_substitute(argvalues[i]) for i in keep]
        names = (
            [n.strip() for n in argnames.split(",")]
            if isinstance(argnames, str)
            else list(argnames)
        )
        if "omit_kwargs" in names:
            # test_missing_value_handling passes the estimator's parameters to
            # the function ``scale``; ``dtype`` is ours alone.
            pos = names.index("omit_kwargs")
            argvalues = [
                (*v[:pos], [*v[pos], "dtype"], *v[pos + 1 :]) for v in argvalues
            ]
        if isinstance(kwargs.get("ids"), (list, tuple)):
            kwargs["ids"] = [kwargs["ids"][i] for i in keep]
    return pytest.mark.parametrize(argnames, argvalues, **kwargs).mark


def _involves_scaler_anywhere(func):
    if "StandardScaler" in inspect.getsource(func):
        return True
    return any(
        mark.name == "parametrize" and _involves_scaler(list(mark.args[1]))
        for mark in getattr(func, "pytestmark", [])
    )


def _port(func):
    @functools.wraps(func)
    def ported(*args, **kwargs):
        return func(*args, **kwargs)

    ported.pytestmark = [_port_mark(m) for m in getattr(func, "pytestmark", [])]
    return ported


PORTED = {}
for _module in SKLEARN_MODULES:
    for _name, _func in inspect.getmembers(_module, inspect.isfunction):
        if (
            _name.startswith("test_")
            and _func.__module__ == _module.__name__
            and _involves_scaler_anywhere(_func)
        ):
            PORTED[f"{_name}__{_module.__name__.rsplit('.', 1)[-1]}"] = _port(_func)
globals().update(PORTED)


@pytest.fixture(autouse=True)
def _safe_scaler_in_sklearn_tests(monkeypatch):
    for module in SKLEARN_MODULES:
        monkeypatch.setattr(module, "StandardScaler", SafeStandardScaler)


def test_enough_sklearn_tests_are_ported():
    # scikit-learn 1.6-1.9 have 40+ StandardScaler tests across the two modules.
    assert len(PORTED) >= 30
