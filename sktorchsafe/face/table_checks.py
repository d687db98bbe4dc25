"""The table-wide checks of :func:`~sktorchsafe.diagnose` that no step makes.

Duplicate rows and columns, zero-inflated and skewed features, features that
nearly equal the target (a leak), and what the columns that are not numbers
hold (dates, identifiers, many-valued categories: the kinds
:class:`~sktorchsafe.TableEncoder` reads with :mod:`sktorchsafe.core.frames`).
Each function returns a list of findings; the numbers come from one sample
of rows where a full pass would cost more than the finding is worth.
"""

import warnings

import numpy as np
import pandas as pd

from ..core.frames import profile_column
from ..core.messages import (
    agree,
    describe,
    fix_for,
    plural,
    step_for,
)
from ..core.stats import sample_rows
from .report import DiagnosisFinding

__all__ = [
    "column_kind_findings",
    "distribution_findings",
    "duplicate_findings",
    "half_precision_findings",
    "row_index_findings",
]

#: Rows of the sample the distributions (and the column hashes) are read on:
#: a skewness or a share of zeros is known to about 1% from 20,000 rows.
SAMPLE = 20_000

#: Columns a first hash of the rows is taken on (see :func:`_repeated_rows`).
ROW_KEY_COLUMNS = 4

#: A feature with more than this share of zeros (and other values too) is
#: zero-inflated.
ZERO_SHARE = 0.5

#: A feature whose sample skewness is beyond this is skewed (|skew| > 2 is
#: the usual "highly skewed" line; the outlier fences catch the tails).
SKEW_LIMIT = 2.0

#: A feature whose correlation with a numeric target is beyond this may leak it.
LEAK_CORRELATION = 0.999

#: Rows below which a correlation says too little to call a leak.
LEAK_MIN_ROWS = 30

#: Rows below which counting 1, 2, 3, ... may be a coincidence.
ROW_INDEX_MIN_ROWS = 20

#: The largest finite float16 value (float32 and bfloat16 reach 3.4e38).
FLOAT16_MAX = float(np.finfo(np.float16).max)


def _finding(kind, severity, columns, message, **counts):
    return DiagnosisFinding(
        kind,
        severity,
        tuple(columns),
        message,
        fix_for(kind),
        step=step_for(kind),
        **counts,
    )


def duplicate_findings(frame):
    """Rows that repeat another row, and columns that repeat another column."""
    findings = []
    if frame.shape[0] > 1:
        repeated = _repeated_rows(frame)
        if repeated.any():
            rows = np.flatnonzero(repeated)
            findings.append(
                _finding(
                    "duplicate_rows",
                    "warning",
                    (),
                    f"{plural(rows.size, 'row')} of X repeat an earlier row "
                    f"exactly: {describe(rows)}. "
                    "Copies on both sides of a split "
                    "make validation scores too good.",
                    n_rows=int(rows.size),
                )
            )
    if frame.shape[1] > 1 and frame.shape[0]:
        # Columns are grouped by the hash of a sample of their rows; only the
        # columns that agree there are compared in full.
        rows = sample_rows(frame.shape[0], SAMPLE, random_state=0)
        sample = frame if rows is None else frame.iloc[rows]
        hashes = {}
        for j in range(frame.shape[1]):
            key = int(_hash(sample.iloc[:, j]).sum())
            hashes.setdefault(key, []).append(j)
        pairs = []
        for group in hashes.values():
            first = frame.iloc[:, group[0]]
            for j in group[1:]:
                if first.equals(frame.iloc[:, j]):
                    pairs.append((frame.columns[group[0]], frame.columns[j]))
        if pairs:
            findings.append(
                _finding(
                    "duplicate_columns",
                    "info",
                    [str(copy) for _, copy in pairs],
                    f"{plural(len(pairs), 'column')} repeat another column: "
                    + describe([f"{b!r} = {a!r}" for a, b in pairs])
                    + ".",
                )
            )
    return findings


