"""What every suite shares: sizes, data, interleaved timing, ratios, peak memory.

Timings are noisy on shared machines, so each comparison runs its contenders
*interleaved* (ours, theirs, ours, theirs, ...) ``repeat`` times and reports the
median and the minimum; the ratio is ours / theirs of the medians.
"""

import gc
import statistics
import time
import tracemalloc

import numpy as np

#: The standard benchmark shape (rows, features).
N_ROWS, N_FEATURES = 1_000_000, 50
#: The shape used by ``--quick`` smoke runs.
QUICK_ROWS, QUICK_FEATURES = 20_000, 20
#: Interleaved runs per row by default (and with ``--quick``).
REPEAT, QUICK_REPEAT = 7, 2


def sizes(quick):
    """``(n_rows, n_features, repeat)`` for a full or a quick run."""
    if quick:
        return QUICK_ROWS, QUICK_FEATURES, QUICK_REPEAT
    return N_ROWS, N_FEATURES, REPEAT


def make_data(n_rows, n_features, *, nan_share=0.0, dtype=np.float64, seed=0):
    """Gaussian data on mixed scales with ``nan_share`` of the cells NaN."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, n_features), dtype=np.float64)
    X *= np.logspace(-2, 3, n_features)
    X += np.linspace(-50, 50, n_features)
    if nan_share:
        X[rng.random(X.shape) < nan_share] = np.nan
    return X.astype(dtype, copy=False)


def time_wall_cpu(func):
    """(wall seconds, CPU seconds of this process) of one call."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    func()
    return time.perf_counter() - wall, time.process_time() - cpu


def time_once(func):
    return time_wall_cpu(func)[0]


def time_interleaved(contenders, repeat):
    """Wall and CPU seconds of each of ``contenders``, run interleaved.

    Returns ``(wall, cpu)``, each ``{name: [seconds of each run]}``.
    """
    wall = {name: [] for name in contenders}
    cpu = {name: [] for name in contenders}
    for _ in range(repeat):
        for name, func in contenders.items():
            w, c = time_wall_cpu(func)
            wall[name].append(w)
            cpu[name].append(c)
    return wall, cpu


def peak_memory(func):
    """Peak bytes allocated (numpy allocations included) while ``func`` runs."""
    gc.collect()
    tracemalloc.start()
    try:
        func()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def compare(label, contenders, repeat, *, memory=True):
    """Time ``contenders`` (``{name: callable}``, ours first) interleaved.

    Returns a list of result dicts, one per contender, with the median, the
    minimum, the ratio of our median to theirs and the peak memory.
    """
    times = {name: [] for name in contenders}
    for _ in range(repeat):
        for name, func in contenders.items():
            times[name].append(time_once(func))
    ours = next(iter(contenders))
    base = statistics.median(times[ours])
    rows = []
    for name, func in contenders.items():
        median = statistics.median(times[name])
        rows.append(
            {
                "case": label,
                "contender": name,
                "median_s": median,
                "min_s": min(times[name]),
                "ours/this": base / median if median else float("nan"),
                "peak_MiB": peak_memory(func) / 2**20 if memory else float("nan"),
            }
        )
    return rows


#: The columns of :func:`print_table`: (row key, format).
COLUMNS = (
    ("case", "{}"),
    ("contender", "{}"),
    ("median_s", "{:.4f}"),
    ("min_s", "{:.4f}"),
    ("ours/this", "{:.2f}"),
    ("peak_MiB", "{:.0f}"),
)


def print_table(rows, title=None, columns=COLUMNS):
    """Print result rows as an aligned plain-text table of ``columns``."""
    if title:
        print(f"\n{title}")
    header = [key for key, _ in columns]
    cells = [header] + [[fmt.format(row[key]) for key, fmt in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    for k, line in enumerate(cells):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))
        if k == 0:
            print("  ".join("-" * w for w in widths))
