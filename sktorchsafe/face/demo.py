"""``sktorchsafe demo``: plain skorch and the safe pipeline, side by side.

The main job on embedded real data (the Palmer penguins, with their genuine
missing values): the same small network trained by plain
``skorch.NeuralNetRegressor`` (``nan`` losses) and as
:class:`~sktorchsafe.SafeNeuralNetRegressor` inside
:func:`~sktorchsafe.make_safe_pipeline` (finite losses, a test score).

This module imports torch and skorch; the command line imports it only for
the ``demo`` command, so that ``sktorchsafe diagnose`` runs without them.
"""

import re
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from skorch import NeuralNetRegressor

__all__ = ["PenguinMLP", "run_demo"]

#: The colour codes of a terminal.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class PenguinMLP(torch.nn.Module):
    """The demo's network: ``n_features`` inputs, ``n_hidden`` ReLU units, 1 output."""

    def __init__(self, n_features=5, n_hidden=32):
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(n_features, n_hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(n_hidden, 1),
        )

    def forward(self, X):
        return self.layers(X)


def _safe_model(net):
    """The net inside sktorchsafe's standard pipeline."""
    from .pipeline import make_safe_pipeline

    return make_safe_pipeline(net)


def run_demo(*, epochs=30, png=None, seed=0, out=None):
    """Train plain skorch and the safe pipeline on the penguins, side by side.

    Prints the diagnosis of the embedded Palmer penguins data (regression of
    body mass on five measurements with genuine missing values), then trains
    the same small network twice, showing each epoch: with plain
    ``skorch.NeuralNetRegressor`` on the data cast to float32 (its losses are
    ``nan``), and as :class:`SafeNeuralNetRegressor` inside
    :func:`make_safe_pipeline` (finite losses, a test score). Ends with a
    side-by-side summary.

    Parameters
    ----------
    epochs : int, default=30
        Epochs for each net.
    png : str or Path, default=None
        A directory to save ``diagnosis.png`` and ``losses.png`` in
        (created if needed).
    seed : int, default=0
        Seeds the train/test split and torch.
    out : file-like, default=None
        Where to print; ``sys.stdout`` when None.

    Returns
    -------
    results : dict
        Per contender (``"plain skorch"``, ``"make_safe_pipeline"``): the
        train and valid losses per epoch, the test R² (NaN when the
        predictions are not finite), and the non-finite predictions count.
    """
    from sklearn.model_selection import train_test_split

    from ..datasets import load_penguins
    from ..training.nets import SafeNeuralNetRegressor
    from .diagnose import diagnose

    out = sys.stdout if out is None else out

    def say(*lines):
        print(*lines, sep="\n", file=out, flush=True)

    def say_wrapped(text, indent=""):
        say(textwrap.fill(text, width=88, subsequent_indent=indent))

    start = time.perf_counter()
    X, y = load_penguins(target="body_mass_g", return_X_y=True)
    say_wrapped(
        "sktorchsafe demo: the Palmer penguins (raw data, CC0), predicting body "
        f"mass in grams from {X.shape[1]} measurements: {', '.join(X.columns)}."
    )
    say("")
    report = diagnose(X, y, task="regression")
    say(str(report), "")

    keep = y.notna().to_numpy()
    say_wrapped(
        f"Dropping the {int((~keep).sum())} rows without a body mass (a pipeline "
        "cannot drop rows), then holding out 25% for testing."
    )
    X_train, X_test, y_train, y_test = train_test_split(
        X[keep], y[keep], test_size=0.25, random_state=seed
    )
    settings = {
        "module": PenguinMLP,
        "module__n_features": X.shape[1],
        "optimizer": torch.optim.Adam,
        "lr": 0.01,
        "batch_size": 32,
        "max_epochs": epochs,
    }

    colours = getattr(out, "isatty", lambda: False)()

    def sink(text):
        # skorch colours its epoch table; keep the colours for a terminal only.
        print(text if colours else _ANSI.sub("", text), file=out, flush=True)

    contenders = {}
    banner = "=" * 72
    say(
        "",
        banner,
        "1) plain skorch.NeuralNetRegressor on the same data, cast to float32 so",
        "   that it runs (X.to_numpy(np.float32), y as a float32 (n, 1) column)",
        banner,
    )
    torch.manual_seed(seed)
    plain = NeuralNetRegressor(verbose=0, **settings)
    plain.fit(X_train.to_numpy(np.float32), y_train.to_numpy(np.float32).reshape(-1, 1))
    losses = plain.history[:, "train_loss"]
    n_nan = int(np.sum(~np.isfinite(losses)))
    say(
        f"   epochs 1..{len(losses)}: train loss "
        + ", ".join(_fmt(v) for v in losses[:3])
        + f", ... ({n_nan} of {len(losses)} epochs nan)"
    )
    pred = plain.predict(X_test.to_numpy(np.float32)).ravel()
    contenders["plain skorch"] = _outcome(plain, pred, y_test, "grams²")
    say_wrapped(
        f"-> {int(X_train.isna().any(axis=1).sum())} training rows hold NaN: the "
        "first batch with one has a nan loss, its gradient makes every weight "
        "nan, and from then on every loss and every prediction is nan.",
        indent="   ",
    )

    say(
        "",
        banner,
        "2) the same net as SafeNeuralNetRegressor inside make_safe_pipeline,",
        "   on the DataFrame as loaded (losses in standardized target units)",
        banner,
    )
    torch.manual_seed(seed)
    net = SafeNeuralNetRegressor(callbacks__print_log__sink=sink, **settings)
    safe = _safe_model(net)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        safe.fit(X_train, y_train)
    for warning in caught:
        say(f"warning: {warning.message}")
    pred = safe.predict(X_test)
    contenders["make_safe_pipeline"] = _outcome(
        safe[-1], pred, y_test, "standardized target"
    )

    say("", _summary_table(contenders, n_test=len(y_test)))
    if png is not None:
        directory = Path(png)
        directory.mkdir(parents=True, exist_ok=True)
        _save_figure(report.plot(), directory / "diagnosis.png")
        _save_figure(_loss_figure(contenders), directory / "losses.png")
        say(
            "",
            f"wrote {directory / 'diagnosis.png'} and {directory / 'losses.png'}",
        )
    say(f"\n(demo ran in {time.perf_counter() - start:.1f} s)")
    return contenders


