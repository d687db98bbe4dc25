"""
=====================================================
Preflight: a broken network found before epoch one
=====================================================

Some networks cannot learn whatever the data: a ``LogSoftmax`` in front of
skorch's ``NLLLoss`` (skorch takes the log of the module's output, so the
loss takes the log of a negative number), sigmoids saturated by unscaled
input, a learning rate whose first step is larger than the weights. They show
as ``nan`` losses, or a loss that never moves, after a full fit.

:func:`~sktorchsafe.preflight` runs one forward and backward pass on a sample,
with hooks on every layer (the net's weights, its optimizer and the random
state are left as they were), and names the layer and the fix.
"""

# %%
# The double log
# --------------
import warnings

import matplotlib.pyplot as plt
import numpy as np
import skorch
import torch

from sktorchsafe import SafeNeuralNetClassifier, preflight
from sktorchsafe.exceptions import ModuleConfigError, PreflightWarning

rng = np.random.default_rng(0)
X = rng.normal(size=(500, 4)).astype(np.float32)
y = (X[:, 0] > 0).astype(np.int64)


def mlp(*last, hidden=16, activation=torch.nn.ReLU):
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(4, hidden), activation(), torch.nn.Linear(hidden, 2), *last
    )


broken = skorch.NeuralNetClassifier(mlp(torch.nn.LogSoftmax(dim=1)), verbose=0)
print(broken.fit(X, y).history[:, "train_loss"][:3])
found = preflight(broken, X, y)
print(found)

# %%
# Each finding has a severity, a kind, the layer (its name in
# ``module.named_modules()``) and the fix:
print([(f.severity, f.kind, f.layer) for f in found.findings])

# %%
# Saturated sigmoids and an oversized first step
# ----------------------------------------------
# Input a hundred times too large saturates the sigmoid after the first
# layer; with SGD at ``lr=50`` the first update is many times the size of
# the weights.
slow = skorch.NeuralNetClassifier(
    mlp(hidden=64, activation=torch.nn.Sigmoid),
    criterion=torch.nn.CrossEntropyLoss,
    lr=50,
    verbose=0,
)
report = preflight(slow, 100 * X, y)
print(report.summary())
for finding in report.findings:
    print(f"[{finding.severity}] {finding.kind} (layer {finding.layer!r})")

# %%
# ``report.layers`` holds what it measured, layer by layer, in the order of
# the forward pass:
print(report.layers[["type", "in_rms", "saturated", "dead", "out_grad_rms"]])

# %%
# The same measurements with the input standardized and a small learning
# rate, side by side:
fixed = preflight(
    skorch.NeuralNetClassifier(
        mlp(hidden=64, activation=torch.nn.Sigmoid),
        criterion=torch.nn.CrossEntropyLoss,
        lr=0.1,
        verbose=0,
    ),
    X,
    y,
)
print(fixed.summary())

fig, (ax_sat, ax_grad) = plt.subplots(1, 2, figsize=(11, 3.6))
layers = [f"{name} ({kind})" for name, kind in report.layers["type"].items()]
positions = np.arange(len(layers))
for offset, (label, table) in zip(
    (-0.2, 0.2), [("X x 100, lr=50", report), ("X, lr=0.1", fixed)], strict=True
):
    saturated = table.layers["saturated"].fillna(0)
    ax_sat.bar(positions + offset, saturated, 0.4, label=label)
    ax_grad.bar(positions + offset, table.layers["out_grad_rms"].fillna(0), 0.4)
ax_sat.set_title("share of saturated outputs")
ax_grad.set_title("gradient at each layer's output (RMS)")
ax_grad.set_yscale("log")
for ax in (ax_sat, ax_grad):
    ax.set_xticks(positions, layers, rotation=20)
ax_sat.legend()
fig.tight_layout()

# %%
# In the safe nets it runs by itself
# ----------------------------------
# :class:`~sktorchsafe.SafeNeuralNetClassifier` runs the same check at the
# start of every ``fit`` (the ``"preflight"`` callback): one
# :class:`~sktorchsafe.exceptions.PreflightWarning` lists what it found;
# ``callbacks__preflight__on_problem="raise"`` turns its errors into a
# :class:`~sktorchsafe.exceptions.ModuleConfigError`, and
# ``callbacks__preflight=None`` turns it off.
net = SafeNeuralNetClassifier(
    mlp(hidden=64, activation=torch.nn.Sigmoid), lr=50, max_epochs=2, verbose=0
)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    net.fit(100 * X, y)
print([w.category.__name__ for w in caught if issubclass(w.category, PreflightWarning)])

# With lr=5000 the first step is thousands of times the size of the weights,
# which preflight rates an error (above 100 times):
strict = SafeNeuralNetClassifier(
    mlp(),
    lr=5000,
    max_epochs=2,
    verbose=0,
    callbacks__preflight__on_problem="raise",
)
try:
    strict.fit(X, y)
except ModuleConfigError as error:
    print(error)
