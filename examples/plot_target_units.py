"""
=========================================
Predictions in the units of the target
=========================================

The penguins' body mass is in grams, around 4,000. A plain skorch regressor
starts by predicting values near 0, so its first loss is in the tens of
millions, the SGD steps overshoot, and from the third epoch on every loss is
``nan``, with X standardized. Dividing y by hand means predictions in the wrong units
unless every caller remembers to multiply back.

:class:`~sktorchsafe.SafeNeuralNetRegressor` standardizes the target inside
the net (``scale_target=True``, the default) and returns predictions in the
units of y, also after ``save_params`` / ``load_params`` and pickling.
"""

# %%
# The same data, the same module, the same optimizer
# --------------------------------------------------
import warnings

import matplotlib.pyplot as plt
import numpy as np
import skorch
import torch
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktorchsafe import SafeNeuralNetRegressor, make_safe_pipeline
from sktorchsafe.datasets import load_penguins

X, y = load_penguins(return_X_y=True)  # five measurements; body mass in g
keep = y.notna()
X_train, X_test, y_train, y_test = train_test_split(
    X[keep], y[keep], test_size=0.25, random_state=0
)
print(y_train.describe().round())


def mlp():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(5, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1)
    )


# %%
# Plain skorch, X imputed and standardized
# ----------------------------------------
# skorch needs float32 arrays and a 2-D target. The first loss is 1.3e7, the
# second 1.7e31, every later one ``nan``, and so is every prediction.
plain = make_pipeline(
    SimpleImputer(),
    StandardScaler(),
    skorch.NeuralNetRegressor(
        mlp(), max_epochs=40, lr=0.01, train_split=None, verbose=0
    ),
)
plain.fit(X_train.to_numpy(np.float32), y_train.to_numpy(np.float32).reshape(-1, 1))
plain_losses = plain[-1].history[:, "train_loss"]
print(plain_losses[:4])
print(plain.predict(X_test.to_numpy(np.float32))[:3].ravel())

# %%
# The safe regressor
# ------------------
# The same module and learning rate in :func:`~sktorchsafe.make_safe_pipeline`.
# The net takes the DataFrame and the 1-D Series as they are; its loss is
# computed on the standardized target, and ``predict`` returns grams.
safe = make_safe_pipeline(
    SafeNeuralNetRegressor(mlp(), max_epochs=40, lr=0.01, train_split=None, verbose=0)
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # TargetValidator: y far from unit scale
    safe.fit(X_train, y_train)
safe_losses = safe[-1].history[:, "train_loss"]
predicted = safe.predict(X_test)
print(np.round(safe_losses[:4], 3))
print(predicted[:3].round(), y_test.to_numpy()[:3])
print(f"test R²: {safe.score(X_test, y_test):.2f}")

# %%
# The target scaler the net learned (a :class:`~sktorchsafe.SafeStandardScaler`
# fitted on y: its mean and standard deviation, in grams):
scaler = safe["net"].target_scaler_
print(scaler.mean_.round(), scaler.scale_.round())

# %%
# Losses and predictions
# ----------------------
fig, (ax_loss, ax_pred) = plt.subplots(1, 2, figsize=(11, 4))
epochs = np.arange(1, len(safe_losses) + 1)
ax_loss.plot(epochs, safe_losses, label="SafeNeuralNetRegressor (standardized y)")
finite = np.isfinite(plain_losses)
ax_loss.plot(
    epochs[finite], np.asarray(plain_losses)[finite], "o-", label="skorch (y in g)"
)
for epoch in epochs[~finite]:
    ax_loss.axvline(epoch, color="#c0392b", alpha=0.15)
ax_loss.set_yscale("log")
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("training loss")
ax_loss.set_title("skorch's loss is nan from epoch 3 (red)")
ax_loss.legend()
ax_pred.scatter(y_test, predicted, s=10)
lims = [y_test.min(), y_test.max()]
ax_pred.plot(lims, lims, color="grey", lw=1)
ax_pred.set_xlabel("body mass (g)")
ax_pred.set_ylabel("predicted (g)")
ax_pred.set_title("SafeNeuralNetRegressor: predictions in grams")
fig.tight_layout()
plt.show()
