"""``diagnose`` and its report: every finding kind, the views, the verdict."""

import importlib
import sys

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sktorchsafe import OutlierClipper, ScaleDisparityChecker, diagnose
from sktorchsafe import diagnose as diagnose_module_function
from sktorchsafe.core.stats import ColumnStats
from sktorchsafe.datasets import load_penguins, make_messy_regression
from sktorchsafe.exceptions import DataQualityError, InputTypeError, TargetError
from sktorchsafe.face.report import DiagnosisFinding, DiagnosisReport
from sktorchsafe.face.table_checks import ROW_INDEX_MIN_ROWS

matplotlib.use("Agg")

N = 2000


def kinds(report):
    return {f.kind for f in report.findings}


def finding(report, kind):
    matches = [f for f in report.findings if f.kind == kind]
    assert len(matches) == 1, f"expected one {kind!r} finding, got {kinds(report)}"
    return matches[0]


@pytest.fixture
def clean():
    """Finite, non-constant, similar scales, light tails, plus an int column."""
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "a": rng.normal(size=N),
            "b": rng.normal(5, 2, size=N),
            "c": rng.uniform(-1, 1, size=N),
            "d": rng.integers(0, 10, size=N),
            "e": rng.normal(size=N).astype(np.float32),
        }
    )


@pytest.fixture
def rng():
    return np.random.default_rng(1)


# ------------------------------------------------------------- clean data


def test_clean_data_has_no_findings(clean, rng):
    report = diagnose(clean, rng.normal(size=N))
    assert report.findings == ()
    assert report.ok
    assert report.task == "regression" and report.target_name == "y"
    assert ": OK (nothing found)" in " ".join(str(report).split())
    assert report.raise_if_severe("info") is report
    assert report.to_frame().empty
    assert list(report.features.index) == list(clean.columns)


def test_clean_classification_has_no_findings(clean, rng):
    report = diagnose(clean, rng.integers(0, 3, size=N))
    assert report.findings == () and report.task == "multiclass"


# ------------------------------------------------------- each finding kind


def _with(clean, **columns):
    frame = clean.copy()
    for name, values in columns.items():
        frame[name] = values
    return frame


def test_nan_counts_cells_rows_and_names_columns(clean):
    X = _with(clean, gap=np.where(np.arange(N) % 10 == 0, np.nan, 1.0 * np.arange(N)))
    X.loc[[0, 5], "a"] = np.nan
    report = diagnose(X)
    f = finding(report, "nan")
    assert f.severity == "error" and f.step == "impute"
    assert f.columns == ("gap", "a")  # most NaN first
    assert f.n_cells == N // 10 + 2
    assert f.n_rows == N // 10 + 1  # row 0 holds both
    assert "'gap' (200 cells)" in f.message and "ImputerSelector" in f.fix
    assert not report.ok


def test_infinite(clean):
    X = _with(clean, inf=np.where(np.arange(N) == 3, -np.inf, 1.0 * np.arange(N)))
    X.loc[7, "a"] = np.inf
    f = finding(diagnose(X), "infinite")
    assert f.severity == "error" and set(f.columns) == {"inf", "a"}
    assert (f.n_cells, f.n_rows) == (2, 2)
    assert f.step == "impute"


def test_all_missing_and_constant(clean):
    report = diagnose(_with(clean, empty=np.nan, same=7.0))
    assert finding(report, "all_missing").columns == ("empty",)
    assert finding(report, "constant").columns == ("same",)
    assert not report.ok  # the all-NaN column is NaN for the net
    assert "empty" in finding(report, "nan").columns


def test_near_constant_is_info(clean):
    report = diagnose(_with(clean, rare=(np.arange(N) == 5).astype(float)))
    f = finding(report, "near_constant")
    assert f.severity == "info" and f.columns == ("rare",)
    assert report.ok


