"""End-to-end scenarios: real-world-shaped data and workflows, through the nets.

Each test is a thing users do: a DataFrame as it comes out of ``read_csv`` or a
database (nullable dtypes, bools, integer column names, all-NaN or constant
columns), a target as it comes (a Series with its own index, a list, a
DataFrame, a categorical), a scikit-learn workflow (cross-validation, searches,
clone, pickle, pandas output) or a training that goes wrong (an overflowing
layer, a learning rate too large, BatchNorm). Each goes through
``make_safe_pipeline`` or the nets alone and checks what the user relies on:
the shape and finiteness of the predictions, that the model learned, or that
the error is ours and names the cause.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import FitFailedWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    RandomizedSearchCV,
    cross_val_predict,
    cross_val_score,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import EarlyStopping, GradientNormClipping
from skorch.dataset import ValidSplit

from sktorchsafe import (
    MaskedMSELoss,
    NonFiniteGuard,
    SafeNeuralNetClassifier,
    SafeNeuralNetRegressor,
    make_safe_pipeline,
)
from sktorchsafe.exceptions import (
    DataQualityWarning,
    ModuleConfigError,
    NonFiniteTrainingError,
    NonFiniteTrainingWarning,
    SktorchsafeWarning,
    TargetError,
)

N_ROWS = 160
WEIGHTS = np.array([1.0, -2.0, 0.5, 1.5])


class MLP(torch.nn.Module):
    """n_in -> hidden -> n_out, with optional BatchNorm, Dropout and output heads."""

    def __init__(
        self, n_in=4, n_out=1, hidden=8, batchnorm=False, dropout=0.0, head=None
    ):
        super().__init__()
        layers = [torch.nn.Linear(n_in, hidden)]
        if batchnorm:
            layers.append(torch.nn.BatchNorm1d(hidden))
        layers += [torch.nn.ReLU(), torch.nn.Dropout(dropout)]
        self.body = torch.nn.Sequential(*layers)
        self.out = torch.nn.Linear(hidden, n_out)
        self.head = head

    def forward(self, X):
        z = self.out(self.body(X))
        if self.head == "flat":
            return z.squeeze(-1)
        if self.head == "log_softmax":
            return torch.log_softmax(z, dim=-1)
        return z


class ExpHidden(torch.nn.Module):
    """exp of a hidden layer: finite at first, +inf once SGD grows its weights."""

    def __init__(self, n_in=4, batchnorm=False):
        super().__init__()
        self.hidden = torch.nn.Linear(n_in, 8)
        self.norm = torch.nn.BatchNorm1d(8) if batchnorm else torch.nn.Identity()
        self.out = torch.nn.Linear(8, 1)

    def forward(self, X):
        return self.out(self.norm(torch.exp(self.hidden(X))))


def regressor(**kwargs):
    torch.manual_seed(0)
    params = {
        "module": MLP,
        "optimizer": torch.optim.Adam,
        "lr": 0.05,
        "max_epochs": 8,
        "batch_size": 32,
        "train_split": None,
        "verbose": 0,
    }
    return SafeNeuralNetRegressor(**{**params, **kwargs})


def classifier(**kwargs):
    torch.manual_seed(0)
    params = {
        "module": MLP,
        "module__n_out": 2,
        "optimizer": torch.optim.Adam,
        "lr": 0.05,
        "max_epochs": 8,
        "batch_size": 32,
        "verbose": 0,
    }
    return SafeNeuralNetClassifier(**{**params, **kwargs})


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(autouse=True)
def _quiet_data_findings():
    # The checks' findings on purposely messy data are tested in their own
    # modules; here they would only be noise.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        yield


@pytest.fixture
def frame(rng):
    X = pd.DataFrame(rng.normal(size=(N_ROWS, 4)), columns=["a", "b", "c", "d"])
    y = X.to_numpy() @ WEIGHTS + 0.1 * rng.normal(size=N_ROWS)
    return X, y


@pytest.fixture
def labelled(frame):
    X, _ = frame
    return X, np.where(X["a"] + X["b"] > 0, "yes", "no")


def n_inputs(X):
    return X.shape[1]


# ------------------------------------------------------------ shapes of X
def _nullable(X, rng):
    X = X.copy()
    X["a"] = (X["a"] * 10).round().astype("Int64")
    X["b"] = X["b"].astype("Float64")
    X["c"] = (X["c"] > 0).astype("boolean")
    X.loc[[3, 5], "a"] = pd.NA
    X.loc[[7], "b"] = pd.NA
    X.loc[[1, 2], "c"] = pd.NA
    X["d"] = X["d"] > 0  # numpy bool
    return X


def _integer_names(X, rng):
    return X.set_axis(range(4), axis=1)


def _all_nan_column(X, rng):
    return X.assign(empty=np.nan)


def _constant_column(X, rng):
    return X.assign(const=7.0, int_col=(X["a"] * 5).round().astype(int))


def _duplicated_rows(X, rng):
    X = X.copy()
    X.iloc[N_ROWS // 2 :] = X.iloc[: N_ROWS // 2].to_numpy()
    return X


def _inf_and_nan_cells(X, rng):
    X = X.copy()
    mask = rng.random(X.shape) < 0.05
    X = X.mask(mask, np.nan)
    X.iloc[10, 0], X.iloc[11, 1] = np.inf, -np.inf
    return X


@pytest.mark.parametrize(
    "damage",
    [
        _nullable,
        _integer_names,
        _all_nan_column,
        _constant_column,
        _duplicated_rows,
        _inf_and_nan_cells,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_real_world_frames_train_and_predict(frame, rng, damage):
    X, _ = frame
    X = damage(X, rng)
    first_two = X.iloc[:, :2].astype(float).to_numpy()
    y = np.nan_to_num(first_two, nan=0.0, posinf=0.0, neginf=0.0) @ [1.0, -2.0]
    before = X.copy()
    pipe = make_safe_pipeline(regressor(module__n_in=n_inputs(X))).fit(X, y)
    pd.testing.assert_frame_equal(X, before)  # the caller's frame is untouched
    pred = pipe.predict(X)
    assert pred.shape == (N_ROWS,) and np.isfinite(pred).all()
    assert r2_score(y, pred) > 0.6
    one = pipe.predict(X.iloc[[4]])
    assert one.shape == (1,) and np.isfinite(one).all()


def test_single_column_all_nan_in_a_training_fold(frame):
    X, y = frame
    X = X[["a"]].copy()
    X.iloc[: N_ROWS // 2, 0] = np.nan  # the whole training set of fold 2
    scores = cross_val_score(
        make_safe_pipeline(regressor(module__n_in=1)),
        X,
        y,
        cv=KFold(2),
        error_score="raise",
    )
    assert np.isfinite(scores).all()


def test_wide_data_fewer_rows_than_features(rng):
    X = rng.normal(size=(30, 60))
    y = X[:, 0] - X[:, 1]
    pipe = make_safe_pipeline(regressor(module__n_in=60, max_epochs=30)).fit(X, y)
    assert pipe.predict(X[:1]).shape == (1,)
    assert r2_score(y, pipe.predict(X)) > 0.5


# ------------------------------------------------------------ shapes of y
@pytest.mark.parametrize(
    "make_y, shape",
    [
        (lambda y, X: pd.Series(y, index=X.index), (N_ROWS,)),
        (lambda y, X: list(y), (N_ROWS,)),
        (lambda y, X: pd.DataFrame({"price": y}), (N_ROWS, 1)),
        (lambda y, X: np.round(10 * y).astype(np.int64), (N_ROWS,)),
        (lambda y, X: pd.Series(np.round(10 * y), dtype="Int64"), (N_ROWS,)),
        (lambda y, X: 1e9 * y, (N_ROWS,)),
        (lambda y, X: y.astype(object), (N_ROWS,)),
    ],
    ids=["series", "list", "frame", "int", "Int64", "1e9", "object"],
)
def test_regression_targets_as_they_come(frame, make_y, shape):
    X, y = frame
    X = X.set_axis([f"r{i}" for i in np.random.default_rng(1).permutation(N_ROWS)])
    target = make_y(y, X)
    pipe = make_safe_pipeline(regressor()).fit(X, target)
    pred = pipe.predict(X)
    assert pred.shape == shape and pred.dtype == np.float64
    truth = np.asarray(target, dtype=float).reshape(shape)
    assert r2_score(truth, pred) > 0.9
    assert pipe.score(X, target) == pytest.approx(r2_score(truth, pred))


def test_multi_output_regression_from_a_frame(frame):
    X, y = frame
    Y = pd.DataFrame({"price": 1e4 * y, "rent": -y})
    pipe = make_safe_pipeline(regressor(module__n_out=2)).fit(X, Y)
    assert pipe.predict(X).shape == (N_ROWS, 2)
    assert pipe.score(X, Y) > 0.9


def test_multi_output_with_missing_labels_cross_validates(frame, rng):
    X, y = frame
    Y = pd.DataFrame({"price": y, "rent": 2 * y}).astype("Float64")
    Y.loc[rng.random(N_ROWS) < 0.3, "rent"] = pd.NA
    net = regressor(module__n_out=2, criterion=MaskedMSELoss)
    scores = cross_val_score(make_safe_pipeline(net), X, Y, cv=3, error_score="raise")
    assert (scores > 0.8).all()


def test_regression_module_returning_1d(frame):
    X, y = frame
    pipe = make_safe_pipeline(regressor(module__head="flat")).fit(X, y)
    assert r2_score(y, pipe.predict(X)) > 0.9


# ------------------------------------------------------- labels of y
@pytest.mark.parametrize(
    "convert",
    [
        lambda y: pd.Series(pd.Categorical(y)),
        lambda y: y == "yes",
        lambda y: pd.Series(y == "yes", dtype="boolean"),
        lambda y: pd.Series((y == "yes").astype(int), dtype="Int64"),
        lambda y: pd.Series(y, dtype="string"),
        lambda y: list(y),
    ],
    ids=["categorical", "bool", "boolean", "Int64", "string", "list"],
)
def test_classification_labels_as_they_come(labelled, convert):
    X, y = labelled
    target = convert(y)
    pipe = make_safe_pipeline(classifier()).fit(X, target)
    pred = pipe.predict(X)
    assert set(np.unique(pred)) <= set(np.unique(np.asarray(target)))
    assert accuracy_score(np.asarray(target), pred) > 0.9
    proba = pipe.predict_proba(X)
    assert proba.shape == (N_ROWS, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)


def test_label_only_in_a_test_fold(labelled):
    # Without `classes`, a fold that lacks a class cannot train a 3-output
    # module: the error says to pass them; with `classes`, it works.
    X, y = labelled
    y = y.astype(object)
    y[-12:] = "maybe"
    net = classifier(module__n_out=3, train_split=None)
    with pytest.warns(FitFailedWarning, match=r"classes=\[\.\.\.\]"):
        scores = cross_val_score(make_safe_pipeline(net), X, y, cv=KFold(3))
    assert np.isfinite(scores[:2]).all() and np.isnan(scores[2])  # fold 3 lacks it
    net.set_params(classes=["maybe", "no", "yes"])
    scores = cross_val_score(
        make_safe_pipeline(net), X, y, cv=KFold(3), error_score="raise"
    )
    assert np.isfinite(scores).all()


def test_unseen_label_at_score_counts_as_an_error(labelled):
    X, y = labelled
    pipe = make_safe_pipeline(classifier()).fit(X[:-10], y[:-10])
    y_new = y.copy()
    y_new[-10:] = "unknown"
    score = pipe.score(X, y_new)
    assert score == pytest.approx(accuracy_score(y_new, pipe.predict(X)))
    assert score <= (N_ROWS - 10) / N_ROWS


@pytest.mark.parametrize("n_minority", [1, 8])
def test_highly_imbalanced_classes_with_the_stratified_split(frame, n_minority):
    X, _ = frame
    y = np.array(["common"] * N_ROWS, dtype=object)
    y[:n_minority] = "rare"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pipe = make_safe_pipeline(classifier()).fit(X, y)
    split_findings = [
        str(w.message) for w in caught if "folds of train_split" in str(w.message)
    ]
    assert len(split_findings) == (n_minority < 5)
    assert all("'rare'" in message for message in split_findings)
    assert not any("least populated class" in str(w.message) for w in caught)
    assert list(pipe.classes_) == ["common", "rare"]
    assert set(pipe.predict(X)) <= {"common", "rare"}


@pytest.mark.parametrize("n_rows", [1, 3, 4])
def test_a_handful_of_rows_with_the_default_validation_split(frame, n_rows):
    X, y = frame
    X, y = X.iloc[:n_rows], y[:n_rows]
    net = regressor(train_split=ValidSplit(5), max_epochs=3)
    with pytest.raises(ModuleConfigError, match=f"only {n_rows} row.*train_split=None"):
        make_safe_pipeline(net).fit(X, y)
    pipe = make_safe_pipeline(net.set_params(train_split=None)).fit(X, y)
    assert np.isfinite(pipe.predict(X)).all()


def test_one_hot_target_is_refused_with_the_fix(labelled):
    X, y = labelled
    with pytest.raises(TargetError, match=r"argmax\(axis=1\)"):
        make_safe_pipeline(classifier()).fit(X, pd.get_dummies(y).to_numpy())


def test_nllloss_with_a_log_softmax_module(labelled):
    X, y = labelled
    net = classifier(criterion=torch.nn.NLLLoss, module__head="log_softmax")
    pipe = make_safe_pipeline(net).fit(X, y)
    proba = pipe.predict_proba(X)
    assert (proba >= 0).all() and np.allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert accuracy_score(y, pipe.predict(X)) > 0.9


# --------------------------------------------------- scikit-learn workflows
def test_cross_val_score_and_predict_proba(labelled):
    X, y = labelled
    pipe = make_safe_pipeline(classifier())
    scores = cross_val_score(pipe, X, y, cv=3, error_score="raise")
    assert (scores > 0.8).all()
    proba = cross_val_predict(pipe, X, y, cv=3, method="predict_proba")
    assert proba.shape == (N_ROWS, 2) and np.isfinite(proba).all()
    auc = cross_val_score(pipe, X, y, cv=3, scoring="roc_auc", error_score="raise")
    assert (auc > 0.8).all()


def test_grid_search_over_steps_and_net(frame, rng):
    X, y = frame
    X = X.mask(rng.random(X.shape) < 0.05)
    search = GridSearchCV(
        make_safe_pipeline(regressor(max_epochs=5)),
        {
            "impute__strategy": ["mean", "knn"],
            "clip__method": ["iqr", "zscore"],
            "net__lr": [0.05],
            "net__module__hidden": [4, 8],
        },
        cv=2,
        error_score="raise",
    )
    search.fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_score_ > 0.7
    assert search.best_estimator_[-1].module_.out.in_features in (4, 8)


def test_randomized_search_classifier(labelled, rng):
    X, y = labelled
    X = X.mask(rng.random(X.shape) < 0.05)
    search = RandomizedSearchCV(
        make_safe_pipeline(classifier(max_epochs=4)),
        {
            "impute__strategy": ["mean", "median", "auto"],
            "net__lr": [0.01, 0.05],
            "net__optimizer__weight_decay": [0.0, 1e-4],
        },
        n_iter=3,
        cv=2,
        random_state=0,
        error_score="raise",
    )
    search.fit(X, y)
    assert search.best_score_ > 0.8


def test_clone_pickle_and_pandas_output(labelled):
    X, y = labelled
    pipe = make_safe_pipeline(classifier()).set_output(transform="pandas")
    fitted = clone(pipe).fit(X, y)
    assert isinstance(fitted[:-1].transform(X), pd.DataFrame)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))
    np.testing.assert_allclose(restored.predict_proba(X), fitted.predict_proba(X))
    assert restored.score(X, y) == fitted.score(X, y)
    assert clone(fitted).get_params()["net__lr"] == 0.05


def test_warm_start_and_partial_fit_continue_training(frame):
    X, y = frame
    net = regressor(warm_start=True, max_epochs=2)
    net.fit(X, y)
    scaler = net.target_scaler_
    net.fit(X, y)
    net.partial_fit(X, y)
    assert len(net.history) == 6  # partial_fit runs max_epochs too
    assert net.target_scaler_ is scaler  # the same units across the calls
    losses = net.history[:, "train_loss"]
    assert losses[-1] < losses[0]


def test_guard_removed_early_stopping_and_explicit_cpu(labelled):
    X, y = labelled
    net = classifier(
        device="cpu",
        max_epochs=40,
        callbacks=[("stop", EarlyStopping(patience=3))],
        train_split=ValidSplit(4, stratified=True),
    )
    net.set_params(callbacks__nonfinite_guard=None)
    pipe = make_safe_pipeline(net).fit(X, y)
    assert "nonfinite_guard" not in dict(pipe[-1].callbacks_)
    assert len(pipe[-1].history) < 40  # stopped early
    assert accuracy_score(y, pipe.predict(X)) > 0.9


def test_dict_input_module_and_train_split_none(frame):
    class TwoInputs(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.left = torch.nn.Linear(2, 1)
            self.right = torch.nn.Linear(2, 1)

        def forward(self, left, right):
            return self.left(left) + self.right(right)

    X, y = frame
    inputs = {"left": X[["a", "b"]], "right": X[["c", "d"]].to_numpy()}
    net = regressor(module=TwoInputs, max_epochs=20).fit(inputs, y)
    assert r2_score(y, net.predict(inputs)) > 0.9


# -------------------------------------------------------------- the guard
def test_layer_overflowing_mid_training_is_named(frame):
    X, y = frame
    net = regressor(module=ExpHidden, optimizer=torch.optim.SGD, lr=0.3)
    with pytest.raises(NonFiniteTrainingError, match="created non-finite") as info:
        make_safe_pipeline(net).fit(X, y)
    exc = info.value
    assert (exc.epoch, exc.phase, exc.module) == (1, "forward", "")
    assert exc.batch > 0  # training was finite before
    assert "ExpHidden" in str(exc)


@pytest.mark.parametrize("policy", ["stop", "skip"])
@pytest.mark.parametrize("batchnorm", [False, True])
def test_policies_keep_finite_state_and_never_predict_nan(frame, policy, batchnorm):
    # "stop" and "skip" keep the weights and BatchNorm statistics finite; the
    # weights kept may still overflow the exp on some rows (they did on the
    # batch that stopped training): predict then raises and names the layer.
    X, y = frame
    net = regressor(
        module=ExpHidden,
        module__batchnorm=batchnorm,
        optimizer=torch.optim.SGD,
        lr=0.3,
        callbacks__nonfinite_guard__on_nonfinite=policy,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonFiniteTrainingWarning)
        try:
            pipe = make_safe_pipeline(net).fit(X, y)
        except NonFiniteTrainingError as exc:
            assert policy == "skip" and "every batch of epoch" in str(exc)
            pipe = None
    state = net.module_.state_dict().values()
    assert all(bool(torch.isfinite(t.float()).all()) for t in state)
    if pipe is None:
        return
    try:
        pred = pipe.predict(X)
    except NonFiniteTrainingError as exc:
        assert "ExpHidden" in str(exc) and "created non-finite" in str(exc)
    else:
        assert np.isfinite(pred).all()


@pytest.mark.filterwarnings("ignore::sktorchsafe.exceptions.NonFiniteTrainingWarning")
@pytest.mark.filterwarnings("ignore:One or more of the test scores:UserWarning")
def test_learning_rate_too_large_in_a_grid_search(frame):
    X, y = frame
    search = GridSearchCV(
        make_safe_pipeline(regressor(optimizer=torch.optim.SGD, max_epochs=5)),
        {
            "net__lr": [0.05, 1e4],
            "net__callbacks__nonfinite_guard__on_nonfinite": ["raise", "stop"],
        },
        cv=2,
    )
    with pytest.warns(FitFailedWarning, match="NonFiniteTrainingError.*lower lr"):
        search.fit(X, y)
    results = pd.DataFrame(search.cv_results_)
    failed = results["param_net__lr"].eq(1e4) & results[
        "param_net__callbacks__nonfinite_guard__on_nonfinite"
    ].eq("raise")
    assert results.loc[failed, "mean_test_score"].isna().all()
    assert results.loc[~failed, "mean_test_score"].notna().all()
    assert search.best_params_["net__lr"] == 0.05


def test_guard_with_dropout_batchnorm_and_gradient_clipping(labelled):
    X, y = labelled
    net = classifier(
        module__batchnorm=True,
        module__dropout=0.2,
        callbacks=[("clip", GradientNormClipping(1.0))],
    )
    pipe = make_safe_pipeline(net).fit(X, y)
    names = [name for name, _ in pipe[-1].callbacks_]
    assert "clip" in names and "nonfinite_guard" in names
    assert accuracy_score(y, pipe.predict(X)) > 0.85


def test_batchnorm_in_folds_with_a_single_row_last_batch(frame):
    # 5-fold CV of 161 rows trains on 129 or 128 rows: with batch_size=32,
    # one fold leaves a last batch of one row, on which BatchNorm1d fails.
    X, y = frame
    X, y = pd.concat([X, X.iloc[:1]], ignore_index=True), np.r_[y, y[:1]]
    net = regressor(module__batchnorm=True)
    with pytest.warns(DataQualityWarning, match="1 row"):
        warnings.simplefilter("always", DataQualityWarning)
        scores = cross_val_score(
            make_safe_pipeline(net), X, y, cv=KFold(5), error_score="raise"
        )
    assert (scores > 0.7).all()


def test_guard_instance_replaced_by_a_custom_one(frame):
    X, y = frame
    messages = []
    guard = NonFiniteGuard(on_nonfinite="stop", sink=messages.append)
    net = regressor(optimizer=torch.optim.SGD, lr=1e4, callbacks__nonfinite_guard=guard)
    with pytest.warns(NonFiniteTrainingWarning, match="Training stopped"):
        pipe = make_safe_pipeline(net).fit(X, y)
    assert messages and "lower lr" in messages[0]
    assert dict(pipe[-1].callbacks_)["nonfinite_guard"] is guard
    assert np.isfinite(pipe.predict(X)).all()  # huge, but finite


# ------------------------------------------------ warnings name the caller
def _small_class(frame):
    X, _ = frame
    y = np.array(["common"] * N_ROWS, dtype=object)
    y[:3] = "rare"  # fewer rows than the 5 folds of the stratified split
    return classifier(max_epochs=2), X, y, DataQualityWarning, "folds of train_split"


def _one_row_batch(frame):
    # 161 rows, and 129 in one KFold(5) training fold: a last batch of 1 row.
    X, y = frame
    X, y = pd.concat([X, X.iloc[:1]], ignore_index=True), np.r_[y, y[:1]]
    net = regressor(module__batchnorm=True, max_epochs=2)
    return net, X, y, DataQualityWarning, "last training batch would hold 1 row"


def _guard_stops(frame):
    X, y = frame
    net = regressor(
        optimizer=torch.optim.SGD,
        lr=1e4,
        max_epochs=2,
        callbacks__nonfinite_guard__on_nonfinite="stop",
    )
    return net, X, y, NonFiniteTrainingWarning, "Training stopped"


@pytest.mark.parametrize("how", ["pipeline", "grid_search"])
@pytest.mark.parametrize(
    "case",
    [_small_class, _one_row_batch, _guard_stops],
    ids=lambda f: f.__name__.strip("_"),
)
def test_net_warnings_name_the_callers_line(frame, case, how):
    # The net warns deep inside skorch's training loop, called by Pipeline.fit
    # (and by GridSearchCV through joblib): the warning names this file.
    net, X, y, category, phrase = case(frame)
    model = Pipeline([("scale", StandardScaler()), ("net", net)])
    if how == "grid_search":
        model = GridSearchCV(model, {"net__lr": [net.lr]}, cv=5, error_score="raise")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model.fit(X, y)
    ours = [w for w in record if issubclass(w.category, SktorchsafeWarning)]
    assert any(
        issubclass(w.category, category) and phrase in str(w.message) for w in ours
    ), [str(w.message) for w in record]
    elsewhere = [
        f"{w.filename}:{w.lineno}: {w.message}" for w in ours if w.filename != __file__
    ]
    assert not elsewhere
