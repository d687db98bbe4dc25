"""Every step, ``diagnose`` and the command line over real-world-shaped messy data.

Real datasets (the embedded penguins, scikit-learn's bundled sets) damaged the
way real data is, pandas' many column types, odd memory layouts and extreme
shapes and values.  Each step either returns what it promises (same rows and
columns, finite output where promised, the caller's data untouched, no
warning from numpy) or raises one of our errors; ``diagnose`` always reports.
"""

import io
import subprocess
import sys
import tempfile
import warnings
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import datasets
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline

from sktorchsafe import (
    ImputerSelector,
    OutlierClipper,
    SafeStandardScaler,
    ScaleDisparityChecker,
    TargetValidator,
    diagnose,
    stream_fit,
)
from sktorchsafe.datasets import load_penguins
from sktorchsafe.exceptions import (
    DataQualityWarning,
    InputTypeError,
    NonFiniteInputError,
    SktorchsafeError,
    SktorchsafeWarning,
    TargetError,
)
from sktorchsafe.face.cli import main

FLOAT_MAX = np.finfo(np.float64).max

# --------------------------------------------------------------------- steps
STEPS = {
    **{
        f"impute-{strategy}": ImputerSelector(strategy=strategy, random_state=0)
        for strategy in ("mean", "median", "most_frequent", "constant", "knn")
    },
    "impute-iterative": ImputerSelector(strategy="iterative", random_state=0),
    "impute-auto": ImputerSelector(strategy="auto", random_state=0),
    "impute-indicator": ImputerSelector(add_indicator=True),
    **{
        f"clip-{m}": OutlierClipper(method=m)
        for m in ("iqr", "quantile", "zscore", "mad")
    },
    "check": ScaleDisparityChecker(),
    "scale": SafeStandardScaler(),
    "scale-float32": SafeStandardScaler(dtype=np.float32),
    "target": TargetValidator(),
}
#: Steps that need the finite X they are given (±inf raises).
NEEDS_NO_INF = {"scale", "scale-float32"}
#: Steps that pass any X through (strings and dates too).
PASS_ANY = {"target"}
#: Steps that fill text and category columns as SimpleImputer does.
TAKES_TEXT = {"impute-most_frequent", "impute-constant"}
#: The model-based strategies, slow on the widest inputs.
SLOW = {"impute-iterative", "impute-auto"}


# -------------------------------------------------------------------- inputs
def _rng(seed=0):
    return np.random.default_rng(seed)