def test_float32_collapse_and_overflow(clean, rng):
    X = _with(
        clean,
        stamp=1e8 + rng.normal(size=N) * 1e-3,
        huge=rng.normal(size=N) * 1e39,
    )
    report = diagnose(X)
    assert finding(report, "float32_collapse").columns == ("stamp",)
    overflow = finding(report, "float32_overflow")
    assert overflow.columns == ("huge",) and overflow.severity == "error"
    assert overflow.step == "scale"


def test_scale_disparity_is_an_error_for_a_plain_net(clean, rng):
    X = _with(clean, big=rng.normal(size=N) * 1e5, small=rng.normal(size=N) * 1e-3)
    report = diagnose(X)
    f = finding(report, "scale_disparity")
    assert f.severity == "error" and set(f.columns) == {"big", "small"}
    assert f.step == "scale" and "SafeStandardScaler" in f.fix
    checker = ScaleDisparityChecker(on_problem="ignore").fit(X)
    assert report.scale_ratio == checker.scale_ratio_
    assert report.scale_threshold == checker.threshold
    assert set(report.scale_extremes) == {"big", "small"}
    assert not report.ok


def test_offset(clean, rng):
    f = finding(diagnose(_with(clean, far=1e6 + rng.normal(size=N))), "offset")
    assert f.columns == ("far",) and f.severity == "warning"


def test_heavy_tails_and_far_outliers(clean, rng):
    sentinel = rng.normal(size=N)
    sentinel[[7, 8]] = 999.0
    X = _with(clean, heavy=rng.standard_t(2, size=N), sentinel=sentinel)
    report = diagnose(X)
    f = finding(report, "outliers")
    assert set(f.columns) == {"heavy", "sentinel"}
    assert f.severity == "warning" and f.step == "clip"
    features = report.features
    assert features.loc["heavy", "outlier_share"] > 0.02
    assert features.loc["sentinel", "outlier_share"] < 0.02  # found by distance
    assert "IQR out" in f.message
    assert report.ok


def test_non_numeric_columns(clean, rng):
    X = _with(
        clean,
        text=rng.choice(["x", "y", None], size=N),
        cat=pd.Categorical(rng.choice(["p", "q"], size=N)),
        when=pd.Timestamp("2020-01-01") + pd.to_timedelta(np.arange(N), "D"),
        ident=[f"id{i}" for i in range(N)],
    )
    report = diagnose(X)
    f = finding(report, "non_numeric")
    assert f.columns == ("text", "cat", "when", "ident")
    assert "missing" in f.message and "identifier" in f.message
    # A plain net fails on them; make_safe_pipeline's encode step handles them.
    assert f.severity == "error" and f.step == "encode"
    assert "TableEncoder" in f.fix
    assert not report.features.loc["text", "numeric"]
    assert report.features.loc["a", "numeric"]


def test_exotic_columns_are_named_not_crashed_on():
    X = pd.DataFrame(
        {
            "a": np.arange(6.0),
            "lists": [[1], [2], [3], [1], [2], [3]],
            "complex": np.arange(6) * 1j,
            "period": pd.period_range("2020-01", periods=6, freq="M"),
            "interval": pd.interval_range(0, 6),
            "utc": pd.date_range("2020", periods=6, tz="UTC"),
            "duration": pd.to_timedelta(np.arange(6), "s"),
            "sparse": pd.arrays.SparseArray([0, 0, 1.0, 0, 0, 0]),
        }
    )
    report = diagnose(X)
    assert finding(report, "non_numeric").columns == (
        "lists",
        "complex",
        "period",
        "interval",
        "utc",
        "duration",
    )
    assert report.features["numeric"].tolist() == [True] + [False] * 6 + [True]


def test_numbers_stored_as_text(clean, rng):
    values = rng.normal(size=N).round(3).astype(str).astype(object)
    values[::50] = "?"
    report = diagnose(_with(clean, reading=values))
    f = finding(report, "mixed_types")
    assert f.columns == ("reading",) and "'?' x40" in f.message
    assert f.step == "encode" and "TableEncoder" in f.fix
    # Measured as numbers: the placeholders count as NaN.
    assert finding(report, "nan").n_cells == 40
    assert report.features.loc["reading", "numeric"]


