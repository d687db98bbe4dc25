"""
================================================
Grid-searching the imputation in front of a net
================================================

Which imputation suits a neural net is an empirical question, so we would like
to grid-search it like any other hyper-parameter. With scikit-learn's imputers
in front of a skorch net this goes wrong silently: when a training fold has a
feature without any observed value, ``SimpleImputer`` drops it, the net's input
size no longer matches, and every candidate scores ``nan``.

:class:`~sktorchsafe.ImputerSelector` makes the strategy a parameter, treats
±inf as missing, and keeps (and fills) such a feature, so that every fold
hands the net the same columns. ``strategy="auto"`` chooses a strategy per
feature.
"""

# %%
# Penguins, measured unevenly
# ---------------------------
# The Palmer penguins ship with sktorchsafe: three field seasons, 2007 to
# 2009. We predict the body mass from the other measurements and ask whether
# the model carries over to a season it has not seen (one cross-validation
# fold per season). Suppose the blood isotope ratios were only analysed for
# the 2007 samples, and a logger wrote ``inf`` for two flipper lengths.
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import make_pipeline
from skorch import NeuralNetRegressor

from sktorchsafe import ImputerSelector, SafeStandardScaler
from sktorchsafe.datasets import load_penguins

penguins = load_penguins(numeric_only=False).frame
penguins = penguins[penguins["body_mass_g"].notna()].reset_index(drop=True)
features = [
    "bill_length_mm",
    "bill_depth_mm",
    "flipper_length_mm",
    "delta_15n",
    "delta_13c",
]
X = penguins[features].copy()
season = penguins["date_egg"].dt.year
X.loc[season != 2007, ["delta_15n", "delta_13c"]] = np.nan
X.loc[[10, 200], "flipper_length_mm"] = np.inf
mass = penguins["body_mass_g"].to_numpy()
y = ((mass - mass.mean()) / mass.std()).astype(np.float32).reshape(-1, 1)
print(X.isna().groupby(season).mean().round(2).to_string())

# %%
# A small skorch net behind the imputer and a float32 scaler
# ----------------------------------------------------------
# A plain ``skorch.NeuralNetRegressor``: it needs float32 input with a fixed
# number of columns, which ``SafeStandardScaler(dtype=np.float32)`` provides
# as long as the imputer never changes the width.


class MLP(torch.nn.Module):
    def __init__(self, n_in=5):
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(n_in, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1)
        )

    def forward(self, X):
        return self.layers(X)


def make_net():
    torch.manual_seed(0)
    return NeuralNetRegressor(
        MLP,
        max_epochs=30,
        lr=0.05,
        optimizer=torch.optim.Adam,
        batch_size=64,
        train_split=None,
        verbose=0,
    )


pipe = make_pipeline(
    ImputerSelector(random_state=0), SafeStandardScaler(dtype=np.float32), make_net()
)
strategies = ["mean", "median", "most_frequent", "knn", "iterative", "auto"]
search = GridSearchCV(
    pipe, {"imputerselector__strategy": strategies}, cv=GroupKFold(n_splits=3)
)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    search.fit(X, y, groups=season)

scores = pd.DataFrame(search.cv_results_)
splits = [f"split{i}_test_score" for i in range(3)]
table = scores.set_index("param_imputerselector__strategy")
print(table[["mean_test_score", *splits]].round(3).to_string())

# %%
# Every candidate gets a finite score (R², higher is better). In the fold
# that holds out 2007, the training data has no isotope ratio at all; the
# imputer said so, and kept both features as constants (0 once scaled, so
# they add nothing to the net's predictions, in training or in the test
# fold):
print({str(w.message) for w in caught if "no observed value" in str(w.message)})

# %%
# The same search with ``SimpleImputer``
# --------------------------------------
# scikit-learn's imputers reject ±inf outright, so we first turn it into NaN
# ourselves. Even then, in the fold that holds out 2007 ``SimpleImputer``
# drops the two empty features, the net receives 3 columns instead of 5, and
# the fold fails: ``GridSearchCV`` records ``nan`` for it, and the mean score
# of every candidate is ``nan``.
plain = make_pipeline(SimpleImputer(), SafeStandardScaler(dtype=np.float32), make_net())
plain_search = GridSearchCV(
    plain,
    {"simpleimputer__strategy": ["mean", "median", "most_frequent"]},
    cv=GroupKFold(n_splits=3),
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # one FitFailedWarning per failed fold
    plain_search.fit(X.replace([np.inf, -np.inf], np.nan), y, groups=season)
plain_table = pd.DataFrame(plain_search.cv_results_)
plain_table = plain_table.set_index("param_simpleimputer__strategy")
print(plain_table[["mean_test_score", *splits]].round(3).to_string())

# %%
# What "auto" chose
# -----------------
# ``"auto"`` hides a share of each feature's observed values, lets every
# candidate reconstruct them, and keeps per feature the first candidate
# whose error is within one standard error of the best. The errors are
# relative to the best constant (the median, for the default absolute
# error), so below 1 means the other features help.
auto = ImputerSelector(strategy="auto", random_state=0).fit(X)
print(dict(zip(features, auto.strategies_, strict=True)))
print(auto.selection_scores_.round(2).to_string())

# %%
# The scores side by side
# -----------------------
# Each fold's R² for every candidate: ``ImputerSelector`` scores in every
# fold; with ``SimpleImputer`` the fold that holds out 2007 has no score at
# all (marked ``nan``).
fig, (ax_ours, ax_plain) = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for ax, frame, title in [
    (ax_ours, table, "ImputerSelector"),
    (ax_plain, plain_table, "SimpleImputer"),
]:
    width = 0.8 / len(frame)
    for k, (strategy, row) in enumerate(frame[splits].iterrows()):
        values = row.to_numpy(float)
        positions = np.arange(len(splits)) + (k - len(frame) / 2 + 0.5) * width
        ax.bar(positions, np.nan_to_num(values), width, label=strategy)
        for x, value in zip(positions, values, strict=True):
            if np.isnan(value):
                ax.text(x, 0.02, "nan", ha="center", rotation=90, color="#c0392b")
    ax.set_xticks(np.arange(len(splits)), [f"fold {k}" for k in range(3)])
    ax.set_title(title)
    ax.legend(fontsize=8, loc="lower right")
ax_ours.set_ylabel("test R² (body mass)")
ax_ours.set_ylim(0, 1)
fig.suptitle("Grid search over the imputation, one fold per field season")
fig.tight_layout()
plt.show()