def _outcome(net, pred, y_test, loss_units):
    from sklearn.metrics import r2_score

    pred = np.asarray(pred, dtype=np.float64)
    finite = np.isfinite(pred)
    score = r2_score(y_test, pred) if finite.all() else np.nan
    return {
        "train_loss": np.asarray(net.history[:, "train_loss"], dtype=np.float64),
        "valid_loss": np.asarray(net.history[:, "valid_loss"], dtype=np.float64),
        "test_r2": float(score),
        "n_nonfinite": int((~finite).sum()),
        "loss_units": loss_units,
    }


def _summary_table(contenders, n_test):
    from .report import text_table

    results = list(contenders.values())

    def row(label, cell):
        return (label, *(cell(result) for result in results))

    table = text_table(
        [
            ("", *contenders),
            row("last train loss", lambda r: _fmt(r["train_loss"][-1])),
            row("last valid loss", lambda r: _fmt(r["valid_loss"][-1])),
            row(
                "finite epochs",
                lambda r: (
                    f"{np.isfinite(r['train_loss']).sum()} of {len(r['train_loss'])}"
                ),
            ),
            row("non-finite predictions", lambda r: f"{r['n_nonfinite']} of {n_test}"),
            row("test R²", lambda r: _fmt(r["test_r2"], "n/a")),
        ]
    )
    return f"side by side (test set of the penguins):\n{table}"


def _fmt(value, nan="nan"):
    return nan if not np.isfinite(value) else f"{value:.4g}"


def _loss_figure(contenders):
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(11, 4), layout="constrained")
    axes = fig.subplots(1, len(contenders))
    for ax, (name, result) in zip(axes, contenders.items(), strict=True):
        epochs = np.arange(1, len(result["train_loss"]) + 1)
        for key, style in (("train_loss", "-"), ("valid_loss", "--")):
            ax.plot(epochs, result[key], style, label=key.replace("_", " "))
        finite = np.isfinite(result["train_loss"])
        if not finite.any():
            ax.set_xlim(1, max(2, len(epochs)))
            ax.set_yticks([])
            ax.text(
                0.5,
                0.5,
                "every loss is nan:\nnothing to draw",
                transform=ax.transAxes,
                ha="center",
                va="center",
                color="#c0392b",
                fontsize="large",
            )
        else:
            ax.legend()
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(f"loss (MSE, {result['loss_units']})")
    fig.suptitle("Palmer penguins, body mass: the same net, plain vs. safe")
    return fig


def _save_figure(figure, path):
    # As the command line's diagnose --png saves its figure.
    figure.savefig(path, dpi=110)
