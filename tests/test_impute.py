"""ImputerSelector: every strategy, the width promises, "auto", the fold trap,
and what SimpleImputer takes (placeholders, text, sparse, indicators)."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import sparse
from sklearn.base import clone
from sklearn.impute import KNNImputer, MissingIndicator, SimpleImputer
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks
from skorch import NeuralNetRegressor

from sktorchsafe import ImputerSelector, SafeStandardScaler
from sktorchsafe.exceptions import (
    DataQualityWarning,
    InputTypeError,
    NonFiniteInputError,
)
from sktorchsafe.steps._impute_auto import _one_standard_error_choice

SIMPLE = ["mean", "median", "most_frequent", "constant"]
ALL = [*SIMPLE, "knn", "iterative", "auto"]


def _quiet(**params):
    """An imputer whose expected DataQualityWarnings do not clutter the output."""
    return ImputerSelector(random_state=0, **params)


def _fit_transform(imputer, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return imputer.fit_transform(X)


@pytest.fixture
def X_mixed():
    """Complete data whose features call for different strategies.

    a, b: strongly correlated; skewed: lognormal, independent of the rest;
    flat: uniform, independent of the rest.
    """
    rng = np.random.default_rng(1)
    n = 2000
    z = rng.normal(size=n)
    return np.column_stack(
        [
            z,
            z + 0.3 * rng.normal(size=n),
            rng.lognormal(sigma=1.0, size=n),
            rng.uniform(-1, 1, size=n),
        ]
    )


def _hide(X, share, seed):
    rng = np.random.default_rng(seed)
    mask = rng.random(X.shape) < share
    X_missing = X.copy()
    X_missing[mask] = np.nan
    return X_missing, mask


# --------------------------------------------------------- scikit-learn API
@parametrize_with_checks(
    [
        ImputerSelector(strategy="mean"),
        ImputerSelector(strategy="most_frequent", add_indicator=True),
        ImputerSelector(strategy="knn"),
        ImputerSelector(strategy="iterative", random_state=0),
        ImputerSelector(strategy="auto", random_state=0),
    ]
)
def test_sklearn_compatible_in_every_mode(estimator, check):
    check(estimator)


@pytest.mark.parametrize("strategy", SIMPLE)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_simple_strategies_match_simple_imputer(X_nan, strategy, dtype):
    X = X_nan.astype(dtype)
    if strategy == "most_frequent":
        X = np.round(X / 10) * 10  # give the mode something to find
    ours = ImputerSelector(strategy=strategy, fill_value=7.0).fit(X)
    theirs = SimpleImputer(strategy=strategy, fill_value=7.0).fit(X)
    expected = np.asarray(theirs.statistics_, dtype=np.float64)
    np.testing.assert_allclose(ours.statistics_, expected, rtol=1e-6)
    Xt = ours.transform(X)
    assert Xt.dtype == dtype
    np.testing.assert_allclose(Xt, theirs.transform(X), rtol=1e-6)
    assert list(ours.strategies_) == [strategy] * X.shape[1]


def test_inf_is_missing_and_input_is_not_modified(X_nan):
    X = X_nan.copy()
    X[3, 1], X[7, 2] = np.inf, -np.inf
    before = X.copy()
    imputer = ImputerSelector(strategy="median", add_indicator=True).fit(X)
    Xt = imputer.transform(X)
    np.testing.assert_array_equal(X, before)
    as_nan = np.where(np.isinf(X), np.nan, X)
    expected = ImputerSelector(strategy="median").fit(as_nan).transform(as_nan)
    np.testing.assert_array_equal(Xt[:, :4], expected)
    np.testing.assert_array_equal(Xt[:, 4:], ~np.isfinite(X))
    assert np.isfinite(Xt).all()


def test_on_inf_raise_names_feature_and_row(df_nan):
    df = df_nan.copy()
    df.iloc[5, 2] = np.inf
    with pytest.raises(NonFiniteInputError, match=r"'ratio'.*\b5\b.*on_inf='impute'"):
        ImputerSelector(on_inf="raise").fit(df)
    fitted = ImputerSelector(on_inf="raise").fit(df_nan)
    with pytest.raises(NonFiniteInputError, match="'ratio'"):
        fitted.transform(df)


def test_non_numeric_column_gets_a_clear_error(df_nan):
    df = df_nan.assign(city="Oslo")
    with pytest.raises(InputTypeError, match="'city'"):
        ImputerSelector().fit(df)


# ----------------------------------------------------------- width promises
@pytest.mark.parametrize("strategy", ALL)
def test_all_nan_feature_is_kept_filled_and_named(df_nan, strategy):
    df = df_nan.copy()
    df["income"] = np.nan
    imputer = _quiet(strategy=strategy, fill_value=-1.0)
    with pytest.warns(DataQualityWarning, match="'income'.*kept as the constant -1"):
        imputer.fit(df)
    out = imputer.transform(df)
    assert out.shape == df.shape and np.isfinite(out).all()
    np.testing.assert_array_equal(out[:, 1], -1.0)
    assert imputer.strategies_[1] == "constant"
    # It stays constant at transform: nothing after the imputer learned from it.
    later = imputer.transform(df_nan)
    np.testing.assert_array_equal(later[:, 1], -1.0)
    np.testing.assert_array_equal(later[:, [0, 2, 3]], out[:, [0, 2, 3]])


def test_all_nan_policies_raise_and_drop(df_nan):
    df = df_nan.copy()
    df["income"] = np.inf  # no finite value either
    with pytest.raises(NonFiniteInputError, match="'income'.*on_all_nan='fill'"):
        ImputerSelector(on_all_nan="raise").fit(df)
    dropper = ImputerSelector(on_all_nan="drop", add_indicator=True)
    with pytest.warns(DataQualityWarning, match="'income'.*changes its width"):
        out = dropper.fit_transform(df)
    assert out.shape == (len(df), 6)
    assert list(dropper.get_feature_names_out()) == [
        "age",
        "ratio",
        "height",
        "missingindicator_age",
        "missingindicator_ratio",
        "missingindicator_height",
    ]
    assert dropper.strategies_[1] == "drop" and np.isnan(dropper.statistics_[1])


@pytest.mark.parametrize("strategy", ALL)
def test_feature_complete_at_fit_is_filled_and_flagged_at_transform(X_clean, strategy):
    imputer = _quiet(strategy=strategy, add_indicator=True).fit(X_clean)
    X = X_clean[:20].copy()
    X[[2, 5], 1] = np.nan
    X[9, 3] = -np.inf
    out = imputer.transform(X)
    assert out.shape == (20, 8) and np.isfinite(out).all()
    np.testing.assert_array_equal(out[:, 4:], ~np.isfinite(X))
    untouched = np.isfinite(X)
    np.testing.assert_array_equal(out[:, :4][untouched], X[untouched])


def test_indicator_width_does_not_depend_on_the_training_data(X_clean, X_nan):
    widths = {
        ImputerSelector(add_indicator=True).fit(X).transform(X_nan).shape[1]
        for X in (X_clean, X_nan)
    }
    assert widths == {8}


# ------------------------------------------------- DataFrames, dtypes, copy
def test_dataframe_in_pandas_out(df_nan):
    imputer = ImputerSelector(add_indicator=True).set_output(transform="pandas")
    out = imputer.fit_transform(df_nan)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns[:4]) == list(df_nan.columns)
    assert list(out.columns[4:]) == [f"missingindicator_{c}" for c in df_nan.columns]
    assert out.index.equals(df_nan.index)
    assert np.isfinite(out.to_numpy()).all()


def test_float32_dataframe_and_nullable_integers_stay_numeric(df_nan):
    out = ImputerSelector().fit_transform(df_nan.astype(np.float32))
    assert out.dtype == np.float32
    ints = pd.DataFrame({"n": pd.array([1, None, 3, 5], dtype="Int64")})
    np.testing.assert_array_equal(
        ImputerSelector().fit_transform(ints), [[1], [3], [3], [5]]
    )


def test_copy_false_fills_in_place_and_copy_true_does_not(X_nan):
    X = X_nan.copy()
    out = ImputerSelector(strategy="mean").fit(X).transform(X)
    assert out is not X and np.isnan(X).any()
    in_place = ImputerSelector(strategy="mean", copy=False).fit(X)
    out = in_place.transform(X)
    assert out is X and np.isfinite(X).all()


def test_fill_value_that_does_not_fit_float32_is_an_error():
    X = np.array([[1.0], [np.nan]], dtype=np.float32)
    imputer = ImputerSelector(strategy="constant", fill_value=1e300).fit(
        X.astype(np.float64)
    )
    with pytest.raises(ValueError, match="do not fit in float32"):
        imputer.transform(X)


@pytest.mark.parametrize("strategy", ["mean", "median", "knn", "iterative"])
def test_huge_values_give_finite_exact_imputations(strategy):
    big = np.finfo(np.float64).max / 1.5
    X = np.array([[-big, 1.0], [big, 2.0], [np.nan, 1.5], [big, 2.0], [-big, 1.0]])
    with np.errstate(over="raise", invalid="raise"):
        out = ImputerSelector(strategy=strategy, n_neighbors=2).fit_transform(X)
    assert np.isfinite(out).all()
    if strategy in ("mean", "median"):
        assert out[2, 0] == 0.0
    else:
        assert -big <= out[2, 0] <= big


# ----------------------------------------------------- per-feature mappings
def test_mapping_by_name_and_position_others_use_median(df_nan):
    imputer = ImputerSelector(
        strategy={"age": "mean", 3: "constant", "ratio": "most_frequent"},
        fill_value=2.5,
    ).fit(df_nan)
    assert list(imputer.strategies_) == ["mean", "median", "most_frequent", "constant"]
    np.testing.assert_allclose(imputer.statistics_[0], df_nan["age"].mean())
    assert imputer.statistics_[1] == df_nan["income"].median()
    assert imputer.statistics_[3] == 2.5


@pytest.mark.parametrize(
    ("strategy", "match"),
    [
        ({"weight": "mean"}, "'weight', which is not a column"),
        ({7: "mean"}, "feature 7, but X has 4 features"),
        ({"age": "average"}, r"strategy\['age'\] must be one of"),
        ({"age": "mean", 0: "median"}, "names feature 0 twice"),
        ({1.5: "mean"}, "keys must be column names"),
    ],
)
def test_mapping_errors_say_what_is_wrong(df_nan, strategy, match):
    with pytest.raises(ValueError, match=match):
        ImputerSelector(strategy=strategy).fit(df_nan)


def test_mapping_by_name_needs_column_names(X_nan):
    with pytest.raises(ValueError, match="has no column names"):
        ImputerSelector(strategy={"age": "mean"}).fit(X_nan)


@pytest.mark.parametrize("candidates", [[], ["mean", "auto"], ["mean", "mean"]])
def test_bad_candidates_are_rejected(X_nan, candidates):
    with pytest.raises(ValueError, match="candidates must be"):
        ImputerSelector(strategy="auto", candidates=candidates).fit(X_nan)


# ---------------------------------------------------------------- streaming
@pytest.mark.parametrize("strategy", ["mean", "constant", {0: "mean", 1: "constant"}])
def test_partial_fit_equals_fit_on_everything(X_nan, strategy):
    X = X_nan[:, :2].copy()
    X[4, 0] = np.inf
    streamed = ImputerSelector(strategy=strategy, fill_value=3.0)
    for rows in np.array_split(np.arange(len(X)), 5):
        streamed.partial_fit(X[rows])
    whole = ImputerSelector(strategy=strategy, fill_value=3.0).fit(X)
    np.testing.assert_allclose(streamed.statistics_, whole.statistics_, rtol=1e-12)
    np.testing.assert_allclose(streamed.transform(X), whole.transform(X), rtol=1e-12)


def test_partial_fit_after_an_all_nan_first_batch(X_nan):
    first = X_nan[:10].copy()
    first[:, 0] = np.nan
    imputer = ImputerSelector(strategy="mean")
    with pytest.warns(DataQualityWarning, match="'x0'"):
        imputer.partial_fit(first)
    imputer.partial_fit(X_nan[10:])
    assert imputer.strategies_[0] == "mean"
    np.testing.assert_allclose(imputer.statistics_[0], np.nanmean(X_nan[10:, 0]))


@pytest.mark.parametrize("strategy", ["knn", "iterative", "auto", {0: "knn"}])
def test_partial_fit_is_unavailable_for_strategies_that_need_all_rows(strategy):
    imputer = ImputerSelector(strategy=strategy)
    assert not hasattr(imputer, "partial_fit")
    with pytest.raises(AttributeError) as info:
        imputer.partial_fit(np.ones((3, 2)))
    assert "needs every row at once" in str(info.value.__cause__)


# ---------------------------------------------------------- model strategies
@pytest.mark.parametrize("strategy", ["knn", "iterative"])
def test_models_beat_the_mean_on_correlated_features(X_mixed, strategy):
    X, hidden = _hide(X_mixed[:, :2], 0.2, seed=2)
    out = ImputerSelector(strategy=strategy, random_state=0).fit_transform(X)
    model_error = np.abs(out - X_mixed[:, :2])[hidden].mean()
    mean_out = ImputerSelector(strategy="mean").fit_transform(X)
    mean_error = np.abs(mean_out - X_mixed[:, :2])[hidden].mean()
    assert model_error < 0.5 * mean_error


def test_knn_distances_do_not_depend_on_feature_scales(X_mixed):
    X, _ = _hide(X_mixed[:500], 0.15, seed=3)
    rescaled = X * [1e6, 1.0, 1e-3, 1.0]
    ours = ImputerSelector(strategy="knn").fit_transform(rescaled)
    np.testing.assert_allclose(
        ours / [1e6, 1.0, 1e-3, 1.0],
        _fit_transform(ImputerSelector(strategy="knn"), X),
        rtol=1e-9,
    )
    # scikit-learn's KNNImputer alone is dominated by the 1e6 feature.
    theirs = KNNImputer().fit_transform(rescaled) / [1e6, 1.0, 1e-3, 1.0]
    assert not np.allclose(theirs, KNNImputer().fit_transform(X))


def test_iterative_imputations_stay_in_the_observed_range(X_mixed):
    X, hidden = _hide(X_mixed, 0.3, seed=4)
    out = ImputerSelector(strategy="iterative", random_state=0).fit_transform(X)
    assert (out >= np.nanmin(X, axis=0)).all() and (out <= np.nanmax(X, axis=0)).all()


def test_model_strategies_fit_on_a_row_sample(X_mixed, capsys):
    X, _ = _hide(X_mixed, 0.1, seed=5)
    ImputerSelector(strategy="knn", max_samples=300, verbose=1).fit(X)
    assert "fitting 'knn' on 300 rows" in capsys.readouterr().out


# --------------------------------------------------------------------- auto
def _per_feature_error(out, truth, hidden):
    errors = np.abs(out - truth)
    spread = np.abs(truth - np.median(truth, axis=0)).mean(axis=0)
    return np.array(
        [errors[hidden[:, j], j].mean() / spread[j] for j in range(truth.shape[1])]
    )


def test_auto_chooses_per_feature_and_beats_every_global_strategy(X_mixed):
    candidates = ["median", "mean", "knn", "iterative"]
    X, missing = _hide(X_mixed, 0.1, seed=6)
    X_fit, held_out = _hide(X, 0.1, seed=7)  # cells hidden from every method
    held_out &= ~missing
    auto = ImputerSelector(strategy="auto", candidates=candidates, random_state=0)
    auto_error = _per_feature_error(auto.fit_transform(X_fit), X_mixed, held_out)

    assert auto.strategies_[0] in ("knn", "iterative")
    assert auto.strategies_[1] in ("knn", "iterative")
    assert auto.strategies_[2] == "median"
    assert len(set(auto.strategies_)) >= 2
    for strategy in candidates:
        out = ImputerSelector(strategy=strategy, random_state=0).fit_transform(X_fit)
        assert auto_error.mean() <= _per_feature_error(out, X_mixed, held_out).mean()


def test_auto_scores_table_and_scoring_changes_the_choice(X_mixed):
    X, _ = _hide(X_mixed, 0.1, seed=8)
    auto = ImputerSelector(strategy="auto", random_state=0).fit(X)
    scores = auto.selection_scores_
    assert list(scores.index) == ["median", "mean", "iterative"]
    assert list(scores.columns) == ["x0", "x1", "x2", "x3"]
    assert scores.notna().all().all()
    # Where one candidate is far better, it is chosen.
    clear = (scores.min() < 0.8 * scores.max()).to_numpy()
    best = scores.index[scores.to_numpy().argmin(axis=0)]
    assert clear.any()
    assert list(auto.strategies_[clear]) == list(best[clear])
    # The median is the best constant for absolute errors: its score is ~1.
    np.testing.assert_allclose(scores.loc["median"], 1.0, atol=0.1)
    rmse = ImputerSelector(strategy="auto", scoring="rmse", random_state=0).fit(X)
    # For squared errors the mean, not the median, is the best constant.
    assert rmse.strategies_[2] != "median"
    assert (
        rmse.selection_scores_.loc["mean", "x2"]
        < rmse.selection_scores_.loc["median", "x2"]
    )


def test_one_standard_error_rule_prefers_earlier_candidates_within_noise():
    rng = np.random.default_rng(0)
    base = rng.exponential(size=400)
    noise = 0.05 * rng.normal(size=400)
    # The second candidate is better, but by less than the noise.
    assert _one_standard_error_choice(np.array([base, base - 0.001 + noise])) == 0
    # The third is better by far more than the noise.
    losses = np.array([base, base + noise, 0.5 * base])
    assert _one_standard_error_choice(losses) == 2
    # A candidate that failed (infinite loss) is never chosen over a finite one.
    assert _one_standard_error_choice(np.array([np.full(400, np.inf), base])) == 1


def test_auto_is_deterministic_and_transform_never_refits(X_mixed):
    X, _ = _hide(X_mixed, 0.1, seed=9)
    first = ImputerSelector(strategy="auto", random_state=3).fit(X)
    second = ImputerSelector(strategy="auto", random_state=3).fit(X)
    pd.testing.assert_frame_equal(first.selection_scores_, second.selection_scores_)
    np.testing.assert_array_equal(first.transform(X), second.transform(X))
    before = (first.strategies_.copy(), first.statistics_.copy())
    first.transform(X[::-1])
    np.testing.assert_array_equal(first.strategies_, before[0])
    np.testing.assert_array_equal(first.statistics_, before[1])


def test_auto_on_large_data_subsamples_and_reports_progress(X_mixed, capsys):
    X, _ = _hide(X_mixed, 0.1, seed=10)
    ImputerSelector(strategy="auto", max_samples=400, random_state=0, verbose=1).fit(X)
    out = capsys.readouterr().out
    assert "'auto' over 3 candidates on 400 rows" in out
    assert "scoring 'iterative'" in out and "done in" in out


def test_auto_in_a_mapping_and_with_too_few_values(df_nan):
    imputer = ImputerSelector(
        strategy={"age": "auto", "income": "mean"},
        candidates=["mean", "median"],
        random_state=0,
    ).fit(df_nan.iloc[:20])  # about one value per feature to hide: too few
    assert list(imputer.strategies_) == ["mean", "mean", "median", "median"]
    scores = imputer.selection_scores_
    assert scores.isna().all().all() and list(scores.columns) == list(df_nan.columns)


def test_fitted_imputer_pickles_and_clones(X_mixed):
    X, _ = _hide(X_mixed[:300], 0.1, seed=11)
    imputer = ImputerSelector(
        strategy={0: "knn", 1: "iterative", 2: "auto"}, random_state=0
    ).fit(X)
    restored = pickle.loads(pickle.dumps(imputer))
    np.testing.assert_array_equal(restored.transform(X), imputer.transform(X))
    assert clone(imputer).get_params() == imputer.get_params()


# ------------------------------------------------------- bad-input contract
bad_cells = st.one_of(
    st.floats(-1e300, 1e300, allow_nan=False),
    st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1e300, -1e300]),
)


@given(
    X=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 25), st.integers(1, 4)),
        elements=bad_cells,
    ),
    strategy=st.sampled_from(ALL),
    add_indicator=st.booleans(),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_any_input_gives_finite_output_of_the_promised_width(
    X, strategy, add_indicator, dtype
):
    with np.errstate(over="ignore"):
        X = X.astype(dtype)  # beyond float32's range: ±inf, missing too
    before = X.copy()
    imputer = _quiet(strategy=strategy, add_indicator=add_indicator, n_neighbors=2)
    out = _fit_transform(imputer, X)
    np.testing.assert_array_equal(X, before)
    n, p = X.shape
    assert out.shape == (n, 2 * p if add_indicator else p)
    assert out.dtype == dtype and np.isfinite(out).all()
    finite = np.isfinite(X)
    np.testing.assert_array_equal(out[:, :p][finite], X[finite])
    if add_indicator:
        np.testing.assert_array_equal(out[:, p:], ~finite)
    simple = np.isin(imputer.strategies_, SIMPLE)
    filled = ~finite & simple
    statistics = imputer.statistics_.astype(dtype)
    np.testing.assert_array_equal(
        out[:, :p][filled], np.broadcast_to(statistics, X.shape)[filled]
    )


# ------------------------------------------------------------ the fold trap
class _Linear(torch.nn.Module):
    def __init__(self, n_in=4):
        super().__init__()
        self.linear = torch.nn.Linear(n_in, 1)

    def forward(self, X):
        return self.linear(X)


def _fold_trap_search(imputer, strategies):
    """A grid search where the first training fold has an all-NaN feature."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = (X @ [1.0, -2.0, 0.5, 1.0] + 0.1 * rng.normal(size=60)).astype(np.float32)
    X[rng.random(X.shape) < 0.1] = np.nan
    X[20:, 2] = np.nan  # only the rows of the first test fold have feature 2
    torch.manual_seed(0)
    net = NeuralNetRegressor(
        _Linear,
        max_epochs=5,
        lr=0.05,
        batch_size=20,
        train_split=None,
        verbose=0,
    )
    pipe = make_pipeline(imputer, SafeStandardScaler(dtype=np.float32), net)
    name = pipe.steps[0][0]
    search = GridSearchCV(
        pipe, {f"{name}__strategy": strategies}, cv=KFold(3), error_score=np.nan
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, y.reshape(-1, 1))
    return search.cv_results_, caught


