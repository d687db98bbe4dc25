"""
================================================
The guard: stopping a non-finite training step
================================================

When a NaN reaches a skorch net, or a layer creates one, the loss is ``nan``,
the optimizer step writes NaN into every weight, and every later epoch and
prediction is ``nan`` too; nothing is raised. :class:`~sktorchsafe.NonFiniteGuard`
checks the loss and the gradients of every batch before the optimizer step.
Only when a value is NaN or ±inf does it replay the batch to find where it
came from, then raises :class:`~sktorchsafe.exceptions.NonFiniteTrainingError`
(``on_nonfinite="raise"``, the default), stops with the last finite weights
(``"stop"``) or skips the batch (``"skip"``).

The safe nets run it by default; this example adds it to plain skorch nets,
which take it like any other callback.
"""

# %%
# One NaN cell reaches the net
# ----------------------------
# The five penguin measurements, standardized by hand, with one NaN left in
# row 150.
import warnings

import matplotlib.pyplot as plt
import numpy as np
import skorch
import torch

from sktorchsafe import NonFiniteGuard
from sktorchsafe.datasets import load_penguins
from sktorchsafe.exceptions import NonFiniteTrainingError

X, y = load_penguins(return_X_y=True)
keep = y.notna() & X.notna().all(axis=1)
X = ((X[keep] - X[keep].mean()) / X[keep].std()).to_numpy(np.float32)
y = ((y[keep] - y[keep].mean()) / y[keep].std()).to_numpy(np.float32).reshape(-1, 1)
X[150, 2] = np.nan


def make_net(*callbacks, module=None):
    torch.manual_seed(0)
    module = module or torch.nn.Sequential(
        torch.nn.Linear(5, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1)
    )
    return skorch.NeuralNetRegressor(
        module, max_epochs=10, train_split=None, verbose=0, callbacks=list(callbacks)
    )


plain = make_net().fit(X, y)
print(plain.history[:, "train_loss"])

# %%
# With the guard, the fit stops at the first poisoned batch. The message
# names the feature, the row of the training data, and the fix; the same
# facts are attributes of the exception, for programs.
try:
    make_net(NonFiniteGuard()).fit(X, y)
except NonFiniteTrainingError as error:
    print(error)
    print(error.epoch, error.batch, error.features, error.training_rows)

# %%
# A layer that creates NaN from finite input
# ------------------------------------------
# ``torch.log`` of a negative activation is NaN. The guard replays the batch
# with hooks on every module and names the first one whose output is
# non-finite although its input was finite (``created``), as opposed to
# modules that only pass a NaN on.


class Log(torch.nn.Module):
    def forward(self, x):
        return torch.log(x)


module = torch.nn.Sequential(torch.nn.Linear(5, 16), Log(), torch.nn.Linear(16, 1))
X_clean = np.nan_to_num(X)
try:
    make_net(NonFiniteGuard(), module=module).fit(X_clean, y)
except NonFiniteTrainingError as error:
    print(error)
    print(error.module, error.module_type, error.created)

# %%
# Skip the poisoned batches instead
# ---------------------------------
# ``on_nonfinite="skip"`` leaves out every batch whose loss or gradients are
# non-finite (with one warning) and trains on the others; ``"stop"`` ends the
# fit with the last finite weights. Either way, the weights stay finite.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    skipping = make_net(NonFiniteGuard(on_nonfinite="skip")).fit(X, y)
print(caught[0].category.__name__)
print(np.round(skipping.history[:, "train_loss"], 3))
print(np.isfinite(skipping.predict(X_clean)).all())

# %%
# The losses, epoch by epoch
# --------------------------
epochs = np.arange(1, 11)
fig, ax = plt.subplots(figsize=(7, 3.8))
ax.plot(epochs, skipping.history[:, "train_loss"], "o-", label='guard, "skip"')
ax.plot(
    epochs,
    np.ones_like(epochs),
    "x",
    color="#c0392b",
    ms=10,
    label="plain skorch: nan (drawn at 1)",
)
ax.set_xlabel("epoch")
ax.set_ylabel("training loss (standardized y)")
ax.set_ylim(0, 1.1)
ax.set_title("One NaN cell in X: plain skorch against NonFiniteGuard")
ax.legend()
fig.tight_layout()
plt.show()