def _damaged(frame, seed=0):
    """A real dataset as it arrives: a NaN block, ±inf, a sentinel, a unit
    error and a duplicated column under another name."""
    rng = _rng(seed)
    frame = frame.copy()
    n = len(frame)
    frame.iloc[n // 10 : n // 4, 0] = np.nan
    frame.iloc[rng.integers(0, n, 8), 1] = np.inf
    frame.iloc[rng.integers(0, n, 3), 1] = -np.inf
    frame.iloc[rng.integers(0, n, 10), 2] = -999.0
    frame.iloc[:, 3] = frame.iloc[:, 3] * 1e12
    frame[f"{frame.columns[0]}_copy"] = frame.iloc[:, 0]
    return frame


def _column(values, *, allnan=False, allinf=False, const=None, single=False):
    values = values.copy()
    if allnan:
        values[:] = np.nan
    if allinf:
        values[:] = np.inf
        values[::3] = -np.inf
    if const is not None:
        values[:] = const
    if single:
        values[:] = np.nan
        values[3] = 5.0
    return values


def _with_column(n=40, seed=0, **kind):
    X = _rng(seed).normal(size=(n, 4))
    X[:, 1] = _column(X[:, 1], **kind)
    return X


def _memmap():
    """A read-only numpy memmap (of an anonymous temporary file)."""
    handle = tempfile.TemporaryFile()
    data = np.memmap(handle, dtype=np.float64, mode="w+", shape=(30, 3))
    data[:] = _rng().normal(size=(30, 3))
    data.flush()
    return np.memmap(handle, dtype=np.float64, mode="r", shape=(30, 3))


def _read_only():
    X = _rng().normal(size=(30, 3))
    X.flags.writeable = False
    return X


def _bundled(loader):
    return loader(as_frame=True).data


def _extreme(kind):
    X = _rng().normal(size=(30, 3))
    if kind == "huge":
        X[:, 0] *= 1e300
    elif kind == "float max":
        X[:, 0] = np.where(X[:, 0] > 0, FLOAT_MAX, -FLOAT_MAX)
    elif kind == "subnormal":
        X[:, 1] *= 1e-310
    elif kind == "mixed extremes":
        X[:, 0] *= 1e300
        X[:, 1] *= 1e-310
        X[::4, 2] = np.nan
        X[::5, 2] = np.inf
    elif kind == "sentinels":
        X[:5, 0] = -999.0
        X[:5, 1] = 99999.0
    return X


N = 30
BASE = _rng(1).normal(size=N)

#: name -> zero-argument builder of X.  What is expected of each step is in
#: ``EXPECTED`` (success unless said otherwise).
CASES = {
    # real data
    "diabetes": lambda: _bundled(datasets.load_diabetes),
    "iris": lambda: _bundled(datasets.load_iris),
    "wine": lambda: _bundled(datasets.load_wine),
    "breast cancer": lambda: _bundled(datasets.load_breast_cancer),
    "digits (constant pixels)": lambda: _bundled(datasets.load_digits).iloc[:300],
    "diabetes damaged": lambda: _damaged(_bundled(datasets.load_diabetes)),
    "iris damaged": lambda: _damaged(_bundled(datasets.load_iris), seed=1),
    "wine damaged": lambda: _damaged(_bundled(datasets.load_wine), seed=2),
    "breast cancer damaged": lambda: _damaged(
        _bundled(datasets.load_breast_cancer), seed=3
    ),
    "penguins numeric": lambda: load_penguins(target=None).data,
    "penguins raw": lambda: load_penguins(target=None, numeric_only=False).data,
    # pandas column types
    "nullable Int64 Float64 boolean": lambda: pd.DataFrame(
        {
            "i": pd.array([*range(N - 3), None, None, None], dtype="Int64"),
            "f": pd.array([*BASE[:-2], None, None], dtype="Float64"),
            "b": pd.array([True, False, None] * (N // 3), dtype="boolean"),
        }
    ),
    "bool int8 uint64": lambda: pd.DataFrame(
        {
            "flag": np.arange(N) % 2 == 0,
            "small": (np.arange(N) % 100 - 50).astype(np.int8),
            "big": np.array([2**64 - 1, 0, 7] * (N // 3), dtype=np.uint64),
        }
    ),
    "integer column names": lambda: pd.DataFrame(
        _rng().normal(size=(N, 3)), columns=[10, 20, 30]
    ),
    "non-default index": lambda: pd.DataFrame(
        _rng().normal(size=(N, 2)), index=np.arange(N) * 7 + 100, columns=["a", "b"]
    ),
    "MultiIndex rows": lambda: pd.DataFrame(
        _rng().normal(size=(N, 2)),
        index=pd.MultiIndex.from_product([range(N // 3), list("xyz")]),
        columns=["a", "b"],
    ),
    "MultiIndex columns": lambda: pd.DataFrame(
        _rng().normal(size=(N, 2)),
        columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")]),
    ),
    "duplicate column names": lambda: pd.DataFrame(
        _rng().normal(size=(N, 3)), columns=["a", "a", "b"]
    ),
    "mixed-type column names": lambda: pd.DataFrame(
        _rng().normal(size=(N, 3)), columns=["a", 1, 2.5]
    ),
    "categorical": lambda: pd.DataFrame(
        {"c": pd.Categorical(["u", "v"] * (N // 2)), "x": BASE}
    ),
    "datetime": lambda: pd.DataFrame(
        {"d": pd.date_range("2020-01-01", periods=N), "x": BASE}
    ),
    "object numbers with None": lambda: pd.DataFrame(
        {
            "o": pd.Series([*BASE[:-2], None, pd.NA], dtype=object),
            "d": pd.Series([Decimal(i) for i in range(N)], dtype=object),
            "x": BASE,
        }
    ),
    "empty text columns": lambda: pd.DataFrame(
        {
            "x": BASE,
            "none": pd.Series([None] * N, dtype=object),
            "blank": pd.Series([None] * N, dtype="str"),
        }
    ),
    "numbers as text": lambda: pd.DataFrame(
        {"s": [f"{v:.3f}" for v in BASE[:-1]] + ["?"], "x": BASE}
    ),
    "complex": lambda: (BASE + 1j).reshape(-1, 1),
    # memory layouts and dtypes
    "read-only": _read_only,
    "memmap": _memmap,
    "Fortran order": lambda: np.asfortranarray(_rng().normal(size=(N, 3))),
    "non-contiguous slice": lambda: _rng().normal(size=(2 * N, 6))[::2, ::2],
    "float16": lambda: _rng().normal(size=(N, 3)).astype(np.float16),
    "float16 near its max": lambda: np.array(
        [[6e4, 1e-7], [-6e4, 2e-7], [5e4, 3e-7]] * 10, dtype=np.float16
    ),
    "float32 near its max": lambda: np.array(
        [[3e38, 1e-40], [-3e38, 2e-40], [2e38, 3e-40]] * 10, dtype=np.float32
    ),
    "integers": lambda: _rng().integers(0, 10, size=(N, 3)),
    "nested lists": lambda: _rng().normal(size=(N, 3)).tolist(),
    # shapes
    "1 row": lambda: _rng().normal(size=(1, 3)),
    "2 rows": lambda: _rng().normal(size=(2, 3)),
    "1 column": lambda: _rng().normal(size=(N, 1)),
    "0 rows": lambda: np.empty((0, 3)),
    "0 rows frame": lambda: pd.DataFrame({"a": pd.Series([], dtype=float)}),
    "rows < columns": lambda: _rng().normal(size=(5, 20)),
    "1000 columns": lambda: _rng().normal(size=(40, 1000)),
    "all-NaN column": lambda: _with_column(allnan=True),
    "all-inf column": lambda: _with_column(allinf=True),
    "constant column": lambda: _with_column(const=7.0),
    "constant 0.1 column": lambda: _with_column(const=0.1),
    "single value column": lambda: _with_column(single=True),
    "all NaN": lambda: np.full((N, 3), np.nan),
    "constant 1e308": lambda: np.full((N, 2), 1e308),
    "huge": lambda: _extreme("huge"),
    "float max": lambda: _extreme("float max"),
    "subnormal": lambda: _extreme("subnormal"),
    "mixed extremes": lambda: _extreme("mixed extremes"),
    "sentinels": lambda: _extreme("sentinels"),
}

NOT_NUMERIC = (
    "penguins raw",
    "categorical",
    "datetime",
    "numbers as text",
    "complex",
    "duplicate column names",
    "mixed-type column names",
)
#: Text and category columns (no dates, no complex numbers).
TEXT_CASES = ("penguins raw", "categorical", "numbers as text")
HAS_INF = (
    "diabetes damaged",
    "iris damaged",
    "wine damaged",
    "breast cancer damaged",
    "all-inf column",
    "mixed extremes",
)


def _expected(case, step):
    """The error ``step`` must raise on ``case``, or None for success."""
    if case in ("0 rows", "0 rows frame"):
        return ValueError
    if case in NOT_NUMERIC:
        if step in PASS_ANY and case not in (
            "duplicate column names",
            "mixed-type column names",
            "complex",
        ):
            return None
        if step in TAKES_TEXT and case in TEXT_CASES:
            return None
        return InputTypeError
    if case in HAS_INF and step in NEEDS_NO_INF:
        return NonFiniteInputError
    return None


def _snapshot(X):
    if isinstance(X, pd.DataFrame):
        return X.copy(deep=True)
    return np.array(X, copy=True)


def _unchanged(X, before):
    if isinstance(X, pd.DataFrame):
        pd.testing.assert_frame_equal(X, before)
    else:
        np.testing.assert_array_equal(np.asarray(X), before)


def _as_float(X):
    """float64 values of X, missing values (None, pandas.NA) as NaN."""
    if isinstance(X, pd.DataFrame):
        columns = [pd.to_numeric(X.iloc[:, j]) for j in range(X.shape[1])]
        return np.column_stack(
            [c.to_numpy(dtype=np.float64, na_value=np.nan) for c in columns]
        )
    return np.asarray(X, dtype=np.float64)


def _is_numeric(X):
    if isinstance(X, pd.DataFrame):
        return all(pd.api.types.is_numeric_dtype(t) for t in X.dtypes)
    return np.asarray(X).dtype.kind in "biuf"


def _n_columns(X):
    return len(X[0]) if isinstance(X, list) else X.shape[1]


def _target_for(X):
    n = len(X)
    return _rng(5).normal(size=n)


def _fit_transform(step, X, y, allowed=()):
    """fit then transform, numpy's warnings as errors, ours recorded.

    No warning but ours (and those ``allowed``) may come out.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("error", RuntimeWarning)
        for category in allowed:
            warnings.simplefilter("ignore", category)
        Xt = step.fit(X, y).transform(X)
    foreign = [w for w in caught if not issubclass(w.category, SktorchsafeWarning)]
    assert not foreign, [f"{w.category.__name__}: {w.message}" for w in foreign]
    return Xt


def _check_output(name, step, X, Xt):
    n_rows = len(X)
    assert Xt.shape[0] == n_rows
    wide = 2 if getattr(step, "add_indicator", False) else 1
    assert Xt.shape[1] == wide * _n_columns(X)
    assert len(step.get_feature_names_out()) == Xt.shape[1]
    if name in PASS_ANY or name == "check":
        return
    if name in TAKES_TEXT and not _is_numeric(X):
        assert not np.asarray(pd.isna(Xt)).any(), "imputed output holds missing"
        return
    values = _as_float(Xt)
    X_in = _as_float(X)
    if name.startswith("impute"):
        assert np.isfinite(values).all(), "imputed output holds NaN or ±inf"
    elif name.startswith("clip"):
        # NaN stays NaN, everything else (±inf included) becomes finite; a
        # feature without any finite value has no bounds (and a warning).
        bounded = np.isfinite(X_in).any(axis=0)
        np.testing.assert_array_equal(
            np.isnan(values[:, bounded]), np.isnan(X_in[:, bounded])
        )
        assert np.isfinite(values[:, bounded][~np.isnan(X_in[:, bounded])]).all()
    else:  # the scaler: finite in, finite out
        assert np.isfinite(values[np.isfinite(X_in)]).all()


@pytest.mark.parametrize("name", list(STEPS))
@pytest.mark.parametrize("case", list(CASES))
def test_every_step_on_messy_input(case, name):
    if case == "1000 columns" and name in SLOW:
        pytest.skip("covered by test_model_strategies_on_wide_data")
    X = CASES[case]()
    before = _snapshot(X)
    step = clone(STEPS[name])
    y = _target_for(X)
    expected = _expected(case, name)
    if expected is not None:
        with pytest.raises(expected) as info:
            _fit_transform(step, X, y)
        if expected is ValueError:  # scikit-learn's own, clear message
            assert "0 sample" in str(info.value)
        else:
            assert str(info.value).startswith(type(step).__name__)
    else:
        Xt = _fit_transform(step, X, y)
        _check_output(name, step, X, Xt)
    _unchanged(X, before)


@pytest.mark.parametrize("name", [n for n in STEPS if "copy" in STEPS[n].get_params()])
def test_copy_false_on_read_only_data_from_pandas(name):
    # Under copy-on-write, a frame's values are a read-only view: steps asked
    # not to copy must leave them alone rather than fail writing to them.
    frame = pd.DataFrame(_with_column(const=2.0))
    frame.iloc[::5, 0] = np.nan
    X = frame.to_numpy()
    if X.flags.writeable:  # pandas before 3, without copy-on-write
        X.setflags(write=False)
    before = X.copy()
    step = clone(STEPS[name]).set_params(copy=False)
    Xt = _fit_transform(step, X, None)
    _check_output(name, step, X, Xt)
    np.testing.assert_array_equal(X, before)


FLOAT32_STEPS = [n for n in STEPS if n not in PASS_ANY and n != "check"]


@pytest.mark.parametrize("name", FLOAT32_STEPS)
def test_float32_stays_float32(name):
    X = _with_column(allnan=True).astype(np.float32)
    X[::7, 0] = np.nan
    Xt = _fit_transform(clone(STEPS[name]), X, None)
    assert Xt.dtype == np.float32


FRAME_CASES = [
    "penguins numeric",
    "diabetes damaged",
    "nullable Int64 Float64 boolean",
    "integer column names",
    "non-default index",
    "MultiIndex rows",
    "MultiIndex columns",
    "object numbers with None",
]


@pytest.mark.parametrize("name", list(STEPS))
@pytest.mark.parametrize("case", FRAME_CASES)
def test_pandas_output_keeps_index_and_caller_frame(case, name):
    X = CASES[case]()
    if case in HAS_INF and name in NEEDS_NO_INF:
        X = X.replace([np.inf, -np.inf], np.nan)
    columns, before = list(X.columns), _snapshot(X)
    step = clone(STEPS[name]).set_output(transform="pandas")
    Xt = _fit_transform(step, X, _target_for(X))
    assert isinstance(Xt, pd.DataFrame)
    assert Xt.index.equals(X.index)
    assert list(Xt.columns) == list(step.get_feature_names_out())
    # set_output relabels the frame it is handed: never the caller's own.
    assert list(X.columns) == columns
    _unchanged(X, before)


@pytest.mark.parametrize("strategy", ["iterative", "auto"])
def test_model_strategies_on_wide_data(strategy):
    """Wide data costs time and memory in proportion to its width (each
    feature is regressed on at most 50 others), not to its square."""
    rng = _rng(3)
    X = rng.normal(size=(25, 120))
    X[rng.random(X.shape) < 0.05] = np.nan
    imputer = ImputerSelector(
        strategy=strategy, candidates=["median", "iterative"], random_state=0
    )
    imputer.iterative_max_iter = 2  # fast; the rounds do not converge
    Xt = _fit_transform(imputer, X, None, allowed=[ConvergenceWarning])
    assert Xt.shape == X.shape and np.isfinite(Xt).all()
    models = list(imputer._models.values())
    assert all(m.model.n_nearest_features == 50 for m in models)


# ----------------------------------------------------------- property test
_KINDS = ("normal", "nan", "inf", "allnan", "const", "huge", "tiny", "sentinel")


def _messy_column(kind, n, rng):
    x = rng.normal(size=n)
    if kind == "nan":
        x[rng.random(n) < 0.3] = np.nan
    elif kind == "inf":
        x[rng.random(n) < 0.2] = np.inf
        x[rng.random(n) < 0.1] = -np.inf
    elif kind == "allnan":
        x[:] = np.nan
    elif kind == "const":
        x[:] = 3.0
    elif kind == "huge":
        x *= 1e300
    elif kind == "tiny":
        x *= 1e-310
    elif kind == "sentinel":
        x[rng.random(n) < 0.2] = -999.0
    return x


FAST_STEPS = [n for n in STEPS if n not in SLOW | {"impute-knn"}]


@settings(max_examples=25, deadline=None)
@given(
    kinds=st.lists(st.sampled_from(_KINDS), min_size=1, max_size=5),
    n=st.integers(1, 40),
    seed=st.integers(0, 2**16),
    frame=st.booleans(),
)
def test_random_messy_columns_give_our_error_or_finite_output(kinds, n, seed, frame):
    rng = np.random.default_rng(seed)
    X = np.column_stack([_messy_column(kind, n, rng) for kind in kinds])
    if frame:
        X = pd.DataFrame(X, columns=[f"c{j}" for j in range(len(kinds))])
    before = _snapshot(X)
    for name in FAST_STEPS:
        step = clone(STEPS[name])
        try:
            Xt = _fit_transform(step, X, rng.normal(size=n))
        except SktorchsafeError:
            assert name in NEEDS_NO_INF or name == "target"
            continue
        _check_output(name, step, X, Xt)
    _unchanged(X, before)


# ------------------------------------------------------------------ diagnose
@pytest.mark.parametrize("case", list(CASES))
def test_diagnose_reports_on_every_input(case):
    X = CASES[case]()
    before = _snapshot(X)
    if case == "duplicate column names":
        with pytest.raises(InputTypeError, match="duplicate column names: 'a'"):
            diagnose(X)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = diagnose(X, _target_for(X))
        str(report)
        report._repr_html_()
        table = report.to_frame()
    assert report.n_samples == len(X)
    assert {"kind", "severity"} <= set(table.columns)
    if case in ("0 rows", "0 rows frame"):
        assert "empty" in table["kind"].tolist()
    if case in HAS_INF:
        assert "infinite" in table["kind"].tolist()
    _unchanged(X, before)


@pytest.mark.parametrize(
    "case", ["huge", "float max", "subnormal", "mixed extremes", "all NaN", "1 row"]
)
def test_diagnosis_plot_on_extreme_scales(case):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure = diagnose(CASES[case]()).plot()
        figure.savefig(io.BytesIO(), format="png")


@pytest.mark.parametrize(
    "y",
    [
        np.full(N, np.nan),
        pd.Series(pd.array([None] * N, dtype="Float64")),
        pd.Series([None] * N, dtype=object),
    ],
    ids=["NaN", "Float64 NA", "None"],
)
def test_diagnose_a_target_without_any_value(y):
    report = diagnose(_rng().normal(size=(N, 2)), y)
    finding = report.findings[-1]
    assert finding.kind == "target_nonfinite"
    assert "every row" in finding.message and report.task is None


def test_diagnose_a_target_of_numbers_stored_as_text():
    y = pd.Series([f"{v:.1f}" for v in range(100, 100 + N - 1)] + ["?"], name="price")
    report = diagnose(_rng().normal(size=(N, 2)), y, task="regression")
    kinds = [f.kind for f in report.findings]
    assert kinds[:2] == ["target_text", "target_nonfinite"]
    assert "'?' x1" in report.findings[0].message
    assert report.findings[0].columns == ("price",) and report.task == "regression"


def test_diagnose_reads_pyarrow_booleans_as_numbers():
    pytest.importorskip("pyarrow")
    X = pd.DataFrame(
        {
            "b": pd.array([True, None, False, True] * 5, dtype="bool[pyarrow]"),
            "f": pd.array([1.5, 2.0, None, 4.0] * 5, dtype="float64[pyarrow]"),
        }
    )
    report = diagnose(X)
    assert "non_numeric" not in [f.kind for f in report.findings]
    assert report.features.loc["b", "n_nan"] == 5


def test_diagnose_counts_an_empty_object_column_as_missing_not_text():
    X = pd.DataFrame({"a": BASE, "empty": pd.Series([None] * N, dtype=object)})
    kinds = {f.kind: f.columns for f in diagnose(X).findings}
    assert "non_numeric" not in kinds and kinds["all_missing"] == ("empty",)


# ------------------------------------------------------------ the CLI
def _cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    stderr, sys.stderr = sys.stderr, err
    try:
        status = main([str(a) for a in argv], out=out)
    finally:
        sys.stderr = stderr
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def diabetes_frame():
    frame = datasets.load_diabetes(as_frame=True).frame.iloc[:120].copy()
    frame["target"] = frame["target"].astype(float)
    return frame


def _placeholders(frame):
    frame = frame.astype(object)
    frame.iloc[3, 0] = "?"
    frame.iloc[5, 1] = "NA"
    frame.iloc[7, 2] = ""
    frame.iloc[[9, 11], -1] = np.nan
    return frame


def test_cli_csv_with_placeholders_and_target_nan(tmp_path, diabetes_frame):
    path = tmp_path / "messy.csv"
    _placeholders(diabetes_frame).to_csv(path, index=False)
    status, out, err = _cli(
        "diagnose", path, "--target", "target", "--task", "regression"
    )
    assert status == 1 and err == ""
    for kind in ("mixed_types", "nan", "target_nonfinite"):
        assert kind in out
    assert "'?' x1" in out and "9, 11" in out


def test_cli_detects_semicolons_and_decimal_commas(tmp_path, diabetes_frame):
    plain = tmp_path / "plain.csv"
    diabetes_frame.to_csv(plain, index=False)
    semicolons = tmp_path / "semicolons.csv"
    diabetes_frame.to_csv(semicolons, index=False, sep=";", decimal=",")
    reports = [
        _cli("diagnose", path, "--target", "target", "--task", "regression")
        for path in (plain, semicolons)
    ]
    assert reports[0] == reports[1]
    assert "non_numeric" not in reports[1][1] and "rows x 10 features" in reports[1][1]


def test_cli_reads_windows_encoded_files_and_spaced_headers(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(" café , b ,target\n1,2,0\n4,5,1\n7,8,0\n".encode("cp1252"))
    status, out, err = _cli("diagnose", path, "--target", "target", "--drop", "b")
    assert status == 0 and err == "", err
    assert "3 rows x 1 feature" in out


def test_cli_unknown_target_empty_and_header_only_files(tmp_path):
    csv = tmp_path / "data.csv"
    csv.write_text("price,size\n1,2\n3,4\n")
    status, _, err = _cli("diagnose", csv, "--target", "prise")
    assert status == 2 and "Did you mean 'price'" in err
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    status, _, err = _cli("diagnose", empty)
    assert status == 2 and "cannot be read" in err
    header = tmp_path / "header.csv"
    header.write_text("a,b,target\n")
    status, out, err = _cli("diagnose", header, "--target", "target")
    assert status == 1 and err == "" and "nothing to train on" in out
    missing = tmp_path / "no_target.csv"
    missing.write_text("a,target\n1,\n2,\n3,\n")
    status, out, _ = _cli("diagnose", missing, "--target", "target")
    assert status == 1 and "every row (3)" in out


def test_cli_parquet(tmp_path, diabetes_frame):
    pytest.importorskip("pyarrow")
    path = tmp_path / "data.parquet"
    frame = diabetes_frame.copy()
    frame.iloc[::10, -1] = np.nan
    frame.to_parquet(path)
    status, out, err = _cli("diagnose", path, "--target", "target")
    assert status == 1 and err == "" and "target_nonfinite" in out


def test_cli_module_entry_point_on_a_messy_file(tmp_path, diabetes_frame):
    path = tmp_path / "messy.csv"
    _placeholders(diabetes_frame).to_csv(path, index=False, sep=";")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sktorchsafe",
            "diagnose",
            str(path),
            "--target",
            "target",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr == "" and "target_nonfinite" in result.stdout


# ------------------------------------------------------------------ streams
def _pipeline():
    return make_pipeline(
        TargetValidator(),
        ImputerSelector(),
        OutlierClipper(),
        ScaleDisparityChecker(),
        SafeStandardScaler(),
    )


def test_stream_of_chunks_sorted_by_class():
    rng = _rng()
    X = rng.normal(size=(120, 3))
    X[:30, 1] = np.nan  # no value in the first chunk
    y = np.repeat([0, 1], 60)
    chunks = [(X[i : i + 30], y[i : i + 30]) for i in range(0, 120, 30)]
    chunks.insert(2, (X[:0], y[:0]))  # an empty chunk is skipped
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pipe = stream_fit(_pipeline(), chunks)
    assert not [w for w in caught if issubclass(w.category, DataQualityWarning)]
    np.testing.assert_array_equal(pipe[0].class_counts_, [60, 60])
    assert np.isfinite(pipe.transform(X)).all()


def test_stream_with_one_class_or_no_rows_fails_at_the_end():
    rng = _rng()
    X, y = rng.normal(size=(60, 2)), np.zeros(60)
    with pytest.raises(TargetError, match="only one class"):
        stream_fit(_pipeline(), [(X[:30], y[:30]), (X[30:], y[30:])])
    with pytest.raises(ValueError, match="hold no rows"):
        stream_fit(_pipeline(), [(X[:0], y[:0])])


def test_stream_warns_about_the_whole_stream_once():
    rng = _rng()
    X = rng.normal(size=(90, 2))
    X[:, 1] = np.nan  # no value in any chunk
    chunks = [X[i : i + 30] for i in range(0, 90, 30)]
    with pytest.warns(DataQualityWarning) as caught:
        stream_fit(make_pipeline(ImputerSelector(), SafeStandardScaler()), chunks)
    messages = [str(w.message) for w in caught]
    assert sum("no observed value" in m for m in messages) == 1


def test_stream_judges_scale_problems_on_the_whole_stream():
    rng = _rng()
    X = rng.normal(size=(90, 2))
    X[:30, 1] = 0.0  # constant in the first chunk only
    chunks = [X[i : i + 30] for i in range(0, 90, 30)]
    checker = ScaleDisparityChecker(on_problem="raise")
    stream_fit(make_pipeline(checker, SafeStandardScaler()), chunks)
    assert checker.on_problem == "raise" and not checker.report_.findings
    X[:, 1] = 0.0  # constant in every chunk: raised at the end
    with pytest.raises(SktorchsafeError, match="constant"):
        stream_fit(make_pipeline(checker, SafeStandardScaler()), chunks)