def test_fold_trap_every_candidate_scores_finite():
    results, caught = _fold_trap_search(ImputerSelector(random_state=0), ALL)
    assert np.isfinite(results["split0_test_score"]).all()
    assert np.isfinite(results["mean_test_score"]).all()
    named = [
        w
        for w in caught
        if issubclass(w.category, DataQualityWarning) and "'x2'" in str(w.message)
    ]
    assert len(named) == len(ALL)  # once per candidate, in the first fold


def test_fold_trap_is_real_with_simple_imputer():
    results, _ = _fold_trap_search(SimpleImputer(), ["mean", "median"])
    assert np.isnan(results["split0_test_score"]).all()


@pytest.mark.parametrize(
    "X",
    [np.full((20, 3), 1e308), np.array([[1.0, np.nan, 3.0]]), np.zeros((10, 2))],
    ids=["constant", "one row", "zeros"],
)
def test_iterative_on_constant_data_has_nothing_to_converge(X):
    # Every standardized value is 0: IterativeImputer's stopping rule cannot
    # hold, and its ConvergenceWarning would be noise.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", DataQualityWarning)
        Xt = ImputerSelector(strategy="iterative", random_state=0).fit_transform(X)
    assert np.isfinite(Xt).all() and Xt.shape == X.shape


# ------------------------------------------- what SimpleImputer takes, too
@pytest.mark.parametrize("marker", [-999, -1.0, 0])
@pytest.mark.parametrize("strategy", SIMPLE)
def test_placeholder_missing_values_match_simple_imputer(X_clean, marker, strategy):
    X = np.round(X_clean[:60] / [1, 10, 0.1, 1000]) + 100  # ties, no marker
    X[np.random.default_rng(0).random(X.shape) < 0.2] = marker
    before = X.copy()
    ours = ImputerSelector(missing_values=marker, strategy=strategy, fill_value=7)
    theirs = SimpleImputer(missing_values=marker, strategy=strategy, fill_value=7)
    np.testing.assert_allclose(ours.fit_transform(X), theirs.fit_transform(X))
    np.testing.assert_allclose(ours.statistics_, theirs.statistics_.astype(float))
    np.testing.assert_array_equal(X, before)


