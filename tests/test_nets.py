"""The safe skorch nets: the torch boundary and the scikit-learn API.

The nets are not run through ``parametrize_with_checks`` (they need a torch
module); these tests cover clone, pickling, ``get_params`` / ``set_params``
with skorch's prefixes, grid search and the rest of the sklearn API.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.exceptions import DataConversionWarning, NotFittedError
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.utils import get_tags
from sklearn.utils._param_validation import InvalidParameterError
from skorch.dataset import Dataset, ValidSplit

from sktorchsafe import (
    FocalLoss,
    MaskedMSELoss,
    NonFiniteGuard,
    SafeNeuralNetClassifier,
    SafeNeuralNetRegressor,
)
from sktorchsafe.exceptions import (
    DataQualityWarning,
    ModuleConfigError,
    NonFiniteInputError,
    NonFiniteTrainingError,
    TargetError,
)


class MLP(torch.nn.Module):
    """A tiny MLP; ``softmax=True`` ends it with a softmax (skorch's convention),
    ``softmax="log"`` with a log-softmax (PyTorch's, for NLLLoss)."""

    def __init__(self, n_in=4, n_out=1, hidden=16, softmax=False, batchnorm=False):
        super().__init__()
        self.hidden = torch.nn.Linear(n_in, hidden)
        self.norm = torch.nn.BatchNorm1d(hidden) if batchnorm else torch.nn.Identity()
        self.out = torch.nn.Linear(hidden, n_out)
        self.softmax = softmax

    def forward(self, X):
        z = self.out(torch.relu(self.norm(self.hidden(X))))
        if self.softmax == "log":
            return torch.log_softmax(z, dim=-1)
        return torch.softmax(z, dim=-1) if self.softmax else z


class Flat(torch.nn.Module):
    """Returns ``(n,)`` instead of ``(n, 1)``."""

    def __init__(self, n_in=4):
        super().__init__()
        self.lin = torch.nn.Linear(n_in, 1)

    def forward(self, X):
        return self.lin(X).squeeze(-1)


class Log(torch.nn.Module):
    def forward(self, X):
        return torch.log(X)


class LogFirst(torch.nn.Module):
    """Linear on ``log(X)``: finite for positive X, NaN for negative X."""

    def __init__(self, n_in=4):
        super().__init__()
        self.log = Log()
        self.lin = torch.nn.Linear(n_in, 1)

    def forward(self, X):
        return self.lin(self.log(X))


def regressor(**kwargs):
    torch.manual_seed(0)
    params = {
        "module": MLP,
        "optimizer": torch.optim.Adam,
        "lr": 0.02,
        "max_epochs": 15,
        "batch_size": 32,
        "train_split": None,
        "verbose": 0,
    }
    params.update(kwargs)
    return SafeNeuralNetRegressor(**params)


def classifier(**kwargs):
    torch.manual_seed(0)
    params = {
        "module": MLP,
        "module__n_out": 2,
        "optimizer": torch.optim.Adam,
        "lr": 0.05,
        "max_epochs": 10,
        "batch_size": 32,
        "verbose": 0,
    }
    params.update(kwargs)
    return SafeNeuralNetClassifier(**params)


@pytest.fixture
def reg_data(rng):
    X = rng.normal(size=(200, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.05 * rng.normal(size=200)
    return X, y


@pytest.fixture
def clf_data(rng):
    X = rng.normal(size=(200, 4))
    return X, X[:, 0] + 0.5 * X[:, 1] > 0


pytestmark = pytest.mark.usefixtures("one_torch_thread")


# ---------------------------------------------------------------- regressor
def test_regressor_accepts_dataframe_float64_int_and_1d_y(reg_data):
    X, y = reg_data
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    df["d"] = (df["d"] * 10).round().astype(np.int64)
    net = regressor().fit(df, y)
    assert list(net.feature_names_in_) == ["a", "b", "c", "d"]
    assert net.n_features_in_ == 4 and net.n_outputs_ == 1
    pred = net.predict(df)
    assert pred.shape == (200,)
    assert r2_score(y, pred) > 0.9


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e5])
def test_regressor_predicts_in_original_units(reg_data, scale):
    X, y = reg_data
    net = regressor().fit(X, scale * y)
    pred = net.predict(X)
    assert r2_score(scale * y, pred) > 0.9
    assert net.target_scaler_.scale_[0] == pytest.approx(scale * y.std())
    assert pred.dtype == np.float64


@pytest.mark.parametrize("scale", [1e-300, 1e300])
def test_regressor_score_at_extreme_target_scales(reg_data, scale):
    # r2_score's sums of squares underflow (R² = 1.0) or overflow (NaN) in
    # the original units; the score is computed in the standardized ones.
    X, y = reg_data
    net = regressor().fit(X, scale * y)
    score = net.score(X, scale * y)
    assert score == pytest.approx(r2_score(y, net.predict(X) / scale), abs=1e-9)
    assert 0.9 < score < 1.0


@pytest.mark.parametrize(
    "shape, dtype",
    [((200, 1), np.float32), ((200, 2), np.float64), ((200,), np.int64)],
)
def test_regressor_prediction_shape_follows_y(reg_data, shape, dtype):
    X, y = reg_data
    target = np.column_stack([y, -y]) if shape == (200, 2) else y.reshape(shape)
    target = np.round(10 * target).astype(dtype)
    net = regressor(module__n_out=shape[1] if len(shape) == 2 else 1).fit(X, target)
    assert net.predict(X).shape == shape
    assert net.n_outputs_ == (shape[1] if len(shape) == 2 else 1)


def test_regressor_scale_target_false_returns_module_output(reg_data):
    X, y = reg_data
    net = regressor(scale_target=False).fit(X, y)
    assert net.target_scaler_ is None
    raw = net.forward(X.astype(np.float32)).numpy().ravel()
    np.testing.assert_allclose(net.predict(X), raw)


def test_regressor_module_returning_1d(reg_data):
    X, y = reg_data
    net = regressor(module=Flat).fit(X, y)
    assert net.predict(X).shape == (200,)
    assert r2_score(y, net.predict(X)) > 0.9


def test_regressor_module_output_shape_mismatch(reg_data):
    X, y = reg_data
    with pytest.raises(
        ModuleConfigError, match=r"returns shape \(32, 3\).*n_outputs_=1"
    ):
        regressor(module__n_out=3).fit(X, y)


def test_regressor_has_no_predict_proba(reg_data):
    net = regressor().fit(*reg_data)
    assert not hasattr(net, "predict_proba")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_regressor_non_finite_target_names_rows(reg_data, bad):
    X, y = reg_data
    y = y.copy()
    y[[3, 17]] = bad
    with pytest.raises(TargetError, match=r"in 2 rows: 3, 17\.") as info:
        regressor().fit(X, y)
    # MaskedMSELoss is the fix for NaN targets only
    assert ("MaskedMSELoss" in str(info.value)) == np.isnan(bad)


def test_regressor_masked_loss_accepts_nan_but_not_inf(reg_data):
    X, y = reg_data
    Y = np.column_stack([y, 2 * y])
    Y[::3, 1] = np.nan
    net = regressor(module__n_out=2, criterion=MaskedMSELoss).fit(X, Y)
    pred = net.predict(X)
    assert np.isfinite(pred).all()
    observed = ~np.isnan(Y[:, 1])
    assert r2_score(Y[observed, 1], pred[observed, 1]) > 0.9
    assert np.isfinite(net.history[:, "train_loss"]).all()
    Y[0, 0] = np.inf
    with pytest.raises(TargetError, match=r"\+inf in 1 row: 0"):
        regressor(module__n_out=2, criterion=MaskedMSELoss).fit(X, Y)


def test_regressor_nullable_pandas_target(reg_data):
    X, y = reg_data
    target = pd.Series(y, dtype="Float64")
    target[[5, 8]] = pd.NA
    with pytest.raises(TargetError, match=r"NaN in 2 rows: 5, 8\."):
        regressor().fit(X, target)
    counts = pd.Series(np.round(5 * y).astype(int), dtype="Int64")
    net = regressor().fit(X, counts)
    assert r2_score(counts.astype(float), net.predict(X)) > 0.9


def test_regressor_object_target_of_numbers(reg_data):
    # e.g. a column of a DataFrame with mixed dtypes, taken through .values
    X, y = reg_data
    target = y.astype(object)
    target[7] = None
    with pytest.raises(TargetError, match=r"NaN in 1 row: 7\."):
        regressor().fit(X, target)
    net = regressor().fit(X, y.astype(object))
    assert r2_score(y, net.predict(X)) > 0.9
    with pytest.raises(TargetError, match=r"mixes strings.*pd.to_numeric\(y\)"):
        regressor().fit(X, np.array(["1.5", 2.0] * 100, dtype=object))


def test_regressor_target_column_never_observed(reg_data):
    # MaskedMSELoss learns from partly missing targets, but a column without
    # any observed value cannot be learned: its predictions would be NaN.
    X, y = reg_data
    Y = pd.DataFrame({"price": y, "rent": np.nan})
    with pytest.raises(TargetError, match="'rent'.*no observed value"):
        regressor(module__n_out=2, criterion=MaskedMSELoss).fit(X, Y)


def test_regressor_score_leaves_out_missing_targets(reg_data):
    # cross_val_score / GridSearchCV score with net.score: NaN targets, which
    # the criterion ignores in training, are left out of R² as well.
    X, y = reg_data
    Y = np.column_stack([y, 2 * y])
    Y[::3, 1] = np.nan
    net = regressor(module__n_out=2, criterion=MaskedMSELoss).fit(X, Y)
    pred, observed = net.predict(X), ~np.isnan(Y[:, 1])
    expected = np.mean(
        [r2_score(Y[:, 0], pred[:, 0]), r2_score(Y[observed, 1], pred[observed, 1])]
    )
    assert net.score(X, Y) == pytest.approx(expected)
    scores = cross_val_score(
        regressor(module__n_out=2, criterion=MaskedMSELoss), X, Y, cv=2
    )
    assert np.isfinite(scores).all() and (scores > 0.5).all()
    with pytest.raises(ValueError, match="NaN"):
        regressor(module__n_out=2).fit(X, np.nan_to_num(Y)).score(X, Y)


def test_regressor_sparse_X(reg_data):
    from scipy import sparse

    X, y = reg_data
    X = sparse.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))
    net = regressor().fit(X, X @ np.array([1.0, -2.0, 0.5, 0.0]))
    assert net.predict(X).shape == (200,)


