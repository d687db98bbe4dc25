"""Shared input checks: names, rows and fixes in messages."""

import re
import warnings
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from sktorchsafe.core.frames import numbers_in_text
from sktorchsafe.core.messages import describe
from sktorchsafe.core.validation import (
    feature_names,
    nonfinite_report,
    numeric_frame,
    raise_nonfinite,
)
from sktorchsafe.exceptions import InputTypeError, NonFiniteInputError


def test_feature_names_prefer_fitted_then_frame_then_positions():
    class Fitted:
        feature_names_in_ = np.array(["a", "b"])

    assert feature_names(Fitted()) == ["a", "b"]
    assert feature_names(X=pd.DataFrame({"u": [1], "v": [2]})) == ["u", "v"]
    assert feature_names(X=np.zeros((1, 3))) == ["x0", "x1", "x2"]


def test_describe_is_bounded():
    assert describe(range(3)) == "0, 1, 2"
    assert describe(range(12)) == "0, 1, 2, 3, 4 and 7 more"
    assert describe(["a"], quote=True) == "'a'"
    assert describe(np.array(["a", "b"]), quote=True) == "'a', 'b'"
    assert describe(np.array([3, 4])) == "3, 4"


def test_nonfinite_report_finds_exact_rows():
    X = np.zeros((10, 3))
    X[[2, 7], 1] = np.inf
    X[4, 2] = -np.inf
    X[5, 0] = np.nan
    report = nonfinite_report(X)
    assert [(j, kind, rows.tolist()) for j, kind, rows in report] == [
        (1, "±inf", [2, 7]),
        (2, "±inf", [4]),
    ]
    nan_report = nonfinite_report(X, allow_nan=False, allow_inf=True)
    assert [(j, rows.tolist()) for j, _, rows in nan_report] == [(0, [5])]
    assert nonfinite_report(np.zeros((3, 2))) == []


def test_nonfinite_report_on_sparse_matches_dense():
    X = np.zeros((6, 2))
    X[3, 1] = np.inf
    report = nonfinite_report(sparse.csr_array(X))
    assert [(j, rows.tolist()) for j, _, rows in report] == [(1, [3])]


def test_message_names_features_rows_and_fix():
    X = np.zeros((20, 2))
    X[list(range(12)), 0] = np.inf
    with pytest.raises(NonFiniteInputError) as info:
        raise_nonfinite(nonfinite_report(X), ["age", "income"], who="Step")
    message = str(info.value)
    assert message.startswith("Step: X contains ±inf in 1 feature: 'age'")
    assert "12 rows: 0, 1, 2, 3, 4 and 7 more" in message
    assert "ImputerSelector" in message


def test_numbers_in_text_finds_the_placeholders():
    column = pd.Series(["1.5", " 2 ", "nan", None] + ["?"] + ["3"] * 10)
    values, placeholders = numbers_in_text(column)
    assert placeholders == {"?": 1}
    np.testing.assert_array_equal(values[:5], [1.5, 2.0, np.nan, np.nan, np.nan])
    assert numbers_in_text(pd.Series(["a", "b", "1"])) is None
    assert numbers_in_text(pd.Series([None, None], dtype=object)) is None


@pytest.mark.parametrize(
    "X, message",
    [
        (pd.DataFrame(np.ones((2, 3)), columns=["a", "a", "b"]), "duplicate column"),
        (pd.DataFrame(np.ones((2, 2)), columns=["a", 1]), "astype(str)"),
        (np.ones((2, 2), dtype=complex), "Complex data not supported"),
        (pd.DataFrame({"t": ["1", "2"] * 9 + ["?"]}), "to_numeric(X['t']"),
        (np.array([["1", "x"], ["2", "y"]]), "to_numeric(the column"),
        (pd.DataFrame({"c": pd.Categorical(["a", "b"])}), "'c' (category)"),
    ],
    ids=["duplicates", "mixed names", "complex", "text", "text array", "category"],
)
def test_numeric_frame_names_what_is_not_numeric(X, message):
    with pytest.raises(InputTypeError, match=re.escape(message)):
        numeric_frame(X, "Step")


def test_numeric_frame_reads_object_columns_of_numbers():
    X = pd.DataFrame(
        {"o": pd.Series([1, None, pd.NA, Decimal("2.5")], dtype=object), "x": 1.0}
    )
    out = numeric_frame(X, "Step")
    assert out is not X and X["o"].dtype == object  # the caller's frame untouched
    np.testing.assert_array_equal(out["o"], [1.0, np.nan, np.nan, 2.5])
    array = np.array([[1, None], [2.5, 3]], dtype=object)
    np.testing.assert_array_equal(
        numeric_frame(array, "Step"), [[1.0, np.nan], [2.5, 3.0]]
    )
    frame = pd.DataFrame({"x": [1.0]})
    assert numeric_frame(frame, "Step") is frame


@pytest.mark.parametrize(
    "step, params",
    [("ImputerSelector", {"strategy": "knn"}), ("OutlierClipper", {})],
)
def test_sparse_input_to_a_dense_step_names_the_fix(step, params):
    # ImputerSelector takes sparse input with its SimpleImputer strategies.
    import sktorchsafe
    from sktorchsafe.exceptions import InputTypeError

    X = sparse.csr_array(np.eye(4))
    with pytest.raises(InputTypeError, match="sparse matrix.*toarray"):
        getattr(sktorchsafe, step)(**params).fit(X)


@pytest.mark.parametrize(
    "weight, match",
    [
        ([1.0, -1.0, 2.0], r"negative at 1 row: 1, e\.g\. -1\.0.*>= 0"),
        ([-1, -1, -1], r"negative at 3 rows: 0, 1, 2"),
        (-2.0, r"negative \(the one weight of every row, -2\.0\)"),
    ],
)
def test_negative_sample_weights_are_rejected(weight, match):
    from sktorchsafe.core.validation import check_sample_weight_finite
    from sktorchsafe.exceptions import DataQualityError

    with pytest.raises(DataQualityError, match=match) as info:
        check_sample_weight_finite(weight, "Step")
    assert isinstance(info.value, ValueError)


def test_sample_weight_check_passes_good_weights_and_names_nan():
    from sktorchsafe.core.validation import check_sample_weight_finite

    check_sample_weight_finite([0.0, 1.0, 2.5], "Step")
    check_sample_weight_finite(None, "Step")
    check_sample_weight_finite(3, "Step")
    with pytest.raises(NonFiniteInputError, match="at 1 row: 1"):
        check_sample_weight_finite([1.0, np.nan], "Step")


def test_nonfinite_report_on_huge_finite_values_is_quiet():
    # their column sums overflow to inf (and inf - inf to NaN): no NaN row is
    # there, and numpy's overflow warning stays inside the check
    X = np.array([[1e308, 1.0], [1e308, np.nan], [-1e308, 2.0], [-1e308, 3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = nonfinite_report(X, allow_nan=False)
    assert [(j, kind, list(rows)) for j, kind, rows in report] == [(1, "NaN", [1])]
