"""``diagnose(X, y, net=...)`` and ``diagnose(X, y, pipeline=...)``.

The net's preflight findings in the report (with their layer, in every
view), and what each fitted step of a pipeline did to every column.
"""

import json
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")
skorch = pytest.importorskip("skorch")
pytest.importorskip(
    "sktorchsafe.training.preflight",
    reason="preflight (sktorchsafe/training/preflight.py), which diagnose runs "
    "on a net, has not landed",
)

from sktorchsafe import (  # noqa: E402
    OutlierClipper,
    SafeNeuralNetRegressor,
    diagnose,
    make_safe_pipeline,
)
from sktorchsafe.face.pipeline_report import PipelineReport  # noqa: E402

matplotlib.use("Agg")

N = 300


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    yield


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, 4)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 1)
    return X, y


def _softmax_net():
    module = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Softmax(dim=1))
    return skorch.NeuralNetClassifier(module, criterion=torch.nn.CrossEntropyLoss)


def _fine_net():
    module = torch.nn.Sequential(
        torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3)
    )
    return skorch.NeuralNetClassifier(module, criterion=torch.nn.CrossEntropyLoss)


# ------------------------------------------------------------------ net=
def test_a_softmax_before_cross_entropy_is_named_with_its_layer(data):
    X, y = data
    report = diagnose(X, y, net=_softmax_net())
    net_found = [f for f in report.findings if f.layer is not None]
    assert [f.kind for f in net_found] == ["preflight_softmax_cross_entropy"]
    f = net_found[0]
    assert f.layer == "1" and "Softmax" in f.message and "logits" in f.fix
    assert report.preflight is not None and len(report.preflight.layers) == 2
    # The data findings are still there, and the data are clean.
    assert all(f.layer is not None for f in report.findings)

    frame = report.to_frame()
    assert frame.loc[frame["kind"] == f.kind, "layer"].tolist() == ["1"]
    data_ = json.loads(report.to_json())
    assert [g["layer"] for g in data_["findings"]] == ["1"]
    assert data_["net"]["summary"] == report.preflight.summary()
    assert list(data_["net"]["layers"]) == ["0", "1"]
    text = str(report)
    header = next(line for line in text.splitlines() if line.startswith("#"))
    assert "layer" in header.split()
    assert f"The net: {report.preflight.summary()}." in text
    assert "<th>layer</th>" in report._repr_html_()
    assert "<td><code>1</code></td>" in report._repr_html_()
    assert "| layer |" in report.to_markdown()


def test_the_nets_findings_do_not_repeat_the_datas(data):
    X, y = data
    X = X.copy()
    X[:5, 1] = np.nan
    report = diagnose(X, y, net=_softmax_net())
    kinds = [f.kind for f in report.findings]
    assert "nan" in kinds and "preflight_softmax_cross_entropy" in kinds
    assert "preflight_nonfinite_input" not in kinds  # the nan finding says it
    assert "preflight_nonfinite_input" in report.preflight.kinds()


def test_sigmoid_into_bce_in_a_regressor_like_net():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(N, 4)).astype(np.float32)
    y = (X[:, :1] > 0).astype(np.float32)
    module = torch.nn.Sequential(torch.nn.Linear(4, 1), torch.nn.Sigmoid())
    net = skorch.NeuralNetRegressor(module, criterion=torch.nn.BCELoss)
    report = diagnose(X, y, net=net, task="regression")
    kinds = {f.kind: f for f in report.findings}
    assert kinds["preflight_sigmoid_bce"].layer == "1"
    assert "BCEWithLogitsLoss" in kinds["preflight_sigmoid_bce"].fix


