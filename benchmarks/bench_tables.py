"""A raw mixed table to a trained net: make_safe_pipeline against what users build.

The same small net (``SafeNeuralNetRegressor``: an MLP 64-64, Adam, the
target standardized inside the net, the same epochs and batch size) behind
three ways of turning a raw table into numbers:

- ours: ``make_safe_pipeline(net)``: target, encode (``TableEncoder``),
  impute, clip, check, scale, then the net, on the table as loaded; the
  same without the clip step (``clip="passthrough"``); and the embedding
  path (``embed=True``, categories as codes embedded by ``TabularMLP``
  with the same hidden layers, the cardinalities learned by the net from
  the code columns, as the input width);
- skrub: ``skrub.tabular_pipeline(net)`` (``TableVectorizer`` with its
  default string encoder, then ``SimpleImputer`` and ``StandardScaler``);
- scikit-learn by hand: a ``ColumnTransformer`` of ``OneHotEncoder`` for the
  category columns and ``SimpleImputer`` + ``StandardScaler`` for the
  number columns, named by the user (dates, numbers stored as text and
  identifiers left out, as a hurried user does), then the net;

and, for reference, ``HistGradientBoostingRegressor`` behind skrub's
``tabular_pipeline`` (its recommended tree pipeline).

Tables (regression, rows with a missing target dropped):

- penguins: the embedded Palmer penguins, whole (species, island, sex, a
  yes/no column, a date, five measurements with missing values), target
  ``body_mass_g``;
- grunfeld: the Grunfeld investment panel shipped inside statsmodels
  (``statsmodels.datasets.grunfeld``: the firm as text, 11 values, the
  year, market value and capital), target ``invest``; skipped when
  statsmodels is not installed;
- mixed: the generated table of :mod:`benchmarks.bench_encode` (numbers
  with NaN, a nullable integer, categories of 3 to 20 values, a yes/no
  column, a date, numbers stored as text with ``"?"``, a 300-value city and
  an identifier), 5,000 rows (2,000 with ``--quick``).

Each table is split 75/25 with three seeds (the seed also seeds torch);
per contender: R² on the held-out rows (median and the spread, max - min,
over the seeds) and the fit time (median; contenders interleaved within
each seed), ours / this of the median times, and the width the net learned
from the encoded table (no ``module__in_features`` is given: the nets learn
it). Noisy shared machines: read medians and ratios, not single times.
"""

import statistics
import time
import warnings

import torch
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sktorchsafe import (
    SafeNeuralNetRegressor,
    TabularMLP,
    make_safe_pipeline,
)
from sktorchsafe.datasets import load_penguins

from ._common import print_table
from ._nets import MLP
from .bench_encode import CATEGORIES, NUMERIC, mixed_table

#: Seeds of the split and of torch.
SEEDS = (0, 1, 2)
#: Rows of the generated table: standard and ``--quick``.
MIXED_ROWS, QUICK_MIXED_ROWS = 5_000, 2_000
#: The net's training, the same for every contender.
EPOCHS, QUICK_EPOCHS = 30, 10


def _net(epochs, module=MLP, **params):
    return SafeNeuralNetRegressor(
        module,
        optimizer=torch.optim.Adam,
        lr=3e-3,
        max_epochs=epochs,
        batch_size=64,
        train_split=None,
        verbose=0,
        **params,
    )


def _hand_built(net, numeric, categories):
    return make_pipeline(
        ColumnTransformer(
            [
                (
                    "numbers",
                    make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                    numeric,
                ),
                (
                    "categories",
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                    categories,
                ),
            ]
        ),
        net,
    )


