"""Raw tables straight into ``make_safe_pipeline``: both nets, a search, new rows.

The frames hold text, ``category``, ``boolean``, ``Int64``, datetime and
numbers-stored-as-text columns beside plain floats, each with missing
values; nothing is prepared by hand before ``fit``.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV, KFold

from sktorchsafe import (
    ImputerSelector,
    SafeNeuralNetClassifier,
    SafeNeuralNetRegressor,
    TableEncoder,
    TabularMLP,
    make_safe_pipeline,
)
from sktorchsafe.exceptions import DataQualityWarning, InputTypeError

pytestmark = pytest.mark.usefixtures("one_torch_thread")

N_ROWS = 160
COLOURS = ["red", "green", "blue"]
SIZES = ["S", "M", "L"]

#: The kind TableEncoder must find in each column of the frame.
KINDS = {
    "colour": "category",
    "size": "category",
    "member": "numbers",
    "visits": "numbers",
    "joined": "dates",
    "price": "text_numbers",
    "score": "numbers",
}


def raw_frame(rng, n=N_ROWS):
    """A raw table with a missing value in every column, and its signal."""
    colour = rng.choice(COLOURS, n).astype(object)
    size = rng.choice(SIZES, n).astype(object)
    member = rng.random(n) < 0.5
    visits = rng.integers(0, 10, n)
    joined = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 700, n), "D")
    price = rng.uniform(500, 5000, n)
    score = rng.normal(size=n)
    signal = (
        1.5 * (colour == "red")
        - 1.0 * (colour == "blue")
        + 0.8 * (size == "L")
        + 0.7 * member
        + 0.2 * visits
        + (price - 2750) / 1500
        + 0.5 * score
    )
    frame = pd.DataFrame(
        {
            "colour": colour,
            "size": pd.Categorical(size, categories=SIZES, ordered=True),
            "member": pd.array(member, dtype="boolean"),
            "visits": pd.array(visits, dtype="Int64"),
            "joined": joined,
            "price": pd.Series([f"{v:,.1f}" for v in price], dtype=object),
            "score": score,
        }
    )
    holes = np.arange(n)
    frame.loc[holes % 11 == 0, "colour"] = None
    frame.loc[holes % 13 == 1, "size"] = np.nan
    frame.loc[holes % 9 == 2, "member"] = pd.NA
    frame.loc[holes % 10 == 3, "visits"] = pd.NA
    frame.loc[holes % 12 == 4, "joined"] = pd.NaT
    frame.loc[holes % 14 == 5, "price"] = "?"
    frame.loc[holes % 15 == 6, "price"] = None
    frame.loc[holes % 8 == 7, "score"] = np.nan
    return frame, signal


class MLP(torch.nn.Module):
    """``in_features`` -> 16 -> ``out_features``: both widths left to the net."""

    def __init__(self, in_features, out_features, hidden=16):
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(in_features, hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(hidden, out_features),
        )

    def forward(self, X):
        return self.layers(X)


def make_net(kind, **params):
    """A tiny net of ``kind`` ("regressor", "classifier"); no width given."""
    torch.manual_seed(0)
    settings = {
        "module": MLP,
        "optimizer": torch.optim.Adam,
        "lr": 0.03,
        "max_epochs": 3,
        "batch_size": 16,
        "train_split": None,
        "verbose": 0,
        **params,
    }
    if kind == "classifier":
        return SafeNeuralNetClassifier(**settings)
    return SafeNeuralNetRegressor(**settings)


def target(kind, signal):
    if kind == "classifier":
        return np.where(signal > np.median(signal), "high", "low")
    return 100.0 + 20.0 * signal


def fit_quietly(pipe, X, y):
    """Fit; a step's warning about what the pipeline handles fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)
        return pipe.fit(X, y)


