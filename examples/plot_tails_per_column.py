"""
=================================================
±inf and outliers: the tails chosen per column
=================================================

A single ``inf`` in X makes every loss of a plain skorch net ``nan``; a few
values a thousand times too large dominate the loss and, once scaled,
squeeze every other value of their column together. Clipping every column at
fixed fences fixes that, but destroys the signal of a heavy tail that
carries the target (amounts, delays, counts).

:class:`~sktorchsafe.OutlierClipper` (the ``clip`` step) sends ±inf to the
learned bounds and chooses per column, in ``fit``, how to handle the tails:
``"range"`` for a column within Tukey's outer fences or with a tail that
standardizing does not crush (its values kept, new ones clipped to the
training range, so the net never extrapolates), ``"quantile_normal"`` for a
heavy tail that would crush the column's other values (every value keeps its
rank) and ``"squash"`` for a few far values, more likely noise.
"""

# %%
# Four columns, four kinds of tail
# --------------------------------
# ``amount`` is log-normal and the target depends on it linearly;
# ``income`` is far more skewed and the target depends on its logarithm;
# ``sensor`` is normal with 1% gross errors; ``noise`` is plain normal. Two
# cells hold ±inf.
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from sklearn.model_selection import GridSearchCV, KFold

from sktorchsafe import (
    OutlierClipper,
    SafeNeuralNetRegressor,
    TabularMLP,
    make_safe_pipeline,
)

rng = np.random.default_rng(0)
n = 1000
amount = rng.lognormal(mean=3.0, sigma=1.2, size=n)
income = rng.lognormal(mean=10.0, sigma=2.5, size=n)
sensor = rng.normal(20.0, 2.0, size=n)
y = 0.05 * amount + 0.5 * np.log(income) + 0.5 * sensor
y = y + rng.normal(size=n)
sensor[rng.choice(n, size=10, replace=False)] = rng.choice([900.0, -500.0], 10)
noise = rng.normal(size=n)
X = pd.DataFrame(
    {
        "amount": amount,
        "income": income,
        "sensor": sensor,
        "noise": noise,
    }
)
X.iloc[3, 2] = np.inf
X.iloc[7, 0] = -np.inf

clipper = OutlierClipper().set_output(transform="pandas").fit(X)
print(dict(zip(X.columns, clipper.methods_, strict=True)))

# %%
# ±inf goes to the bounds, NaN would pass through
# -----------------------------------------------
# ``transform(X, return_counts=True)`` also says how many values of each
# column went below the lower or above the upper bound.
Xt, counts = clipper.transform(X, return_counts=True)
print(X.iloc[[3, 7]])
print(Xt.iloc[[3, 7]])
print(pd.DataFrame(counts, index=X.columns)[["n_below", "n_above"]])

# %%
# What each column became
# -----------------------
# ``amount`` keeps its values (its tail carries the target linearly), the
# heavy tail of ``income`` keeps its order (a monotone map to a normal), the
# gross errors of ``sensor`` are squashed to within a few IQRs of the median,
# ``noise`` keeps its values too.
fig, axes = plt.subplots(1, 4, figsize=(15, 3.6))
finite = np.isfinite(X.to_numpy())
for k, (ax, name) in enumerate(zip(axes, X.columns, strict=True)):
    ax.scatter(X[name][finite[:, k]], Xt[name][finite[:, k]], s=6)
    ax.set_xscale("symlog")
    ax.set_title(f"{name}: {clipper.methods_[k]!r}")
    ax.set_xlabel("value in X")
axes[0].set_ylabel("value after the clip step")
fig.tight_layout()

# %%
# The choice is a parameter: search it
# ------------------------------------
# In :func:`~sktorchsafe.make_safe_pipeline` the step is named ``clip``, so
# ``clip__method`` goes into a grid search like any other parameter. Hard
# clipping at Tukey's fences (``"iqr"``) flattens the tail of ``amount`` that
# carries the target; leaving the tails alone (``"none"``) lets the gross
# errors of ``sensor`` and the tail of ``income`` squeeze their other values
# together once scaled.
# The net is :class:`~sktorchsafe.TabularMLP` with one hidden layer of 32
# units; it learns its input width from X.

methods = ["iqr", "none", "auto"]
net = SafeNeuralNetRegressor(
    TabularMLP,
    module__hidden=(32,),
    optimizer=torch.optim.Adam,
    lr=0.01,
    max_epochs=40,
    verbose=0,
)
search = GridSearchCV(
    make_safe_pipeline(net),
    {"clip__method": methods},
    cv=KFold(3, shuffle=True, random_state=0),
)
torch.manual_seed(0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the target's scale, reported by `target`
    search.fit(X, y)
print(pd.Series(search.cv_results_["mean_test_score"], index=methods).round(3))