def test_a_fine_net_adds_no_finding_and_is_left_as_it_was(data):
    X, y = data
    net = _fine_net()
    report = diagnose(X, y, net=net)
    assert report.findings == () and report.ok
    assert report.preflight is not None and report.preflight.findings == ()
    assert "layer" not in str(report).split("\n")[0]
    assert not getattr(net, "initialized_", False)  # not initialized by us

    fitted = _fine_net().set_params(max_epochs=1, train_split=None, verbose=0)
    fitted.fit(X, y)
    before = {k: v.clone() for k, v in fitted.module_.state_dict().items()}
    diagnose(X, y, net=fitted)
    after = fitted.module_.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_rows_without_a_target_stay_out_of_the_nets_sample():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(N, 4)).astype(np.float32)
    y = (X @ np.array([1.0, -1.0, 0.5, 0.0])).astype(np.float32).reshape(-1, 1)
    y[[3, 50]] = np.nan
    net = skorch.NeuralNetRegressor(
        torch.nn.Sequential(
            torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1)
        )
    )
    report = diagnose(X, y, net=net)
    kinds = [f.kind for f in report.findings]
    assert "target_nonfinite" in kinds
    assert not [k for k in kinds if k.startswith("preflight_")]  # no nan loss


def test_a_net_that_cannot_run_on_x_as_given():
    X = pd.DataFrame({"a": np.arange(40.0), "b": ["x", "y"] * 20, "c": 1.0})
    y = np.arange(40) % 2
    net = skorch.NeuralNetClassifier(torch.nn.Linear(3, 2))
    report = diagnose(X, y, net=net)
    f = next(f for f in report.findings if f.kind == "net_not_checked")
    assert f.severity == "warning" and "pipeline=" in f.fix
    assert report.preflight is None
    assert "non_numeric" in [g.kind for g in report.findings]


@pytest.mark.parametrize("bad", ["net", 3, object()])
def test_net_must_be_a_net(data, bad):
    X, y = data
    with pytest.raises(ValueError, match="net must be a skorch net"):
        diagnose(X, y, net=bad)


# ------------------------------------------------------------- pipeline=
@pytest.fixture
def table():
    rng = np.random.default_rng(3)
    X = pd.DataFrame(
        {
            "size": rng.normal(50, 10, size=N),
            "income": rng.lognormal(10, 1, size=N) * 1e3,
            "city": rng.choice(["a", "b", "c"], size=N),
            "id": [f"u{i}" for i in range(N)],
            "score": rng.normal(size=N),
        }
    )
    X.loc[X.index[:7], "size"] = np.nan
    X.loc[X.index[10:12], "score"] = np.inf
    X.loc[X.index[20:25], "score"] = 40.0  # far beyond the fences
    y = 0.1 * X["size"].fillna(50) + rng.normal(size=N)
    return X, y


