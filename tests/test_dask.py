"""Dask collections on a real 2-worker LocalCluster: same fit, lazy transform.

Moments, ranges and counts equal those of the NumPy fit (up to rounding);
quantiles come from a sketch, so their rank in the data is checked against
the sketch's stated rank error.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV

from sktorchsafe import (
    ImputerSelector,
    OutlierClipper,
    SafeNeuralNetRegressor,
    SafeStandardScaler,
    ScaleDisparityChecker,
    TargetValidator,
    make_safe_pipeline,
)
from sktorchsafe.core.sketches import QuantileSketch
from sktorchsafe.exceptions import (
    NonFiniteInputError,
    ScaleDisparityWarning,
    TargetError,
)

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6000, 5)) * [1, 1e300, 3, 1e-3, 10] + [0, 0, 5, 0, -2]
    X[rng.random(X.shape) < 0.05] = np.nan
    return X


def test_scaler_dask_fit_equals_numpy_fit(client, data):
    ours = SafeStandardScaler().fit(da.from_array(data, chunks=(700, 5)))
    local = SafeStandardScaler().fit(data)
    np.testing.assert_allclose(ours.mean_, local.mean_, rtol=1e-12)
    np.testing.assert_allclose(ours.scale_, local.scale_, rtol=1e-12)
    np.testing.assert_array_equal(ours.n_samples_seen_, local.n_samples_seen_)


def test_scaler_dask_transform_is_lazy_until_computed(client, data):
    Xd = da.from_array(data, chunks=(700, 5))
    scaler = SafeStandardScaler(dtype=np.float32).fit(Xd)
    out = scaler.transform(Xd)
    assert isinstance(out, da.Array) and out.dtype == np.float32
    assert out.chunks[0] == Xd.chunks[0]
    np.testing.assert_allclose(
        out.compute(), SafeStandardScaler(dtype=np.float32).fit_transform(data)
    )


def test_scaler_on_dask_dataframe_keeps_names(client, data):
    df = dd.from_pandas(pd.DataFrame(data, columns=list("abcde")), npartitions=4)
    scaler = SafeStandardScaler().fit(df)
    assert list(scaler.feature_names_in_) == list("abcde")
    out = scaler.transform(df)
    assert list(out.columns) == list("abcde")
    pd.testing.assert_frame_equal(
        out.compute(),
        pd.DataFrame(SafeStandardScaler().fit_transform(data), columns=list("abcde")),
        check_index_type=False,
    )


def test_scaler_dask_weighted_and_partial_fit(client, data):
    w = np.random.default_rng(1).random(len(data))
    ours = SafeStandardScaler().fit(
        da.from_array(data, chunks=(900, 5)), sample_weight=da.from_array(w, 1000)
    )
    local = SafeStandardScaler().fit(data, sample_weight=w)
    np.testing.assert_allclose(ours.mean_, local.mean_, rtol=1e-12)
    np.testing.assert_allclose(ours.scale_, local.scale_, rtol=1e-12)
    streamed = SafeStandardScaler()
    for chunk in np.array_split(data, 10):
        streamed.partial_fit(da.from_array(chunk, chunks=(200, 5)))
    np.testing.assert_allclose(
        streamed.scale_, SafeStandardScaler().fit(data).scale_, rtol=1e-12
    )


def test_scaler_dask_inf_is_named(client, data):
    X = data.copy()
    X[10, 3] = -np.inf
    with pytest.raises(NonFiniteInputError, match="'x3' \\(1 cell\\)"):
        SafeStandardScaler().fit(da.from_array(X, chunks=(700, 5)))


# ------------------------------------------------------------ OutlierClipper
RANK_ERROR = QuantileSketch(1).rank_error


@pytest.fixture(scope="module")
def damaged(data):
    """The shared data with some ±inf cells, which the clipper accepts."""
    X = data.copy()
    rng = np.random.default_rng(2)
    X[rng.random(X.shape) < 0.005] = np.inf
    X[rng.random(X.shape) < 0.005] = -np.inf
    return X


def _rank_interval(X, values):
    """Per column, the share of its finite values below and at most ``values``."""
    finite = np.isfinite(X)
    n = finite.sum(axis=0)
    below = ((X < values) & finite).sum(axis=0) / n
    at_most = ((X <= values) & finite).sum(axis=0) / n
    return below, at_most


@pytest.mark.parametrize("method", ["iqr", "quantile", "zscore", "mad"])
def test_clipper_dask_fit_equals_numpy_fit(client, damaged, method):
    ours = OutlierClipper(method=method).fit(da.from_array(damaged, chunks=(700, 5)))
    local = OutlierClipper(method=method).fit(damaged)
    np.testing.assert_array_equal(ours.data_min_, local.data_min_)
    np.testing.assert_array_equal(ours.data_max_, local.data_max_)
    if method == "zscore":
        np.testing.assert_allclose(ours.lower_, local.lower_, rtol=1e-12)
        np.testing.assert_allclose(ours.upper_, local.upper_, rtol=1e-12)
    elif method == "quantile":
        for bound, level in ((ours.lower_, 0.01), (ours.upper_, 0.99)):
            below, at_most = _rank_interval(damaged, bound)
            assert np.all(
                (below - RANK_ERROR <= level) & (level <= at_most + RANK_ERROR)
            )
    else:  # the center (the median, or the middle of the quartiles)
        center = (ours.lower_ + ours.upper_) / 2
        exact = (local.lower_ + local.upper_) / 2
        below, at_most = _rank_interval(damaged, center)
        below_exact, at_most_exact = _rank_interval(damaged, exact)
        if method == "mad":
            assert np.all((below - RANK_ERROR <= 0.5) & (0.5 <= at_most + RANK_ERROR))
        np.testing.assert_allclose(below, below_exact, atol=2 * RANK_ERROR)
    # The clipped share is estimated from the sketch, ±inf counted exactly.
    _, counts = ours.transform(damaged, return_counts=True)
    np.testing.assert_allclose(
        ours.clipped_fraction_, counts.clipped_fraction, atol=2 * RANK_ERROR
    )


def test_clipper_dask_transform_is_lazy_until_computed(client, damaged):
    X32 = (damaged / [1, 1e300, 1, 1, 1]).astype(np.float32)
    Xd = da.from_array(X32, chunks=(700, 5))
    clipper = OutlierClipper().fit(Xd)
    # Input that fails when computed: transform must not compute it.
    unavailable = da.from_delayed(
        dask.delayed(lambda: 1 / 0)(), shape=(100, 5), dtype=np.float32
    )
    assert isinstance(clipper.transform(unavailable), da.Array)
    with pytest.raises(ZeroDivisionError):
        clipper.transform(unavailable).compute()

    out, counts = clipper.transform(Xd, return_counts=True)
    assert isinstance(out, da.Array) and out.dtype == np.float32
    assert out.chunks == Xd.chunks
    expected, expected_counts = clipper.transform(X32, return_counts=True)
    computed, computed_counts = dask.compute(out, counts)
    np.testing.assert_array_equal(computed, expected)
    for name in ("n_below", "n_above", "n_observed", "clipped_fraction"):
        np.testing.assert_array_equal(computed_counts[name], expected_counts[name])
    assert isinstance(clipper.fit_transform(Xd), da.Array)


def test_clipper_on_dask_dataframe_keeps_names(client, damaged):
    columns = list("abcde")
    df = dd.from_pandas(pd.DataFrame(damaged, columns=columns), npartitions=4)
    clipper = OutlierClipper(method="zscore").fit(df)
    assert list(clipper.feature_names_in_) == columns
    out = clipper.transform(df)
    assert isinstance(out, dd.DataFrame) and list(out.columns) == columns
    local = OutlierClipper(method="zscore").fit(damaged)
    pd.testing.assert_frame_equal(
        out.compute(),
        pd.DataFrame(local.transform(damaged), columns=columns),
        check_index_type=False,
    )
    with pytest.raises(ValueError, match="feature names"):
        clipper.transform(df[columns[::-1]])


def test_clipper_dask_inf_raise_and_stream(client, damaged, data):
    with pytest.raises(NonFiniteInputError, match="'x0' \\(\\d+ cells\\)"):
        OutlierClipper(on_inf="raise").fit(da.from_array(damaged, chunks=(700, 5)))
    # A Dask fit continues with partial_fit, on Dask or NumPy chunks.
    clipper = OutlierClipper(method="zscore").fit(da.from_array(data[:3000], 500))
    clipper.partial_fit(data[3000:4000]).partial_fit(da.from_array(data[4000:], 500))
    np.testing.assert_allclose(
        clipper.lower_, OutlierClipper(method="zscore").fit(data).lower_, rtol=1e-12
    )


# ----------------------------------------------------- ScaleDisparityChecker
def test_checker_dask_fit_equals_numpy_fit(client, data):
    X = data.copy()
    X[:, 4] = 7.0  # constant
    X[[17, 4123, 5990], 2] = [-np.inf, np.inf, np.inf]
    Xd = da.from_array(X, chunks=(700, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = ScaleDisparityChecker().fit(Xd)
        local = ScaleDisparityChecker(subsample=None).fit(X)

    # The same findings about the same features; the ±inf message (exact
    # counts and rows) word for word. Scale numbers come from the sketch.
    def judged(checker):
        return [(f.kind, f.columns) for f in checker.report_.findings]

    assert judged(ours) == judged(local)
    assert str(ours.report_.findings[0]) == str(local.report_.findings[0])
    assert "rows 17, 4123, 5990" in str(ours.report_.findings[0])
    exact = ["min", "max", "constant", "n_posinf", "n_neginf", "float32_overflow"]
    pd.testing.assert_frame_equal(
        ours.report_.to_frame()[exact], local.report_.to_frame()[exact]
    )
    # The medians: within the sketch's rank error (the constant column exact).
    below, at_most = _rank_interval(X, ours.report_.to_frame()["center"].to_numpy())
    assert np.all(below - RANK_ERROR <= 0.5) and np.all(0.5 <= at_most + RANK_ERROR)
    assert ours.transform(Xd) is Xd


def test_checker_on_dask_dataframe_keeps_names(client, data):
    df = dd.from_pandas(pd.DataFrame(data, columns=list("abcde")), npartitions=3)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        checker = ScaleDisparityChecker().fit(df)
    assert any(
        w.category is ScaleDisparityWarning and "'b' has scale" in str(w.message)
        for w in record
    )
    assert list(checker.feature_names_in_) == list("abcde")
    assert checker.transform(df) is df
    with pytest.raises(ValueError, match="feature names"):
        checker.transform(df[list("edcba")])


# ----------------------------------------------------------- TargetValidator
def test_target_dask_fit_equals_numpy_fit(client, data):
    rng = np.random.default_rng(3)
    y_num = rng.normal(3e5, 1e5, len(data))
    labels = pd.Series(rng.choice(["cat", "dog", "Dog"], len(data)), name="pet")
    X = pd.DataFrame({"city": ["a", "b"] * (len(data) // 2), "v": data[:, 0]})
    Xd = dd.from_pandas(X, npartitions=4)
    for y, yd in (
        (y_num, da.from_array(y_num, chunks=900)),
        (labels, dd.from_pandas(labels, npartitions=4)),
    ):
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            ours = TargetValidator().fit(Xd, yd)
            local = TargetValidator().fit(X, y)
        assert len(record) == 2 * len(
            [f for f in local.findings_ if f.severity != "info"]
        )
        assert ours.task_ == local.task_
        assert [str(f) for f in ours.findings_] == [str(f) for f in local.findings_]
        for name in ("classes_", "class_counts_"):
            if hasattr(local, name):
                np.testing.assert_array_equal(getattr(ours, name), getattr(local, name))
        if local.task_ == "regression":
            np.testing.assert_allclose(ours.target_std_, local.target_std_, rtol=1e-12)
        assert ours.transform(Xd) is Xd


def test_target_dask_bad_rows_are_numbered_from_the_start(client):
    y = np.arange(5000, dtype=float)
    y[[2345, 4999]] = [np.nan, -np.inf]
    with pytest.raises(TargetError, match=r"NaN and -inf in 2 rows: 2345, 4999\."):
        TargetValidator().fit(
            da.zeros((5000, 2), chunks=(1000, 2)), da.from_array(y, chunks=1000)
        )
    with pytest.raises(TargetError, match="y has 5000 rows but X has 4000"):
        TargetValidator().fit(
            da.zeros((4000, 2), chunks=(1000, 2)), da.zeros(5000, chunks=1000)
        )


# ----------------------------------------------------------- ImputerSelector
@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent"])
def test_imputer_dask_fit_equals_numpy_fit(client, damaged, strategy):
    X = damaged.copy()
    X[:, 3] = np.round(X[:, 3] * 1e3)  # a discrete feature
    ours = ImputerSelector(strategy=strategy).fit(da.from_array(X, chunks=(700, 5)))
    local = ImputerSelector(strategy=strategy).fit(X)
    np.testing.assert_array_equal(ours.strategies_, local.strategies_)
    if strategy == "median":
        below, at_most = _rank_interval(X, ours.statistics_)
        assert np.all(below - RANK_ERROR <= 0.5) and np.all(0.5 <= at_most + RANK_ERROR)
    elif strategy == "mean":
        np.testing.assert_allclose(ours.statistics_, local.statistics_, rtol=1e-12)
    else:
        np.testing.assert_array_equal(ours.statistics_, local.statistics_)


def test_imputer_dask_transform_is_lazy_with_any_strategy(client, damaged):
    columns = list("abcde")
    df = dd.from_pandas(pd.DataFrame(damaged, columns=columns), npartitions=4)
    with pytest.raises(ValueError, match="strategy 'knn' needs every row"):
        ImputerSelector(strategy="knn").fit(df)
    imputer = ImputerSelector(strategy="knn", add_indicator=True, random_state=0)
    imputer.fit(pd.DataFrame(damaged[:1000], columns=columns))
    out = imputer.transform(df)
    assert isinstance(out, dd.DataFrame)
    assert list(out.columns) == list(imputer.get_feature_names_out())
    expected = imputer.transform(pd.DataFrame(damaged, columns=columns))
    np.testing.assert_allclose(out.compute().to_numpy(), expected)
    unavailable = da.from_delayed(
        dask.delayed(lambda: 1 / 0)(), shape=(100, 5), dtype=np.float64
    )
    lazy = ImputerSelector().fit(damaged).transform(unavailable)
    assert isinstance(lazy, da.Array) and lazy.shape == (100, 5)


# ------------------------------------------- searches on the cluster (joblib)
def test_grid_search_with_the_dask_backend_equals_local(client):
    joblib = pytest.importorskip("joblib")
    torch = pytest.importorskip("torch")
    from skorch.callbacks import Initializer

    rng = np.random.default_rng(4)
    X = rng.lognormal(size=(300, 4)) * [1, 10, 100, 1000]
    y = np.log(X) @ [1.0, -1.0, 0.5, 2.0] + 0.1 * rng.normal(size=300)
    X[rng.random(X.shape) < 0.2] = np.nan
    X[rng.random(X.shape) < 0.01] = np.inf
    net = SafeNeuralNetRegressor(
        torch.nn.Linear,
        module__in_features=4,
        module__out_features=1,
        lr=0.1,
        max_epochs=5,
        train_split=None,
        verbose=0,
        # Zero initial weights: every process trains the same net.
        callbacks=[("init", Initializer("*", fn=torch.nn.init.zeros_))],
    )
    pipe = make_safe_pipeline(net, check=ScaleDisparityChecker(on_problem="ignore"))
    grid = {"impute__strategy": ["mean", "median", "most_frequent", "constant"]}
    local = GridSearchCV(pipe, grid, cv=3, error_score="raise").fit(X, y)
    with joblib.parallel_backend("dask"):
        remote = GridSearchCV(pipe, grid, cv=3, n_jobs=-1, error_score="raise")
        remote.fit(X, y)
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"],
        local.cv_results_["mean_test_score"],
        rtol=1e-5,
    )
    assert np.ptp(local.cv_results_["mean_test_score"]) > 0.05  # the grid matters
    # What came back from the workers pickles and predicts like the local fit.
    best = pickle.loads(pickle.dumps(remote.best_estimator_))
    np.testing.assert_allclose(best.predict(X), local.predict(X), rtol=1e-5)


def test_nullable_columns_are_missing_values_as_in_memory(client):
    df = pd.DataFrame(
        {
            "count": pd.array([1, None, 3, 4] * 100, dtype="Int64"),
            "ratio": pd.array([1.5, None, 2.5, 3.0] * 100, dtype="Float64"),
            "plain": np.arange(400.0),
        }
    )
    ddf = dd.from_pandas(df, npartitions=3)
    for make in (SafeStandardScaler, lambda: ImputerSelector(strategy="mean")):
        ours, local = make().fit(ddf), make().fit(df)
        for name in ("mean_", "statistics_"):
            if hasattr(local, name):
                np.testing.assert_allclose(getattr(ours, name), getattr(local, name))
        np.testing.assert_allclose(
            ours.transform(ddf).compute().to_numpy(dtype=float),
            local.transform(df).astype(float),
        )


def test_safe_pipeline_preprocessing_fits_on_dask_and_stays_lazy(client, damaged):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    y = rng.normal(size=len(damaged))
    net = SafeNeuralNetRegressor(
        torch.nn.Linear, module__in_features=5, module__out_features=1
    )
    steps = {
        "impute": ImputerSelector(strategy="mean"),
        "clip": OutlierClipper(method="zscore"),
        "check": ScaleDisparityChecker(on_problem="ignore"),
    }
    Xd = da.from_array(damaged, chunks=(700, 5))
    ours = make_safe_pipeline(net, **steps)[:-1]
    ours.fit(Xd, da.from_array(y, chunks=700))
    local = make_safe_pipeline(net, **steps)[:-1].fit(damaged, y)
    out = ours.transform(Xd)
    assert isinstance(out, da.Array) and out.dtype == np.float32
    np.testing.assert_allclose(out.compute(), local.transform(damaged), rtol=1e-6)
