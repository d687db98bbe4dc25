"""NonFiniteGuard: cheap checks, an exact diagnosis, and the three policies."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import Callback

from sktorchsafe import NonFiniteGuard, SafeNeuralNetRegressor
from sktorchsafe.exceptions import NonFiniteTrainingError, NonFiniteTrainingWarning
from sktorchsafe.training.guard import _grad_norms, _maybe_nonfinite
from sktorchsafe.training.replay import diagnose_batch


class Log(torch.nn.Module):
    def forward(self, X):
        return torch.log(X)


class SqrtZero(torch.nn.Module):
    """Forward 0 (finite); backward 0.5 / sqrt(0) * 0 = NaN."""

    def forward(self, X):
        return torch.sqrt(X * 0)


class Net(torch.nn.Module):
    """Linear -> <middle> -> Linear, with the middle chosen by name."""

    def __init__(self, n_in=4, middle="relu", n_out=1, batchnorm=False):
        super().__init__()
        middles = {"relu": torch.nn.ReLU(), "log": Log(), "sqrt0": SqrtZero()}
        layers = [torch.nn.Linear(n_in, 8)]
        if batchnorm:
            layers.append(torch.nn.BatchNorm1d(8))
        layers += [middles[middle], torch.nn.Linear(8, n_out)]
        self.body = torch.nn.Sequential(*layers)

    def forward(self, X):
        return self.body(X)


class Inline(torch.nn.Module):
    """Creates NaN in its own forward code, between two submodules."""

    def __init__(self):
        super().__init__()
        self.first = torch.nn.Linear(4, 8)
        self.second = torch.nn.Linear(8, 1)

    def forward(self, X):
        return self.second(torch.log(self.first(X)))


class TwoInputs(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(3, 1)
        self.b = torch.nn.Linear(2, 1)

    def forward(self, left, right):
        return self.a(left) + self.b(right)


def plain(module=Net, guard=None, **kwargs):
    """Plain skorch with the guard added as a user callback."""
    torch.manual_seed(0)
    params = {
        "module": module,
        "callbacks": [("guard", guard or NonFiniteGuard())],
        "train_split": None,
        "batch_size": 16,
        "max_epochs": 3,
        "lr": 0.05,
        "verbose": 0,
    }
    params.update(kwargs)
    return NeuralNetRegressor(**params)


@pytest.fixture
def data(rng):
    X = rng.normal(size=(64, 4)).astype(np.float32)
    return X, X[:, :2].sum(axis=1, keepdims=True)


def _finite_weights(net):
    return all(bool(torch.isfinite(p).all()) for p in net.module_.parameters())


pytestmark = pytest.mark.usefixtures("one_torch_thread")


# ----------------------------------------------------------------- diagnosis
def test_names_the_layer_that_creates_nan(data):
    net = plain(module__middle="log")
    with pytest.raises(NonFiniteTrainingError) as info:
        net.fit(*data)
    exc = info.value
    assert (exc.epoch, exc.batch, exc.what, exc.phase) == (1, 0, "loss", "forward")
    assert exc.module == "body.1" and exc.module_type == "Log" and exc.created
    assert "module 'body.1' (Log) created non-finite values from finite input" in str(
        exc
    )
    assert "before the optimizer step" in str(exc)
    assert _finite_weights(net)  # nothing stepped with the poisoned gradients
    assert not net.criterion_._forward_hooks  # the hook is gone after the raise


def test_creation_in_a_modules_own_code_vs_propagation(data):
    with pytest.raises(NonFiniteTrainingError) as info:
        plain(module=Inline).fit(*data)
    exc = info.value
    assert exc.module == "" and exc.created
    assert "the top-level module (Inline) created" in str(exc)
    assert "'second' (Linear), which only propagated it" in str(exc)


def test_names_input_rows_and_features(data):
    X, y = data
    X = X.copy()
    X[[5, 40], 2] = np.nan
    X[9, 0] = np.inf
    with pytest.raises(NonFiniteTrainingError) as info:
        plain(iterator_train__shuffle=True).fit(X, y)
    exc = info.value
    assert exc.phase == "input" and exc.created is False
    assert exc.module == "body.0"  # the first layer propagated it
    batch_rows = {int(r) for r in exc.rows}
    assert batch_rows and batch_rows <= set(range(16))
    assert set(exc.features) <= {"x0", "x2"} and exc.features
    np.testing.assert_array_equal(exc.training_rows, [5, 9, 40])
    assert "rows of the training data holding NaN or ±inf: 5, 9, 40" in str(exc)
    assert "ImputerSelector" in str(exc)


def test_training_rows_through_a_validation_split(data):
    X, y = data
    X = X.copy()
    X[[1, 2, 3, 60], 1] = np.nan
    with pytest.raises(NonFiniteTrainingError) as info:
        plain(train_split=lambda ds, y: _split(ds)).fit(X, y)
    # rows 60.. are in the validation part: only training rows are listed
    np.testing.assert_array_equal(info.value.training_rows, [1, 2, 3])


def _split(dataset):
    from torch.utils.data import Subset

    return Subset(dataset, np.arange(0, 48)), Subset(dataset, np.arange(48, 64))


def test_feature_names_come_from_the_net(data):
    X, y = data
    df = pd.DataFrame(X, columns=["age", "income", "ratio", "height"])
    net = SafeNeuralNetRegressor(
        Net, train_split=None, verbose=0, max_epochs=1, batch_size=16
    ).fit(df, y)
    X_bad = X.copy()
    X_bad[3, 1] = np.nan
    # A tensor goes to skorch as it is; the guard still knows the names.
    with pytest.raises(NonFiniteTrainingError, match="'income'"):
        net.partial_fit(torch.as_tensor(X_bad), y)


def test_dict_input_features_are_prefixed(rng):
    left = rng.normal(size=(32, 3)).astype(np.float32)
    right = rng.normal(size=(32, 2)).astype(np.float32)
    right[4, 1] = np.nan
    X = {"left": left, "right": right}
    with pytest.raises(NonFiniteTrainingError) as info:
        plain(module=TwoInputs).fit(X, left[:, :1])
    assert info.value.features == ["right[x1]"]
    assert list(info.value.rows) == [4]


def test_names_target_rows(data):
    X, y = data
    y = y.copy()
    y[[2, 7]] = np.nan
    with pytest.raises(NonFiniteTrainingError) as info:
        plain().fit(X, y)
    assert info.value.phase == "target"
    assert list(info.value.target_rows) == [2, 7]
    assert "MaskedMSELoss" in str(info.value)


def test_gradient_only_nan_is_caught_with_gradients(data):
    with pytest.raises(NonFiniteTrainingError) as info:
        plain(module__middle="sqrt0").fit(*data)
    exc = info.value
    assert exc.what == "gradients" and exc.phase == "backward"
    assert exc.module == "body.1" and exc.module_type == "SqrtZero"
    assert np.isfinite(exc.loss)
    assert set(exc.parameters) == {"body.0.weight", "body.0.bias"}


def test_loss_only_misses_gradient_nan_then_reports_poisoned_weights(data):
    net = plain(module__middle="sqrt0", guard=NonFiniteGuard(check_gradients=False))
    with pytest.raises(NonFiniteTrainingError) as info:
        net.fit(*data)
    assert info.value.phase == "weights" and info.value.batch == 1
    assert "re-initialize" in str(info.value)


def test_divergence_is_stopped_before_the_weights_overflow(data):
    X, y = data
    net = plain(module__middle="relu", lr=1e4, max_epochs=20)
    with pytest.raises(NonFiniteTrainingError) as info:
        net.fit(X * 1e3, y * 1e3)
    assert _finite_weights(net)
    assert info.value.phase in {"divergence", "forward", "backward"}
    assert "lower lr" in str(info.value)


def test_logits_with_skorch_nllloss(data):
    X, y = data
    torch.manual_seed(0)
    net = NeuralNetClassifier(
        Net,
        module__n_out=2,
        callbacks=[NonFiniteGuard()],
        train_split=None,
        verbose=0,
    )
    with pytest.raises(NonFiniteTrainingError) as info:
        net.fit(X, (y.ravel() > 0).astype(np.int64))
    assert info.value.phase == "nll_logits"
    assert "CrossEntropyLoss" in str(info.value)


def test_criterion_without_module_is_checked_after_the_step(data):
    X, y = data
    y = y.copy()
    y[0] = np.nan
    guard = NonFiniteGuard(check_gradients=False)
    with pytest.raises(NonFiniteTrainingError) as info:
        plain(criterion=_make_mse, guard=guard).fit(X, y)
    assert "after the optimizer step" in str(info.value)
    assert info.value.phase == "target"


def _mse(y_pred, y_true):
    return ((y_pred - y_true) ** 2).mean()


def _make_mse():
    return _mse


def test_huge_finite_gradients_are_not_a_hit(data):
    X, y = data

    class Huge(torch.nn.Module):
        def forward(self, y_pred, y_true):
            return (y_pred * 3e19).sum()

    net = plain(criterion=Huge, lr=0.0, max_epochs=1)
    net.fit(X, y)  # the fused norm overflows; the exact check clears it
    grads = [p.grad for p in net.module_.parameters()]
    assert _maybe_nonfinite(grads, None)  # a suspicion...
    assert all(bool(torch.isfinite(g).all()) for g in grads)  # ...cleared


def test_replay_restores_buffers(data):
    X, _ = data
    net = plain(module__batchnorm=True).initialize()
    net.module_.train()
    before = {k: v.clone() for k, v in net.module_.state_dict().items()}
    diagnose_batch(net, torch.as_tensor(X))
    for key, value in net.module_.state_dict().items():
        torch.testing.assert_close(value, before[key])


# ------------------------------------------------------------------ policies
def test_stop_keeps_finite_weights_and_warns(data):
    messages = []
    guard = NonFiniteGuard(on_nonfinite="stop", sink=messages.append)
    net = plain(module__middle="log", guard=guard, max_epochs=5)
    with pytest.warns(NonFiniteTrainingWarning, match="Training stopped"):
        net.fit(*data)
    assert _finite_weights(net)
    assert len(net.history) == 1  # stopped in the first epoch
    assert messages and "Log" in messages[0]  # a custom sink ignores verbose
    assert guard.diagnosis_["module"] == "body.1"


def test_skip_drops_poisoned_batches_and_keeps_training(data):
    X, y = data
    X = X.copy()
    X[3, 1] = np.nan  # one poisoned batch of four per epoch
    guard = NonFiniteGuard(on_nonfinite="skip")
    net = plain(guard=guard, max_epochs=4)
    with pytest.warns(NonFiniteTrainingWarning, match="skipped") as record:
        net.fit(X, y)
    assert len(record) == 1  # one warning per fit, then counts
    assert net.history[:, "train_batches_skipped"] == [1, 1, 1, 1]
    assert guard.n_skipped_ == 4
    losses = net.history[:, "train_loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
    assert _finite_weights(net)


@pytest.mark.parametrize("policy", ["raise", "stop", "skip"])
def test_batchnorm_running_statistics_stay_finite(data, policy):
    # The poisoned forward pass updates BatchNorm's running statistics before
    # the guard sees the loss; they are restored with the weights, else every
    # prediction in eval mode would be NaN.
    X, y = data
    X = X.copy()
    X[35, 1] = np.nan  # the third batch of 16
    guard = NonFiniteGuard(on_nonfinite=policy)
    net = plain(module__batchnorm=True, guard=guard, max_epochs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonFiniteTrainingWarning)
        try:
            net.fit(X, y)
        except NonFiniteTrainingError:
            assert policy == "raise"
    buffers = dict(net.module_.body[1].named_buffers())
    assert all(bool(torch.isfinite(b).all()) for b in buffers.values())
    # The batches counted are the finite ones: 2 before the hit, then
    # (skip) 3 of 4 in each of the two epochs.
    expected = {"raise": 2, "stop": 2, "skip": 6}[policy]
    assert int(buffers["num_batches_tracked"]) == expected
    assert np.isfinite(net.predict(X[np.isfinite(X).all(axis=1)])).all()


class Normalized(torch.nn.Module):
    """BatchNorm1d on the raw input, then Linear."""

    def __init__(self, n_in=4):
        super().__init__()
        self.norm = torch.nn.BatchNorm1d(n_in)
        self.out = torch.nn.Linear(n_in, 1)

    def forward(self, X):
        return self.out(self.norm(X))


def test_running_statistics_overflow_is_caught_and_named(data):
    # A finite input of 1e20 overflows BatchNorm's running variance while its
    # output and the loss stay finite: without the check, training ends
    # "fine" and every prediction in eval mode is NaN.
    X, y = data
    X = X.copy()
    X[35, 1] = 1e20
    net = plain(module=Normalized)
    with pytest.raises(NonFiniteTrainingError, match="running statistics") as info:
        net.fit(X, y)
    exc = info.value
    assert (exc.phase, exc.module, exc.batch) == ("statistics", "norm", 2)
    assert exc.buffers == ["norm.running_var"]
    assert "reaches 1e+20" in str(exc) and "BatchNorm1d" in str(exc)
    assert all(bool(torch.isfinite(b).all()) for b in net.module_.buffers())


def test_skip_raises_when_every_batch_is_poisoned(data):
    X, y = data
    X = X.copy()
    X[::8, 0] = np.nan  # every batch of 16 holds a NaN row
    guard = NonFiniteGuard(on_nonfinite="skip")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonFiniteTrainingWarning)
        with pytest.raises(NonFiniteTrainingError, match="every batch of epoch 1"):
            plain(guard=guard).fit(X, y)


def test_validation_batches_are_not_guarded(data):
    X, y = data
    net = plain(train_split=lambda ds, y: _split(ds), max_epochs=1)
    net.fit(X, y)
    assert np.isfinite(net.history[-1, "train_loss"])


# ----------------------------------------------------------------- the object
def test_parameters_are_validated():
    with pytest.raises(InvalidParameterError, match="on_nonfinite"):
        NonFiniteGuard(on_nonfinite="ignore").initialize()
    with pytest.raises(InvalidParameterError, match="check_gradients"):
        NonFiniteGuard(check_gradients="yes").initialize()


def test_params_clone_and_pickle(data):
    guard = NonFiniteGuard(on_nonfinite="skip", check_gradients=False)
    assert guard.get_params() == {
        "on_nonfinite": "skip",
        "check_gradients": False,
        "sink": print,
    }
    net = plain(guard=guard, max_epochs=1).fit(*data)
    fitted_guard = dict(net.callbacks_)["guard"]
    assert set(fitted_guard.get_params()) == {"on_nonfinite", "check_gradients", "sink"}
    loaded = pickle.loads(pickle.dumps(fitted_guard))
    assert loaded.on_nonfinite == "skip" and loaded._hook_ is None
    cloned = clone(net)
    assert dict(cloned.get_params())["callbacks"][0][1].on_nonfinite == "skip"


def test_a_clean_fit_leaves_no_trace(data):
    net = plain(max_epochs=2).fit(*data)
    guard = dict(net.callbacks_)["guard"]
    assert guard.diagnosis_ is None and guard.n_skipped_ == 0
    assert not net.criterion_._forward_hooks
    assert all("nonfinite" not in b for b in net.history[-1]["batches"])


def test_works_with_other_grad_callbacks(data):
    seen = []

    class Counter(Callback):
        def on_grad_computed(self, net, named_parameters, **kwargs):
            seen.append(len(list(named_parameters)))

    torch.manual_seed(0)
    net = NeuralNetRegressor(
        Net,
        callbacks=[NonFiniteGuard(), Counter()],
        train_split=None,
        max_epochs=1,
        batch_size=16,
        verbose=0,
    ).fit(*data)
    assert seen == [4, 4, 4, 4]
    assert np.isfinite(net.history[-1, "train_loss"])


def test_cheap_check_dtypes_and_layouts():
    half = [torch.full((3,), 6e4, dtype=torch.float16), torch.ones(2)]
    norms, on_cpu = _grad_norms(half)
    assert on_cpu and all(n.dtype == torch.float32 for n in norms)
    assert norms[0].item() == pytest.approx(np.sqrt(3) * 6e4, rel=1e-3)
    assert not _maybe_nonfinite(half, torch.tensor(1.0))
    assert not _maybe_nonfinite([], None)
    assert _maybe_nonfinite([torch.tensor([1.0, float("nan")])], torch.tensor(0.5))
    assert _maybe_nonfinite([torch.ones(2)], torch.tensor(float("inf")))
    assert _maybe_nonfinite([torch.ones(2)], torch.tensor([1.0, float("nan")]))
    sparse = torch.sparse_coo_tensor(
        [[0, 2]], [3.0, float("inf")], (5,), check_invariants=True
    )
    assert _grad_norms([sparse, torch.ones(1)])[0][0].item() == float("inf")
    norms, _ = _grad_norms([torch.ones(4, dtype=torch.float64), torch.ones(1)])
    assert [n.item() for n in norms] == [2.0, 1.0]


# -------------------------------------------- scoring callbacks and units
def test_epoch_scoring_sees_predictions_and_targets_in_the_same_units():
    from skorch.callbacks import EarlyStopping, EpochScoring
    from skorch.dataset import ValidSplit

    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 3))
    y = 1000 + 300 * X[:, 0] - 50 * X[:, 2] + rng.normal(size=400)
    split = ValidSplit(0.25, random_state=0)
    net = SafeNeuralNetRegressor(
        torch.nn.Linear,
        lr=0.05,
        max_epochs=20,
        train_split=split,
        callbacks=[
            ("r2", EpochScoring("r2", lower_is_better=False)),
            ("stop", EarlyStopping(monitor="r2", lower_is_better=False)),
        ],
        verbose=0,
    ).fit(X, y)
    _, valid = split(X, y)
    rows = valid.indices
    assert net.history[-1, "r2"] == pytest.approx(net.score(X[rows], y[rows]), 1e-6)
    assert net.history[-1, "r2"] > 0.99


@pytest.mark.parametrize("policy", ["raise", "stop", "skip"])
def test_a_step_that_overflows_the_weights_is_undone(policy):
    # Finite loss and gradients, but lr x gradient passes float32's maximum.
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(64, 3)) * 1e18, rng.normal(size=64)
    net = SafeNeuralNetRegressor(
        torch.nn.Linear,
        module__in_features=3,
        module__out_features=1,
        lr=1e30,
        max_epochs=2,
        train_split=None,
        verbose=0,
        callbacks__preflight=None,
        callbacks__nonfinite_guard__on_nonfinite=policy,
    )
    net.initialize()
    before = [p.detach().clone() for p in net.module_.parameters()]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if policy == "stop":
            net.partial_fit(X, y)
        else:  # "skip": every batch of the epoch was skipped
            with pytest.raises(NonFiniteTrainingError):
                net.partial_fit(X, y)
    for p, q in zip(net.module_.parameters(), before, strict=True):
        assert torch.equal(p.detach(), q)  # the step was undone
    guard = dict(net.callbacks_)["nonfinite_guard"]
    text = guard.diagnosis_["message"]
    assert "after the optimizer step" in text and "every gradient were finite" in text
    if policy == "stop":
        (warning,) = [w for w in caught if w.category is NonFiniteTrainingWarning]
        assert "the weights are the last finite ones" in str(warning.message)
        assert "check_gradients=False" not in str(warning.message)