def _contenders(X, numeric, categories, epochs):
    """Fresh, unfitted pipelines by name (ours first)."""
    import skrub

    return {
        "ours: make_safe_pipeline": lambda: make_safe_pipeline(_net(epochs)),
        "ours, clip='passthrough'": lambda: make_safe_pipeline(
            _net(epochs), clip="passthrough"
        ),
        "ours, embed=True + TabularMLP": lambda: make_safe_pipeline(
            _net(epochs, TabularMLP), embed=True
        ),
        "skrub tabular_pipeline": lambda: skrub.tabular_pipeline(_net(epochs)),
        "sklearn ColumnTransformer": lambda: _hand_built(
            _net(epochs), numeric, categories
        ),
        "HistGradientBoosting (skrub)": lambda: skrub.tabular_pipeline(
            HistGradientBoostingRegressor(random_state=0)
        ),
    }


def _width(pipe):
    """The width the net learned from the encoded table (None: no net)."""
    net = pipe[-1]
    if not isinstance(net, SafeNeuralNetRegressor):
        return None
    module = net.module_
    if isinstance(module, TabularMLP):  # numbers + code columns
        return module.n_numbers + len(module.embeddings)
    return module.layers[0].in_features


def _case(label, X, y, numeric, categories, epochs):
    """One row per contender: scores and times over :data:`SEEDS`."""
    makers = _contenders(X, numeric, categories, epochs)
    scores = {name: [] for name in makers}
    times = {name: [] for name in makers}
    widths = {}
    for seed in SEEDS:
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.25, random_state=seed
        )
        for name, make in makers.items():  # interleaved within the seed
            pipe = make()
            torch.manual_seed(seed)
            start = time.perf_counter()
            pipe.fit(X_train, y_train)
            times[name].append(time.perf_counter() - start)
            scores[name].append(pipe.score(X_test, y_test))
            widths[name] = _width(pipe)
    ours = statistics.median(next(iter(times.values())))
    return [
        {
            "case": label,
            "contender": name,
            "width": "-" if widths[name] is None else str(widths[name]),
            "R2": statistics.median(scores[name]),
            "R2 spread": max(scores[name]) - min(scores[name]),
            "fit_s": statistics.median(times[name]),
            "ours/this": ours / statistics.median(times[name]),
        }
        for name in makers
    ]


def _penguins():
    X, y = load_penguins(numeric_only=False, return_X_y=True)
    keep = y.notna().to_numpy()
    X = X[keep].reset_index(drop=True)
    numeric = list(X.select_dtypes("number").columns)
    categories = ["species", "island", "sex", "clutch_completion"]
    return X, y[keep].to_numpy(), numeric, categories


def _grunfeld():
    try:
        from statsmodels.datasets import grunfeld
    except ImportError:
        return None
    frame = grunfeld.load_pandas().data
    X, y = frame.drop(columns="invest"), frame["invest"].to_numpy()
    return X, y, ["value", "capital", "year"], ["firm"]


COLUMNS = (
    ("case", "{}"),
    ("contender", "{}"),
    ("width", "{}"),
    ("R2", "{:.3f}"),
    ("R2 spread", "{:.3f}"),
    ("fit_s", "{:.2f}"),
    ("ours/this", "{:.2f}"),
)


def run(quick=False, repeat=None):
    """``repeat`` is ignored: every contender runs once per seed."""
    epochs = QUICK_EPOCHS if quick else EPOCHS
    n_mixed = QUICK_MIXED_ROWS if quick else MIXED_ROWS
    tables = {"penguins 342x10": _penguins()}
    if (grunfeld := _grunfeld()) is not None:
        tables["grunfeld 220x4"] = grunfeld
    X, y = mixed_table(n_mixed)
    tables[f"mixed {n_mixed}x{X.shape[1]}"] = (X, y, NUMERIC, CATEGORIES)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small nets: one thread is faster, and steadier
    rows = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # skrub's and the nets' notes
            for label, (X, y, numeric, categories) in tables.items():
                rows += _case(label, X, y, numeric, categories, epochs)
    finally:
        torch.set_num_threads(threads)
    title = (
        f"The same net ({epochs} epochs) behind each encoding; R2 on 25% held "
        f"out, median over seeds {SEEDS} (spread: max - min); fit_s: median "
        "seconds (ours/this < 1: ours is faster)"
    )
    print_table(rows, title, COLUMNS)
    return rows
