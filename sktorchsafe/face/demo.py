"""``sktorchsafe demo``: plain skorch and the safe pipeline, side by side.

The main job on embedded real data (the whole Palmer penguins table: text,
dates and measurements, with their genuine missing values): the same small
network trained by plain ``skorch.NeuralNetRegressor`` on the table encoded by
hand (``nan`` losses) and as :class:`~sktorchsafe.SafeNeuralNetRegressor`
inside :func:`~sktorchsafe.make_safe_pipeline` on the table as loaded (finite
losses, a test score).

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
    """The demo's network: ``n_features`` inputs, ``n_hidden`` ReLU units, 1 output.

    ``n_features`` has no default: plain skorch needs it given
    (``module__n_features``), the safe nets learn it from X.
    """

    def __init__(self, n_features, n_hidden=32):
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

    Prints the diagnosis of the embedded Palmer penguins table (regression of
    body mass on the whole table: species, island, sex, clutch completion,
    the egg date and five measurements, with genuine missing values), then
    trains the same small network twice, showing each epoch: with plain
    ``skorch.NeuralNetRegressor`` on the table encoded by hand
    (``pandas.get_dummies``, the date as days, cast to float32; its losses
    are ``nan``), and as :class:`SafeNeuralNetRegressor` inside
    :func:`make_safe_pipeline` on the DataFrame as loaded (finite losses, a
    test score). Ends with a side-by-side summary, and the score of the
    same pipeline on the measurements alone.

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
        Per contender (``"plain skorch"``, ``"make_safe_pipeline"``, and
        ``"measurements only"``, the pipeline on the five measurements): the
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
    X, y = load_penguins(target="body_mass_g", numeric_only=False, return_X_y=True)
    measurements = list(X.select_dtypes("number").columns)
    others = [name for name in X.columns if name not in measurements]
    say_wrapped(
        "sktorchsafe demo: the Palmer penguins (raw data, CC0), predicting body "
        f"mass in grams from the whole table: {len(others)} columns of text and "
        f"dates ({', '.join(others)}) and {len(measurements)} measurements "
        f"({', '.join(measurements)})."
    )
    say("")
    report = diagnose(X, y, task="regression")
    say(str(report), "")

    keep = y.notna().to_numpy()
    say_wrapped(
        f"Dropping the {int((~keep).sum())} rows without a body mass (a pipeline "
        "cannot drop rows), then holding out 25% for testing."
    )
    X, y = X[keep], y[keep]
    by_hand = _encode_by_hand(X)
    train, test = train_test_split(np.arange(len(y)), test_size=0.25, random_state=seed)
    X_train, X_test = X.iloc[train], X.iloc[test]
    y_train, y_test = y.iloc[train], y.iloc[test]
    settings = {
        "module": PenguinMLP,
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
        "1) plain skorch.NeuralNetRegressor on the same table, made numeric by",
        "   hand so that it runs: pandas.get_dummies for the text columns, the",
        "   date as days since 1970, cast to float32 (X), y a float32 (n, 1) column",
        banner,
    )
    torch.manual_seed(seed)
    plain = NeuralNetRegressor(
        verbose=0, module__n_features=by_hand.shape[1], **settings
    )
    plain.fit(by_hand[train], y_train.to_numpy(np.float32).reshape(-1, 1))
    losses = plain.history[:, "train_loss"]
    n_nan = int(np.sum(~np.isfinite(losses)))
    say(
        f"   epochs 1..{len(losses)}: train loss "
        + ", ".join(_fmt(v) for v in losses[:3])
        + f", ... ({n_nan} of {len(losses)} epochs nan)"
    )
    pred = plain.predict(by_hand[test]).ravel()
    contenders["plain skorch"] = _outcome(plain, pred, y_test, "grams²")
    say_wrapped(
        f"-> {int(np.isnan(by_hand[train]).any(axis=1).sum())} training rows hold "
        "NaN (missing measurements): the "
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
    # No module__n_features: the net learns the encoded table's width.
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

    # What the text and date columns bring: the same, on the measurements.
    torch.manual_seed(seed)
    alone = _safe_model(SafeNeuralNetRegressor(verbose=0, **settings))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # shown above for the whole table
        alone.fit(X_train[measurements], y_train)
    pred = alone.predict(X_test[measurements])
    measured = _outcome(alone[-1], pred, y_test, "standardized target")

    say("", _summary_table(contenders, n_test=len(y_test)))
    gain = contenders["make_safe_pipeline"]["test_r2"] - measured["test_r2"]
    say("")
    say_wrapped(
        f"The same pipeline on the {len(measurements)} measurements alone reaches "
        f"test R² {_fmt(measured['test_r2'], 'n/a')}: the text and date columns "
        f"change it by {gain:+.3f}."
    )
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
    return {**contenders, "measurements only": measured}


def _encode_by_hand(X):
    """The table as one encodes it for plain skorch: float32 numbers, NaN kept."""
    import pandas as pd

    days = (X["date_egg"] - pd.Timestamp("1970-01-01")).dt.days
    numbers = pd.get_dummies(X.assign(date_egg=days), dtype=np.float32)
    return numbers.to_numpy(np.float32)


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
