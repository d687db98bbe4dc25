"""make_safe_pipeline end to end: one test per failure mode of plain skorch.

Each test trains plain skorch on the data and shows it failing (NaN loss,
an exception, or a model that does not learn), then trains our pipeline on
the same data and shows a finite loss in every epoch and a model that learns.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import FitFailedWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from skorch import NeuralNetClassifier, NeuralNetRegressor

from sktorchsafe import (
    ImputerSelector,
    MaskedMSELoss,
    OutlierClipper,
    SafeNeuralNetClassifier,
    SafeNeuralNetRegressor,
    SafeStandardScaler,
    ScaleDisparityChecker,
    TableEncoder,
    TargetValidator,
    make_safe_pipeline,
)
from sktorchsafe.exceptions import ScaleDisparityWarning, TargetError

N_ROWS, N_FEATURES = 300, 4
WEIGHTS = np.array([1.0, -2.0, 0.5, 1.5])


class MLP(torch.nn.Module):
    """4 -> 16 -> n_out; ``softmax=True`` for skorch's NLLLoss convention."""

    def __init__(self, n_in=N_FEATURES, n_out=1, hidden=16, softmax=False):
        super().__init__()
        self.hidden = torch.nn.Linear(n_in, hidden)
        self.out = torch.nn.Linear(hidden, n_out)
        self.softmax = softmax

    def forward(self, X):
        z = self.out(torch.relu(self.hidden(X)))
        return torch.softmax(z, dim=-1) if self.softmax else z


COMMON = {
    "module": MLP,
    "optimizer": torch.optim.SGD,
    "lr": 0.05,
    "max_epochs": 20,
    "batch_size": 32,
    "train_split": None,
    "verbose": 0,
}


def plain_regressor(**kwargs):
    torch.manual_seed(0)
    return NeuralNetRegressor(**{**COMMON, **kwargs})


def safe_regressor(**kwargs):
    torch.manual_seed(0)
    return make_safe_pipeline(SafeNeuralNetRegressor(**{**COMMON, **kwargs}))


def plain_classifier(**kwargs):
    torch.manual_seed(0)
    params = {**COMMON, "module__n_out": 2, "module__softmax": True, "lr": 0.2}
    return NeuralNetClassifier(**{**params, **kwargs})


def safe_classifier(**kwargs):
    torch.manual_seed(0)
    params = {**COMMON, "module__n_out": 2, "lr": 0.2}
    return make_safe_pipeline(SafeNeuralNetClassifier(**{**params, **kwargs}))


def losses(estimator):
    net = estimator[-1] if isinstance(estimator, Pipeline) else estimator
    return np.asarray(net.history[:, "train_loss"], dtype=float)


def assert_learns(pipe, X, y, r2=0.9):
    assert np.isfinite(losses(pipe)).all()
    pred = pipe.predict(X)
    assert np.isfinite(pred).all()
    assert r2_score(y, pred) > r2
    return pred


def assert_plain_diverges(net):
    assert not np.isfinite(losses(net)).all()


@pytest.fixture
def linear(rng):
    X = rng.normal(size=(N_ROWS, N_FEATURES))
    y = X @ WEIGHTS + 0.1 * rng.normal(size=N_ROWS)
    return X, y


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleDisparityWarning)
        yield


pytestmark = pytest.mark.usefixtures("one_torch_thread")


# -------------------------------------------------------- failure modes of X
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
def test_non_finite_cell_in_X(linear, rng, bad):
    X, y = linear
    X = X.copy()
    X[rng.choice(N_ROWS, 6, replace=False), rng.integers(0, N_FEATURES, 6)] = bad

    plain = plain_regressor().fit(X.astype(np.float32), y[:, None].astype(np.float32))
    assert_plain_diverges(plain)
    assert not np.isfinite(plain.predict(X.astype(np.float32))).all()

    pipe = safe_regressor().fit(X, y)
    assert_learns(pipe, X, y)


def test_features_at_1e6_and_1e_3_with_sgd(rng):
    X = rng.normal(size=(N_ROWS, N_FEATURES)) * [1e6, 1e-3, 1.0, 1.0]
    y = X[:, 0] / 1e6 - 2 * X[:, 1] / 1e-3 + X[:, 2]

    plain = plain_regressor(lr=0.1).fit(
        X.astype(np.float32), y[:, None].astype(np.float32)
    )
    assert_plain_diverges(plain)

    pipe = safe_regressor(lr=0.1)
    with warnings.catch_warnings():
        # The scale step handles the disparity: reported, not warned about.
        warnings.simplefilter("error", ScaleDisparityWarning)
        pipe.fit(X, y)
    assert_learns(pipe, X, y)
    findings = pipe.named_steps["check"].report_.findings
    assert "scale_disparity" in {f.kind for f in findings}