def test_placeholder_and_nan_and_inf_are_all_missing():
    X = np.array([[1.0, 10.0], [-1.0, np.nan], [np.inf, 30.0], [5.0, -1.0]])
    imputer = ImputerSelector(missing_values=-1, strategy="mean", add_indicator=True)
    out = imputer.fit_transform(X)
    np.testing.assert_array_equal(imputer.statistics_, [3.0, 20.0])
    np.testing.assert_array_equal(out[:, :2], [[1, 10], [3, 20], [3, 30], [5, 20]])
    np.testing.assert_array_equal(out[:, 2:], [[0, 0], [1, 1], [1, 0], [0, 1]])


def test_placeholder_is_filled_in_place_with_copy_false():
    X = np.array([[1.0, -1.0], [3.0, 4.0], [-1.0, 6.0]])
    imputer = ImputerSelector(missing_values=-1, strategy="mean", copy=False)
    out = imputer.fit(X).transform(X)
    assert out is X
    np.testing.assert_array_equal(X, [[1, 5], [3, 4], [2, 6]])


@pytest.mark.parametrize("marker", ["-1", "", "NaN"])
def test_text_missing_values_on_numbers_is_a_clear_error(X_nan, marker):
    with pytest.raises(InputTypeError, match="both numerical.*Pass a number"):
        ImputerSelector(missing_values=marker).fit(X_nan)


