"""The nets learn the module's widths from the data, and name shape errors."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.model_selection import GridSearchCV

from sktorchsafe import (
    ImputerSelector,
    SafeNeuralNetClassifier,
    SafeNeuralNetRegressor,
    make_safe_pipeline,
)
from sktorchsafe.exceptions import ModuleConfigError, TargetError

QUIET = {"max_epochs": 2, "verbose": 0, "callbacks__print_log": None}


class MLP(torch.nn.Module):
    """A module whose widths go by other names, with a default hidden width."""

    def __init__(self, n_features, n_outputs=None, hidden=8):
        super().__init__()
        self.body = torch.nn.Sequential(
            torch.nn.Linear(n_features, hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(hidden, n_outputs or 1),
        )

    def forward(self, X):
        return self.body(X)


class Fixed(torch.nn.Module):
    """Widths with defaults other than None: the user's decision, kept."""

    def __init__(self, in_features=3, out_features=1):
        super().__init__()
        self.layer = torch.nn.Linear(in_features, out_features)

    def forward(self, X):
        return self.layer(X)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5))
    return X, X @ rng.normal(size=5)


def test_linear_learns_both_widths(data):
    X, y = data
    reg = SafeNeuralNetRegressor(torch.nn.Linear, **QUIET).fit(X, y)
    assert (reg.module_.in_features, reg.module_.out_features) == (5, 1)
    two = np.column_stack([y, -y])
    reg.fit(X[:, :3], two)  # a refit learns the new widths
    assert (reg.module_.in_features, reg.module_.out_features) == (3, 2)
    assert reg.predict(X[:, :3]).shape == (60, 2)


@pytest.mark.parametrize("labels", [["a", "b", "c"], [0.0, 1.0, 2.0]])
def test_classifier_output_width_is_the_number_of_classes(data, labels):
    X, y = data
    codes = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))
    y_labels = pd.Series(np.asarray(labels, dtype=object)[codes])
    clf = SafeNeuralNetClassifier(MLP, **QUIET).fit(X, y_labels)
    assert clf.module_.body[0].in_features == 5
    assert clf.module_.body[-1].out_features == 3
    assert clf.predict_proba(X).shape == (60, 3)


def test_classes_given_set_the_width_for_partial_fit(data):
    X, y = data
    clf = SafeNeuralNetClassifier(torch.nn.Linear, **QUIET)
    clf.partial_fit(X[:20], (y[:20] > 0).astype(int), classes=[0, 1, 2])
    assert clf.module_.out_features == 3
    clf.partial_fit(X[20:], np.full(40, 2))
    assert clf.module_.out_features == 3


def test_a_width_given_or_defaulted_is_kept(data):
    X, y = data
    reg = SafeNeuralNetRegressor(MLP, module__n_features=5, module__hidden=4, **QUIET)
    reg.fit(X, y)
    assert reg.module_.body[0].in_features == 5
    assert reg.module_.body[0].out_features == 4
    with pytest.raises(ModuleConfigError, match=r"takes 3 input features.*5 col"):
        SafeNeuralNetRegressor(Fixed, **QUIET).fit(X, y)


def test_a_wrong_width_names_the_layer_and_the_fix(data):
    X, y = data
    net = SafeNeuralNetRegressor(torch.nn.Linear, module__in_features=4, **QUIET)
    with pytest.raises(ModuleConfigError) as info:
        net.fit(X, y)
    message = str(info.value)
    assert "takes 4 input features, but X has 5 columns" in message
    assert "Leave 'module__in_features' unset" in message
    assert isinstance(info.value.__cause__, RuntimeError)
    module = torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.Linear(2, 1))
    with pytest.raises(ModuleConfigError, match=r"layer '0' \(Linear\) takes 4"):
        SafeNeuralNetRegressor(module, **QUIET).fit(X, y)


def test_the_width_follows_the_steps_before_the_net(data):
    # add_indicator=True doubles the width (an indicator for every feature).
    X, y = data
    X = X.copy()
    X[::4, :2] = np.nan
    pipe = make_safe_pipeline(
        SafeNeuralNetRegressor(torch.nn.Linear, **QUIET),
        impute=ImputerSelector(add_indicator=True),
    )
    pipe.fit(X, y)
    assert pipe["net"].module_.in_features == 10
    search = GridSearchCV(pipe, {"impute__add_indicator": [False, True]}, cv=2)
    search.fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    best = search.best_params_["impute__add_indicator"]
    assert search.best_estimator_["net"].module_.in_features == (10 if best else 5)


@pytest.mark.parametrize(
    "settings",
    [
        {"batch_size": 1, "train_split": None},
        {"batch_size": 8, "train_split": None, "rows": 1},
    ],
)
def test_batchnorm_on_a_one_row_training_batch_is_named(data, settings):
    X, y = data
    settings = dict(settings)
    rows = settings.pop("rows", len(X))
    module = torch.nn.Sequential(
        torch.nn.Linear(5, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 1)
    )
    net = SafeNeuralNetRegressor(module, **QUIET, **settings)
    with pytest.raises(ModuleConfigError, match=r"layer '1' cannot normalize"):
        net.fit(X[:rows], y[:rows])


def test_an_instance_is_left_as_built(data):
    X, y = data
    module = torch.nn.Linear(5, 1)
    net = SafeNeuralNetRegressor(module, **QUIET).fit(X, y)
    assert net.module_ is module


def test_classes_given_do_not_skip_the_label_check(data):
    # classes=sorted(y) of a continuous target is still a continuous target.
    X, y = data
    net = SafeNeuralNetClassifier(torch.nn.Linear, classes=sorted(y), **QUIET)
    with pytest.raises(TargetError, match="continuous target"):
        net.fit(X, y)


def test_tabular_mlp_learns_the_cardinalities_of_the_codes():
    from sktorchsafe import TableEncoder, TabularMLP
    from sktorchsafe.datasets import load_penguins

    X, y = load_penguins(numeric_only=False, return_X_y=True)
    keep = y.notna()
    X, y = X[keep], y[keep]
    net = SafeNeuralNetRegressor(TabularMLP, **QUIET)
    pipe = make_safe_pipeline(net, embed=True).fit(X, y)
    expected = TableEncoder(categorical="codes").fit(X).cardinalities_
    np.testing.assert_array_equal(pipe["net"].module_.cardinalities, expected)
    assert pipe["net"].module_.n_numbers == pipe["net"].n_features_in_ - len(expected)
    # Plain numbers (no integer columns at the end): no codes.
    plain = SafeNeuralNetRegressor(TabularMLP, **QUIET).fit(np.ones((8, 3)), y[:8])
    assert plain.module_.cardinalities.numel() == 0