@pytest.mark.parametrize("kind", ["regressor", "classifier"])
def test_both_nets_train_on_a_raw_frame(kind, rng):
    X, signal = raw_frame(rng)
    y = target(kind, signal)
    pipe = fit_quietly(make_safe_pipeline(make_net(kind)), X, y)

    encoder = pipe["encode"]
    assert encoder.column_kinds_ == KINDS
    # The module's widths are learned: the encoded table's and y's.
    layers = pipe[-1].module_.layers
    assert layers[0].in_features == len(encoder.get_feature_names_out())
    assert layers[-1].out_features == (2 if kind == "classifier" else 1)
    assert "colour=<missing>" in encoder.get_feature_names_out()
    Xt = pipe[:-1].transform(X)
    assert Xt.dtype == np.float32 and np.isfinite(Xt).all()
    train_loss = pipe[-1].history[:, "train_loss"]
    assert np.isfinite(train_loss).all()
    assert train_loss[-1] < train_loss[0]  # it learns from the encoded table
    pred = pipe.predict(X)
    assert pred.shape[0] == N_ROWS
    if kind == "classifier":
        assert set(pred) <= {"high", "low"}
        assert pipe.predict_proba(X).shape == (N_ROWS, 2)
    else:
        assert np.isfinite(pred).all()


def test_missing_values_of_each_kind_reach_the_net_imputed(rng):
    X, signal = raw_frame(rng)
    y = target("regressor", signal)
    pipe = fit_quietly(make_safe_pipeline(make_net("regressor")), X, y)
    encoded = pipe["encode"].transform(X)
    for column in ("member", "visits", "score", "price", "joined_year"):
        assert encoded[column].isna().any(), column  # NaN for the imputer ...
    imputed = pipe[:3].transform(X)
    assert not np.isnan(np.asarray(imputed, dtype=float)).any()  # ... filled


