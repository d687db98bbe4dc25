"""NonFiniteGuard's cost per epoch, next to plain skorch and anomaly detection.

One epoch of an MLP 50 -> 128 -> 128 -> 1 (batch 256, 100,000 rows) with:
plain skorch; skorch + ``NonFiniteGuard(check_gradients=False)`` (the loss
only); skorch + ``NonFiniteGuard()`` (loss and every gradient); and plain
skorch under ``torch.autograd.set_detect_anomaly(True)``, the tool PyTorch
offers for the same question.  Runs are interleaved; the ratio column is each
contender's median over plain skorch's (1.02 = 2% slower).  A second plain
skorch net (the A/A control) shows how much of a ratio is noise.

Targets: the guard costs <= 2% with the loss only and <= 6% with gradients.

Torch runs on ``THREADS`` intra-op thread(s) and each run is timed twice: by
the wall clock (``median_s``, ``min_s``) and by the CPU time of the process
(``cpu_median_s``), which the ratio uses.  On a small machine shared with
other jobs, wall time mostly measures the waiting; the CPU time of one
thread measures the work.  The guard's cost is a fixed amount per batch, so
the suite also prints it in microseconds per batch, next to the time of a
plain batch, to carry the result over to other hardware (where a batch is
shorter, the same cost weighs more), and measures it a second way, free of
the machine's noise: the time spent inside the guard's own code (its hook
and callbacks) per batch, over one more epoch.
"""

import statistics
import time

import numpy as np
import torch
from skorch import NeuralNetRegressor

from sktorchsafe import NonFiniteGuard

from ._common import print_table, time_interleaved
from ._nets import MLP

#: Rows (full and ``--quick``), features, batch size, interleaved runs.
N_ROWS, QUICK_ROWS, N_FEATURES, BATCH_SIZE = 100_000, 10_000, 50, 256
REPEAT, QUICK_REPEAT = 7, 3
#: Torch intra-op threads during the runs.
THREADS = 1


class _TimedGuard(NonFiniteGuard):
    """The guard, adding up the time spent in its own code (hook included)."""

    def initialize(self):
        self.spent_ = 0.0
        return super().initialize()

    def _timed(self, method, *args, **kwargs):
        start = time.perf_counter()
        method(*args, **kwargs)
        self.spent_ += time.perf_counter() - start

    def _store_loss(self, *args):
        self._timed(super()._store_loss, *args)

    def on_batch_begin(self, net, **kwargs):
        self._timed(super().on_batch_begin, net, **kwargs)

    def on_grad_computed(self, net, named_parameters, **kwargs):
        self._timed(super().on_grad_computed, net, named_parameters, **kwargs)

    def on_batch_end(self, net, **kwargs):
        self._timed(super().on_batch_end, net, **kwargs)


def _in_guard_cost(X, y, check_gradients):
    """Microseconds per batch spent inside the guard over one epoch."""
    guard = _TimedGuard(check_gradients=check_gradients)
    net = _net([guard])
    net.partial_fit(X, y)  # warm-up
    guard.spent_ = 0.0
    net.partial_fit(X, y)
    return guard.spent_ / -(-len(X) // BATCH_SIZE) * 1e6


def _net(callbacks):
    net = NeuralNetRegressor(
        MLP,
        module__in_features=N_FEATURES,
        module__out_features=1,
        module__hidden=128,
        max_epochs=1,
        batch_size=BATCH_SIZE,
        lr=1e-3,
        train_split=None,
        callbacks=callbacks,
        verbose=0,
    )
    return net.initialize()


def _epoch(net, X, y, anomaly=False):
    def run():
        with torch.autograd.set_detect_anomaly(anomaly):
            net.partial_fit(X, y)

    return run


def run(quick=False, repeat=None):
    threads = torch.get_num_threads()
    torch.set_num_threads(THREADS)
    try:
        return _run(quick, repeat)
    finally:
        torch.set_num_threads(threads)


def _run(quick, repeat):
    n_rows = QUICK_ROWS if quick else N_ROWS
    repeat = repeat or (QUICK_REPEAT if quick else REPEAT)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_rows, N_FEATURES), dtype=np.float32)
    y = (X[:, :5].sum(axis=1, keepdims=True) + 0.1).astype(np.float32)
    torch.manual_seed(0)
    contenders = {
        "skorch": _epoch(_net(None), X, y),
        # The same plain net again: its ratio is the noise of the measurement.
        "skorch (A/A control)": _epoch(_net(None), X, y),
        "+ guard (loss)": _epoch(_net([NonFiniteGuard(check_gradients=False)]), X, y),
        "+ guard (loss+grads)": _epoch(_net([NonFiniteGuard()]), X, y),
        "detect_anomaly": _epoch(_net(None), X, y, anomaly=True),
    }
    for func in contenders.values():  # warm-up: allocator, autograd engine
        func()
    wall, cpu = time_interleaved(contenders, repeat)
    cpu_median = {name: statistics.median(values) for name, values in cpu.items()}
    base = cpu_median["skorch"]
    label = f"epoch {n_rows}x{N_FEATURES} bs={BATCH_SIZE}"
    rows = [
        {
            "case": label,
            "contender": name,
            "median_s": statistics.median(wall[name]),
            "min_s": min(wall[name]),
            "cpu_median_s": cpu_median[name],
            "ratio": cpu_median[name] / base,
        }
        for name in contenders
    ]
    _print(rows)
    n_batches = -(-n_rows // BATCH_SIZE)
    per_batch = {name: value / n_batches * 1e6 for name, value in cpu_median.items()}
    extra = ", ".join(
        f"{name} {per_batch[name] - per_batch['skorch']:+.1f} us"
        for name in list(contenders)[1:]
    )
    print(f"CPU per batch: plain skorch {per_batch['skorch']:.0f} us; {extra}")
    # The same cost measured inside the guard, free of the machine's noise.
    inside = {
        "loss": _in_guard_cost(X, y, check_gradients=False),
        "loss+grads": _in_guard_cost(X, y, check_gradients=True),
    }
    print(
        "time inside the guard per batch: "
        + ", ".join(
            f"{name} {cost:.1f} us ({cost / per_batch['skorch']:.1%} of a batch)"
            for name, cost in inside.items()
        )
    )
    return rows


def _print(rows):
    print_table(
        rows,
        "NonFiniteGuard overhead per epoch (ratio = CPU time / plain skorch's; "
        f"targets: loss <= 1.02, loss+grads <= 1.06; {THREADS} torch thread)",
        columns=(
            ("case", "{}"),
            ("contender", "{}"),
            ("median_s", "{:.4f}"),
            ("min_s", "{:.4f}"),
            ("cpu_median_s", "{:.4f}"),
            ("ratio", "{:.3f}"),
        ),
    )
