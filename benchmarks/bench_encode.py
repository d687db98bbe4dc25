"""A raw table to a fitted model: TableEncoder against what users build instead.

Tables: the embedded penguins (344 rows: species, island, sex, a yes/no
column, a date, isotope ratios with missing values; target ``body_mass_g``)
and a synthetic mixed table at two sizes (1e4 and 1e5 rows; 2e3 and 1e4
with ``--quick``): 8 float columns with 5% NaN, a nullable integer, three
categories (3, 8 and 20 values, some missing), a yes/no column, a date,
numbers stored as text with ``"?"`` placeholders, a 300-value
high-cardinality column and an identifier. Each contender is fitted on 75%
of the rows (the time: median and minimum of interleaved runs) and scored
(R²) on the rest:

- ours: ``make_safe_pipeline(Ridge())``: target, encode (``TableEncoder``),
  impute, clip, check, scale, then the model;
- ours with ``HistGradientBoostingRegressor`` instead of Ridge (reference);
- skrub: ``skrub.tabular_pipeline(Ridge())`` (``TableVectorizer`` with its
  default string encoder, then ``SimpleImputer`` and ``StandardScaler``);
- scikit-learn by hand: ``ColumnTransformer`` of ``OneHotEncoder`` for the
  categories and ``SimpleImputer`` + ``StandardScaler`` for the numbers
  (the columns named by the user; dates, text numbers and identifiers left
  out, as a hurried user would), then Ridge.

Targets: ours within 2x of the hand-built ColumnTransformer's fit time, at a
score at least as good (it reads the dates and the numbers stored as text).
"""

import warnings

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sktorchsafe import make_safe_pipeline
from sktorchsafe.datasets import load_penguins

from ._common import compare, print_table

#: Rows of the synthetic table: standard and ``--quick``.
SIZES, QUICK_SIZES = (10_000, 100_000), (2_000, 10_000)

#: Columns of the synthetic table a user would name in a ColumnTransformer.
NUMERIC = [f"x{j}" for j in range(8)] + ["count"]
CATEGORIES = ["color", "grade", "region", "member"]


def mixed_table(n_rows, seed=0):
    """``(X, y)``: the synthetic mixed table and a target that uses every kind."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n_rows, 8)), columns=NUMERIC[:8])
    X[rng.random(X.shape) < 0.05] = np.nan
    X["count"] = pd.array(rng.poisson(3, n_rows), dtype="Int64")
    X.loc[rng.random(n_rows) < 0.05, "count"] = pd.NA
    levels = {"color": 3, "grade": 8, "region": 20}
    effects = np.zeros(n_rows)
    for name, k in levels.items():
        codes = rng.integers(0, k, n_rows)
        effects += np.linspace(-1, 1, k)[codes]
        values = np.array([f"{name}{i}" for i in range(k)], dtype=object)[codes]
        values[rng.random(n_rows) < 0.03] = None
        X[name] = values
    member = rng.random(n_rows) < 0.3
    X["member"] = np.where(member, "yes", "no").astype(object)
    days = rng.integers(0, 3 * 365, n_rows)
    X["signup"] = pd.Timestamp("2021-01-01") + pd.to_timedelta(days, "D")
    income = rng.lognormal(10, 0.5, n_rows)
    text = np.array([f"{v:,.0f}" for v in income], dtype=object)
    text[rng.random(n_rows) < 0.04] = "?"
    X["income"] = text
    city = rng.integers(0, 300, n_rows)
    X["city"] = np.array([f"city{i}" for i in city], dtype=object)
    X["id"] = [f"row-{i:07d}" for i in rng.permutation(n_rows)]
    y = (
        np.nan_to_num(X[NUMERIC[:8]].to_numpy()) @ np.linspace(1, 0.2, 8)
        + 0.3 * X["count"].fillna(3).to_numpy(dtype=float)
        + effects
        + 0.8 * member
        + days / 365
        + np.log(income)
        - 10
        + np.sin(city)
        + rng.normal(scale=0.5, size=n_rows)
    )
    return X, y


def _penguins():
    X, y = load_penguins(numeric_only=False, return_X_y=True)
    keep = y.notna().to_numpy()
    return X[keep].reset_index(drop=True), y[keep].to_numpy()


def _hand_built(numeric, categories):
    return make_pipeline(
        ColumnTransformer(
            [
                (
                    "numbers",
                    make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                    numeric,
                ),
                ("categories", OneHotEncoder(handle_unknown="ignore"), categories),
            ]
        ),
        Ridge(),
    )


def _contenders(numeric, categories):
    """Fresh, unfitted pipelines by name (ours first)."""
    import skrub

    return {
        "ours: make_safe_pipeline(Ridge)": lambda: make_safe_pipeline(Ridge()),
        "ours + HistGradientBoosting": lambda: make_safe_pipeline(
            HistGradientBoostingRegressor(random_state=0)
        ),
        "skrub tabular_pipeline(Ridge)": lambda: skrub.tabular_pipeline(Ridge()),
        "sklearn ColumnTransformer+Ridge": lambda: _hand_built(numeric, categories),
    }


def _case(label, X, y, numeric, categories, repeat):
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0
    )
    makers = _contenders(numeric, categories)
    scores = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the check and clip steps' reports
        for name, make in makers.items():
            scores[name] = make().fit(X_train, y_train).score(X_test, y_test)
        rows = compare(
            label,
            {
                name: (lambda make=make: make().fit(X_train, y_train))
                for name, make in makers.items()
            },
            repeat,
            memory=False,
        )
    for row in rows:
        row["R2"] = scores[row["contender"]]
    return rows


COLUMNS = (
    ("case", "{}"),
    ("contender", "{}"),
    ("median_s", "{:.3f}"),
    ("min_s", "{:.3f}"),
    ("ours/this", "{:.2f}"),
    ("R2", "{:.3f}"),
)


def run(quick=False, repeat=None):
    repeat = repeat or (2 if quick else 5)
    X, y = _penguins()
    numeric = [c for c in X.columns if X[c].dtype == np.float64]
    categories = ["species", "island", "sex", "clutch_completion"]
    rows = _case("penguins 334x10", X, y, numeric, categories, repeat)
    for n_rows in QUICK_SIZES if quick else SIZES:
        X, y = mixed_table(n_rows)
        label = f"mixed {n_rows}x{X.shape[1]}"
        times = max(2, repeat if n_rows < 50_000 else min(repeat, 3))
        rows += _case(label, X, y, NUMERIC, CATEGORIES, times)
    title = "Fit of the whole pipeline (ours/this < 1: ours is faster)"
    print_table(rows, title, COLUMNS)
    against = [r["ours/this"] for r in rows if r["contender"].startswith("sklearn")]
    print(
        "\nours / hand-built ColumnTransformer, fit time, per case: "
        + ", ".join(f"{ratio:.2f}" for ratio in against)
    )
    return rows
