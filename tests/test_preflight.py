"""preflight: each problem built into a net is found, named and fixed; the net is
left as it was; the Preflight callback warns once per fit in the safe nets."""

import pickle
import random
import sys
import warnings
from collections import OrderedDict

import numpy as np
import pandas as pd
import pytest
import torch
from skorch import NeuralNetBinaryClassifier, NeuralNetClassifier, NeuralNetRegressor
from torch import nn

from sktorchsafe import (
    Preflight,
    PreflightReport,
    SafeNeuralNetClassifier,
    SafeNeuralNetRegressor,
    preflight,
)
from sktorchsafe.core.messages import FIXES, Finding
from sktorchsafe.exceptions import (
    ModuleConfigError,
    PreflightWarning,
    SktorchsafeWarning,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def data():
    """Standardized X (300 x 6), two classes and a regression target."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6)).astype(np.float32)
    y_class = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int64)
    y_reg = (X @ rng.normal(size=6)).astype(np.float32)
    return X, y_class, y_reg


def mlp(n_in=6, n_out=2, *final):
    torch.manual_seed(0)
    layers = OrderedDict(
        hidden=nn.Linear(n_in, 16), act=nn.ReLU(), out=nn.Linear(16, n_out)
    )
    for k, layer in enumerate(final):
        layers[f"final{k}"] = layer
    return nn.Sequential(layers)


def kinds(report):
    return [f.kind for f in report]


def serious(report):
    """Findings a user is warned about (severity error or warning)."""
    return [(f.kind, f.layer) for f in report if f.severity != "info"]


# --------------------------------------------------------------- the problems
def test_sigmoid_into_bce_loss_is_named_and_logits_fix_it(data):
    X, y, _ = data
    y = y.astype(np.float32)
    broken = NeuralNetBinaryClassifier(
        nn.Sequential(mlp(6, 1, nn.Sigmoid()), nn.Flatten(0)), criterion=nn.BCELoss
    )
    report = preflight(broken, X, y)
    assert serious(report) == [("preflight_sigmoid_bce", "0.final0")]
    assert "BCEWithLogitsLoss" in report.findings[0].fix
    fixed = NeuralNetBinaryClassifier(
        nn.Sequential(mlp(6, 1), nn.Flatten(0)), criterion=nn.BCEWithLogitsLoss
    )
    assert kinds(preflight(fixed, X, y)) == []


def test_a_sigmoid_into_bce_with_logits_is_applied_twice(data):
    X, y, _ = data
    net = NeuralNetBinaryClassifier(
        nn.Sequential(mlp(6, 1, nn.Sigmoid()), nn.Flatten(0))
    )
    assert serious(preflight(net, X, y.astype(np.float32))) == [
        ("preflight_sigmoid_logits", "0.final0")
    ]


@pytest.mark.parametrize("how", ["skorch", "module"])
def test_softmax_into_cross_entropy_is_a_double_softmax(data, how):
    X, y, _ = data
    module = mlp(6, 2, nn.Softmax(dim=1))
    if how == "skorch":
        report = preflight(
            NeuralNetClassifier(module, criterion=nn.CrossEntropyLoss), X, y
        )
    else:
        report = preflight(module, X, y, criterion=nn.CrossEntropyLoss)
    assert serious(report) == [("preflight_softmax_cross_entropy", "final0")]
    assert report.findings[0].severity == "warning"
    fixed = mlp(6, 2)
    assert kinds(preflight(fixed, X, y, criterion=nn.CrossEntropyLoss)) == []
    assert (
        kinds(
            preflight(NeuralNetClassifier(fixed, criterion=nn.CrossEntropyLoss), X, y)
        )
        == []
    )


def test_the_safe_classifier_handles_softmax_into_cross_entropy(data):
    X, y, _ = data
    net = SafeNeuralNetClassifier(mlp(6, 2, nn.Softmax(dim=1)))
    assert serious(preflight(net, X, y)) == []
    # ... except for a mild note when the softmax is saturated at the start.
    saturated = mlp(6, 2, nn.Softmax(dim=1))
    with torch.no_grad():
        saturated.out.weight.mul_(200)
    report = preflight(SafeNeuralNetClassifier(saturated), X, y)
    found = [f for f in report if f.kind == "preflight_softmax_cross_entropy"]
    assert [(f.severity, f.layer) for f in found] == [("info", "final0")]


def test_log_of_a_softmax_into_nll_loss_and_log_softmax_fixes_it(data):
    X, y, _ = data

    class LogOfSoftmax(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = mlp(6, 2)

        def forward(self, x):
            return torch.log(torch.softmax(self.body(x), dim=1))

    report = preflight(LogOfSoftmax(), X, y, criterion=nn.NLLLoss)
    assert serious(report) == [("preflight_log_softmax", None)]
    assert "LogSoftmax" in report.findings[0].fix
    fixed = mlp(6, 2, nn.LogSoftmax(dim=1))
    assert kinds(preflight(fixed, X, y, criterion=nn.NLLLoss)) == []
    # skorch's classifier takes the log of the output for NLLLoss: NaN
    report = preflight(NeuralNetClassifier(fixed, criterion=nn.NLLLoss), X, y)
    assert serious(report) == [("preflight_nll_double_log", "final0")]
    assert report.findings[0].severity == "error"


def test_logits_into_skorchs_default_nll_loss_are_an_error(data):
    X, y, _ = data
    report = preflight(NeuralNetClassifier(mlp(6, 2)), X, y)
    assert kinds(report) == ["preflight_nll_logits"]  # not the NaN loss again
    assert report.findings[0].severity == "error"
    assert "CrossEntropyLoss" in report.findings[0].fix
    assert not report.ok


def test_weights_scaled_100_times_are_named_by_their_layer(data):
    X, y, _ = data
    module = mlp(6, 2)
    report = preflight(module, X, y, criterion=nn.CrossEntropyLoss)
    assert kinds(report) == []
    with torch.no_grad():
        module.hidden.weight.mul_(100)
    report = preflight(module, X, y, criterion=nn.CrossEntropyLoss)
    growth = [f for f in report if f.kind == "preflight_growth"]
    assert [f.layer for f in growth] == ["hidden"]
    assert "'hidden' (Linear)" in growth[0].message
    assert growth[0].values["gains"]["hidden"] > 10


def tanh_stack(fixed=False, depth=20):
    torch.manual_seed(0)
    layers = []
    for _ in range(depth):
        linear = nn.Linear(16, 16)
        if fixed:
            nn.init.xavier_uniform_(linear.weight, gain=nn.init.calculate_gain("tanh"))
            nn.init.zeros_(linear.bias)
        layers += [linear, nn.Tanh()]
    return nn.Sequential(*layers, nn.Linear(16, 2))


def test_a_20_layer_tanh_stack_has_vanishing_gradients_named(data):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 16)).astype(np.float32)
    y = data[1]
    report = preflight(tanh_stack(), X, y, criterion=nn.CrossEntropyLoss)
    assert serious(report) == [("preflight_vanishing_gradients", "0")]
    relative = report.findings[0].values["output_gradients"]
    assert relative["0"] * 1e3 < max(relative.values())
    fixed = tanh_stack(fixed=True)
    assert kinds(preflight(fixed, X, y, criterion=nn.CrossEntropyLoss)) == []


def test_sgd_with_lr_10_on_unscaled_inputs_moves_weights_far_beyond_their_size(data):
    X, _, y = data
    unscaled = X * 1000 + 500
    net = NeuralNetRegressor(mlp(6, 1), optimizer=torch.optim.SGD, lr=10)
    report = preflight(net, unscaled, y[:, None])
    first = report.findings[0]
    assert (first.kind, first.severity) == ("preflight_first_update", "error")
    assert first.values["ratios"][first.layer] > 100
    assert "preflight_unscaled_input" in kinds(report)
    fixed = NeuralNetRegressor(mlp(6, 1), optimizer=torch.optim.SGD, lr=0.1)
    assert kinds(preflight(fixed, X, y[:, None])) == []


def test_half_precision_with_inputs_beyond_float16_range(data):
    X, y, _ = data
    big = X.copy()
    big[:, 2] *= 1e5  # up to ~3e5, beyond 65504
    frame = pd.DataFrame(big, columns=[f"f{j}" for j in range(6)])
    report = preflight(mlp(6, 2).half(), frame, y, criterion=nn.CrossEntropyLoss)
    assert report.findings[0].kind == "preflight_half_range"
    assert report.findings[0].columns == ("f2",)
    assert "preflight_nonfinite" not in kinds(report)  # a consequence, not a cause
    assert kinds(preflight(mlp(6, 2).half(), X, y, criterion=nn.CrossEntropyLoss)) == []
    # a float32 module that will run in float16: the first layer overflows too
    report = preflight(
        mlp(6, 2), big, y, criterion=nn.CrossEntropyLoss, precision="float16"
    )
    assert report.findings[0].kind == "preflight_half_range"


@pytest.mark.parametrize(
    "make",
    [
        lambda: SafeNeuralNetClassifier(mlp(6, 2)),
        lambda: SafeNeuralNetRegressor(mlp(6, 1)),
        lambda: NeuralNetClassifier(mlp(6, 2), criterion=nn.CrossEntropyLoss),
        lambda: NeuralNetClassifier(mlp(6, 2, nn.Softmax(dim=1))),
        lambda: NeuralNetRegressor(mlp(6, 1)),
    ],
    ids=["safe-classifier", "safe-regressor", "skorch-ce", "skorch-nll", "skorch-reg"],
)
def test_a_plain_mlp_on_standardized_data_has_no_finding(data, make):
    X, y_class, y_reg = data
    net = make()
    y = y_reg if "Regressor" in type(net).__name__ else y_class
    if type(net) is NeuralNetRegressor:
        y = y[:, None]
    report = preflight(net, X, y)
    assert serious(report) == []
    assert report.ok


def test_a_function_that_makes_nan_between_layers_is_named(data):
    X, _, y = data

    class LogMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(6, 4)
            self.b = nn.Linear(4, 1)

        def forward(self, x):
            return self.b(torch.log(self.a(x)))

    report = preflight(NeuralNetRegressor(LogMLP), X, y[:, None])
    assert kinds(report) == ["preflight_nonfinite"]
    assert report.findings[0].layer == ""
    assert "before layer 'b'" in report.findings[0].message


def test_nan_in_x_is_the_finding_not_its_gradients(data):
    X, y, _ = data
    X = X.copy()
    X[::3, 4] = np.nan
    report = preflight(mlp(6, 2), X, y, criterion=nn.CrossEntropyLoss)
    assert kinds(report) == ["preflight_nonfinite_input"]
    assert report.findings[0].columns == ("x4",)
    assert report.findings[0].step == "impute"


def test_output_and_input_width_errors(data):
    X, y, _ = data
    report = preflight(mlp(6, 3), X, y, criterion=nn.CrossEntropyLoss)
    assert kinds(report) == ["preflight_output_width"]
    report = preflight(mlp(5, 2), X, y, criterion=nn.CrossEntropyLoss)
    assert kinds(report) == ["preflight_input_width"]
    assert report.findings[0].layer == "hidden"
    assert report.findings[0].values == {"n_features": 6, "in_features": 5}
    flat = nn.Sequential(mlp(6, 1), nn.Flatten(0))
    report = preflight(NeuralNetRegressor(flat), X, data[2][:, None])
    assert kinds(report) == ["preflight_output_width"]  # (n,) against (n, 1)
    assert kinds(preflight(SafeNeuralNetRegressor(flat), X, data[2])) == []


# --------------------------------------------------------- nothing changes
def _state(net):
    return (
        {k: v.clone() for k, v in net.module_.state_dict().items()},
        pickle.dumps(net.optimizer_.state_dict()),
        [
            p.grad.clone() if p.grad is not None else None
            for p in net.module_.parameters()
        ],
        [m.training for m in net.module_.modules()],
    )


def test_weights_optimizer_state_and_random_state_are_unchanged(data):
    X, y, _ = data
    module = nn.Sequential(
        nn.Linear(6, 16),
        nn.BatchNorm1d(16),
        nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(16, 2),
    )
    net = SafeNeuralNetClassifier(
        module, optimizer=torch.optim.Adam, max_epochs=1, train_split=None, verbose=0
    )
    net.partial_fit(X, y)  # Adam's moments exist, BatchNorm has statistics
    net.module_.eval()
    before = _state(net)
    attributes = {k: v for k, v in vars(net).items() if isinstance(v, str | bool)}
    torch_state, np_state, py_state = (
        torch.get_rng_state(),
        np.random.get_state(),
        random.getstate(),
    )
    report = preflight(net, X, y)
    assert report.n_rows == 256 and report.loss is not None
    after = _state(net)
    for key, value in before[0].items():
        assert torch.equal(value, after[0][key]), key
    assert before[1] == after[1]
    assert all(
        (a is None and b is None) or torch.equal(a, b)
        for a, b in zip(before[2], after[2], strict=True)
    )
    assert before[3] == after[3]  # eval mode kept (the pass ran in training mode)
    assert torch.equal(torch_state, torch.get_rng_state())
    assert np.array_equal(np_state[1], np.random.get_state()[1])
    assert py_state == random.getstate()
    assert net.output_kind_ == "logits"
    assert {k: v for k, v in vars(net).items() if isinstance(v, str | bool)} == (
        attributes
    )


def test_an_uninitialized_net_stays_so_and_draws_the_same_weights(data):
    X, y, _ = data
    net = SafeNeuralNetClassifier(mlp, module__n_in=6, module__n_out=2)
    torch.manual_seed(7)
    expected = [p.detach().clone() for p in nn.Linear(6, 16).parameters()]
    torch.manual_seed(7)
    report = preflight(net, X, y)
    assert not getattr(net, "initialized_", False)
    assert not hasattr(net, "module_")
    assert isinstance(report, PreflightReport) and report.layers.shape[0] == 3
    # the random state is as before: the next draw is the one without preflight
    drawn = [p.detach() for p in nn.Linear(6, 16).parameters()]
    assert all(torch.equal(a, b) for a, b in zip(expected, drawn, strict=True))


def test_dataframes_float64_and_labels(data):
    X, y, y_reg = data
    frame = pd.DataFrame(X.astype(np.float64) * 100 + 2000, columns=list("abcdef"))
    labels = np.where(y == 1, "yes", "no")
    report = preflight(SafeNeuralNetClassifier(mlp(6, 2)), frame, labels)
    unscaled = [f for f in report if f.kind == "preflight_unscaled_input"]
    assert unscaled and unscaled[0].columns == tuple("abcdef")
    assert unscaled[0].step == "scale"
    report = preflight(
        SafeNeuralNetRegressor(mlp(6, 1)), frame / 100 - 20, y_reg.astype(np.float64)
    )
    assert kinds(report) == []


# ------------------------------------------------------------------ output
def test_findings_read_like_diagnose_findings(data):
    X, y, _ = data
    module = mlp(6, 2, nn.Softmax(dim=1))
    report = preflight(module, X, y, criterion=nn.CrossEntropyLoss)
    finding = report.findings[0]
    assert isinstance(finding, Finding)
    assert finding.severity in ("error", "warning", "info")
    assert finding.fix == FIXES[finding.kind].text
    assert finding.layer == "final0"
    frame = report.to_frame()
    assert list(frame.columns) == [
        "severity",
        "kind",
        "layer",
        "columns",
        "step",
        "message",
        "fix",
    ]
    assert frame.loc[0, "layer"] == "final0"
    assert str(report).startswith("preflight on 256 rows, 4 layers: 1 warning")
    assert list(report.layers.index) == ["hidden", "act", "out", "final0"]
    assert report.layers.loc["hidden", "grad_norm"] > 0


def test_bad_arguments_raise_clear_errors(data):
    X, y, _ = data
    with pytest.raises(TypeError, match="skorch NeuralNet or a torch.nn.Module"):
        preflight("net", X, y)
    with pytest.raises(TypeError, match="for a plain module"):
        preflight(NeuralNetClassifier(mlp()), X, y, criterion=nn.NLLLoss)
    with pytest.raises(ValueError, match="precision"):
        preflight(mlp(), X, y, precision="float8")
    with pytest.raises(ValueError, match="n_rows must be a positive integer"):
        preflight(mlp(), X, y, n_rows=0)
    assert preflight(mlp(), X, y, n_rows=1, criterion=nn.CrossEntropyLoss).n_rows == 1


# ---------------------------------------------------------------- callback
def fit_warnings(net, X, y, method="fit"):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        getattr(net, method)(X, y)
    return [w for w in caught if issubclass(w.category, SktorchsafeWarning)]


def test_safe_nets_check_at_fit_and_warn_once(data):
    X, y, _ = data
    module = mlp(6, 2)
    with torch.no_grad():
        module.hidden.weight.mul_(100)
    net = SafeNeuralNetClassifier(module, max_epochs=2, verbose=0, train_split=None)
    names = [name for name, _ in net._default_callbacks]
    assert names.index("preflight") < names.index("nonfinite_guard")
    assert names.index("nonfinite_guard") < names.index("print_log")
    caught = fit_warnings(net, X, y)
    assert [w.category for w in caught] == [PreflightWarning]
    assert "[layer 'hidden']" in str(caught[0].message)
    assert caught[0].filename == __file__  # points at the user's line
    report = dict(net.callbacks_)["preflight"].report_
    assert "preflight_growth" in report.kinds()


def test_a_problem_net_warns_and_the_fixed_one_does_not(data):
    X, _, y = data
    broken = SafeNeuralNetRegressor(
        mlp(6, 1), optimizer=torch.optim.SGD, lr=30.0, max_epochs=1, verbose=0
    )
    caught = fit_warnings(broken, X, y)
    assert [w.category for w in caught] == [PreflightWarning]
    message = str(caught[0].message)
    assert "layer 'out'" in message and "Fix: Lower lr" in message
    assert "callbacks__preflight=None" in message
    fixed = SafeNeuralNetRegressor(mlp(6, 1), max_epochs=1, verbose=0)
    assert fit_warnings(fixed, X, y) == []
    assert dict(fixed.callbacks_)["preflight"].report_.findings == ()


def test_the_callback_can_be_turned_off_or_made_to_raise(data):
    X, _, y = data
    params = {"optimizer": torch.optim.SGD, "lr": 1e4, "max_epochs": 0, "verbose": 0}
    off = SafeNeuralNetRegressor(mlp(6, 1), callbacks__preflight=None, **params)
    assert fit_warnings(off, X, y) == []
    assert dict(off.callbacks_).get("preflight") is None
    strict = SafeNeuralNetRegressor(
        mlp(6, 1), callbacks__preflight__on_problem="raise", **params
    )
    with pytest.raises(ModuleConfigError, match="first step") as info:
        strict.fit(X, y)
    assert [f.kind for f in info.value.findings] == ["preflight_first_update"]
    assert "on_problem='warn'" in str(info.value)
    quiet = SafeNeuralNetRegressor(
        mlp(6, 1), callbacks__preflight__on_problem="ignore", **params
    )
    assert fit_warnings(quiet, X, y) == []
    report = dict(quiet.callbacks_)["preflight"].report_
    assert report.kinds() == ["preflight_first_update"]


def test_not_again_on_warm_start_or_partial_fit(data):
    X, y, _ = data
    net = SafeNeuralNetClassifier(mlp(6, 2), max_epochs=1, verbose=0, warm_start=True)
    net.fit(X, y)
    callback = dict(net.callbacks_)["preflight"]
    first = callback.report_
    net.fit(X, y)
    net.partial_fit(X, y)
    assert callback.report_ is first
    net.set_params(warm_start=False)
    net.fit(X, y)  # a new fit: checked again
    assert dict(net.callbacks_)["preflight"].report_ is not first


def test_not_when_fit_passes_parameters_to_forward(data):
    X, y, _ = data
    calls = []

    class Masked(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(6, 2)

        def forward(self, X, scale=1.0):
            calls.append(scale)
            return self.linear(X) * scale

    net = SafeNeuralNetClassifier(
        Masked, max_epochs=1, batch_size=len(X), train_split=None, verbose=0
    )
    net.fit(X, y, scale=2.0)
    # Only the training batch ran forward; the check did not run without scale.
    assert calls == [2.0]
    assert dict(net.callbacks_)["preflight"].report_ is None
    net.fit(X, y)  # without: checked, on a sample (one more forward)
    assert dict(net.callbacks_)["preflight"].report_ is not None
    assert calls == [2.0, 1.0, 1.0]


def test_what_the_safe_net_checks_itself_is_left_to_it(data):
    X, y, _ = data
    net = SafeNeuralNetClassifier(
        mlp(6, 2), criterion=nn.NLLLoss, max_epochs=1, verbose=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no PreflightWarning before the net's error
        with pytest.raises(ModuleConfigError, match="logits"):
            net.fit(X, y)
    assert "preflight_nll_logits" in dict(net.callbacks_)["preflight"].report_.kinds()


def test_an_internal_failure_never_breaks_a_fit(data, monkeypatch):
    X, y, _ = data

    def broken(*args, **kwargs):
        raise RuntimeError("preflight itself failed")

    monkeypatch.setattr(
        sys.modules["sktorchsafe.training.preflight"], "preflight", broken
    )
    net = SafeNeuralNetClassifier(mlp(6, 2), max_epochs=1, verbose=0)
    assert fit_warnings(net, X, y) == []
    assert dict(net.callbacks_)["preflight"].report_ is None


def test_a_plain_skorch_net_with_the_callback_warns_about_nan_every_epoch(data):
    X, y, _ = data
    net = NeuralNetClassifier(
        mlp(6, 2), callbacks=[Preflight()], max_epochs=1, verbose=0
    )
    with pytest.warns(PreflightWarning, match="logits .* NLLLoss") as caught:
        net.fit(X, y)
    assert "callbacks__Preflight=None" in str(caught[0].message)


def test_invalid_parameters_and_pickling(data):
    X, y, _ = data
    net = SafeNeuralNetClassifier(
        mlp(6, 2), callbacks__preflight__on_problem="loud", verbose=0
    )
    with pytest.raises(ValueError, match="on_problem"):
        net.initialize()
    net = SafeNeuralNetClassifier(mlp(6, 2), max_epochs=1, verbose=0).fit(X, y)
    loaded = pickle.loads(pickle.dumps(net))
    assert dict(loaded.callbacks_)["preflight"].report_.n_rows == 256


@pytest.mark.parametrize("scale", [1e-300, 1e300])
def test_the_safe_regressor_is_checked_on_standardized_targets(data, scale):
    X, _, y = data
    net = SafeNeuralNetRegressor(mlp(6, 1), max_epochs=1, verbose=0)
    assert kinds(preflight(net, X, scale * y.astype(np.float64))) == []
    assert fit_warnings(net, X, scale * y.astype(np.float64)) == []


def test_a_wrong_loss_hides_what_its_gradients_would_say(data):
    X, y, _ = data
    net = SafeNeuralNetClassifier(
        mlp(6, 2), criterion=nn.NLLLoss, optimizer=torch.optim.SGD, lr=50.0
    )
    assert kinds(preflight(net, X, y)) == ["preflight_nll_logits"]
    fixed = SafeNeuralNetClassifier(mlp(6, 2), optimizer=torch.optim.SGD, lr=50.0)
    assert kinds(preflight(fixed, X, y)) == ["preflight_first_update"]


def test_a_net_fitted_on_a_frame_is_checked_on_the_frame_without_warnings():
    import warnings

    import pandas as pd

    from sktorchsafe import SafeNeuralNetRegressor, preflight

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(100, 3)), columns=["a", "b", "c"])
    y = X["a"].to_numpy() + rng.normal(size=100)
    net = SafeNeuralNetRegressor(torch.nn.Linear, max_epochs=2, verbose=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "X does not have valid feature names"
        report = preflight(net, X, y)
    assert report.ok


def test_a_sigmoid_in_forward_is_named_not_a_hidden_sigmoid_layer():
    import numpy as np

    from sktorchsafe import preflight

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.h = torch.nn.Linear(4, 8), torch.nn.Sigmoid()
            self.b = torch.nn.Linear(8, 1)

        def forward(self, X):
            return torch.sigmoid(self.b(self.h(self.a(X)))).squeeze(-1)

    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.float32)
    report = preflight(Net(), X, y, criterion=torch.nn.BCELoss())
    (found,) = [f for f in report if f.kind == "preflight_sigmoid_bce"]
    assert found.layer is None and "torch.sigmoid in forward" in found.message