@pytest.mark.parametrize("keep", [True, False])
@pytest.mark.parametrize("strategy", SIMPLE)
def test_keep_empty_features_matches_simple_imputer(strategy, keep):
    X = np.array([[np.nan, 2.0, np.nan], [np.nan, 3.0, 1.0], [np.nan, 6.0, 5.0]])
    ours = ImputerSelector(strategy=strategy, keep_empty_features=keep, fill_value=0)
    # SimpleImputer drops them (keep_empty_features=False) for "constant" too
    # from scikit-learn 1.8 on: its kept output without them, in any version.
    theirs = SimpleImputer(strategy=strategy, keep_empty_features=True, fill_value=0)
    with pytest.warns(DataQualityWarning, match="'x0'"):
        out = ours.fit_transform(X)
    expected = theirs.fit_transform(X)
    np.testing.assert_allclose(out, expected if keep else expected[:, 1:])
    assert out.shape[1] == (3 if keep else 2)


def test_keep_empty_features_overrides_fill_and_drop_but_not_raise(X_nan):
    X = X_nan.copy()
    X[:, 1] = np.nan
    for on_all_nan, keep, width in [("fill", False, 3), ("drop", True, 4)]:
        imputer = ImputerSelector(on_all_nan=on_all_nan, keep_empty_features=keep)
        assert _fit_transform(imputer, X).shape[1] == width
    # None (the default) lets on_all_nan decide.
    assert _fit_transform(ImputerSelector(on_all_nan="drop"), X).shape[1] == 3
    with pytest.raises(NonFiniteInputError, match="'x1'"):
        ImputerSelector(on_all_nan="raise", keep_empty_features=True).fit(X)


