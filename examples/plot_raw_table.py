"""
=====================================================
A raw table into a net: ``make_safe_pipeline``
=====================================================

A skorch net takes one float32 array with a fixed number of columns. A real
table has text categories, dates, yes/no columns and missing values, and
handing it to skorch fails before the first batch.
:func:`~sktorchsafe.make_safe_pipeline` puts
:class:`~sktorchsafe.TableEncoder` (the ``encode`` step) and the other steps
in front of the net, and the net learns its input width from the encoded
table.
"""

# %%
# The Palmer penguins, as loaded
# ------------------------------
# Species, island, sex and a yes/no column as text, a date, five
# measurements, missing values in most of them. We predict the body mass in
# grams (the rows without it are left out: a pipeline cannot drop rows).
import warnings

import numpy as np
import skorch
import torch
from sklearn.model_selection import train_test_split

from sktorchsafe import SafeNeuralNetRegressor, diagnose, make_safe_pipeline
from sktorchsafe.datasets import load_penguins

X, y = load_penguins(numeric_only=False, return_X_y=True)
keep = y.notna()
X_train, X_test, y_train, y_test = train_test_split(
    X[keep], y[keep], test_size=0.25, random_state=0
)
print(X_train.dtypes)
print(X_train.isna().sum())

# %%
# What plain skorch does with it
# ------------------------------
# skorch does not take a table with text columns: the fit fails before any
# training, with an error from deep inside skorch and pandas that names
# neither a column nor a fix. (A DataFrame of numbers fails too: skorch
# passes its columns to ``forward`` as keyword arguments.)


class MLP(torch.nn.Module):
    def __init__(self, in_features, hidden=32):
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(in_features, hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(hidden, 1),
        )

    def forward(self, X):
        return self.layers(X)


try:
    plain = skorch.NeuralNetRegressor(MLP, module__in_features=10, max_epochs=1)
    plain.fit(X_train, y_train)
except Exception as exc:  # noqa: BLE001
    print(f"{type(exc).__name__}: {exc}")

# %%
# The same module in ``make_safe_pipeline``
# -----------------------------------------
# ``in_features`` is left open: the net sets it from the encoded table.
torch.manual_seed(0)
net = SafeNeuralNetRegressor(
    MLP, optimizer=torch.optim.Adam, lr=0.01, max_epochs=30, verbose=0
)
pipe = make_safe_pipeline(net)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the target's scale, handled by the net
    pipe.fit(X_train, y_train)
print(pipe["net"].module_.layers[0].in_features, "inputs")
print(f"test R²: {pipe.score(X_test, y_test):.2f}")

# %%
# What the encoder decided, column by column
# ------------------------------------------
# ``pipe["encode"].report_`` lists each column's kind, its encoding and the
# columns it became; missing and unseen categories have a place of their
# own, so the width never changes between fit, folds and predict.
for column in pipe["encode"].report_.columns:
    print(f"{column.name:18} {column.kind:9} -> {', '.join(column.outputs)}")

# %%
# An island the net has never seen predicts like any other row, in grams:
print(pipe.predict(X_test.head(3).assign(island="Atlantis")).round())

# %%
# What each step did to every input of the net
# ---------------------------------------------
# ``diagnose(X, y, pipeline=pipe)`` adds a table of what the fitted pipeline
# does to each column the net receives, and its figure: the share of rows
# imputed, the share clipped, and the divisor of the scaler.
report = diagnose(X_train, y_train, pipeline=pipe)
print(report.pipeline.summary())
fig = report.pipeline.plot()
print(np.isfinite(pipe.predict(X_test)).all())