@pytest.mark.filterwarnings("ignore:The given NumPy array is not writable")  # skorch
def test_float64_and_dataframe_X(linear):
    X, y = linear
    y32 = y[:, None].astype(np.float32)
    with pytest.raises(RuntimeError, match="Double and Float"):
        plain_regressor().fit(X, y32)
    df = pd.DataFrame(X.astype(np.float32), columns=["a", "b", "c", "d"])
    with pytest.raises(TypeError, match="unexpected keyword argument 'a'"):
        plain_regressor().fit(df, y32)

    assert_learns(safe_regressor().fit(X, y), X, y)
    pipe = safe_regressor().fit(df, y)
    assert_learns(pipe, df, y)
    assert list(pipe.feature_names_in_) == ["a", "b", "c", "d"]


def test_pandas_output_reaches_the_net_as_an_array(linear):
    X, y = linear
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    pipe = safe_regressor().set_output(transform="pandas").fit(df, y)
    assert isinstance(pipe[:-1].transform(df), pd.DataFrame)
    assert_learns(pipe, df, y)


@pytest.mark.filterwarnings("ignore:One or more of the test scores:UserWarning")
def test_search_switching_to_a_nan_target_criterion(linear, rng):
    # The target step is chosen from the net as given; the docstring's grid
    # switches it with the criterion.
    X, y = linear
    Y = np.column_stack([y, -y])
    Y[rng.random(Y.shape) < 0.2] = np.nan
    grid = [
        {"net__criterion": [torch.nn.MSELoss]},
        {"net__criterion": [MaskedMSELoss], "target": ["passthrough"]},
    ]
    search = GridSearchCV(safe_regressor(module__n_out=2), grid, cv=2)
    with pytest.warns(FitFailedWarning, match="TargetError"):
        search.fit(X, Y)
    assert search.best_params_["target"] == "passthrough"
    assert search.best_score_ > 0.8


def test_sparse_X_recipe_of_the_docstring(rng):
    from scipy import sparse

    X = sparse.random(200, 30, density=0.1, format="csr", random_state=0)
    y = np.asarray(X[:, :3].sum(axis=1)).ravel()
    torch.manual_seed(0)
    net = SafeNeuralNetRegressor(
        **{**COMMON, "module__n_in": 30, "optimizer": torch.optim.Adam}
    )
    pipe = make_safe_pipeline(
        net,
        impute="passthrough",
        clip="passthrough",
        check="passthrough",
        scale=SafeStandardScaler(with_mean=False, dtype=np.float32),
    ).fit(X, y)
    assert sparse.issparse(pipe[:-1].transform(X))
    assert r2_score(y, pipe.predict(X)) > 0.9


# -------------------------------------------------------- failure modes of y
def test_nan_in_y(linear):
    X, y = linear
    y = y.copy()
    y[[4, 99]] = np.nan

    plain = plain_regressor().fit(X.astype(np.float32), y[:, None].astype(np.float32))
    assert_plain_diverges(plain)

    with pytest.raises(TargetError, match=r"4, 99"):
        safe_regressor().fit(X, y)

    # With a criterion that ignores NaN targets, the net learns from the rest.
    pipe = safe_regressor(criterion=MaskedMSELoss).fit(X, y)
    assert pipe.named_steps["target"] == "passthrough"
    observed = ~np.isnan(y)
    assert_learns(pipe, X[observed], y[observed])


def test_target_at_1e5_scale(linear):
    X, y = linear
    y = 1e5 * y + 3e5
    Xs = StandardScaler().fit_transform(X).astype(np.float32)

    plain = plain_regressor().fit(Xs, y[:, None].astype(np.float32))
    assert_plain_diverges(plain)

    pred = assert_learns(safe_regressor().fit(X, y), X, y)
    assert abs(pred.mean() - y.mean()) < 0.1 * y.std()  # original units


def test_1d_y(linear):
    X, y = linear
    X32, y32 = X.astype(np.float32), y.astype(np.float32)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch's broadcast warning
        plain = plain_regressor().fit(X32, y32)
    assert np.isfinite(losses(plain)).all()  # silent: nothing looks wrong...
    assert r2_score(y, plain.predict(X32).ravel()) < 0.2  # ...but it learns nothing

    pipe = safe_regressor().fit(X, y)
    assert assert_learns(pipe, X, y).shape == (N_ROWS,)


