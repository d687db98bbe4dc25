"""preflight's cost against training, and what it says against SkorchDoctor and
``torch.autograd.detect_anomaly`` on broken nets.

Cost: an MLP 50 -> 128 -> 128 -> 1 (batch 256) on 100,000 rows (10,000 with
``--quick``). Interleaved runs of: the :class:`~sktorchsafe.Preflight`
callback's check as a safe net runs it at the start of ``fit`` (256 rows,
one forward and one backward pass with hooks); one epoch of the same net; and
a 10-epoch ``fit`` of :class:`~sktorchsafe.SafeNeuralNetRegressor` with the
check (the default) and without it (``callbacks__preflight=None``). The
ratios are CPU times of this process (one torch thread), which a shared
machine disturbs less than the wall clock; the check's share of the 10-epoch
fit is its own median over the fit's. Target: <= 5% of the 10-epoch fit.
The difference between the two fits is also shown: it is the check plus the
noise of two long runs.

Detail: two nets that show NaN or diverge, each looked at by ``preflight``
(one call, before training), skorch's ``SkorchDoctor`` (records activations,
gradients and updates per layer over a fit on a sample, and plots them) and
one epoch under ``torch.autograd.set_detect_anomaly(True)`` (raises at the
first backward operation that returns NaN). The table shows each tool's time
and the first line of what it tells the user.
"""

import gc
import statistics
import time
import warnings

import numpy as np
import torch
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.helper import SkorchDoctor

from sktorchsafe import Preflight, SafeNeuralNetRegressor, preflight

from ._common import print_table, time_interleaved
from ._nets import MLP

#: Rows (full and ``--quick``), features, batch size, interleaved runs.
N_ROWS, QUICK_ROWS, N_FEATURES, BATCH_SIZE = 100_000, 10_000, 50, 256
REPEAT, QUICK_REPEAT = 5, 3
#: Epochs of the fit the check is weighed against.
N_EPOCHS = 10
#: Rows the detail tools train on.
DETAIL_ROWS = 2_000
#: Torch intra-op threads during the runs.
THREADS = 1


def _mlp(n_out=1):
    """A fresh MLP 50 -> 128 -> 128 -> ``n_out`` (an instance: preflight's subject)."""
    return MLP(N_FEATURES, n_out, hidden=128)


def run(quick=False, repeat=None):
    threads = torch.get_num_threads()
    torch.set_num_threads(THREADS)
    try:
        rows = _cost(quick, repeat)
        rows += _detail()
        return rows
    finally:
        torch.set_num_threads(threads)


# ---------------------------------------------------------------- cost
def _cost(quick, repeat):
    n_rows = QUICK_ROWS if quick else N_ROWS
    repeat = repeat or (QUICK_REPEAT if quick else REPEAT)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_rows, N_FEATURES), dtype=np.float32)
    y = (X[:, :5].sum(axis=1) + 0.1).astype(np.float32)
    torch.manual_seed(0)
    params = {
        "max_epochs": N_EPOCHS,
        "batch_size": BATCH_SIZE,
        "lr": 1e-3,
        "optimizer": torch.optim.Adam,
        "train_split": None,
        "verbose": 0,
    }
    # The check as the callback runs it: on the net, the data as fit has it.
    checked = SafeNeuralNetRegressor(_mlp(), **params)
    checked.partial_fit(X[:BATCH_SIZE], y[:BATCH_SIZE])  # the data attributes
    checked.initialize_history()  # the callback checks a fit at its start
    Xp, yp = checked._prepare_X(X, reset=False), checked._prepare_y(y, reset=False)
    callback = Preflight().initialize()
    epoch_net = NeuralNetRegressor(_mlp(), **{**params, "max_epochs": 1})
    epoch_net.initialize()

    def check():
        callback.on_train_begin(checked, X=Xp, y=yp)

    contenders = {
        "preflight (256 rows)": check,
        "one epoch": lambda: epoch_net.partial_fit(X, y[:, None]),
        f"{N_EPOCHS}-epoch fit, no preflight": lambda: SafeNeuralNetRegressor(
            _mlp(), callbacks__preflight=None, **params
        ).fit(X, y),
        f"{N_EPOCHS}-epoch fit (preflight on)": lambda: SafeNeuralNetRegressor(
            _mlp(), **params
        ).fit(X, y),
    }
    for name, func in contenders.items():  # warm-up (not the long fits)
        if "fit" not in name:
            func()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wall, cpu = time_interleaved(contenders, repeat)
    median = {name: statistics.median(values) for name, values in cpu.items()}
    names = list(contenders)
    fit = median[names[2]]
    label = f"{n_rows}x{N_FEATURES} bs={BATCH_SIZE}"
    rows = [
        {
            "case": label,
            "contender": name,
            "median_s": statistics.median(wall[name]),
            "min_s": min(wall[name]),
            "cpu_median_s": median[name],
            "share_of_fit": median[name] / fit,
        }
        for name in contenders
    ]
    print_table(
        rows,
        f"preflight's cost (CPU time of {THREADS} torch thread; share_of_fit = "
        f"median / the {N_EPOCHS}-epoch fit's without preflight; target: "
        "preflight <= 0.05)",
        columns=(
            ("case", "{}"),
            ("contender", "{}"),
            ("median_s", "{:.4f}"),
            ("min_s", "{:.4f}"),
            ("cpu_median_s", "{:.4f}"),
            ("share_of_fit", "{:.4f}"),
        ),
    )
    check_s, epoch_s = median[names[0]], median[names[1]]
    print(
        f"preflight = {check_s / epoch_s:.1%} of one epoch, "
        f"{check_s / fit:.2%} of the {N_EPOCHS}-epoch fit; "
        f"fit with / without preflight: {median[names[3]] / fit:.3f} "
        "(the check plus the noise of two long runs)"
    )
    print(f"what it found on this net: {callback.report_.summary()}")
    return rows