def _hash(values):
    """A 64-bit hash per row of a Series or DataFrame (unhashable cells as text)."""
    try:
        return pd.util.hash_pandas_object(values, index=False)
    except TypeError:  # lists, dicts
        return pd.util.hash_pandas_object(values.astype(str), index=False)


def _repeated_rows(frame):
    """Whether each row repeats an earlier one.

    Rows that repeat agree on every column, so the rows are first hashed on
    the few columns with the most distinct values in a sample (cheap, and
    nearly as selective as all of them); only the rows whose hash repeats
    are compared in full.
    """
    rows = sample_rows(frame.shape[0], SAMPLE, random_state=0)
    sample = frame if rows is None else frame.iloc[rows]
    distinct = []
    for j in range(frame.shape[1]):
        try:
            distinct.append(sample.iloc[:, j].nunique(dropna=False))
        except TypeError:  # unhashable cells
            distinct.append(0)
    keys = np.argsort(distinct, kind="stable")[::-1][:ROW_KEY_COLUMNS]
    hashed = _hash(frame.iloc[:, np.sort(keys)]).to_numpy()
    candidates = pd.Series(hashed).duplicated(keep=False).to_numpy()
    repeated = np.zeros(frame.shape[0], dtype=bool)
    if candidates.any():
        subset = frame.iloc[np.flatnonzero(candidates)]
        try:
            again = subset.duplicated(keep="first").to_numpy()
        except TypeError:
            again = subset.astype(str).duplicated(keep="first").to_numpy()
        repeated[np.flatnonzero(candidates)] = again
    return repeated


def distribution_findings(X, names, y=None):
    """Zero-inflated and skewed features, and features that nearly equal y.

    Measured on a sample of at most :data:`SAMPLE` rows (every row when there
    are fewer), as the outlier shares are.
    """
    findings = []
    rows = sample_rows(X.shape[0], SAMPLE, random_state=0)
    if rows is not None:
        X = X[rows]
        y = None if y is None else np.asarray(y)[rows]
    finite = np.where(np.isfinite(X), X, np.nan)
    n_present = np.count_nonzero(~np.isnan(finite), axis=0)
    zeros = np.count_nonzero(finite == 0, axis=0)
    share = np.divide(zeros, n_present, out=np.zeros(X.shape[1]), where=n_present > 0)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        nonzero = np.where(finite == 0, np.nan, finite)
        # Zeros and at least two other values: more than an indicator.
        varied = np.nanmin(nonzero, axis=0) < np.nanmax(nonzero, axis=0)
        skew = _skewness(finite)
    inflated = np.flatnonzero((share > ZERO_SHARE) & varied)
    if inflated.size:
        parts = [f"{names[j]!r} ({share[j]:.0%} zeros)" for j in inflated]
        findings.append(
            _finding(
                "zero_inflated",
                "info",
                [names[j] for j in inflated],
                f"{plural(inflated.size, 'feature')} {agree(inflated, 'is', 'are')}"
                f" mostly zeros with other values beside: {describe(parts)}.",
                n_cells=int(zeros[inflated].sum()),
            )
        )
    skewed = np.flatnonzero(np.isfinite(skew) & (np.abs(skew) > SKEW_LIMIT))
    skewed = np.setdiff1d(skewed, inflated)
    if skewed.size:
        parts = [f"{names[j]!r} (skewness {skew[j]:+.1f})" for j in skewed]
        findings.append(
            _finding(
                "skewed",
                "info",
                [names[j] for j in skewed],
                f"{plural(skewed.size, 'feature')} {agree(skewed, 'has', 'have')}"
                f" a long tail on one side: {describe(parts)}.",
            )
        )
    if y is not None and len(y) >= LEAK_MIN_ROWS:
        target = np.asarray(y, dtype=np.float64).reshape(len(y), -1)[:, 0]
        leaks = []
        for j in range(X.shape[1]):
            r = _correlation(finite[:, j], target)
            if abs(r) > LEAK_CORRELATION:
                leaks.append((j, r))
        if leaks:
            parts = [f"{names[j]!r} (correlation {r:+.4f})" for j, r in leaks]
            findings.append(
                _finding(
                    "leakage",
                    "warning",
                    [names[j] for j, _ in leaks],
                    f"{plural(len(leaks), 'feature')} "
                    f"{agree(leaks, 'almost equals', 'almost equal')} the target: "
                    f"{describe(parts)}. A feature that is the target in "
                    "disguise scores well in validation and fails in use.",
                )
            )
    return findings


