"""Regression tests for classes of bad input that once escaped the contract.

Each test feeds a class of input that ended in a foreign traceback or a silent
non-finite value, and asserts our answer: finite output of the promised
shape, or an error from :mod:`sktorchsafe.exceptions` that names the problem.
"""

import numpy as np
import pandas as pd
import pytest

from sktorchsafe import (
    ImputerSelector,
    OutlierClipper,
    SafeStandardScaler,
    ScaleDisparityChecker,
    TargetValidator,
)
from sktorchsafe.exceptions import InputTypeError

TRANSFORMERS = [
    ImputerSelector,
    OutlierClipper,
    ScaleDisparityChecker,
    SafeStandardScaler,
    TargetValidator,
]


@pytest.mark.parametrize("step", TRANSFORMERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    "X",
    [pd.DataFrame(index=range(3)), np.empty((3, 0))],
    ids=["frame", "array"],
)
def test_no_columns_is_named_as_such(step, X):
    # e.g. what select_dtypes("number") leaves of an all-text frame
    with pytest.raises(InputTypeError, match=r"0 feature\(s\) \(shape=\(3, 0\)\)"):
        step().fit(X, np.arange(3.0))


@pytest.mark.parametrize("step", TRANSFORMERS, ids=lambda c: c.__name__)
def test_no_columns_at_transform_is_named_as_such(step):
    fitted = step().fit(np.ones((3, 2)) * [[1], [2], [3]], np.arange(3.0))
    with pytest.raises(InputTypeError, match="0 feature"):
        fitted.transform(pd.DataFrame(index=range(3)))


def test_target_validator_on_a_two_column_dask_target():
    da = pytest.importorskip("dask.array")
    X = da.ones((10, 2), chunks=5)
    labels = np.c_[np.arange(10) % 2, np.arange(10) % 3 == 0].astype(float)
    validator = TargetValidator().fit(X, da.from_array(labels, chunks=5))
    assert validator.task_ == "multilabel"
    np.testing.assert_array_equal(validator.class_counts_, labels.sum(axis=0))
    quantities = da.from_array(np.arange(20.0).reshape(10, 2) * 1.5, chunks=5)
    validator = TargetValidator().fit(X, quantities)
    assert validator.task_ == "regression" and validator.n_outputs_ == 2


@pytest.mark.parametrize("y", [5.0, "price", None])
def test_diagnose_with_a_scalar_target_reports_it(y):
    from sktorchsafe import diagnose

    X = np.arange(6.0).reshape(3, 2)
    report = diagnose(X, y)
    if y is None:
        assert report.task is None
    else:
        assert report.findings[0].kind == "target_type" and not report.ok


@pytest.mark.parametrize("step", TRANSFORMERS, ids=lambda c: c.__name__)
def test_no_rows_is_named_as_such(step):
    with pytest.raises(InputTypeError, match=r"0 sample\(s\) \(shape=\(0, 2\)\)"):
        step().fit(np.empty((0, 2)), np.empty(0))


# ------------------------------------------------------- parameter errors
def test_parameter_errors_are_scikit_learns_and_still_value_or_type_errors():
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline

    from sktorchsafe import diagnose, stream_fit
    from sktorchsafe.core.compat import InvalidParameterError

    X = np.arange(6.0).reshape(3, 2)
    cases = [
        (lambda: diagnose(X, task="bogus"), "'task' parameter of diagnose"),
        (lambda: stream_fit(make_pipeline(PCA()), [X]), "'pca' \\(PCA\\).*partial_fit"),
        (lambda: stream_fit(PCA(), [X]), "must be a sklearn.pipeline.Pipeline"),
        (
            lambda: stream_fit(make_pipeline(SafeStandardScaler()), iter([X])),
            "one-shot iterator",
        ),
        (lambda: SafeStandardScaler(dtype="int8").fit(X), "'dtype' parameter"),
    ]
    for call, match in cases:
        with pytest.raises(InvalidParameterError, match=match) as info:
            call()
        assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)


# --------------------------------------- overflow, weights, all-NaN columns
def test_scaler_output_beyond_its_dtype_is_our_error_not_inf():
    from sktorchsafe.exceptions import NonFiniteInputError

    fitted = SafeStandardScaler(dtype=np.float32).fit(np.arange(6.0).reshape(3, 2))
    with pytest.raises(NonFiniteInputError, match="float32.*'x0' \\(1 row: 0\\)"):
        fitted.transform([[1e300, 0.0]])


def test_negative_weights_are_our_error():
    from sktorchsafe.exceptions import DataQualityError

    with pytest.raises(DataQualityError, match="negative"):
        SafeStandardScaler().fit(np.eye(3), sample_weight=[-1, -1, -1])
