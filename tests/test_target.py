"""Tests for ``TargetValidator`` (sktorchsafe/target.py)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from sktorchsafe import SafeStandardScaler, TargetValidator
from sktorchsafe.core.counts import value_counts
from sktorchsafe.exceptions import DataQualityWarning, TargetError


def _X(n, p=2):
    return np.arange(n * p, dtype=np.float64).reshape(n, p)


def _fit(y, X=None, **params):
    """Fit without letting warnings escape; return the validator and warnings."""
    X = _X(len(y)) if X is None else X
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        validator = TargetValidator(**params).fit(X, y)
    return validator, [str(w.message) for w in record]


# ------------------------------------------------------- non-finite targets
def test_nan_in_y_names_the_rows():
    y = np.arange(12, dtype=float)
    y[[3, 7]] = np.nan
    with pytest.raises(TargetError, match=r"NaN in 2 rows: 3, 7\.") as info:
        TargetValidator().fit(_X(12), y)
    assert isinstance(info.value, ValueError)
    assert "Drop those rows" in str(info.value)


def test_inf_in_y_names_rows_and_kinds():
    y = np.ones(6)
    y[1], y[4] = np.inf, -np.inf
    with pytest.raises(TargetError, match=r"\+inf and -inf in 2 rows: 1, 4"):
        TargetValidator(task="regression").fit(_X(6), y)


def test_series_with_its_own_index_shows_the_labels():
    y = pd.Series([1.0, np.nan, 2.0], index=["a", "b", "c"], name="price")
    with pytest.raises(TargetError, match=r"1 row: 1 \(index labels 'b'\)"):
        TargetValidator().fit(_X(3), y)


@pytest.mark.parametrize(
    "y",
    [
        pd.Series([1, None, 0], dtype="Int64"),
        pd.Series(["a", None, "b"]),
        np.array(["a", None, "b"], dtype=object),
    ],
    ids=["nullable-int", "str-series", "object"],
)
def test_missing_labels_name_the_row(y):
    with pytest.raises(TargetError, match=r"in 1 row: 1\."):
        TargetValidator().fit(_X(3), y)


# ------------------------------------------------------------ classification
def test_single_class_is_rejected():
    with pytest.raises(TargetError, match="only one class") as info:
        TargetValidator().fit(_X(3), [1, 1, 1])
    assert "1" in str(info.value) and "all 3 rows" in str(info.value)


@pytest.mark.parametrize("task", ["auto", "classification"])
def test_labels_0_5_are_recorded(task):
    validator, messages = _fit([0, 5, 5, 0, 5, 0], task=task)
    assert validator.task_ == "binary"
    assert_array_equal(validator.classes_, [0, 5])
    assert_array_equal(validator.class_counts_, [3, 3])
    assert messages == []
    info = [f for f in validator.findings_ if f.kind == "label_encoding"]
    assert info and info[0].severity == "info"


def test_string_labels_are_recorded_sorted():
    y = pd.Series(["dog", "cat", "bird", "cat", "dog", "bird"], name="animal")
    validator, _ = _fit(y)
    assert validator.task_ == "multiclass"
    assert_array_equal(validator.classes_, ["bird", "cat", "dog"])
    assert_array_equal(validator.class_counts_, [2, 2, 2])


def test_float_labels_and_int32_are_classes():
    validator, _ = _fit(np.array([0.0, 1.0, 2.0, 1.0]))
    assert validator.task_ == "multiclass"
    assert_array_equal(validator.classes_, [0.0, 1.0, 2.0])
    validator, _ = _fit(np.array([1, 0, 1], dtype=np.int32))
    assert validator.task_ == "binary"


def test_imbalance_warns_past_threshold():
    y = np.array([0] * 95 + [1] * 5)
    validator, messages = _fit(y)
    assert len(messages) == 1
    assert "imbalanced" in messages[0] and "1: 5 (5.0%)" in messages[0]
    assert "ratio 19" in messages[0]
    _, messages = _fit(y, imbalance_threshold=20)
    assert messages == []
    _, messages = _fit(np.array([0] * 80 + [1] * 20))
    assert messages == []


def test_label_spelling_clash_warns():
    y = ["Yes", "yes ", "No", "No", "Yes", "No"]
    validator, messages = _fit(y)
    assert any("'Yes' / 'yes '" in m for m in messages)
    assert validator.task_ == "multiclass"


def test_many_whole_numbers_with_few_rows_each_are_a_quantity(rng):
    y = np.arange(200) % 50  # 50 distinct values, 4 rows each
    validator, messages = _fit(y)
    assert validator.task_ == "regression" and messages == []
    assert "4.0 rows per value" in validator.task_reason_
    validator, _ = _fit(y, task="classification")
    assert validator.task_ == "multiclass" and validator.task_reason_ is None
    prices = np.round(rng.normal(2e5, 5e4, size=300))  # whole floats
    assert _fit(prices, task="auto")[0].task_ == "regression"
    # Few distinct values, or many rows for each: class labels.
    assert _fit(np.arange(200) % 3)[0].task_ == "multiclass"
    assert _fit(np.arange(2100) % 21)[0].task_ == "multiclass"
    assert _fit(np.arange(200) % 2)[0].task_ == "binary"
    assert "not all whole" in _fit(rng.normal(size=50))[0].task_reason_


def test_mixed_label_types_are_rejected():
    y = np.array(["a", 1, "b", 2], dtype=object)
    with pytest.raises(TargetError, match="mixes strings and other values"):
        TargetValidator().fit(_X(4), y)


@pytest.mark.parametrize(
    "y",
    [
        pd.Series(pd.to_datetime(["2020-01-01", "2021-06-30"] * 2)),
        np.array([1, 2, 1, 2], dtype="timedelta64[s]"),
    ],
    ids=["datetime", "timedelta"],
)
def test_dates_are_rejected(y):
    with pytest.raises(TargetError, match="neither numbers nor string labels"):
        TargetValidator().fit(_X(4), y)


def test_object_numbers_are_numbers():
    validator, _ = _fit(np.array([0.5, 1.5, 2.25], dtype=object))
    assert validator.task_ == "regression"
    with pytest.raises(TargetError, match=r"\+inf in 1 row: 1\."):
        TargetValidator().fit(_X(3), np.array([0.5, np.inf, 2.25], dtype=object))


def test_classification_of_continuous_y_is_rejected():
    with pytest.raises(TargetError, match="Unknown label type: continuous"):
        TargetValidator(task="classification").fit(_X(3), [0.5, 1.2, 3.3])


def test_regression_of_strings_is_rejected():
    with pytest.raises(TargetError, match="needs a numeric y.*'a'"):
        TargetValidator(task="regression").fit(_X(3), ["a", "b", "a"])


def test_multilabel_indicator():
    y = pd.DataFrame({"red": [1, 0, 1, 1], "big": [0, 1, 1, 0], "odd": [1, 1, 1, 1]})
    validator, messages = _fit(y)
    assert validator.task_ == "multilabel"
    assert validator.n_outputs_ == 3
    assert_array_equal(validator.classes_, [0, 1, 2])
    assert_array_equal(validator.class_counts_, [3, 2, 4])
    assert len(messages) == 1 and "'odd'" in messages[0]


def test_multiclass_multioutput_is_a_quantity_unless_classes_are_asked():
    y = np.array([[0, 1], [1, 2], [2, 0], [1, 1]])
    with pytest.raises(TargetError, match="multiclass-multioutput"):
        TargetValidator(task="classification").fit(_X(4), y)
    validator, _ = _fit(y)  # auto: several columns of whole numbers
    assert validator.task_ == "regression" and validator.n_outputs_ == 2
    assert "2 columns of whole numbers" in validator.task_reason_


# ---------------------------------------------------------------- regression
def test_large_regression_target_warns_to_standardize(rng):
    y = rng.normal(3e5, 1e5, size=100)
    with pytest.warns(DataQualityWarning, match="far from unit scale") as record:
        validator = TargetValidator().fit(_X(100), y)
    assert "SafeNeuralNetRegressor(scale_target=True)" in str(record[0].message)
    assert validator.task_ == "regression"
    assert_allclose(validator.target_mean_, [y.mean()])
    assert_allclose(validator.target_std_, [y.std()])


def test_tiny_regression_target_warns(rng):
    _, messages = _fit(rng.normal(0, 1e-5, size=50))
    assert len(messages) == 1 and "far from unit scale" in messages[0]


def test_unit_scale_regression_target_is_quiet(rng):
    validator, messages = _fit(rng.normal(2.0, 3.0, size=100))
    assert messages == [] and validator.findings_ == ()


def test_constant_regression_target_warns():
    _, messages = _fit(np.full(5, 2.5))
    assert len(messages) == 1 and "constant (2.5 in every row)" in messages[0]


def test_multioutput_regression_names_the_output(rng):
    y = pd.DataFrame({"small": rng.normal(size=40), "price": rng.normal(1e6, 1, 40)})
    validator, messages = _fit(y)
    assert validator.task_ == "regression" and validator.n_outputs_ == 2
    assert len(messages) == 1
    assert "'price'" in messages[0] and "'small'" not in messages[0]


def test_huge_target_statistics_do_not_overflow():
    y = np.array([1e300, 3e300, 2e300, -1e300])
    validator, messages = _fit(y)
    assert np.all(np.isfinite(validator.target_std_))
    assert "far from unit scale" in messages[0]


# ------------------------------------------------------------------ missing y
def test_auto_without_y_passes_through():
    X = _X(4)
    validator = TargetValidator().fit(X)
    assert validator.task_ is None and validator.findings_ == ()
    assert validator.transform(X) is X


@pytest.mark.parametrize("task", ["regression", "classification"])
def test_explicit_task_requires_y(task):
    with pytest.raises(TargetError, match="requires y to be passed"):
        TargetValidator(task=task).fit(_X(4))


def test_length_mismatch_is_a_target_error():
    with pytest.raises(TargetError, match="y has 3 rows but X has 4"):
        TargetValidator().fit(_X(4), [1.0, 2.0, 3.0])


def test_unreadable_y_is_a_target_error():
    with pytest.raises(TargetError, match="cannot be read"):
        TargetValidator().fit(_X(2), np.zeros((2, 2, 2)))


def test_refit_drops_stale_attributes(rng):
    validator, _ = _fit([0, 1, 0, 1])
    assert hasattr(validator, "classes_")
    validator.fit(_X(4), rng.normal(size=4))
    assert validator.task_ == "regression" and not hasattr(validator, "classes_")


# -------------------------------------------------------------- pass-through
def test_x_passes_through_untouched():
    df = pd.DataFrame({"city": ["a", "b", "c"], "v": [1.0, np.nan, np.inf]})
    validator, _ = _fit([0, 1, 0], X=df)
    assert validator.transform(df) is df
    assert_array_equal(validator.get_feature_names_out(), ["city", "v"])
    X = sparse.random(3, 4, density=0.5, format="csr", random_state=0)
    assert TargetValidator().fit(X, [0, 1, 1]).transform(X) is X


def test_copy_and_set_output():
    X = _X(4)
    out = TargetValidator(copy=True).fit(X, [0, 1, 0, 1]).transform(X)
    assert out is not X
    assert_array_equal(out, X)
    out = TargetValidator().set_output(transform="pandas").fit(X, None).transform(X)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["x0", "x1"]


def test_in_a_pipeline_y_is_validated_and_names_flow(df_nan, rng):
    y = rng.normal(size=len(df_nan))
    pipe = make_pipeline(TargetValidator(), SafeStandardScaler()).fit(df_nan, y)
    assert_array_equal(pipe[-1].feature_names_in_, df_nan.columns)
    y[10] = np.nan
    with pytest.raises(TargetError, match="1 row: 10"):
        pipe.fit(df_nan, y)


# ------------------------------------------------------------------ helpers
def test_value_counts_matches_unique(rng):
    labels = np.array(["b", "a", "c", "a", "b", "a"], dtype=object)
    classes, counts = value_counts(labels)
    assert_array_equal(classes, ["a", "b", "c"])
    assert_array_equal(counts, [3, 2, 1])
    ints = rng.integers(0, 7, size=100)
    for got, expected in zip(
        value_counts(ints), np.unique(ints, return_counts=True), strict=True
    ):
        assert_array_equal(got, expected)


# ------------------------------------------------- explicit tasks vs sklearn
@parametrize_with_checks(
    [TargetValidator(task="regression"), TargetValidator(task="classification")]
)
def test_sklearn_compatible_with_explicit_task(estimator, check):
    check(estimator)


# -------------------------------------------------------------- properties
_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, 1.0, 1e300, -1e-300, 5.0]),
)


@given(
    hnp.arrays(np.float64, st.integers(1, 40), elements=_values),
    st.sampled_from(["auto", "regression", "classification"]),
)
def test_any_float_target_gives_a_clear_answer(y, task):
    y_before = y.copy()
    try:
        validator, _ = _fit(y, task=task)
    except TargetError as exc:
        message = str(exc)
        if not np.isfinite(y).all():
            bad = np.flatnonzero(~np.isfinite(y))
            assert f": {bad[0]}" in message
        assert message.startswith("TargetValidator: ")
    else:
        assert np.isfinite(y).all()
        assert validator.task_ in {"regression", "binary", "multiclass"}
        if validator.task_ == "regression":
            assert np.all(np.isfinite(validator.target_std_))
        else:
            assert validator.classes_.size == np.unique(y).size >= 2
            assert validator.class_counts_.sum() == y.size
    assert_array_equal(y, y_before)


def test_partial_fit_chunks_of_one_class_each():
    # Sorted data: every chunk holds one class; only the stream as a whole
    # has to hold two (stream_fit checks it after the last chunk).
    X = np.zeros((4, 1))
    validator = TargetValidator()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        validator.partial_fit(X, ["a"] * 4)
        assert validator.classes_.tolist() == ["a"]
        validator.partial_fit(X, ["b"] * 4)
    assert validator.task_ == "binary"
    assert_array_equal(validator.class_counts_, [4, 4])
    single = TargetValidator().partial_fit(X, [0] * 4).partial_fit(X, [0] * 4)
    with pytest.raises(TargetError, match="only one class"):
        single._finish()  # the whole stream judged, as stream_fit does at its end