def test_grid_search_over_imputer_and_lr_on_a_raw_frame(rng):
    X, signal = raw_frame(rng)
    y = target("regressor", signal)
    pipe = make_safe_pipeline(make_net("regressor"))
    search = GridSearchCV(
        pipe,
        {"impute__strategy": ["mean", "median"], "net__lr": [1e-4, 0.03]},
        cv=KFold(2, shuffle=True, random_state=0),
        error_score="raise",
    )
    fit_quietly(search, X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all()
    assert search.best_params_["net__lr"] == 0.03  # 1e-4 barely moves in 3 epochs
    assert search.best_estimator_["impute"].strategy in ("mean", "median")


@pytest.mark.parametrize("kind", ["regressor", "classifier"])
def test_unseen_categories_at_predict_keep_width_and_finite_output(kind, rng):
    X, signal = raw_frame(rng)
    y = target(kind, signal)
    pipe = fit_quietly(make_safe_pipeline(make_net(kind)), X, y)
    width = pipe[:-1].transform(X).shape[1]

    new, _ = raw_frame(np.random.default_rng(1), n=12)
    new["colour"] = ["purple", "red", None, "teal"] * 3  # unseen, seen, missing
    new["size"] = pd.Categorical(["XL", "S", np.nan] * 4)  # a new dtype too
    new["price"] = ["n/a", "1,000.0", "?", "2500"] * 3
    Xt = pipe[:-1].transform(new)
    assert Xt.shape == (12, width)
    assert np.isfinite(Xt).all()
    onehot = pipe["encode"].transform(new).filter(like="colour=")
    assert (onehot.iloc[0] == 0).all()  # "purple": no place, all zeros
    pred = pipe.predict(new)
    if kind == "classifier":
        assert set(pred) <= {"high", "low"}
        assert np.isfinite(pipe.predict_proba(new)).all()
    else:
        assert np.isfinite(pred).all()


# ------------------------------------------------------ the embedding path
CODES = ["colour", "size"]  # the category columns of raw_frame, in order


def embedding_pipeline(X, kind="regressor", **params):
    cardinalities = TableEncoder(categorical="codes").fit(X).cardinalities_
    net = make_net(
        kind, module=TabularMLP, module__cardinalities=cardinalities, **params
    )
    return make_safe_pipeline(net, embed=True)


@pytest.mark.parametrize("kind", ["regressor", "classifier"])
def test_embedding_path_trains_with_the_codes_untouched(kind, rng):
    X, signal = raw_frame(rng)
    y = target(kind, signal)
    pipe = fit_quietly(embedding_pipeline(X, kind), X, y)
    assert [name for name, _ in pipe.steps] == [
        "target",
        "encode",
        "impute",
        "clip",
        "check",
        "scale",
        "net",
    ]
    assert pipe["encode"].categorical == "codes"
    assert isinstance(pipe["impute"], ImputerSelector)  # its class, its params

    Xt = pipe[:-1].transform(X)
    assert list(Xt.columns[-2:]) == CODES  # the codes last, after the numbers
    assert list(pipe[:-1].get_feature_names_out()) == list(Xt.columns)
    encoder_codes = pipe["encode"].transform(X)[CODES].to_numpy()
    assert_array_equal(Xt[CODES].to_numpy(), encoder_codes)  # not imputed, scaled
    numbers = Xt.drop(columns=CODES).to_numpy(dtype=float)
    assert np.isfinite(numbers).all()
    assert np.abs(numbers.mean(axis=0)).max() < 1e-3  # while the numbers are

    module = pipe[-1].module_
    assert [e.num_embeddings for e in module.embeddings] == [5, 5]  # 3 + 2 codes
    assert module.n_numbers == Xt.shape[1] - 2  # the width the net learned
    assert module.layers[-1].out_features == (2 if kind == "classifier" else 1)
    train_loss = pipe[-1].history[:, "train_loss"]
    assert np.isfinite(train_loss).all() and train_loss[-1] < train_loss[0]
    if kind == "classifier":
        assert set(pipe.predict(X)) <= {"high", "low"}


def test_embedding_path_unseen_and_missing_take_the_reserved_codes(rng):
    X, signal = raw_frame(rng)
    y = target("regressor", signal)
    pipe = fit_quietly(embedding_pipeline(X), X, y)
    new, _ = raw_frame(np.random.default_rng(1), n=6)
    new["colour"] = ["purple", None, "red", "teal", np.nan, "blue"]
    new["size"] = pd.Categorical(["XL", np.nan, "S", "M", "L", "XXS"])
    Xt = pipe[:-1].transform(new)
    red, blue = (
        list(pipe["encode"].categories_["colour"]).index(c) + 2 for c in ("red", "blue")
    )
    assert Xt["colour"].tolist() == [1, 0, red, 1, 0, blue]  # 1 unseen, 0 missing
    assert Xt["size"].tolist() == [1, 0, 2, 3, 4, 1]  # the dtype's order S, M, L
    module = pipe[-1].module_
    batch = torch.as_tensor(Xt.to_numpy(np.float32))
    assert module.codes(batch).tolist() == Xt[CODES].to_numpy().tolist()
    assert np.isfinite(pipe.predict(new)).all()


def test_embedding_module_reads_any_value_as_a_code():
    module = TabularMLP(in_features=3, out_features=2, cardinalities=[4, 3])
    X = torch.tensor(
        [
            [0.0, 2.0, 2.0],
            [1.0, float("nan"), 7.0],
            [2.0, 1.5, -1.0],
            [3.0, float("inf"), 0.0],
        ]
    )
    assert module.codes(X).tolist() == [[2, 2], [0, 1], [1, 1], [1, 0]]
    assert module(X).shape == (4, 2)
    with pytest.raises(ValueError, match="at least 2"):
        TabularMLP(in_features=3, out_features=1, cardinalities=[1])
    with pytest.raises(ValueError, match="3 code columns"):
        TabularMLP(in_features=2, out_features=1, cardinalities=[3, 3, 3])


def test_embedding_path_in_a_search_keeps_the_width_across_folds(rng):
    X, signal = raw_frame(rng)
    y = target("regressor", signal)
    X.loc[:4, "colour"] = "rare"  # 5 rows: kept by some folds' encoders only
    pipe = embedding_pipeline(X)
    widths = set()
    for train, _ in KFold(3, shuffle=True, random_state=0).split(X):
        fold = clone(pipe[:-1]).fit(X.iloc[train], y[train])
        widths.add(fold.transform(X).shape[1])
    assert len(widths) == 1  # one column of codes per category column
    search = GridSearchCV(
        pipe,
        {"impute__strategy": ["mean", "median"], "net__lr": [0.03]},
        cv=KFold(3, shuffle=True, random_state=0),
        error_score="raise",
    )
    fit_quietly(search, X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_["impute"].strategy in ("mean", "median")


def test_embedding_pipeline_pickles_and_clones(rng):
    X, signal = raw_frame(rng)
    y = target("regressor", signal)
    pipe = fit_quietly(embedding_pipeline(X), X, y)
    again = pickle.loads(pickle.dumps(pipe))
    assert_array_equal(again.predict(X), pipe.predict(X))
    fresh = clone(pipe).set_params(impute__strategy="median")
    assert fresh["impute"].strategy == "median"
    assert type(fresh["scale"]) is type(pipe["scale"])


def test_embedding_path_takes_only_our_steps():
    net = make_net("regressor", module=TabularMLP)
    with pytest.raises(TypeError, match="SimpleImputer for 'impute'"):
        make_safe_pipeline(net, embed=True, impute=SimpleImputer())
    pipe = make_safe_pipeline(net, embed=True, clip="passthrough")
    assert pipe["clip"] == "passthrough"


def test_embedding_path_names_dask_input_instead_of_scaling_codes(rng):
    dd = pytest.importorskip("dask.dataframe")
    X, signal = raw_frame(rng)
    pipe = embedding_pipeline(X)
    with pytest.raises(InputTypeError, match="got a dask DataFrame from 'encode'"):
        pipe[1:-1].fit(dd.from_pandas(X, npartitions=2))  # encode on


def test_embedding_path_scales_whole_number_columns_instead_of_embedding_them(rng):
    # A date stored as an integer (19750103) and a count: numbers, not codes,
    # with or without a text column beside them.
    n = 120
    frame = pd.DataFrame(
        {
            "date": 19750103 + 7 * np.arange(n),
            "count": rng.integers(0, 50, n),
            "x": rng.normal(size=n),
        }
    )
    y = pd.Series(rng.normal(size=n))
    for X in (frame, frame.assign(colour=rng.choice(COLOURS, n))):
        net = SafeNeuralNetRegressor(TabularMLP, max_epochs=1, verbose=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipe = make_safe_pipeline(net, embed=True).fit(X, y)
        module = pipe[-1].module_
        sizes = [e.num_embeddings for e in getattr(module, "embeddings", [])]
        assert sizes == ([] if "colour" not in X else [len(COLOURS) + 2])
        scaled = pipe[:-1].transform(X)
        names = pipe[:-1].get_feature_names_out()
        scaled = pd.DataFrame(np.asarray(scaled, dtype=float), columns=names)
        for name in ("date", "count", "x"):
            assert abs(float(np.mean(scaled[name]))) < 1e-3, name


def test_diagnose_pipeline_with_codes_only(rng):
    from sktorchsafe import diagnose

    X = pd.DataFrame({"spray": rng.choice(list("ABCDEF"), 72)})
    y = pd.Series(rng.poisson(10, 72).astype(float))
    net = SafeNeuralNetRegressor(TabularMLP, max_epochs=1, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = make_safe_pipeline(net, embed=True).fit(X, y)
        report = diagnose(X, y, pipeline=pipe)
    table = report.pipeline.to_frame()
    assert list(table.index) == ["spray"] and table.loc["spray", "encoding"] == "codes"
    assert report.task == "regression"


@pytest.mark.parametrize("zeros", [0, 10])
def test_target_encoding_reads_a_whole_number_quantity_as_one_column(zeros):
    # Pages or prices in whole units: many values with one row each. Read as
    # classes they made one encoded column per value, or made scikit-learn's
    # stratified folds raise.
    n = 120
    X = pd.DataFrame(
        {"publisher": [f"pub{i % 50}" for i in range(n)], "pages": np.arange(n) * 10}
    )
    y = pd.Series(np.r_[np.zeros(zeros), np.arange(n - zeros) * 7]).astype(int)
    net = SafeNeuralNetRegressor(torch.nn.Linear, max_epochs=1, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = make_safe_pipeline(net).fit(X, y)
    assert pipe[-1].n_features_in_ == 2
    assert np.isfinite(pipe.predict(X)).all()
