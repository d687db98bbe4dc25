"""TableEncoder: a raw table in, finite numbers of a fixed width out."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from sktorchsafe import (
    ImputerSelector,
    SafeStandardScaler,
    TableEncoder,
    TargetValidator,
    make_safe_pipeline,
    stream_fit,
)
from sktorchsafe.core.frames import ColumnProfile, profile_column
from sktorchsafe.datasets import load_penguins
from sktorchsafe.exceptions import InputTypeError, SktorchsafeError, TargetError
from sktorchsafe.steps._encode_plan import frequent_categories

N = 60


def _fit_transform(X, y=None, **params):
    encoder = TableEncoder(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the encoder reports, it never warns
        out = encoder.fit(X, y).transform(X)
    return encoder, out


def _holes(values, rng, share=0.15, missing=None):
    """``values`` (a list) with a share of its cells set to ``missing``."""
    values = pd.Series(values, dtype=object)
    values[rng.random(len(values)) < share] = missing
    return values


# ------------------------------------------------------------ column kinds
def _column(kind, rng):
    """``(column, expected kind, expected output names, NaN allowed)``."""
    if kind == "text":
        col = _holes(rng.choice(["red", "green", "blue"], N), rng, missing=None)
        names = ["c=blue", "c=green", "c=red", "c=<missing>"]
        return col, "category", names, False
    if kind == "categorical":
        values = rng.choice(["lo", "mid", "hi"], N).astype(object)
        values[::7] = np.nan
        dtype = pd.CategoricalDtype(["lo", "mid", "hi"], ordered=True)
        col = pd.Series(values).astype(dtype)
        return col, "category", ["c=lo", "c=mid", "c=hi", "c=<missing>"], False
    if kind == "boolean":
        col = pd.Series(rng.random(N) < 0.5, dtype="boolean")
        col[::9] = pd.NA
        return col, "numbers", ["c"], True
    if kind == "nullable_int":
        col = pd.Series(rng.integers(0, 9, N), dtype="Int64")
        col[::5] = pd.NA
        return col, "numbers", ["c"], True
    if kind == "float32":
        col = pd.Series(rng.normal(size=N).astype(np.float32))
        col[::6] = np.nan
        return col, "numbers", ["c"], True
    if kind == "pyarrow_numbers":
        pytest.importorskip("pyarrow")
        col = pd.Series(rng.normal(size=N)).astype("float64[pyarrow]")
        col[::4] = None
        return col, "numbers", ["c"], True
    if kind == "datetime":
        col = pd.Series(
            pd.Timestamp("2021-03-01") + pd.to_timedelta(rng.integers(0, 900, N), "h")
        )
        col[::8] = pd.NaT
        names = ["c_year", "c_month", "c_day", "c_weekday", "c_hour", "c_epoch_days"]
        return col, "dates", names, True
    if kind == "date_text":
        days = pd.Timestamp("2020-01-01") + pd.to_timedelta(
            rng.integers(0, 400, N), "D"
        )
        col = pd.Series(days.strftime("%Y-%m-%d"), dtype=object)
        col[::10] = None
        col[5] = "?"
        names = ["c_year", "c_month", "c_day", "c_weekday", "c_epoch_days"]
        return col, "text_dates", names, True
    if kind == "numbers_as_text":
        col = pd.Series(
            [f"{v:,.2f}" for v in rng.normal(scale=5e3, size=N)], dtype=object
        )
        col[3], col[11], col[20] = "?", "n/a", pd.NA
        return col, "text_numbers", ["c"], True
    if kind == "constant":
        return pd.Series(["same"] * N, dtype=object), "category", ["c=same"], False
    if kind == "all_missing":
        col = pd.Series([None, np.nan, pd.NA] * (N // 3), dtype=object)
        return col, "all_missing", ["c"], True
    if kind == "id_like":
        return pd.Series([f"user-{i:04d}" for i in range(N)]), "id_like", [], False
    if kind == "high_cardinality":
        col = _holes([f"city{i}" for i in rng.integers(0, 50, N)], rng)
        return col, "high_cardinality", ["c"], False
    raise AssertionError(kind)


KINDS = [
    "text",
    "categorical",
    "boolean",
    "nullable_int",
    "float32",
    "pyarrow_numbers",
    "datetime",
    "date_text",
    "numbers_as_text",
    "constant",
    "all_missing",
    "id_like",
    "high_cardinality",
]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_gives_numbers_of_the_expected_width(kind, rng):
    column, expected, names, nan_allowed = _column(kind, rng)
    X = pd.DataFrame({"c": column, "x": rng.normal(size=N)})
    y = rng.normal(size=N)
    encoder, out = _fit_transform(X, y, min_frequency=3, cardinality_threshold=30)
    assert encoder.column_kinds_ == {"c": expected, "x": "numbers"}
    assert list(encoder.get_feature_names_out()) == names + ["x"]
    assert list(out.columns) == names + ["x"]
    assert out.shape == (N, len(names) + 1)
    values = out.to_numpy()
    assert values.dtype.kind == "f"
    assert not np.isinf(values).any()
    if not nan_allowed:
        assert np.isfinite(values).all()
    # NaN only where the input cell is missing (or a placeholder): the
    # imputer fills exactly those.
    if names and nan_allowed and expected != "all_missing":
        placeholder = column.astype(object).isin(["?", "n/a"]).to_numpy()
        missing = pd.isna(column).to_numpy() | placeholder
        assert_array_equal(np.isnan(values[:, 0]), missing)


def test_values_are_read_right():
    amounts = ["1,234.5", "7", "?", "-12,000", None] + ["3"] * 7
    times = ["2024-02-29 13:30", None, "2023-01-02 00:00"] + ["2023-01-03 08:00"] * 9
    X = pd.DataFrame(
        {
            "amount": amounts * 2,
            "when": pd.to_datetime(times * 2),
            "span": pd.to_timedelta([90, 30, None] + [1] * 9, "s").tolist() * 2,
            "flag": [True, False, None] * 8,
        }
    )
    encoder, out = _fit_transform(X, min_frequency=1)
    assert encoder.column_kinds_ == {
        "amount": "text_numbers",
        "when": "dates",
        "span": "durations",
        "flag": "numbers",
    }
    assert_allclose(out["amount"][:5], [1234.5, 7, np.nan, -12000, np.nan])
    row = out.iloc[0]
    assert (row["when_year"], row["when_month"], row["when_day"]) == (2024, 2, 29)
    assert (row["when_weekday"], row["when_hour"]) == (3, 13)  # a Thursday
    assert row["when_epoch_days"] == pytest.approx(19782 + 13.5 / 24)
    assert_allclose(out["span"][:3], [90, 30, np.nan])
    assert_allclose(out["flag"][:3], [1, 0, np.nan])
    assert "'?' x2" in encoder.report_["amount"].detail


def test_unseen_and_rare_categories_keep_the_width(rng):
    X = pd.DataFrame({"c": ["a"] * 30 + ["b"] * 25 + ["rare"] * 3 + [None] * 2})
    encoder, out = _fit_transform(X)  # min_frequency=5
    assert list(encoder.get_feature_names_out()) == ["c=a", "c=b"]
    new = pd.DataFrame({"c": ["a", "never seen", "rare", None, np.nan]})
    assert_array_equal(encoder.transform(new).to_numpy(), [[1, 0]] + [[0, 0]] * 4)
    report = encoder.report_["c"]
    assert "'rare'" in report.detail and "2 missing values" in report.detail
    assert "rare_categories" in [f.kind for f in encoder.findings_]
    codes = TableEncoder(categorical="codes").fit(X)
    assert_array_equal(codes.transform(new).to_numpy().ravel(), [2, 1, 1, 0, 0])
    assert_array_equal(codes.cardinalities_, [4])  # missing, other, a, b


def test_a_category_a_fold_never_sees_keeps_the_width_across_folds(rng):
    n = 100
    X = pd.DataFrame(
        {
            "c": rng.choice(["a", "b", "c"], n).astype(object),
            "x": rng.normal(size=n),
            "when": pd.Timestamp("2020-01-01") + pd.to_timedelta(np.arange(n), "D"),
        }
    )
    X.loc[n - 3 :, "c"] = "only in the last fold"
    X.loc[n - 2 :, "x"] = np.nan
    widths = set()
    for train, test in KFold(5).split(X):
        encoder = TableEncoder().fit(X.iloc[train])
        widths.add(encoder.transform(X.iloc[test]).shape[1])
        widths.add(len(encoder.get_feature_names_out()))
    assert widths == {3 + 1 + 5}


def test_all_missing_at_fit_keeps_a_column_of_nan():
    X = pd.DataFrame({"empty": [None] * 10, "x": np.arange(10.0)})
    encoder, out = _fit_transform(X)
    assert encoder.column_kinds_["empty"] == "all_missing"
    later = pd.DataFrame({"empty": ["now", "values"], "x": [1.0, 2.0]})
    assert np.isnan(encoder.transform(later)["empty"]).all()
    assert [f.kind for f in encoder.findings_] == ["all_missing"]


def test_identifiers_dropped_and_named(rng):
    X = pd.DataFrame({"id": [f"#{i}" for i in range(N)], "x": rng.normal(size=N)})
    encoder, out = _fit_transform(X)
    assert list(out.columns) == ["x"]
    (finding,) = encoder.findings_
    assert finding.kind == "id_like" and finding.columns == ("id",)
    assert "60 values" in finding.message and finding.severity == "info"


def test_high_cardinality_target_encoded_with_y_dropped_without(rng):
    n = 400
    city = rng.integers(0, 60, n)
    X = pd.DataFrame({"city": [f"c{i}" for i in city], "x": rng.normal(size=n)})
    y = city % 7 + rng.normal(scale=0.1, size=n)
    encoder = TableEncoder().fit(X, y)
    assert encoder.report_["city"].encoding == "target"
    crossfit = encoder.fit_transform(X, y)["city"].to_numpy()
    refit = encoder.transform(X)["city"].to_numpy()
    assert not np.allclose(crossfit, refit)  # a row never encodes its own target
    assert np.corrcoef(crossfit, y)[0, 1] > 0.9
    # Rows without a target are left out of the encoding, not an error.
    y_holes = y.copy()
    y_holes[::10] = np.nan
    assert np.isfinite(TableEncoder().fit_transform(X, y_holes)["city"]).all()
    dropped = TableEncoder().fit(X)
    assert list(dropped.get_feature_names_out()) == ["x"]
    assert "no y" in dropped.report_["city"].detail
    classes = np.array(["p", "q", "r"])[city % 3]
    multi = TableEncoder().fit(X, classes)
    assert list(multi.get_feature_names_out()) == ["city_p", "city_q", "city_r", "x"]
    # Classes of 4 rows (100 of them) cannot fill 5 stratified folds.
    small = np.array([f"k{i // 4}" for i in range(n)], dtype=object)
    few = TableEncoder().fit(X, small)
    assert list(few.get_feature_names_out()) == ["x"]
    assert "largest class of y has 4 rows" in few.report_["city"].detail
    with pytest.raises(TargetError, match="largest class of y has 4 rows"):
        TableEncoder(high_cardinality="target").fit(X, small)
    with pytest.raises(TargetError, match="high_cardinality='target'.*no y"):
        TableEncoder(high_cardinality="target").fit(X)
    with pytest.raises(TargetError, match="y has 10 rows and X 400 rows"):
        TableEncoder().fit(X, y[:10])


def test_codes_for_an_embedding(rng):
    X, y = load_penguins(numeric_only=False, return_X_y=True)
    encoder, out = _fit_transform(X, y, categorical="codes")
    codes = out.to_numpy()[:, encoder.code_columns_]
    assert_array_equal(encoder.code_columns_, [0, 1, 2, 3])
    # Every code indexes a row of an embedding of its column's cardinality.
    assert (codes == codes.round()).all() and (codes >= 0).all()
    assert (codes < encoder.cardinalities_).all()
    for j, name in enumerate(["species", "island", "sex", "clutch_completion"]):
        assert encoder.cardinalities_[j] == len(encoder.categories_[name]) + 2
    assert (codes[X["sex"].isna().to_numpy(), 2] == 0).all()  # missing: 0


def test_numbers_pass_through_untouched(rng):
    X = rng.normal(size=(30, 3))
    encoder = TableEncoder().fit(X)
    assert encoder.transform(X) is X
    X32 = X.astype(np.float32)
    assert TableEncoder().fit_transform(X32) is X32
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    assert TableEncoder().fit(frame).transform(frame) is frame
    # Numbers next to text keep float32 when every numeric column is float32.
    mixed = frame.astype(np.float32).assign(t=["u", "v", "w"] * 10)
    assert (TableEncoder().fit_transform(mixed).dtypes == np.float32).all()


def test_streaming_and_dask_learn_what_fit_learns(rng):
    X, y = load_penguins(numeric_only=False, return_X_y=True)
    X = X.assign(
        amount=[f"{v:,.0f}" if v > 20 else "?" for v in rng.normal(40, 9, len(X))]
    )
    fitted = TableEncoder().fit(X)
    streamed = TableEncoder()
    for start in range(0, len(X), 50):
        streamed.partial_fit(X.iloc[start : start + 50])
    for encoder in [streamed] + _dask_fits(X):
        assert encoder.column_kinds_ == fitted.column_kinds_
        assert_array_equal(
            encoder.get_feature_names_out(), fitted.get_feature_names_out()
        )
        assert_allclose(encoder.transform(X), fitted.transform(X))


def _dask_fits(X):
    try:
        import dask
        import dask.dataframe as dd
    except ImportError:  # pragma: no cover
        return []
    with dask.config.set(scheduler="synchronous"):
        encoder = TableEncoder().fit(dd.from_pandas(X, npartitions=4))
        lazy = encoder.transform(dd.from_pandas(X, npartitions=4))
        assert_allclose(lazy.compute(), TableEncoder().fit(X).transform(X))
        lazy = TableEncoder().fit_transform(dd.from_pandas(X, npartitions=4))
        assert_allclose(lazy.compute(), TableEncoder().fit(X).transform(X))
    return [encoder]


def test_mixed_chunk_dtypes_merge_as_text():
    first = profile_column(pd.Series([1.0, 2.0] * 10))  # read as float64
    second = profile_column(pd.Series(["3", "?"]))  # the chunk with a "?"
    merged = first.merge(second)
    assert merged.kind() == "text_numbers" and merged.placeholders == {"?": 1}
    assert ColumnProfile("unread", 5).merge(first).kind() == "numbers"


@pytest.mark.parametrize("min_frequency", [None, 1, 3, 0.1, 0.25])
@pytest.mark.parametrize("max_categories", [None, 1, 2, 4])
def test_kept_categories_follow_onehotencoder(min_frequency, max_categories, rng):
    values = rng.choice(
        list("abcdefg"), p=[0.3, 0.2, 0.2, 0.1, 0.1, 0.05, 0.05], size=40
    )
    profile = profile_column(pd.Series(values, dtype=object))
    kept, _ = frequent_categories(profile, 40, min_frequency, max_categories)
    # scikit-learn's own rule: its categories minus the infrequent ones. Its
    # max_categories counts the "infrequent" column; ours has none.
    skl_max = None if max_categories is None else max_categories + 1
    encoder = OneHotEncoder(min_frequency=min_frequency, max_categories=skl_max)
    encoder.fit(values.reshape(-1, 1))
    enabled = min_frequency is not None or skl_max is not None
    infrequent = encoder.infrequent_categories_[0] if enabled else None
    infrequent = set() if infrequent is None else set(infrequent)
    expected = [c for c in encoder.categories_[0] if c not in infrequent]
    if len(expected) == len(encoder.categories_[0]) and skl_max is not None:
        expected = expected[:max_categories]  # nothing was infrequent
    assert list(kept) == expected


# ------------------------------------------------------------------ errors
def test_bad_columns_get_a_clear_error():
    X = pd.DataFrame({"z": np.arange(6) * 1j, "x": np.arange(6.0)})
    with pytest.raises(InputTypeError, match="'z' holds complex numbers.*numpy.real"):
        TableEncoder().fit(X)
    X = pd.DataFrame({"tags": [["a"], ["b"], None, ["c"], {"d": 1}, ["e"]]})
    with pytest.raises(
        InputTypeError, match=r"'tags'.*5 rows.*rows 0, 1, 3, 4, 5.*json"
    ):
        TableEncoder().fit(X)
    with pytest.raises(InputTypeError, match="0 feature"):
        TableEncoder().fit(pd.DataFrame(index=range(3)))


def test_steps_after_it_point_at_it():
    X = pd.DataFrame({"city": ["a", "b"] * 5, "x": np.arange(10.0)})
    with pytest.raises(InputTypeError, match="'city'.*TableEncoder.*'encode' step"):
        SafeStandardScaler().fit(X)


def test_pickle_clone_and_set_output(rng):
    X, y = load_penguins(numeric_only=False, return_X_y=True)
    encoder = TableEncoder().set_output(transform="pandas").fit(X, y)
    loaded = pickle.loads(pickle.dumps(encoder))
    assert_allclose(loaded.transform(X), encoder.transform(X))
    assert not hasattr(clone(encoder), "report_")
    with pytest.warns(UserWarning, match="valid feature names"):
        assert isinstance(encoder.transform(X.to_numpy()), pd.DataFrame)
    # Only the statistics stay after a fit, never X itself.
    assert encoder._stream.data is None


# ------------------------------------------------------ random mixed tables
_KIND = st.sampled_from(
    [
        "float",
        "int",
        "text",
        "category",
        "bool",
        "date",
        "numtext",
        "empty",
        "id",
        "many",
    ]
)


def _random_values(kind, n, labels, rng):
    if kind == "float":
        return rng.normal(size=n)
    if kind == "int":
        return rng.integers(-3, 3, n)
    if kind == "text":
        return rng.choice(labels, n).astype(object)
    if kind == "category":
        return pd.Categorical(rng.choice(labels, n))
    if kind == "bool":
        return rng.random(n) < 0.5
    if kind == "date":
        return pd.Timestamp("2000-01-01") + pd.to_timedelta(
            rng.integers(0, 10**6, n), "min"
        )
    if kind == "numtext":
        numbers = rng.normal(size=n).round(2).astype(str)
        return np.where(rng.random(n) < 0.05, "?", numbers).astype(object)
    if kind == "empty":
        return np.full(n, None, dtype=object)
    if kind == "many":
        return rng.choice([f"v{i}" for i in range(12)], n).astype(object)
    return np.array([f"id{i}" for i in rng.permutation(n)], dtype=object)


@st.composite
def mixed_tables(draw):
    n = draw(st.integers(4, 40))
    seed = draw(st.integers(0, 2**16))
    kinds = draw(st.lists(_KIND, min_size=1, max_size=5))
    missing = draw(st.sampled_from([0.0, 0.1, 0.5, 0.95]))
    rng = np.random.default_rng(seed)
    columns = {}
    for j, kind in enumerate(kinds):
        labels = rng.permutation(["x", "y", "z", "w"])[: rng.integers(1, 5)]
        values = _random_values(kind, n, labels, rng)
        column = pd.Series(values)
        holes = rng.random(n) < missing
        if holes.any():
            column = column.astype(object) if kind in ("int", "bool") else column
            column[holes] = [None, np.nan, pd.NA][j % 3] if kind != "date" else pd.NaT
        columns[f"{kind}{j}"] = column
    return pd.DataFrame(columns)


@given(table=mixed_tables(), shuffle=st.integers(0, 2**16), with_y=st.booleans())
def test_random_tables_never_crash_and_keep_rows_and_width(table, shuffle, with_y):
    rng = np.random.default_rng(shuffle)
    rows = rng.permutation(len(table))
    half = max(2, len(table) // 2)
    fit_rows, other_rows = table.iloc[rows[:half]], table.iloc[rows[half:]]
    y = rng.normal(size=half) if with_y else None
    encoder = TableEncoder(min_frequency=2, cardinality_threshold=5)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = encoder.fit_transform(fit_rows, y)
            later = encoder.transform(other_rows)
    except SktorchsafeError:
        return  # ours, with a message
    width = len(encoder.get_feature_names_out())
    assert out.shape == (len(fit_rows), width)
    assert later.shape == (len(other_rows), width)
    assert not np.isinf(later.to_numpy(dtype=float)).any()


# ------------------------------------------------------------- pipelines
def test_grid_search_over_the_imputer_on_a_raw_table():
    X, y = load_penguins(numeric_only=False, return_X_y=True)
    keep = y.notna().to_numpy()
    X, y = X[keep], y[keep]
    pipe = make_safe_pipeline(Ridge())
    grid = {"impute__strategy": ["mean", "median"], "encode__categorical": ["onehot"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the clip and check steps' reports
        cv = KFold(3, shuffle=True, random_state=0)
        search = GridSearchCV(pipe, grid, cv=cv, error_score="raise").fit(X, y)
    assert search.best_score_ > 0.8
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_stream_fit_a_pipeline_on_a_raw_table():
    X, y = load_penguins(numeric_only=False, return_X_y=True)
    keep = y.notna().to_numpy()
    X, y = X[keep], y[keep].to_numpy()
    chunks = [(X.iloc[i : i + 100], y[i : i + 100]) for i in range(0, len(y), 100)]
    from sklearn.linear_model import SGDRegressor

    pipe = make_pipeline(
        TableEncoder(),
        ImputerSelector(strategy="mean"),
        SafeStandardScaler(),
        SGDRegressor(random_state=0),
    )
    stream_fit(pipe, chunks)
    fitted = clone(pipe).fit(X, y)
    assert_allclose(pipe[2].mean_, fitted[2].mean_)


def test_safe_pipeline_trains_a_net_on_the_raw_penguins(one_torch_thread):
    torch = pytest.importorskip("torch")
    from sktorchsafe import SafeNeuralNetRegressor

    X, y = load_penguins(numeric_only=False, return_X_y=True)
    keep = y.notna().to_numpy()
    X, y = X[keep], y[keep]
    n_in = len(TableEncoder().fit(X, y).get_feature_names_out())

    class MLP(torch.nn.Module):
        def __init__(self, n_in):
            super().__init__()
            self.layers = torch.nn.Sequential(
                torch.nn.Linear(n_in, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1)
            )

        def forward(self, X):
            return self.layers(X)

    torch.manual_seed(0)
    net = SafeNeuralNetRegressor(
        MLP,
        module__n_in=n_in,
        optimizer=torch.optim.Adam,
        lr=0.05,
        max_epochs=30,
        train_split=None,
        verbose=0,
    )
    pipe = make_safe_pipeline(net)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the clip step on rare one-hot columns
        pipe.fit(X, y)
    assert pipe["encode"].column_kinds_["date_egg"] == "dates"
    assert np.isfinite(pipe[-1].history[:, "train_loss"]).all()
    assert pipe.score(X, y) > 0.8
    # Unseen categories at predict: same width, finite predictions.
    odd = X.head(5).assign(island="Atlantis", species=None)
    assert np.isfinite(pipe.predict(odd)).all()


def test_every_column_dropped_is_the_encoders_error_naming_them():
    from sktorchsafe.exceptions import DataQualityError

    X = pd.DataFrame({"management": ["bad"] * 3 + ["good"] * 3, "own": list("llhhll")})
    with pytest.raises(DataQualityError, match="'management' .*min_frequency"):
        TableEncoder().fit(X)
    # One category kept is enough.
    assert TableEncoder(min_frequency=1).fit(X).get_feature_names_out().size > 0


@pytest.mark.parametrize(
    "column, why, fix",
    [
        # An identifier (R's row names as a table's only column).
        ([f"island{i}" for i in range(50)], "identifier", "derive features"),
        # Too many categories to one-hot, and no y to target-encode them.
        ([f"c{i % 450}" for i in range(2000)], "450 categories", "gets y"),
    ],
)
def test_every_column_dropped_names_each_reason_and_its_own_fix(column, why, fix):
    from sktorchsafe.exceptions import DataQualityError

    X = pd.DataFrame({"name": column})
    with pytest.raises(DataQualityError, match="'name'") as raised:
        TableEncoder().fit(X)
    message = str(raised.value)
    assert why in message and fix in message
    assert "min_frequency" not in message  # the fix of rare categories only


def test_target_encoding_reads_the_task_as_the_validator_does(rng):
    # Two whole values past 2**53 (where floats are all whole): a quantity
    # for TargetValidator, so a mean in y's units for the encoder too.
    n = 200
    X = pd.DataFrame({"city": [f"c{i}" for i in rng.integers(0, 60, n)]})
    huge = np.where(rng.random(n) < 0.5, 2.0**53, 2.0**53 + 2)
    assert TargetValidator().fit(X, huge).task_ == "regression"
    encoded = TableEncoder().fit_transform(X, huge)["city"].to_numpy()
    assert np.all(encoded > 2.0**52)
    labels = rng.integers(0, 2, n)
    assert TargetValidator().fit(X, labels).task_ == "binary"
    encoded = TableEncoder().fit_transform(X, labels)["city"].to_numpy()
    assert np.all((encoded >= 0) & (encoded <= 1))  # a share of the class


def test_the_task_decides_how_y_is_read_and_the_pipeline_passes_the_nets(rng):
    # Counts per day (1..300, each seen about 20 times): classes to the
    # "auto" rule, a quantity to a regressor. Read as classes, a city column
    # became one column per count value (hundreds), for a regression.
    n = 6000
    X = pd.DataFrame({"city": [f"c{i}" for i in rng.integers(0, 60, n)]})
    births = rng.integers(1, 301, n)
    wide = TableEncoder().fit(X, births).get_feature_names_out()
    assert wide.size > 100  # what "auto" reads: multiclass
    narrow = TableEncoder(task="regression").fit(X, births)
    assert list(narrow.get_feature_names_out()) == ["city"]
    encoded = narrow.fit_transform(X, births)["city"].to_numpy()
    assert 100 < encoded.mean() < 200  # a mean count, in y's units
    # Float class labels are classes when the task says so.
    labels = np.where(rng.random(n) < 0.5, 0.5, 1.5)
    shares = TableEncoder(task="classification").fit_transform(X, labels)
    assert shares.shape[1] == 1 and shares["city"].between(0, 1).all()
    # make_safe_pipeline reads the task off the net.
    from sklearn.linear_model import LinearRegression, LogisticRegression

    from sktorchsafe import make_safe_pipeline

    assert make_safe_pipeline(LinearRegression())["encode"].task == "regression"
    pipe = make_safe_pipeline(LogisticRegression())
    assert pipe["encode"].task == "classification"
    assert make_safe_pipeline(LinearRegression())["target"].task == "regression"
