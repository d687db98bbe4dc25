"""One reading of ``y``: the validator, both nets and diagnose agree.

The same bad target, fed to :class:`TargetValidator`, both safe nets and
:func:`diagnose`, is named with the same rows, the same kind and the same
words by each (the rule lives in :mod:`sktorchsafe.core.targets`).
"""

import pickle
import re

import numpy as np
import pandas as pd
import pytest
import torch

from sktorchsafe import (
    SafeNeuralNetClassifier,
    SafeNeuralNetRegressor,
    TargetValidator,
    diagnose,
)
from sktorchsafe.core.targets import auto_task, read_target, unusable_rows
from sktorchsafe.exceptions import TargetError

N = 12


class MLP(torch.nn.Module):
    def __init__(self, n_in=2, n_out=1):
        super().__init__()
        self.linear = torch.nn.Linear(n_in, n_out)

    def forward(self, X):
        return self.linear(X)


def _regressor():
    return SafeNeuralNetRegressor(MLP, max_epochs=1, train_split=None, verbose=0)


def _classifier():
    return SafeNeuralNetClassifier(
        MLP, module__n_out=2, max_epochs=1, train_split=None, verbose=0
    )


def _X(n=N):
    return np.random.default_rng(0).normal(size=(n, 2))


def _error_of(fit):
    with pytest.raises(TargetError) as info:
        fit()
    return info.value


def _diagnosis(X, y, task):
    """The finding diagnose makes of ``y``, as (kind, message)."""
    report = diagnose(X, y, task=task)
    errors = [f for f in report.findings if f.kind.startswith(("target", "single"))]
    assert len(errors) == 1, report.findings
    return errors[0].kind, errors[0].message


