"""save_params / load_params keep what the net learned from the data."""

import io
import pickle

import numpy as np
import pytest
import torch
from skorch import NeuralNetRegressor
from skorch.callbacks import Checkpoint

from sktorchsafe import (
    SafeNeuralNetClassifier,
    SafeNeuralNetRegressor,
    make_safe_pipeline,
)
from sktorchsafe.exceptions import ModuleConfigError
from sktorchsafe.training.persist import STATE_KEY, encode_state

QUIET = {"verbose": 0, "callbacks__print_log": None, "callbacks__preflight": None}


@pytest.fixture
def prices():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    return X, 1000 + 300 * X[:, 0] - 80 * X[:, 1] + rng.normal(size=200)


@pytest.fixture
def fitted(prices):
    X, y = prices
    net = SafeNeuralNetRegressor(torch.nn.Linear, max_epochs=15, lr=0.05, **QUIET)
    return net.fit(X, y)


def _fresh_regressor(**params):
    return SafeNeuralNetRegressor(
        torch.nn.Linear, module__in_features=3, module__out_features=1, **QUIET
    ).set_params(**params)


@pytest.mark.parametrize("safetensors", [False, True])
@pytest.mark.parametrize("to_file", [False, True])
def test_regressor_round_trip_predicts_in_the_units_of_y(
    fitted, prices, tmp_path, safetensors, to_file
):
    X, y = prices
    f = tmp_path / "params.bin" if to_file else io.BytesIO()
    fitted.save_params(f_params=f, use_safetensors=safetensors)
    if not to_file:
        f.seek(0)
    loaded = _fresh_regressor().initialize()
    loaded.load_params(f_params=f, use_safetensors=safetensors)
    expected = fitted.predict(X)
    assert expected.shape == (200,) and abs(expected.mean() - 1000) < 50
    np.testing.assert_allclose(loaded.predict(X), expected, rtol=1e-6)
    assert loaded.score(X, y) == pytest.approx(fitted.score(X, y))
    assert loaded.n_features_in_ == 3


def test_saved_file_loads_with_weights_only_and_into_a_bare_module(fitted, tmp_path):
    path = tmp_path / "params.pt"
    fitted.save_params(f_params=path)
    state = torch.load(path, weights_only=True)
    assert set(state) == {"weight", "bias"}  # the learned state: in _metadata
    assert '"target_scaler_"' in state._metadata[""][STATE_KEY]
    module = torch.nn.Linear(3, 1)
    module.load_state_dict(state)
    assert torch.equal(module.weight, fitted.module_.weight)


def test_classifier_round_trip_keeps_labels_and_output_kind(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(150, 2))
    y = np.where(X[:, 0] > 0, "spam", "ham")
    module = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Softmax(dim=-1))
    net = SafeNeuralNetClassifier(module, max_epochs=5, lr=0.1, **QUIET).fit(X, y)
    assert net.output_kind_ == "probabilities"
    net.save_params(f_params=tmp_path / "p.pt")
    other = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Softmax(dim=-1))
    loaded = SafeNeuralNetClassifier(other, **QUIET).initialize()
    loaded.load_params(f_params=tmp_path / "p.pt")
    assert loaded.output_kind_ == "probabilities"
    np.testing.assert_array_equal(loaded.classes_, ["ham", "spam"])
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))
    np.testing.assert_allclose(loaded.predict_proba(X), net.predict_proba(X))


def test_classes_given_as_column_names_of_codes_round_trip(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(120, 2))
    y = (X[:, 1] > 0).astype(int)
    params = {"classes": ["neg", "pos"], **QUIET}
    net = SafeNeuralNetClassifier(torch.nn.Linear, max_epochs=5, **params).fit(X, y)
    assert set(net.predict(X)) <= {0, 1}  # codes, like y
    net.save_params(f_params=tmp_path / "p.pt")
    loaded = SafeNeuralNetClassifier(
        torch.nn.Linear, module__in_features=2, module__out_features=2, **params
    ).initialize()
    loaded.load_params(f_params=tmp_path / "p.pt")
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))