def test_float64_module_keeps_float64(reg_data):
    X, y = reg_data
    torch.manual_seed(0)
    net = regressor(module=torch.nn.Linear, module__in_features=4)
    net.set_params(module__out_features=1, module__dtype=torch.float64)
    net.fit(X, y)
    assert net.module_.weight.dtype == torch.float64
    assert r2_score(y, net.predict(X)) > 0.9


def test_regressor_string_target(reg_data):
    with pytest.raises(TargetError, match="regression needs a numeric y"):
        regressor().fit(reg_data[0], np.array(["a", "b"] * 100))


def test_non_finite_X_names_column_and_rows(reg_data):
    X, y = reg_data
    df = pd.DataFrame(X.copy(), columns=["age", "income", "ratio", "height"])
    df.iloc[[4, 9], 1] = np.nan
    df.iloc[11, 3] = -np.inf
    with pytest.raises(NonFiniteInputError, match="'income'.*4, 9") as info:
        regressor().fit(df, y)
    assert "'height'" in str(info.value) and "ImputerSelector" in str(info.value)
    net = regressor(max_epochs=1).fit(X, y)
    X_test = X[:20].copy()
    X_test[7, 2] = np.nan
    with pytest.raises(NonFiniteInputError, match=r"'x2' \(NaN, 1 row: 7\)"):
        net.predict(X_test)