def test_indicator_is_a_fitted_missing_indicator_of_the_kept_features():
    X = np.array([[1.0, np.nan, np.nan], [np.nan, 2.0, np.nan], [3.0, 4.0, np.nan]])
    imputer = ImputerSelector(on_all_nan="drop", add_indicator=True)
    out = _fit_transform(imputer, X)
    assert isinstance(imputer.indicator_, MissingIndicator)
    np.testing.assert_array_equal(imputer.indicator_.features_, [0, 1])
    np.testing.assert_array_equal(imputer.indicator_.transform(X), out[:, 2:])
    assert ImputerSelector().fit(X[:, :2]).indicator_ is None


@pytest.mark.parametrize("marker", [np.nan, -1])
def test_inverse_transform_puts_missing_values_back(X_clean, marker):
    X = np.round(X_clean[:30])
    X[np.random.default_rng(1).random(X.shape) < 0.2] = marker
    X[:, 2] = marker  # a feature without observed values, left out
    imputer = ImputerSelector(
        missing_values=marker, add_indicator=True, on_all_nan="drop"
    )
    out = _fit_transform(imputer, X)
    assert out.shape[1] == 6
    np.testing.assert_array_equal(imputer.inverse_transform(out), X)
    theirs = SimpleImputer(missing_values=marker, strategy="median", add_indicator=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        np.testing.assert_array_equal(
            theirs.inverse_transform(theirs.fit_transform(X)), X
        )


def test_inverse_transform_needs_the_indicators(X_nan):
    imputer = ImputerSelector().fit(X_nan)
    assert not hasattr(imputer, "inverse_transform")
    with pytest.raises(AttributeError) as info:
        imputer.inverse_transform(X_nan)
    assert "Got 'add_indicator=False' instead" in str(info.value.__cause__)
    with pytest.raises(ValueError, match="must have 8 columns"):
        ImputerSelector(add_indicator=True).fit(X_nan).inverse_transform(X_nan)


@pytest.fixture
def df_text():
    return pd.DataFrame(
        {
            "city": pd.Series(["Oslo", None, "Rome", "Oslo", "Rome"], dtype="category"),
            "name": pd.Series(["a", pd.NA, "b", "b", None], dtype="string"),
            "code": np.array(["x", "y", np.nan, "y", "z"], dtype=object),
            "size": [1.0, np.nan, 3.0, 3.0, 4.0],
        }
    )


def test_most_frequent_and_constant_fill_text_and_categories(df_text):
    frequent = ImputerSelector(strategy="most_frequent").fit(df_text)
    assert list(frequent.statistics_) == ["Oslo", "b", "y", 3.0]
    out = frequent.transform(df_text)
    assert out.dtype == object
    assert list(out[1]) == ["Oslo", "b", "y", 3.0]
    assert list(out[4]) == ["Rome", "b", "z", 4.0]
    constant = ImputerSelector(strategy="constant").fit(df_text)
    missing = "missing_value"  # fill_value=None in text data, as SimpleImputer
    assert list(constant.transform(df_text)[1]) == [missing, missing, "y", missing]
    named = ImputerSelector(strategy="constant", fill_value="unknown")
    assert list(named.fit_transform(df_text)[2]) == ["Rome", "b", "unknown", 3.0]


def test_text_output_keeps_each_column_dtype_in_pandas(df_text):
    imputer = ImputerSelector(
        strategy={"city": "constant", "name": "most_frequent", "code": "constant"},
        fill_value="unknown",
        add_indicator=True,
    ).set_output(transform="pandas")
    out = imputer.fit_transform(df_text)
    assert isinstance(out["city"].dtype, pd.CategoricalDtype)
    assert list(out["city"].cat.categories) == ["Oslo", "Rome", "unknown"]
    assert out["city"].tolist() == ["Oslo", "unknown", "Rome", "Oslo", "Rome"]
    assert isinstance(out["name"].dtype, pd.StringDtype)
    assert out["size"].dtype == np.float64 and out["size"][1] == 3.0  # median
    assert out["missingindicator_name"].dtype == bool
    assert out["missingindicator_name"].tolist() == [False, True, False, False, True]
    assert out.index.equals(df_text.index)


def test_text_placeholders_none_and_lists():
    X = np.array([["a", ""], ["", "c"], ["a", "c"], [None, "d"]], dtype=object)
    out = ImputerSelector(missing_values="", strategy="most_frequent").fit_transform(X)
    np.testing.assert_array_equal(out, [["a", "c"], ["a", "c"], ["a", "c"], ["a", "d"]])
    rows = [["a", "b"], ["c", np.nan], ["a", "b"]]
    fitted = ImputerSelector(strategy="most_frequent").fit(rows)
    out = fitted.transform([[np.nan, np.nan]])  # numbers only, read as text
    assert out.dtype == object and list(out[0]) == ["a", "b"]


def test_most_frequent_ties_take_the_smallest_value():
    X = np.array([["b"], ["a"], [None], ["b"], ["a"]], dtype=object)
    assert ImputerSelector(strategy="most_frequent").fit(X).statistics_[0] == "a"
    mixed = np.array([[1], ["1"], [None]], dtype=object)
    assert ImputerSelector(strategy="most_frequent").fit(mixed).statistics_[0] == 1


def test_mean_on_text_names_the_column_rows_and_fix(df_text):
    with pytest.raises(
        InputTypeError, match=r"(?s)'city', rows 0, 2, 3, 4.*most_frequent"
    ):
        ImputerSelector(strategy="mean").fit(df_text)
    # A mapping gives the numbers a numeric strategy.
    imputer = ImputerSelector(
        strategy={"city": "most_frequent", "name": "constant", "code": "constant"},
        fill_value="?",
    ).fit(df_text)
    assert imputer.statistics_[3] == 3.0  # the median of 'size'
    with pytest.raises(InputTypeError, match="'city', 'name'.*'knn'.*need numbers"):
        ImputerSelector(strategy="knn").fit(df_text)


def test_text_fill_value_on_numbers_and_numpy_strings_are_refused(X_nan):
    with pytest.raises(InputTypeError, match="fill_value='x'.*cannot be cast"):
        ImputerSelector(strategy="constant", fill_value="x").fit(X_nan)
    with pytest.raises(InputTypeError, match="numpy string array cannot hold"):
        ImputerSelector(strategy="most_frequent").fit(np.array([["a"], ["b"]]))


def test_text_feature_without_values_in_a_fold_is_kept(df_text):
    df = df_text.assign(code=None)
    imputer = ImputerSelector(strategy="most_frequent")
    with pytest.warns(DataQualityWarning, match="'code'.*'missing_value'"):
        out = imputer.fit_transform(df)
    assert out.shape == df.shape
    assert list(out[:, 2]) == ["missing_value"] * len(df)
    assert imputer.strategies_[2] == "constant"


@pytest.mark.parametrize("container", [sparse.csr_matrix, sparse.csc_array])
@pytest.mark.parametrize("strategy", SIMPLE)
def test_sparse_matches_simple_imputer(X_nan, container, strategy):
    X = np.round(X_nan / [1, 10, 0.1, 1000])  # implicit zeros in x0, x1
    X[:5, 0] = np.nan
    ours = ImputerSelector(strategy=strategy, fill_value=7.0, add_indicator=True)
    theirs = SimpleImputer(strategy=strategy, fill_value=7.0, add_indicator=True)
    out = ours.fit_transform(container(X))
    assert sparse.issparse(out) and out.format == "csc"
    expected = theirs.fit_transform(container(X))
    np.testing.assert_allclose(ours.statistics_, theirs.statistics_)
    np.testing.assert_allclose(out.toarray(), expected.toarray())
    np.testing.assert_allclose(out[:, :4].toarray(), ours.fit_transform(X)[:, :4])


def test_sparse_inf_is_missing_and_copy_false_fills_csc_in_place():
    X = sparse.csc_matrix(np.array([[np.inf, 1.0], [2.0, 0.0], [4.0, np.nan]]))
    imputer = ImputerSelector(strategy="mean", copy=False).fit(X)
    np.testing.assert_allclose(imputer.statistics_, [3.0, 0.5])
    out = imputer.transform(X)
    assert out is X
    np.testing.assert_allclose(X.toarray(), [[3, 1], [2, 0], [4, 0.5]])


def test_sparse_refusals_are_clear():
    X = sparse.csr_matrix(np.array([[0.0, 1.0], [np.nan, 2.0]]))
    with pytest.raises(InputTypeError, match="missing_values == 0.*dense array"):
        ImputerSelector(missing_values=0).fit(X)
    with pytest.raises(InputTypeError, match="'knn' needs dense data"):
        ImputerSelector(strategy="knn").fit(X)
    with pytest.raises(InputTypeError, match="take dense numeric batches"):
        ImputerSelector(strategy="mean").partial_fit(X)
    assert not ImputerSelector(strategy="auto").__sklearn_tags__().input_tags.sparse


def test_callable_strategy_on_dense_sparse_and_text():
    X = np.array([[1.0, np.nan], [np.nan, 5.0], [3.0, 2.0]])
    np.testing.assert_array_equal(
        ImputerSelector(strategy=np.min).fit_transform(X), [[1, 2], [1, 5], [3, 2]]
    )
    out = ImputerSelector(strategy=np.max).fit_transform(sparse.csr_matrix(X))
    np.testing.assert_array_equal(out.toarray(), [[1, 5], [3, 5], [3, 2]])
    assert not hasattr(ImputerSelector(strategy=np.min), "partial_fit")