def test_a_file_saved_by_skorch_has_no_target_scaler(prices, tmp_path):
    X, y = prices
    plain = NeuralNetRegressor(
        torch.nn.Linear, module__in_features=3, module__out_features=1, max_epochs=1
    ).initialize()
    plain.save_params(f_params=tmp_path / "p.pt")
    loaded = _fresh_regressor().initialize()
    loaded.load_params(f_params=tmp_path / "p.pt")
    with pytest.raises(ModuleConfigError, match="no target scaler.*standardized"):
        loaded.predict(X)  # not silently in the wrong units
    loaded.set_params(scale_target=False)
    expected = plain.predict(X.astype(np.float32)).ravel()
    np.testing.assert_allclose(loaded.predict(X).ravel(), expected, rtol=1e-6)


@pytest.mark.parametrize("safetensors", [False, True])
def test_checkpoint_loads_into_an_uninitialized_net(prices, tmp_path, safetensors):
    X, y = prices
    checkpoint = Checkpoint(
        dirname=str(tmp_path),
        monitor=None,
        use_safetensors=safetensors,
        f_optimizer=None if safetensors else "optimizer.pt",
    )
    net = SafeNeuralNetRegressor(
        torch.nn.Linear, max_epochs=5, lr=0.05, callbacks=[checkpoint], **QUIET
    ).fit(X, y)
    loaded = _fresh_regressor()
    loaded.load_params(checkpoint=checkpoint, use_safetensors=safetensors)
    np.testing.assert_allclose(loaded.predict(X), net.predict(X), rtol=1e-6)


def test_safetensors_file_holds_the_weights_alone(fitted, tmp_path):
    from safetensors import safe_open
    from safetensors.torch import load_file

    path = tmp_path / "params.safetensors"
    fitted.save_params(f_params=path, use_safetensors=True)
    with safe_open(path, framework="pt") as f:
        assert set(f.keys()) == {"weight", "bias"}
        assert '"target_scaler_"' in f.metadata()[STATE_KEY]
    module = torch.nn.Linear(3, 1)
    module.load_state_dict(load_file(path))
    assert torch.equal(module.weight, fitted.module_.weight)


def test_a_file_of_an_earlier_version_still_loads(fitted, prices, tmp_path):
    # Earlier versions kept the learned state as a uint8 tensor of JSON text.
    X, _ = prices
    state = dict(fitted.module_.state_dict())
    text = bytearray(encode_state(fitted).encode())
    state["_sktorchsafe_state"] = torch.frombuffer(text, dtype=torch.uint8)
    torch.save(state, tmp_path / "old.pt")
    loaded = _fresh_regressor().initialize()
    loaded.load_params(f_params=tmp_path / "old.pt")
    np.testing.assert_allclose(loaded.predict(X), fitted.predict(X), rtol=1e-6)


def test_initialize_without_the_widths_fit_learns_names_them():
    net = SafeNeuralNetRegressor(torch.nn.Linear, **QUIET)
    with pytest.raises(ModuleConfigError, match=r"module__in_features=\.\.\."):
        net.initialize()


def test_pickle_of_a_fitted_pipeline(prices):
    X, y = prices
    pipe = make_safe_pipeline(
        SafeNeuralNetRegressor(torch.nn.Linear, max_epochs=5, lr=0.05, **QUIET)
    ).fit(X, y)
    restored = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(restored.predict(X), pipe.predict(X))


def test_embedding_net_round_trip_keeps_the_learned_cardinalities(tmp_path):
    import warnings

    from sktorchsafe import TabularMLP
    from sktorchsafe.datasets import load_penguins

    X, y = load_penguins(numeric_only=False, return_X_y=True)
    X, y = X[y.notna()], y[y.notna()]
    net = SafeNeuralNetRegressor(TabularMLP, max_epochs=2, **QUIET)
    pipe = make_safe_pipeline(net, embed=True).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every learned attribute is saved
        pipe["net"].save_params(f_params=tmp_path / "p.pt")
    widths = pipe["net"]._learned_widths
    loaded = SafeNeuralNetRegressor(
        TabularMLP, **{f"module__{k}": v for k, v in widths.items()}, **QUIET
    ).initialize()
    loaded.load_params(f_params=tmp_path / "p.pt")
    assert loaded._learned_widths == widths
    Xt = pipe[:-1].transform(X)
    np.testing.assert_allclose(loaded.predict(Xt), pipe.predict(X), rtol=1e-6)