# -------------------------------------------------------------- detail
def _broken_nets():
    """``(name, net factory, X, y)`` of nets that show NaN or diverge."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((DETAIL_ROWS, N_FEATURES), dtype=np.float32)
    labels = (X[:, 0] > 0).astype(np.int64)
    target = (X[:, :5].sum(axis=1, keepdims=True)).astype(np.float32)
    unscaled = X * 1000 + 500
    return [
        (
            "logits into skorch's default NLLLoss",
            lambda: NeuralNetClassifier(
                _mlp(n_out=2), max_epochs=1, train_split=None, verbose=0
            ),
            X,
            labels,
        ),
        (
            "SGD lr=10 on unscaled X",
            lambda: NeuralNetRegressor(
                _mlp(),
                optimizer=torch.optim.SGD,
                lr=10.0,
                max_epochs=1,
                train_split=None,
                verbose=0,
            ),
            unscaled,
            target,
        ),
    ]


def _first_line(text, width=140):
    line = str(text).strip().splitlines()[0] if str(text).strip() else ""
    return line if len(line) <= width else line[: width - 3] + "..."


def _by_preflight(make, X, y):
    report = preflight(make(), X, y)
    if not report.findings:
        return "no finding"
    first = report.findings[0]
    return (
        f"{len(report.findings)} finding(s); [{first.severity}] layer "
        f"{first.layer!r}: {first.message} Fix: {first.fix}"
    )


def _by_doctor(make, X, y):
    doctor = SkorchDoctor(make())
    doctor.fit(X, y)
    grads = doctor.gradient_recs_["module"]
    n_layers = len(doctor.activation_recs_["module"][0])
    nan = sum(
        not all(np.isfinite(value).all() for value in step.values()) for step in grads
    )
    return (
        f"records of {n_layers} layers' activations, gradients and updates over "
        f"{len(grads)} batches ({nan} with non-finite gradients), to plot; "
        "no finding"
    )


def _by_anomaly(make, X, y):
    net = make()
    try:
        with torch.autograd.set_detect_anomaly(True):
            net.fit(X, y)
    except RuntimeError as exc:
        return f"RuntimeError: {exc}"
    loss = net.history[-1, "train_loss"]
    return f"no error; the epoch's train_loss is {loss:.3g}"


def _detail():
    rows = []
    tools = {
        "preflight": _by_preflight,
        "SkorchDoctor": _by_doctor,
        "detect_anomaly": _by_anomaly,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for case, make, X, y in _broken_nets():
            for tool, look in tools.items():
                gc.collect()
                start = time.perf_counter()
                said = look(make, X, y)
                wall = time.perf_counter() - start
                rows.append({"case": case, "tool": tool, "wall_s": wall, "says": said})
    print_table(
        [{**row, "says": _first_line(row["says"])} for row in rows],
        f"What each tool tells about a broken net ({DETAIL_ROWS} rows, 1 epoch "
        "for SkorchDoctor and detect_anomaly; preflight: 256 rows, no training)",
        columns=(
            ("case", "{}"),
            ("tool", "{}"),
            ("wall_s", "{:.3f}"),
            ("says", "{}"),
        ),
    )
    return rows