@pytest.fixture
def fitted_pipe(table):
    X, y = table
    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.LazyLinear(8), torch.nn.ReLU(), torch.nn.Linear(8, 1)
    )
    net = SafeNeuralNetRegressor(
        module, max_epochs=2, train_split=None, verbose=0, scale_target=True
    )
    pipe = make_safe_pipeline(net, clip=OutlierClipper(method="iqr"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pipe.fit(X, y)


def test_what_the_pipeline_did_per_column(table, fitted_pipe):
    X, y = table
    report = diagnose(X, y, pipeline=fitted_pipe)
    pipe = report.pipeline
    assert isinstance(pipe, PipelineReport)
    frame = pipe.to_frame()
    expected_names = list(fitted_pipe["encode"].get_feature_names_out())
    assert list(frame.index) == expected_names
    assert set(frame.loc[frame["source"] == "city"].index) == {
        "city=a",
        "city=b",
        "city=c",
    }
    assert "id" in pipe.dropped and "id" not in frame["source"].tolist()
    # Imputed: exactly the NaN and ±inf cells of each numeric column.
    assert frame.loc["size", "imputed"] == 7
    assert frame.loc["score", "imputed"] == 2
    assert frame.loc["income", "imputed"] == 0
    assert frame.loc["size", "impute_strategy"] == fitted_pipe["impute"].strategies_[0]
    # Clipped: what the clipper itself counts on the imputed data.
    imputed = fitted_pipe["impute"].transform(fitted_pipe["encode"].transform(X))
    _, counts = fitted_pipe["clip"].transform(imputed, return_counts=True)
    np.testing.assert_array_equal(
        frame["clipped"].to_numpy(int), counts["n_below"] + counts["n_above"]
    )
    assert frame.loc["score", "clipped"] >= 5
    # Scaled as the scaler learned, and what the net receives is finite.
    np.testing.assert_allclose(frame["scale"], fitted_pipe["scale"].scale_)
    np.testing.assert_allclose(frame["mean"], fitted_pipe["scale"].mean_)
    Xt = np.asarray(fitted_pipe[:-1].transform(X), dtype=float)
    np.testing.assert_allclose(frame["net_min"], Xt.min(axis=0))
    np.testing.assert_allclose(frame["net_max"], Xt.max(axis=0))
    assert (frame["net_nonfinite"] == 0).all()
    assert pipe.final == "net" and pipe.steps[:2] == ("target", "encode")


def test_the_pipelines_net_is_checked_on_what_it_receives(table, fitted_pipe):
    X, y = table
    report = diagnose(X, y, pipeline=fitted_pipe)
    assert report.preflight is not None
    first = report.preflight.layers.iloc[0]
    # Standardized input (raw X has columns at 1e7): the pipeline's output.
    assert 0.5 < first["in_rms"] < 2.0


def test_the_pipeline_in_every_view(table, fitted_pipe):
    X, y = table
    report = diagnose(X, y, pipeline=fitted_pipe)
    text = str(report)
    assert "What the pipeline did (target -> encode" in text
    assert "city=b" in text and "(median" in text and "Dropped by the encoder" in text
    data = json.loads(report.to_json())
    assert set(data["pipeline"]["features"]) == set(report.pipeline.features.index)
    assert "sktorchsafe-pipeline" in report._repr_html_()
    assert "| net input |" in report.to_markdown()
    assert report.to_html().count("<img ") == 2  # the diagnosis and the pipeline
    figure = report.pipeline.plot()
    titles = [ax.get_title() for ax in figure.axes]
    assert titles[0].startswith("Imputed") and titles[1].startswith("Clipped")
    assert "size" in [t.get_text() for t in figure.axes[0].get_yticklabels()]
    plain = diagnose(X, y)
    assert plain.pipeline is None and "What the pipeline did" not in str(plain)


def test_the_pipeline_must_be_fitted(table):
    X, y = table
    pipe = make_safe_pipeline(SafeNeuralNetRegressor(torch.nn.Linear, verbose=0))
    with pytest.raises(ValueError, match="not fitted"):
        diagnose(X, y, pipeline=pipe)
    with pytest.raises(ValueError, match="must be a fitted"):
        diagnose(X, y, pipeline="make_safe_pipeline")


def test_the_embedding_path_is_followed_by_column_name(table):
    X, y = table
    TabularMLP = pytest.importorskip("sktorchsafe.training.modules").TabularMLP
    net = SafeNeuralNetRegressor(
        TabularMLP, max_epochs=1, train_split=None, verbose=0, scale_target=True
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = make_safe_pipeline(net, embed=True).fit(X, y)
    frame = diagnose(X, y, pipeline=pipe).pipeline.features
    Xt = pipe[:-1].transform(X)
    assert list(frame.index) == list(Xt.columns)  # the codes come last
    assert frame.loc["city", "encoding"] == "codes"
    assert pd.isna(frame.loc["city", "imputed"]) and pd.isna(frame.loc["city", "scale"])
    scaler = pipe["scale"]
    numbers = [str(name) for name in scaler.feature_names_in_]
    np.testing.assert_allclose(frame.loc[numbers, "scale"], scaler.scale_)
    assert frame.loc["size", "imputed"] == 7 and frame.loc["score", "imputed"] == 2
    np.testing.assert_allclose(frame["net_max"], Xt.to_numpy(float).max(axis=0))