def test_values_beyond_float32_are_refused(reg_data):
    X, y = reg_data
    X = X.copy()
    X[5, 0] = 1e39
    with pytest.raises(NonFiniteInputError, match="float32 range.*'x0'.*5"):
        regressor().fit(X, y)


def test_length_mismatch(reg_data):
    X, y = reg_data
    with pytest.raises(TargetError, match="y has 199 rows but X has 200"):
        regressor().fit(X, y[:-1])


def test_feature_count_checked_at_predict(reg_data):
    net = regressor(max_epochs=1).fit(*reg_data)
    with pytest.raises(ValueError, match="features"):
        net.predict(reg_data[0][:, :3])


def test_non_finite_predictions_raise_naming_the_module():
    rng = np.random.default_rng(1)
    X = rng.uniform(0.5, 2.0, size=(100, 4))
    y = np.log(X).sum(axis=1)
    net = regressor(module=LogFirst).fit(X, y)
    X_test = X[:10].copy()
    X_test[[2, 6], 1] = -1.0
    with pytest.raises(NonFiniteTrainingError, match=r"2 rows of X: 2, 6") as info:
        net.predict(X_test)
    assert info.value.module == "log" and info.value.created is True
    assert "'log' (Log) created" in str(info.value)


def test_tensor_and_dataset_input(reg_data):
    X, y = reg_data
    net = regressor(max_epochs=3).fit(torch.as_tensor(X), y)  # float64 tensor
    assert not hasattr(net, "n_features_in_")
    assert np.isfinite(net.predict(torch.as_tensor(X))).all()
    dataset = Dataset(X.astype(np.float32), y.astype(np.float32).reshape(-1, 1))
    net = regressor(max_epochs=3).fit(dataset, None)
    assert net.target_scaler_ is None and net.n_outputs_ is None
    assert net.predict(X.astype(np.float32)).shape == (200, 1)