@pytest.mark.parametrize(
    "labels, error",
    [
        (np.array(["no", "yes"]), TypeError),
        (np.array([0, 5]), IndexError),
        (np.array([0.0, 1.0]), RuntimeError),
        (np.array([0, 1], dtype=np.int32), RuntimeError),
    ],
    ids=["str", "0-5", "float", "int32"],
)
def test_labels(linear, labels, error):
    X, _ = linear
    y = labels[(X[:, 0] - X[:, 1] > 0).astype(int)]
    with pytest.raises(error):
        plain_classifier().fit(X.astype(np.float32), y)

    pipe = safe_classifier().fit(X, y)
    assert np.isfinite(losses(pipe)).all()
    pred = pipe.predict(X)
    assert pred.dtype == labels.dtype and set(pred) <= set(labels)
    assert accuracy_score(y, pred) > 0.9
    np.testing.assert_array_equal(pipe.classes_, labels)


def test_logits_with_nllloss(linear):
    X, _ = linear
    y = (X[:, 0] - X[:, 1] > 0).astype(np.int64)
    plain = plain_classifier(module__softmax=False).fit(X.astype(np.float32), y)
    assert_plain_diverges(plain)  # NaN loss, silently

    with pytest.raises(ValueError, match="CrossEntropyLoss"):
        safe_classifier(criterion=torch.nn.NLLLoss).fit(X, y)
    pipe = safe_classifier().fit(X, y)  # the default takes logits
    assert np.isfinite(losses(pipe)).all()
    assert accuracy_score(y, pipe.predict(X)) > 0.9


# ------------------------------------------------------------- the pipeline
def test_steps_and_defaults():
    pipe = make_safe_pipeline(SafeNeuralNetRegressor(MLP))
    assert [name for name, _ in pipe.steps] == [
        "target",
        "encode",
        "impute",
        "clip",
        "check",
        "scale",
        "net",
    ]
    target, encode, impute, clip, check, scale = (pipe[i] for i in range(6))
    assert isinstance(encode, TableEncoder)
    assert isinstance(target, TargetValidator) and target.task == "regression"
    assert target.scale_threshold > 1e300  # the net scales the target itself
    assert isinstance(impute, ImputerSelector)
    assert isinstance(clip, OutlierClipper)
    assert isinstance(check, ScaleDisparityChecker)
    assert isinstance(scale, SafeStandardScaler) and scale.dtype == np.float32
    pipe = make_safe_pipeline(SafeNeuralNetRegressor(MLP, scale_target=False))
    assert pipe[0].scale_threshold == TargetValidator().scale_threshold
    pipe = make_safe_pipeline(SafeNeuralNetClassifier(MLP))
    assert pipe[0].task == "classification"


def test_steps_can_be_replaced_or_passed_through(linear):
    X, y = linear
    pipe = make_safe_pipeline(
        SafeNeuralNetRegressor(**{**COMMON, "max_epochs": 2}),
        impute=ImputerSelector(strategy="mean"),
        clip="passthrough",
        check=None,
    )
    assert pipe.named_steps["impute"].strategy == "mean"
    assert pipe.named_steps["clip"] == "passthrough"
    assert pipe.named_steps["check"] is None
    pipe.fit(X, y)
    assert pipe[:-1].transform(X).dtype == np.float32
    with pytest.raises(TypeError, match="unknown step name.*'imputer'"):
        make_safe_pipeline(SafeNeuralNetRegressor(MLP), imputer="passthrough")


def test_grid_search_over_imputer_and_lr(linear, rng):
    X, y = linear
    X = X.copy()
    X[rng.random(X.shape) < 0.03] = np.nan
    pipe = safe_regressor(max_epochs=10)
    search = GridSearchCV(
        pipe,
        {"impute__strategy": ["mean", "median"], "net__lr": [0.01, 0.05]},
        cv=2,
        error_score="raise",
    )
    search.fit(X, y)
    assert search.best_params_["net__lr"] == 0.05
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_score_ > 0.8


@pytest.mark.filterwarnings("ignore:One or more of the test scores:UserWarning")
def test_a_failing_candidate_says_why(linear):
    X, y = linear
    search = GridSearchCV(safe_regressor(max_epochs=10), {"net__lr": [0.05, 1e4]}, cv=2)
    with pytest.warns(FitFailedWarning) as record:
        search.fit(X, y)
    text = " ".join(str(w.message) for w in record)
    assert "NonFiniteTrainingError" in text and "lower lr" in text
    assert search.best_params_ == {"net__lr": 0.05}
    assert np.isnan(search.cv_results_["mean_test_score"][1])