def row_index_findings(X, names):
    """Numeric columns that number the rows: 0 or 1, then one more per row.

    A saved row index (``DataFrame.to_csv`` without ``index=False``, R's
    ``write.csv``, read back as ``'Unnamed: 0'``) is not a measurement: it
    orders the rows, so a net learns whatever the file was sorted by, which
    a shuffled split hides and new data does not have.
    """
    n = X.shape[0]
    if n < ROW_INDEX_MIN_ROWS:
        return []
    first, last = X[0], X[-1]
    with np.errstate(invalid="ignore"):  # inf - inf in a column of ±inf
        in_steps = np.isin(first, (0, 1)) & (last - first == n - 1)
    candidates = np.flatnonzero(in_steps)
    steps = np.arange(n)
    found = [j for j in candidates if np.array_equal(X[:, j], first[j] + steps)]
    if not found:
        return []
    parts = [f"{names[j]!r} ({first[j]:.0f} to {last[j]:.0f})" for j in found]
    return [
        _finding(
            "row_index",
            "warning",
            [names[j] for j in found],
            f"{plural(len(found), 'column')} {agree(found, 'numbers', 'number')} "
            f"the rows in order: {describe(parts)}. A saved row index is not a "
            "measurement: a net learns from it whatever order the rows were "
            "saved in, which a shuffled split hides and new data does not have.",
        )
    ]


def _correlation(x, y):
    """Pearson's correlation over the rows where both are finite (0 if undefined)."""
    both = np.isfinite(x) & np.isfinite(y)
    if both.sum() < 3:
        return 0.0
    x, y = x[both].astype(np.float64), y[both].astype(np.float64)
    x = x / (np.abs(x).max() or 1.0)  # scaled first: 1e308 cannot overflow
    y = y / (np.abs(y).max() or 1.0)
    x, y = x - x.mean(), y - y.mean()
    denominator = np.sqrt(np.sum(x * x) * np.sum(y * y))
    return float(np.sum(x * y) / denominator) if denominator > 0 else 0.0


def _skewness(X):
    """The sample skewness of each column's finite values (NaN left out).

    Scale-free, so each column is divided by its largest magnitude first and
    1e308 cannot overflow; NaN for a column with fewer than 3 values or no
    spread. Call under ``np.errstate`` and with RuntimeWarnings ignored.
    """
    largest = np.nanmax(np.abs(X), axis=0)
    scaled = X / np.where(largest > 0, largest, 1.0)
    centered = scaled - np.nanmean(scaled, axis=0)
    m2 = np.nanmean(centered**2, axis=0)
    m3 = np.nanmean(centered**3, axis=0)
    enough = (np.count_nonzero(~np.isnan(X), axis=0) >= 3) & (
        m2 > np.finfo(np.float64).tiny
    )
    return np.where(enough, m3 / np.where(enough, m2, 1.0) ** 1.5, np.nan)


def column_kind_findings(frame, names):
    """Dates, identifiers and many-valued categories among the non-numeric columns."""
    by_kind = {}
    for name in names:
        kind = profile_column(frame[name]).kind()
        if kind in ("dates", "text_dates", "id_like", "high_cardinality"):
            by_kind.setdefault(kind, []).append(name)
    words = {
        "dates": "dates (the encode step turns them into year, month, day, "
        "weekday and days since 1970)",
        "text_dates": "dates stored as text (the encode step reads them and "
        "turns them into year, month, day, weekday and days since 1970)",
        "id_like": "identifiers (no value repeats)",
        "high_cardinality": "categories with more than 40 distinct values",
    }
    return [
        _finding(
            kind,
            "info",
            columns,
            f"{plural(len(columns), 'column')} of {words[kind]}: "
            f"{describe(columns, quote=True)}.",
        )
        for kind, columns in by_kind.items()
    ]