def test_dict_input_with_dataframe_values(reg_data):
    # skorch would index a DataFrame inside the dict by label (KeyError).
    class TwoInputs(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.num = torch.nn.Linear(3, 1)
            self.cat = torch.nn.Embedding(5, 1)

        def forward(self, num, cat):
            return self.num(num) + self.cat(cat).squeeze(1)

    X, y = reg_data
    codes = pd.DataFrame({"city": np.arange(200) % 5}, dtype="Int64")
    inputs = {"num": pd.DataFrame(X[:, :3], index=np.arange(200)[::-1]), "cat": codes}
    net = regressor(module=TwoInputs).fit(inputs, y)
    assert net.predict(inputs).shape == (200,)
    assert isinstance(inputs["num"], pd.DataFrame)  # the caller's dict is kept


def test_partial_fit_keeps_and_checks_the_data_attributes(reg_data):
    X, y = reg_data
    net = regressor(max_epochs=2)
    net.partial_fit(X, y)
    scaler = net.target_scaler_
    net.partial_fit(X, y)
    assert net.target_scaler_ is scaler and len(net.history) == 4
    with pytest.raises(TargetError, match="2 column"):
        net.partial_fit(X, np.column_stack([y, y]))
    with pytest.raises(ValueError, match="features"):
        net.partial_fit(X[:, :3], y)


def test_refit_learns_new_data_attributes(reg_data):
    X, y = reg_data
    net = regressor(max_epochs=2).fit(X, y)
    net.set_params(module__n_in=3, module__n_out=2)
    net.fit(X[:, :3], np.column_stack([y, 10 * y]))
    assert net.n_features_in_ == 3 and net.n_outputs_ == 2
    assert net.predict(X[:, :3]).shape == (200, 2)


# --------------------------------------------------------------- classifier
@pytest.mark.parametrize(
    "labels",
    [
        np.array(["no", "yes"]),
        np.array([0, 5]),
        np.array([0.0, 1.0]),
        np.array([3, 7], dtype=np.int32),
        np.array([False, True]),
    ],
    ids=["str", "0-5", "float", "int32", "bool"],
)
def test_classifier_any_labels(clf_data, labels):
    X, positive = clf_data
    y = labels[positive.astype(int)]
    net = classifier().fit(X, y)
    np.testing.assert_array_equal(net.classes_, labels)
    pred = net.predict(X)
    assert pred.dtype == labels.dtype
    assert set(np.unique(pred)) <= set(labels)
    assert accuracy_score(y, pred) > 0.9
    proba = net.predict_proba(X)
    assert proba.shape == (200, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(net.classes_[proba.argmax(axis=1)], pred)
    # valid_acc compares like with like (codes are decoded)
    assert net.history[-1, "valid_acc"] > 0.8


def test_classifier_multiclass_and_explicit_classes_order(rng):
    X = rng.normal(size=(300, 4))
    y = np.array(["c", "a", "b"])[np.argmax(X[:, :3], axis=1)]
    net = classifier(module__n_out=3, classes=["c", "b", "a"], max_epochs=15)
    net.fit(X, y)
    np.testing.assert_array_equal(net.classes_, ["c", "b", "a"])
    proba = net.predict_proba(X)
    # column k is classes_[k]: the "c" column is highest where x0 is largest
    assert np.mean(proba[:, 0][y == "c"]) > np.mean(proba[:, 0][y != "c"])
    assert accuracy_score(y, net.predict(X)) > 0.85


@pytest.mark.parametrize("empty", [[], np.array([])])
def test_empty_classes_is_skorchs_codes_without_classes(clf_data, empty):
    X, positive = clf_data
    codes = positive.astype(np.int64)
    net = classifier(classes=empty, train_split=None).fit(X, codes)
    with pytest.raises(AttributeError, match="has no attribute 'classes_'"):
        net.classes_  # noqa: B018
    predicted = net.predict(X)
    assert predicted.dtype.kind == "i" and set(predicted) <= {0, 1}
    assert accuracy_score(codes, predicted) > 0.85
    assert net.predict_proba(X).shape == (len(X), 2)
    with pytest.raises(TargetError, match=r"codes 0..K-1, but 2 rows do not: 0, 1"):
        net.fit(X[:4], np.array([-1.0, 0.5, 1.0, 0.0]))
    with pytest.raises(TargetError, match="classes=None"):
        net.fit(X[:4], np.array(["a", "b", "a", "b"]))
    fresh = classifier(classes=empty, train_split=None)
    with pytest.raises(TargetError, match="classes=None"):
        fresh.fit(X[:4], np.array(["a", "b", "a", "b"]))


def test_classifier_partial_fit_with_classes(clf_data):
    X, positive = clf_data
    y = np.where(positive, "b", "a")
    net = classifier(max_epochs=2, train_split=None)
    net.partial_fit(X[y == "a"], y[y == "a"], classes=["a", "b"])
    np.testing.assert_array_equal(net.classes_, ["a", "b"])
    net.partial_fit(X, y)
    with pytest.raises(TargetError, match="not among the classes.*'z'"):
        net.partial_fit(X[:4], np.array(["a", "b", "z", "a"]))


@pytest.mark.parametrize(
    "y, match",
    [
        (
            np.where(np.arange(200) % 2, "a", None),
            "missing labels \\(None/NaN\\) in 100 rows",
        ),
        (np.r_[np.nan, np.ones(99), np.zeros(100)], "1 row: 0"),
        (np.zeros(200, dtype=int), "only one class"),
        (np.linspace(0, 1, 200), "continuous"),
        (np.zeros((200, 2), dtype=int), "1-D"),
        (np.array(["a", 1] * 100, dtype=object), "one type|class labels"),
    ],
    ids=["None", "nan", "single", "continuous", "2d", "mixed"],
)
def test_classifier_bad_targets(clf_data, y, match):
    with pytest.raises(TargetError, match=match):
        classifier(max_epochs=1).fit(clf_data[0], y)


def test_classifier_pandas_categorical_labels(clf_data):
    X, positive = clf_data
    y = pd.Series(pd.Categorical(np.where(positive, "hi", "lo")))
    df = pd.DataFrame(X, columns=list("abcd"))
    net = classifier().fit(df, y)
    assert list(net.classes_) == ["hi", "lo"]
    assert accuracy_score(y, net.predict(df)) > 0.9


def test_classifier_column_vector_y(clf_data):
    X, positive = clf_data
    net = classifier(max_epochs=2).fit(X, positive.astype(int).reshape(-1, 1))
    assert net.predict(X).shape == (200,)


def test_logits_with_nllloss_raise_at_first_batch(clf_data):
    X, positive = clf_data
    net = classifier(criterion=torch.nn.NLLLoss)
    with pytest.raises(ModuleConfigError, match="logits.*CrossEntropyLoss"):
        net.fit(X, positive)
    assert all("train_loss" not in batch for batch in net.history[-1]["batches"])


@pytest.mark.parametrize("criterion", [torch.nn.CrossEntropyLoss, FocalLoss])
def test_a_module_ending_in_softmax_trains_with_a_logits_criterion(clf_data, criterion):
    # skorch's convention (a final softmax) and PyTorch's (logits) both work
    # with the default criterion: probabilities reach it as their log, not
    # through a second softmax, and predict_proba does not apply one either.
    X, positive = clf_data
    torch.manual_seed(0)
    soft = classifier(module__softmax=True, criterion=criterion).fit(X, positive)
    torch.manual_seed(0)
    logits = classifier(criterion=criterion).fit(X, positive)
    assert soft.output_kind_ == "probabilities"
    assert logits.output_kind_ == "logits"
    losses = soft.history[:, "train_loss"], logits.history[:, "train_loss"]
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-3)
    np.testing.assert_allclose(
        soft.predict_proba(X), logits.predict_proba(X), atol=1e-4
    )
    module = soft.module_
    with torch.no_grad():
        expected = module(torch.as_tensor(X, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(soft.predict_proba(X), expected, rtol=1e-5)


def test_output_kind_of_a_loaded_net_is_read_from_its_output(clf_data, tmp_path):
    X, positive = clf_data
    trained = classifier(module__softmax=True).fit(X, positive)
    trained.save_params(f_params=tmp_path / "p.pt")
    # Weights alone, as skorch saves them: the output says what it holds.
    state = torch.load(tmp_path / "p.pt", weights_only=True)
    torch.save(dict(state), tmp_path / "weights.pt")  # without the metadata
    loaded = classifier(module__softmax=True).initialize()
    loaded.load_params(f_params=tmp_path / "weights.pt")
    assert getattr(loaded, "output_kind_", None) is None
    np.testing.assert_allclose(loaded.predict_proba(X), trained.predict_proba(X))


def test_output_width_must_match_classes(clf_data):
    X, positive = clf_data
    with pytest.raises(ModuleConfigError, match="returns 3 column.*2 classes"):
        classifier(module__n_out=3).fit(X, positive)


def test_output_wider_than_the_classes_of_a_fold_suggests_classes(clf_data):
    # A fold of cross-validation can lack a class the module has an output for.
    X, positive = clf_data
    with pytest.raises(ModuleConfigError, match=r"classes=\[\.\.\.\]"):
        classifier(module__n_out=3).fit(X, positive)
    net = classifier(module__n_out=3, classes=[0, 1, 2]).fit(X, positive.astype(int))
    assert net.predict_proba(X).shape == (200, 3)


def test_classifier_module_returning_one_value_per_row(clf_data):
    X, positive = clf_data
    with pytest.raises(ModuleConfigError, match=r"one value per row.*output 2 values"):
        SafeNeuralNetClassifier(Flat, max_epochs=1, verbose=0).fit(X, positive)


def test_module_config_error_is_a_value_error(clf_data):
    X, positive = clf_data
    with pytest.raises(ValueError, match="returns 3 column") as caught:
        classifier(module__n_out=3).fit(X, positive)
    assert isinstance(caught.value, ModuleConfigError)


@pytest.mark.parametrize("n_rows", [1, 2, 3, 4])
@pytest.mark.parametrize("make", [regressor, classifier])
def test_fewer_rows_than_the_validation_folds(make, n_rows, rng):
    X = rng.normal(size=(n_rows, 4))
    y = np.arange(n_rows) % 2
    own = {"classes": [0, 1]} if make is classifier else {}
    net = make(train_split=ValidSplit(5, stratified=make is classifier), **own)
    fixes = {1: "", 2: r".*ValidSplit\(2", 3: ".*2 <= cv <= 3", 4: ".*2 <= cv <= 4"}
    match = rf"5 folds.*only {n_rows} rows?\. Pass train_split=None[^,]*{fixes[n_rows]}"
    with pytest.raises(ModuleConfigError, match=match):
        net.fit(X, y)
    assert not net.history  # refused before the first epoch
    net.set_params(train_split=None, max_epochs=1)
    assert net.fit(X, y).predict(X).shape[0] == n_rows


def test_no_class_has_as_many_rows_as_the_folds(rng):
    X = rng.normal(size=(6, 4))
    net = classifier(module__n_out=3)
    with pytest.raises(
        ModuleConfigError,
        match=r"no class has 5 rows: 0 \(2 rows\).*ValidSplit\(2, stratified=True\)",
    ):
        net.fit(X, [0, 1, 2] * 2)
    net.set_params(train_split=ValidSplit(2, stratified=True), max_epochs=1)
    assert net.fit(X, [0, 1, 2] * 2).predict(X).shape == (6,)


@pytest.mark.parametrize(("common", "rare"), [((0, 1), 2), (("a", "b"), "rare")])
def test_class_with_fewer_rows_than_the_folds_is_named(rng, common, rare):
    X = rng.normal(size=(40, 4))
    y = np.array([*common] * 19 + [common[0], rare])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net = classifier(module__n_out=3, max_epochs=1).fit(X, y)
    messages = [str(w.message) for w in caught]
    ours = [w for w in caught if issubclass(w.category, DataQualityWarning)]
    assert len(ours) == 1
    assert f"class {rare!r} (1 row)" in str(ours[0].message)
    assert "train_split=None" in str(ours[0].message)
    assert not any("least populated class" in m for m in messages)
    assert rare in net.classes_


@pytest.mark.parametrize(
    ("split", "y", "match"),
    [
        (ValidSplit(0.5), [0, 1], None),
        (ValidSplit(0.9), [0, 1], "leaves no training row"),
        (ValidSplit(0.2, stratified=True), [0, 1] * 19 + [0, 2], "class 2 has 1"),
        (ValidSplit(0.2, stratified=True), [0, 1, 2] * 3, "3 classes on both"),
    ],
)
def test_validation_fraction_the_data_cannot_satisfy(rng, split, y, match):
    X = rng.normal(size=(len(y), 4))
    net = classifier(module__n_out=3, classes=[0, 1, 2], train_split=split)
    if match is None:
        assert net.set_params(max_epochs=1).fit(X, y).predict(X).shape == (len(y),)
        return
    with pytest.raises(ModuleConfigError, match=match):
        net.fit(X, y)


@pytest.mark.parametrize("make", [regressor, classifier])
def test_module_returning_a_tuple_says_how_to_combine(make, clf_data):
    class Pair(MLP):
        def forward(self, X):
            z = super().forward(X)
            return z, z.detach()

    X, positive = clf_data
    with pytest.raises(ModuleConfigError, match="returns a tuple.*override get_loss"):
        make(module=Pair, module__n_out=2 if make is classifier else 1).fit(
            X, positive.astype(int)
        )


@pytest.mark.parametrize("criterion", [torch.nn.BCEWithLogitsLoss, torch.nn.BCELoss])
def test_binary_cross_entropy_points_to_the_right_net(clf_data, criterion):
    X, positive = clf_data
    with pytest.raises(ModuleConfigError, match="NeuralNetBinaryClassifier"):
        classifier(module__n_out=1, criterion=criterion).fit(X, positive)


def test_one_hot_target_says_how_to_pass_labels(clf_data):
    X, positive = clf_data
    with pytest.raises(TargetError, match=r"one-hot.*argmax\(axis=1\)"):
        classifier().fit(X, np.eye(2)[positive.astype(int)])


def test_nllloss_with_log_softmax_module_pytorch_convention(clf_data):
    # PyTorch pairs NLLLoss with a final LogSoftmax; skorch would take the log
    # of the log-probabilities (NaN). They reach NLLLoss as they are, and
    # predict_proba returns probabilities.
    X, positive = clf_data
    net = classifier(criterion=torch.nn.NLLLoss, module__softmax="log")
    net.fit(X, positive)
    assert np.isfinite(net.history[:, "train_loss"]).all()
    proba = net.predict_proba(X)
    assert (proba >= 0).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert accuracy_score(positive, net.predict(X)) > 0.9
    # the same training as CrossEntropyLoss on the same module
    ce = classifier(module__softmax="log").fit(X, positive)
    np.testing.assert_allclose(
        net.history[:, "train_loss"], ce.history[:, "train_loss"], rtol=1e-4
    )
    np.testing.assert_allclose(proba, ce.predict_proba(X), rtol=1e-4, atol=1e-6)


def test_nllloss_with_softmax_module_keeps_skorch_convention(clf_data):
    X, positive = clf_data
    net = classifier(criterion=torch.nn.NLLLoss, module__softmax=True).fit(X, positive)
    assert accuracy_score(positive, net.predict(X)) > 0.9


def test_focal_loss_predict_proba_is_softmax(clf_data):
    X, positive = clf_data
    net = classifier(criterion=FocalLoss, criterion__gamma=2.0).fit(X, positive)
    proba = net.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert accuracy_score(positive, net.predict(X)) > 0.9


# ---------------------------------------------------------------- the guard
@pytest.mark.parametrize("make", [regressor, classifier])
def test_guard_is_on_by_default_and_can_be_configured(make):
    net = make(callbacks__nonfinite_guard__on_nonfinite="skip").initialize()
    guard = dict(net.callbacks_)["nonfinite_guard"]
    assert isinstance(guard, NonFiniteGuard) and guard.on_nonfinite == "skip"
    net = make(callbacks__nonfinite_guard=None).initialize()
    assert "nonfinite_guard" not in dict(net.callbacks_)


def test_guard_names_a_layer_that_creates_nan(rng):
    X = rng.normal(size=(64, 4))  # negative values reach the log
    with pytest.raises(NonFiniteTrainingError, match=r"'log' \(Log\) created") as info:
        regressor(module=LogFirst).fit(X, X.sum(axis=1))
    assert info.value.epoch == 1 and info.value.batch == 0


# --------------------------------------------------------------- sklearn API
@pytest.mark.parametrize(
    "make, own",
    [(regressor, {"scale_target": False}), (classifier, {"classes": [0, 1]})],
)
def test_clone_and_params(make, own):
    net = make(module__hidden=8, optimizer__weight_decay=1e-4, **own)
    params = net.get_params()
    assert params["module__hidden"] == 8 and params["optimizer__weight_decay"] == 1e-4
    assert {key: params[key] for key in own} == own
    cloned = clone(net)
    assert cloned is not net
    assert cloned.get_params(deep=False).keys() == net.get_params(deep=False).keys()
    assert cloned.module__hidden == 8
    fitted = make(max_epochs=1, train_split=None).fit(
        np.zeros((8, 4)), np.array([0, 1] * 4)
    )
    assert not clone(fitted).initialized_


@pytest.mark.parametrize("make", [regressor, classifier])
def test_batchnorm_never_trains_on_a_single_row_batch(make, clf_data):
    # 201 rows in batches of 50 leave a last batch of one row, on which
    # BatchNorm1d fails in training mode; it is left out of each epoch.
    X, positive = clf_data
    X, y = np.vstack([X, X[:1]]), np.r_[positive, positive[:1]].astype(int)
    net = make(module__batchnorm=True, batch_size=50, train_split=None)
    with pytest.warns(UserWarning, match="1 row.*BatchNorm1d.*drop_last"):
        net.fit(X, y)
    assert net.history[-1, "batches", -1, "train_batch_size"] == 50
    assert net.predict(X).shape == (201,)  # only training leaves a row out
    assert np.isfinite(net.predict(X[:1])).all()
    # nothing changes when the last batch has more than one row
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net = make(module__batchnorm=True, batch_size=50, train_split=None)
        net.fit(X[:-2], y[:-2])
    assert net.history[-1, "batches", -1, "train_batch_size"] == 49


def test_regressor_params_validated_at_initialize():
    with pytest.raises(InvalidParameterError, match="scale_target"):
        regressor(scale_target="yes").initialize()


def test_set_params_with_prefixes_after_fit(reg_data):
    X, y = reg_data
    net = regressor(max_epochs=2).fit(X, y)
    net.set_params(module__hidden=5)
    net.set_params(
        optimizer__lr=0.01, callbacks__nonfinite_guard__check_gradients=False
    )
    assert net.module_.hidden.out_features == 5
    assert net.optimizer_.param_groups[0]["lr"] == 0.01
    assert dict(net.callbacks_)["nonfinite_guard"].check_gradients is False
    net.fit(X, y)
    assert np.isfinite(net.predict(X)).all()


@pytest.mark.parametrize("make", [regressor, classifier])
def test_pickle_round_trip(make, clf_data):
    X, positive = clf_data
    y = np.where(positive, "p", "n") if make is classifier else X[:, 0] * 3
    net = make(max_epochs=2).fit(X, y)
    loaded = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))
    loaded.partial_fit(X, y)  # still trainable, guard included
    assert len(loaded.history) == 4
    assert not loaded.criterion_._forward_hooks  # the guard cleaned up


def test_not_fitted_error(reg_data):
    with pytest.raises(NotFittedError):
        regressor().predict(reg_data[0])


def test_tags_and_estimator_type():
    reg, clf = regressor(), classifier()
    assert is_regressor(reg) and is_classifier(clf)
    for net in (reg, clf):
        tags = get_tags(net)
        assert tags.input_tags.allow_nan is False
        assert tags.non_deterministic
    assert get_tags(reg).target_tags.multi_output


def test_grid_search_regressor(reg_data):
    X, y = reg_data
    search = GridSearchCV(
        regressor(max_epochs=5),
        {"lr": [0.001, 0.05], "module__hidden": [4, 16]},
        cv=2,
        error_score="raise",
    )
    search.fit(X, 1e4 * y)
    assert search.best_params_["lr"] == 0.05
    assert search.best_score_ > 0.8


def test_grid_search_classifier_string_labels(clf_data):
    X, positive = clf_data
    y = np.where(positive, "spam", "ham")
    search = GridSearchCV(
        classifier(max_epochs=4, train_split=None),
        {"lr": [1e-4, 0.05]},
        cv=2,
        error_score="raise",
    )
    search.fit(X, y)
    assert search.best_params_ == {"lr": 0.05}
    assert set(search.predict(X)) == {"spam", "ham"}


def test_cross_val_score_and_score(reg_data):
    X, y = reg_data
    scores = cross_val_score(regressor(max_epochs=5), X, y, cv=2)
    assert np.all(scores > 0.5)
    net = regressor(max_epochs=5).fit(X, y)
    assert net.score(X, y) == pytest.approx(r2_score(y, net.predict(X)))


def test_column_vector_warning_is_not_raised_for_classifier(clf_data):
    X, positive = clf_data
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataConversionWarning)
        classifier(max_epochs=1).fit(X, positive.astype(int).reshape(-1, 1))


# --------------------------------------------------------- property: bad input
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_bad=st.integers(0, 3),
    kind=st.sampled_from([np.nan, np.inf, -np.inf, 1e300, 0.0]),
    constant=st.booleans(),
    seed=st.integers(0, 10_000),
)
def test_property_clear_error_or_finite_predictions(n_bad, kind, constant, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 3))
    if constant:
        X[:, 1] = 7.0
    rows = rng.choice(40, size=n_bad, replace=False)
    X[rows, 2] = kind
    y = X[:, 0] + 0.1
    net = regressor(module__n_in=3, max_epochs=2, batch_size=16)
    try:
        net.fit(X, y)
    except (NonFiniteInputError, NonFiniteTrainingError) as exc:
        assert n_bad and (np.isnan(kind) or abs(kind) > 3.4e38)
        assert "'x2'" in str(exc)
        return
    pred = net.predict(X)
    assert np.isfinite(pred).all() and pred.shape == (40,)