# Each case: y, the task, who must reject it, the kind, the words every
# message must hold.
NAN_INF = np.array([1, np.nan, 0, 1, np.inf, 0] * 2, dtype=float)
CASES = {
    "nan and inf": (
        NAN_INF,
        "auto",
        ("validator", "regressor", "classifier", "diagnose"),
        "target_nonfinite",
        "y holds NaN and +inf in 4 rows: 1, 4, 7, 10",
    ),
    "one class": (
        np.ones(N, dtype=int),
        "classification",
        ("validator", "classifier", "diagnose"),
        "single_class",
        f"y has only one class (1, in all {N} rows)",
    ),
    "strings to a regressor": (
        np.array(["low", "high"] * (N // 2)),
        "regression",
        ("validator", "regressor", "diagnose"),
        "target_type",
        "regression needs a numeric y, but y holds labels such as 'low', 'high'",
    ),
    "strings mixed with numbers": (
        np.array(["a", 1] * (N // 2), dtype=object),
        "auto",
        ("validator", "regressor", "classifier", "diagnose"),
        "target_type",
        "y mixes strings and other values (e.g. 'a' and 1)",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_same_bad_target_reads_the_same_everywhere(case):
    y, task, who, kind, words = CASES[case]
    X = _X()
    fits = {
        "validator": lambda: TargetValidator(task=task).fit(X, y),
        "regressor": lambda: _regressor().fit(X, y),
        "classifier": lambda: _classifier().fit(X, y),
    }
    for name in who:
        if name == "diagnose":
            found_kind, message = _diagnosis(X, y, task)
        else:
            error = _error_of(fits[name])
            found_kind, message = error.kind, str(error)
        assert found_kind == kind, (name, message)
        assert words in message, (name, message)


def test_the_rows_are_the_same_everywhere():
    X, y = _X(), NAN_INF
    rows = [
        _error_of(lambda: TargetValidator().fit(X, y)).rows,
        _error_of(lambda: _regressor().fit(X, y)).rows,
        _error_of(lambda: _classifier().fit(X, y)).rows,
    ]
    for found in rows:
        np.testing.assert_array_equal(found, [1, 4, 7, 10])


def test_a_wrong_length_reads_the_same_everywhere():
    X, y = _X(N), np.arange(N - 1) % 2
    messages = [
        _error_of(lambda: TargetValidator().fit(X, y)),
        _error_of(lambda: _regressor().fit(X, y.astype(float))),
        _error_of(lambda: _classifier().fit(X, y)),
        _error_of(lambda: diagnose(X, y)),
    ]
    for error in messages:
        assert error.kind == "target_length"
        assert f"y has {N - 1} rows but X has {N}" in str(error)


def test_pandas_index_labels_are_named():
    y = pd.Series([1.0, np.nan, 3.0, 4.0], index=list("abcd"), name="price")
    error = _error_of(lambda: TargetValidator().fit(np.zeros((4, 1)), y))
    assert "1 row: 1 (index labels 'b')" in str(error)
    _, message = _diagnosis(np.zeros((4, 1)), y, "auto")
    assert "1 row: 1 (index labels 'b')" in message


def test_inf_alone_does_not_suggest_masked_loss():
    y = np.array([1.0, np.inf, 2.0, 3.0])
    error = _error_of(lambda: TargetValidator().fit(np.zeros((4, 1)), y))
    assert "MaskedMSELoss" not in str(error) and "±inf is never" in str(error)


def test_target_error_keeps_kind_and_rows_through_pickling():
    error = _error_of(lambda: TargetValidator().fit(_X(), NAN_INF))
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error) and copy.kind == "target_nonfinite"
    np.testing.assert_array_equal(copy.rows, error.rows)


@pytest.mark.parametrize(
    "y, values",
    [
        (pd.Series([1, None, 3], dtype="Int64"), [1.0, np.nan, 3.0]),
        (pd.Series([1.5, None], dtype="Float64"), [1.5, np.nan]),
        (np.array([1, None, 3], dtype=object), [1.0, np.nan, 3.0]),
        (np.array([1, 2, 3], dtype=object), [1, 2, 3]),
        ([True, False], [True, False]),
    ],
)
def test_numbers_in_any_container_read_as_numbers(y, values):
    target = read_target(y, "test")
    assert target.values.dtype.kind in "biuf"
    np.testing.assert_array_equal(target.values, values)


def test_unusable_rows_with_nan_allowed_finds_only_inf():
    values = np.array([[1.0, np.nan], [np.inf, 2.0], [3.0, 4.0]])
    assert unusable_rows(values, allow_nan=True)[0] == ("+inf",)
    np.testing.assert_array_equal(unusable_rows(values, allow_nan=True)[1], [1])
    kinds, rows = unusable_rows(values)
    assert kinds == ("NaN", "+inf") and list(rows) == [0, 1]


def test_missing_labels_are_named_as_such():
    y = np.array(["a", None, "b", "a"], dtype=object)
    error = _error_of(lambda: TargetValidator().fit(np.zeros((4, 1)), y))
    assert re.search(r"missing labels \(None/NaN\) in 1 row: 1\b", str(error))
    assert "Drop those rows from X and y together" in str(error)
    assert "±inf" not in str(error)  # the fix for missing labels, not for ±inf


def test_few_rows_per_whole_value_is_a_quantity():
    # women$weight (R's datasets): 15 distinct weights in 15 rows.
    weights = [115, 117, 120, 123, 126, 129, 132, 135, 139, 142, 146, 150, 154]
    task, reason = auto_task(
        n_rows=len(weights), n_distinct=len(weights), strings=False, whole=True
    )
    assert task == "regression" and "fewer than 5" in reason
    # Counts: ~16 distinct values in 72 rows (4.5 per value).
    assert auto_task(n_rows=72, n_distinct=16, strings=False, whole=True)[0] == (
        "regression"
    )
    # Few labels stay labels even on few rows; many rows per label too.
    assert auto_task(n_rows=4, n_distinct=3, strings=False, whole=True)[0] == (
        "multiclass"
    )
    assert auto_task(n_rows=60, n_distinct=10, strings=False, whole=True)[0] == (
        "multiclass"
    )