def half_precision_findings(X, names, stats):
    """Features that overflow float16, or collapse to one value in float16/bfloat16.

    What a net run in half precision (``.half()``, ``torch.autocast``) meets
    when raw features reach it: finite values beyond float16's 65504 become
    ±inf, and a feature whose smallest and largest value round to the same
    half-precision number is a constant there (rounding is monotonic, so
    every value between them rounds to it too). Exact, from the per-column
    minimum and maximum (:class:`~sktorchsafe.core.stats.ColumnStats`); the
    cells beyond float16's range are counted over every row of the columns
    that have some. Features already beyond float32 or collapsing in float32
    are left to those findings.
    """
    lo, hi = stats.min, stats.max
    with np.errstate(over="ignore", invalid="ignore"):
        largest = np.fmax(np.abs(lo), np.abs(hi))
        in_float32 = largest <= np.finfo(np.float32).max
        lo32, hi32 = lo.astype(np.float32), hi.astype(np.float32)
        spread = (lo < hi) & in_float32 & (lo32 < hi32)
        overflow = in_float32 & (largest > FLOAT16_MAX)
        f16 = spread & ~overflow & (lo32.astype(np.float16) == hi32.astype(np.float16))
        bf16 = spread & (_bfloat16(lo32) == _bfloat16(hi32))
    findings = []
    if overflow.any():
        cols = np.flatnonzero(overflow)
        counts = [
            int(
                np.count_nonzero(np.isfinite(X[:, j]) & (np.abs(X[:, j]) > FLOAT16_MAX))
            )
            for j in cols
        ]
        parts = [
            f"{names[j]!r} ({lo[j]:.3g} to {hi[j]:.3g}, {plural(n, 'cell')})"
            for j, n in zip(cols, counts, strict=True)
        ]
        findings.append(
            _finding(
                "float16_overflow",
                "info",
                [names[j] for j in cols],
                f"{plural(cols.size, 'feature')} {agree(cols, 'holds', 'hold')} "
                f"values beyond float16's range (|x| > {FLOAT16_MAX:g}): "
                f"{describe(parts)}. In a net run in float16 (.half(), "
                "torch.autocast on a GPU) they become ±inf; bfloat16 and float32 "
                "hold them.",
                n_cells=sum(counts),
            )
        )
    if (f16 | bf16).any():
        cols = np.flatnonzero(f16 | bf16)
        dtypes = {
            (True, True): "float16 and bfloat16",
            (True, False): "float16",
            (False, True): "bfloat16",
        }
        parts = [
            f"{names[j]!r} ({lo[j]:.6g} to {hi[j]:.6g}: one value in "
            f"{dtypes[bool(f16[j]), bool(bf16[j])]})"
            for j in cols
        ]
        findings.append(
            _finding(
                "half_collapse",
                "info",
                [names[j] for j in cols],
                f"{plural(cols.size, 'feature')} {agree(cols, 'has', 'have')} "
                f"distinct values that round to one half-precision value: "
                f"{describe(parts)}. A net run in that precision sees a constant.",
            )
        )
    return findings


def _bfloat16(values):
    """float32 values rounded to bfloat16 (to nearest, ties to even), as float32.

    numpy has no bfloat16: its value is the upper 16 bits of a float32, so
    the rounding is done on the bits (NaN stays NaN, overflow becomes ±inf).
    """
    values = np.asarray(values, dtype=np.float32)
    bits = values.view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    out = rounded.astype(np.uint32).view(np.float32)
    return np.where(np.isnan(values), np.float32(np.nan), out)