def test_numbers_as_objects_and_nullable_dtypes(clean):
    X = _with(
        clean,
        obj=pd.Series(np.arange(N, dtype=float), dtype=object),
        nullable=pd.array([1, None] * (N // 2), dtype="Int64"),
        flag=np.arange(N) % 2 == 0,
    )
    report = diagnose(X)
    assert finding(report, "mixed_types").columns == ("obj",)
    assert finding(report, "nan").columns == ("nullable",)
    assert report.features.loc["flag", "numeric"]


def test_empty_data():
    report = diagnose(np.empty((0, 3)))
    assert kinds(report) == {"empty"} and not report.ok
    assert kinds(diagnose(pd.DataFrame(index=range(5)))) == {"empty"}


# ---------------------------------------------------------------- target


def test_target_nonfinite_then_the_rest_of_the_target(clean, rng):
    y = pd.Series(rng.normal(size=N) * 1e5, name="price")
    y[[3, 9]] = [np.nan, np.inf]
    report = diagnose(clean, y)
    f = finding(report, "target_nonfinite")
    assert f.columns == ("price",) and f.n_rows == 2 and "3, 9" in f.message
    # The remaining rows are still validated: the scale is reported too.
    assert finding(report, "target_scale").step == "net"
    assert report.task == "regression"


def test_missing_labels(clean, rng):
    y = rng.choice(["cat", "dog"], size=N).astype(object)
    y[4] = None
    report = diagnose(clean, y)
    assert finding(report, "target_nonfinite").n_rows == 1
    assert report.task == "binary"


def test_single_class_and_wrong_type(clean):
    report = diagnose(clean, np.ones(N, dtype=int))
    assert finding(report, "single_class").severity == "error"
    assert report.task is None
    report = diagnose(clean, np.array(["a", "b"] * (N // 2)), task="regression")
    f = finding(report, "target_type")
    assert "numeric" in f.message and f.step == "target"


def test_label_findings(clean, rng):
    y = np.where(rng.random(N) < 0.03, "Yes", "no").astype(object)
    y[:5] = "yes "
    report = diagnose(clean, y)
    assert finding(report, "label_encoding").severity == "error"
    assert finding(report, "label_spelling").severity == "warning"
    assert finding(report, "class_imbalance").step == "net"
    assert not report.ok
    assert "label_encoding" not in kinds(diagnose(clean, (y == "no").astype(int)))


def test_many_integer_classes_and_constant_target(clean, rng):
    # Whole numbers with many distinct values and few rows each: a quantity.
    report = diagnose(clean, rng.integers(0, 400, size=N))
    assert report.task == "regression"
    assert "rows per value" in report.task_reason
    assert "Task regression: y holds whole numbers" in str(report)
    report = diagnose(clean, np.full(N, 2.5), task="regression")
    assert "constant_target" in kinds(report)


def test_multioutput_target_with_missing_values(clean, rng):
    y = pd.DataFrame(rng.normal(size=(N, 2)), columns=["u", "v"])
    y.iloc[0, 1] = np.nan
    report = diagnose(clean, y)
    assert finding(report, "target_nonfinite").n_rows == 1
    assert report.task == "regression"


def test_target_of_the_wrong_length(clean):
    with pytest.raises(TargetError, match="y has 3 rows but X has 2000"):
        diagnose(clean, [1.0, 2.0, 3.0])


# ------------------------------------------------- one source of truth


def test_measurements_are_the_steps_own(rng):
    X, _ = make_messy_regression(3000, 6, random_state=0)
    report = diagnose(X)
    features = report.features
    stats = ColumnStats.from_array(X)
    np.testing.assert_array_equal(features["n_nan"], stats.n_nan)
    np.testing.assert_array_equal(features["std"], stats.std)
    checker = ScaleDisparityChecker(on_problem="ignore").fit(X)
    np.testing.assert_array_equal(features["scale"], checker.scale_)
    clipper = OutlierClipper(method="iqr").fit(X)
    np.testing.assert_array_equal(features["lower_fence"], clipper.lower_)
    np.testing.assert_array_equal(features["upper_fence"], clipper.upper_)


def test_outlier_share_estimated_on_a_sample(monkeypatch, rng):
    module = importlib.import_module("sktorchsafe.face.diagnose")  # not the function
    X = rng.standard_t(2, size=(20_000, 3))
    X[rng.random(X.shape) < 0.05] = np.nan
    X[0, 0] = np.inf
    X[5, 2] = 1e6  # far out, and (very likely) not in the sample
    exact = diagnose(X).features
    monkeypatch.setattr(module, "OUTLIER_SAMPLE", 2000)
    sampled = diagnose(X)
    features = sampled.features
    np.testing.assert_allclose(
        features["outlier_share"], exact["outlier_share"], atol=0.015
    )
    np.testing.assert_allclose(features["lower_fence"], exact["lower_fence"], rtol=0.2)
    assert features.loc["x2", "outlier_share"] > 0.02
    # The farthest value is found over every row, sample or not.
    finite = np.isfinite(X)
    beyond = finite & (
        (X < exact["lower_fence"].to_numpy()) | (X > exact["upper_fence"].to_numpy())
    )
    np.testing.assert_allclose(exact["outlier_share"], beyond.sum(0) / finite.sum(0))
    assert "x2" in finding(sampled, "outliers").columns


def test_input_is_not_modified(rng):
    X, y = make_messy_regression(300, 4, random_state=0, as_frame=True)
    X["text"] = "a"
    before_X, before_y = X.copy(), y.copy()
    diagnose(X, y)
    pd.testing.assert_frame_equal(X, before_X)
    pd.testing.assert_series_equal(y, before_y)


def test_arrays_float32_and_frames_agree(rng):
    X = rng.normal(size=(500, 3))
    X[0, 1] = np.nan
    from_array = diagnose(X)
    from_frame = diagnose(pd.DataFrame(X, columns=["x0", "x1", "x2"]))
    from_f32 = diagnose(X.astype(np.float32))
    assert from_array.to_frame().equals(from_frame.to_frame())
    assert kinds(from_f32) == kinds(from_array) == {"nan"}
    assert from_f32.features["dtype"].tolist() == ["float32"] * 3


def test_object_array_is_read_per_column():
    X = np.array([[1.0, "a"], [2.0, "b"], [3.0, "a"]], dtype=object)
    report = diagnose(X)
    assert finding(report, "non_numeric").columns == ("x1",)
    assert "x0" in report.features.index[report.features["numeric"]]


def test_bad_arguments():
    from scipy import sparse

    with pytest.raises(InputTypeError, match="sparse"):
        diagnose(sparse.csr_matrix(np.eye(3)))
    with pytest.raises(InputTypeError, match="2-D"):
        diagnose(np.arange(5.0))
    with pytest.raises(InputTypeError, match="to_frame"):
        diagnose(pd.Series([1.0, 2.0]))
    with pytest.raises(InputTypeError, match="duplicate column names: 'a'"):
        diagnose(pd.DataFrame(np.eye(3), columns=["a", "a", "b"]))
    from sktorchsafe.core.compat import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="'task' parameter of diagnose"):
        diagnose(np.eye(3), task="ranking")


def test_no_warnings_escape(recwarn, rng):
    X, y = make_messy_regression(500, 5, random_state=0)
    X[:, 0] = np.nan
    X[:, 1] = 3.0
    diagnose(X, y)
    assert not [w for w in recwarn if "sktorchsafe" in str(w.filename)]
    assert len(recwarn) == 0


# ---------------------------------------------------------------- views


@pytest.fixture
def messy_report():
    X, y = load_penguins(target="species", numeric_only=False, return_X_y=True)
    X = X.assign(**{"<b>odd</b>": 1e7 * X["bill_depth_mm"]})
    return diagnose(X, y)


def test_text_report(messy_report):
    text = str(messy_report)
    lines = text.splitlines()
    assert lines[0].startswith("sktorchsafe diagnosis: 344 rows x 11 features")
    assert "NOT OK" in lines[0]
    for f in messy_report.findings:
        assert f.kind in text and f.message.split()[0] in text
    assert "Fix: " in text
    assert all(len(line) <= 100 for line in lines)
    assert repr(messy_report).startswith("<DiagnosisReport: 344 rows")


def test_to_frame(messy_report):
    frame = messy_report.to_frame()
    assert list(frame.columns) == [
        "severity",
        "kind",
        "columns",
        "layer",
        "n_cells",
        "n_rows",
        "step",
        "message",
        "fix",
    ]
    assert frame["layer"].isna().all()  # findings about the data, not a net
    assert len(frame) == len(messy_report.findings)
    assert frame["severity"].iloc[0] == "error"
    assert str(frame["n_rows"].dtype) == "Int64"
    order = {"error": 0, "warning": 1, "info": 2}
    assert frame["severity"].map(order).is_monotonic_increasing


def test_html_is_escaped(messy_report):
    html = messy_report._repr_html_()
    assert "<table" in html and "NOT OK" in html
    assert "&lt;b&gt;odd&lt;/b&gt;" in html and "<b>odd</b>" not in html
    page = messy_report.to_html()
    assert page.startswith("<!DOCTYPE html>") and "Features" in page


def test_raise_if_severe(messy_report, clean):
    with pytest.raises(DataQualityError, match="non_numeric") as info:
        messy_report.raise_if_severe()
    assert all(f.severity == "error" for f in info.value.findings)
    assert all(isinstance(f, DiagnosisFinding) for f in info.value.findings)
    report = diagnose(_with(clean, rare=(np.arange(N) == 5).astype(float)))
    assert report.raise_if_severe("warning") is report
    with pytest.raises(DataQualityError, match="near_constant"):
        report.raise_if_severe("info")
    with pytest.raises(ValueError, match="severity must be"):
        report.raise_if_severe("fatal")


def test_plot_axes(messy_report):
    from matplotlib.figure import Figure

    fig = messy_report.plot()
    assert isinstance(fig, Figure)
    axes = fig.get_axes()
    assert len(axes) == 4
    titles = [ax.get_title() for ax in axes]
    assert titles[0].startswith("Missing")
    assert titles[1].startswith("Scale") and "threshold" in titles[1]
    assert titles[2].startswith("Beyond the outlier fences")
    # Decades on a linear axis (matplotlib's log axis overflows near 1e308).
    formatter = axes[1].xaxis.get_major_formatter()
    assert formatter(-3, 0) == "1e-3" and formatter(300, 0) == "1e300"
    numeric = messy_report.features["numeric"].sum()
    assert len(axes[0].get_yticklabels()) == numeric
    assert "<b>odd</b>" in [t.get_text() for t in axes[0].get_yticklabels()]
    # Every finding with a count has its bar, its count written beside it.
    counted = [f for f in messy_report.findings if f.n_cells or f.n_rows]
    assert titles[3].startswith("Findings with a count")
    labels = [t.get_text() for t in axes[3].get_yticklabels()]
    assert [label.split(" ")[0] for label in labels] == [f.kind for f in counted]
    assert [t.get_text() for t in axes[3].texts] == [f.affected for f in counted]


def test_plot_caps_features_flagged_first(rng):
    X = rng.normal(size=(300, 50))
    X[:, 42] = np.nan
    fig = diagnose(X).plot(max_features=10)
    labels = [t.get_text() for t in fig.get_axes()[0].get_yticklabels()]
    assert len(labels) == 10 and "x42" in labels
    assert "showing 10 of 50" in fig._suptitle.get_text()


@pytest.mark.parametrize(
    "X", [pd.DataFrame({"t": ["a", "b", "c"]}), np.empty((0, 2))], ids=["text", "empty"]
)
def test_plot_without_numeric_features(X):
    report = diagnose(X)
    axes = report.plot().get_axes()
    assert len(axes) == 3
    assert len(axes[0].get_yticklabels()) == report.features["numeric"].sum()


def test_plot_without_matplotlib(monkeypatch, messy_report):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"sktorchsafe\[plot\]"):
        messy_report.plot()


def test_report_is_exported():
    import sktorchsafe

    assert sktorchsafe.diagnose is diagnose_module_function
    assert isinstance(diagnose(np.eye(3)), DiagnosisReport)
    assert {"diagnose", "DiagnosisReport"} <= set(sktorchsafe.__all__)


# ------------------------------------------------------------- properties


@st.composite
def damaged_frames(draw):
    n = draw(st.integers(1, 40))
    p = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    for j in range(p):
        damage = draw(
            st.sampled_from(["none", "nan", "inf", "huge", "tiny", "const", "allnan"])
        )
        col = X[:, j]
        if damage == "nan":
            col[rng.random(n) < 0.3] = np.nan
        elif damage == "inf":
            col[rng.integers(n)] = draw(st.sampled_from([np.inf, -np.inf]))
        elif damage == "huge":
            col *= 1e300
        elif damage == "tiny":
            col *= 1e-300
        elif damage == "const":
            col[:] = draw(st.floats(-1e300, 1e300))
        elif damage == "allnan":
            col[:] = np.nan
    return X


@given(X=damaged_frames(), target=st.sampled_from(["none", "regression", "labels"]))
def test_property_findings_match_the_data(X, target):
    n = X.shape[0]
    y = None
    if target == "regression":
        y = np.linspace(0.0, 1.0, n)
    elif target == "labels":
        y = np.array(["a", "b"] * n)[:n]
    report = diagnose(X, y)
    found = kinds(report)
    assert ("nan" in found) == bool(np.isnan(X).any())
    assert ("infinite" in found) == bool(np.isinf(X).any())
    if np.isnan(X).any() or np.isinf(X).any():
        assert not report.ok
    if not report.ok:
        with pytest.raises(DataQualityError):
            report.raise_if_severe()
    for f in report.findings:
        assert f.severity in ("error", "warning", "info")
        assert f.message and f.fix
        assert set(f.columns) <= set(report.features.index) | {"y"}
    assert str(report) and report._repr_html_()
    assert len(report.to_frame()) == len(report.findings)


def test_placeholders_stored_as_numbers(rng):
    # 98% zeros with five -999 placeholders: no spread, so no outlier fence
    # sees them, but they are not measurements.
    zeros = np.zeros(250)
    zeros[:5] = -999
    counts = rng.integers(0, 5, 250).astype(float)
    counts[[7, 9]] = 9999
    scores = np.clip(rng.normal(size=250), -1, 1)  # -1 is a real value here
    X = pd.DataFrame({"zeros": zeros, "counts": counts, "score": scores})
    f = finding(diagnose(X), "sentinel")
    assert f.columns == ("zeros", "counts") and f.n_cells == 7
    assert "'zeros' (-999 x5)" in f.message and "'counts' (9999 x2)" in f.message
    assert f.step == "impute"
    assert "sentinel" not in kinds(diagnose(X[["score"]]))


def test_the_html_page_embeds_the_figure_and_notes_columns_left_out(clean):
    pytest.importorskip("matplotlib")
    X = clean.assign(city=["a", "b"] * (N // 2))
    X.iloc[:3, 0] = np.inf
    report = diagnose(X)
    page = report.to_html()
    assert page.count("data:image/png;base64,") == 1
    figure = report.plot()
    notes = [text.get_text() for text in figure.texts]
    assert any("Not drawn: 1 non-numeric column ('city')" in t for t in notes)
    labels = [t.get_text() for t in figure.axes[0].texts]
    assert any("3 ±inf" in label for label in labels)


@pytest.mark.parametrize(
    "loader, task",
    [
        ("load_iris", "multiclass"),
        ("load_wine", "multiclass"),
        ("load_breast_cancer", "binary"),
        ("load_digits", "multiclass"),
        ("load_diabetes", "regression"),
        ("load_linnerud", "regression"),
    ],
)
def test_the_task_of_every_bundled_dataset(loader, task):
    from sklearn import datasets

    X, y = getattr(datasets, loader)(return_X_y=True)
    report = diagnose(X, y)
    assert report.task == task and report.task_reason
    # As shipped these tables are clean: no finding says training breaks
    # but the scale disparity a plain net meets (breast cancer).
    assert {f.kind for f in report.findings if f.severity == "error"} <= {
        "scale_disparity"
    }


def test_the_penguins_targets():
    from sktorchsafe.datasets import load_penguins

    frame = load_penguins(numeric_only=False).frame
    X = frame.drop(columns=["body_mass_g", "species"])
    assert diagnose(X, frame["body_mass_g"]).task == "regression"
    assert diagnose(X, frame["species"]).task == "multiclass"


def test_table_problems_are_found(rng):
    n = 300
    amount = rng.lognormal(size=n)
    X = pd.DataFrame(
        {
            "amount": amount,
            "copy_of_amount": amount,
            "visits": np.where(rng.random(n) < 0.8, 0, rng.integers(1, 9, n)),
            "when": pd.date_range("2020-01-01", periods=n, freq="D").astype(str),
            "id": [f"u{i:05d}" for i in range(n)],
            "city": rng.choice([f"c{i}" for i in range(60)], n),
        }
    )
    X.iloc[5] = X.iloc[4]
    y = 3 * amount + 1
    found = kinds(diagnose(X, y))
    assert {"duplicate_rows", "duplicate_columns", "zero_inflated", "skewed"} <= found
    assert {"leakage", "text_dates", "high_cardinality"} <= found
    assert "id_like" in kinds(diagnose(X.iloc[10:][["id", "amount"]]))
    assert finding(diagnose(X, y), "duplicate_rows").n_rows == 1
    assert finding(diagnose(X, y), "leakage").columns == ("amount", "copy_of_amount")
    assert "row_index" not in found


@pytest.mark.parametrize("start", [0, 1])
def test_a_saved_row_index_is_found(rng, start):
    # R's write.csv or to_csv with the index, read back by pandas.read_csv.
    n = 50
    X = pd.DataFrame(
        {"Unnamed: 0": np.arange(start, start + n), "x": rng.normal(size=n)}
    )
    row_index = finding(diagnose(X), "row_index")
    assert row_index.columns == ("Unnamed: 0",) and row_index.severity == "warning"
    assert f"({start} to {start + n - 1})" in row_index.message
    assert "index_col=0" in row_index.fix
    # Not a row index: years in order, a shuffled index, a short table.
    years = X.assign(**{"Unnamed: 0": np.arange(1937, 1937 + n)})
    shuffled = X.assign(**{"Unnamed: 0": rng.permutation(n) + start})
    for table in (years, shuffled, X.head(ROW_INDEX_MIN_ROWS - 1)):
        assert "row_index" not in kinds(diagnose(table))


def test_json_and_markdown(clean, rng):
    import json

    X = clean.copy()
    X.iloc[:4, 0] = np.nan
    report = diagnose(X, rng.normal(size=N))
    data = json.loads(report.to_json())
    assert data["ok"] == report.ok and data["task"] == "regression"
    assert [f["kind"] for f in data["findings"]] == [f.kind for f in report.findings]
    assert set(data["features"]) == set(report.features.index)
    markdown = report.to_markdown()
    assert markdown.count("\n| ") == len(report.findings) + 1  # header + rows
    assert "`nan`" in markdown


def test_a_datetime_column_is_not_called_text():
    X = pd.DataFrame(
        {
            "when": pd.date_range("2020-01-01", periods=50, freq="D"),
            "text": pd.date_range("2020-01-01", periods=50, freq="D").astype(str),
            "x": np.arange(50.0),
        }
    )
    report = diagnose(X)
    assert finding(report, "dates").columns == ("when",)
    assert finding(report, "text_dates").columns == ("text",)
    assert "Nothing to do" in finding(report, "dates").fix
