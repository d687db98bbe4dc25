"""``diagnose``: what in X and y will break a net's training, and which step fixes it.

The report is assembled from the steps' own measurements, so it says exactly
what the pipeline will meet: NaN counts from :class:`~sktorchsafe.core.stats.
ColumnStats`, scales and float32 traps from :class:`ScaleDisparityChecker`,
outlier fences from :class:`OutlierClipper`, and target problems from
:class:`TargetValidator`.  Only what no step measures (column dtypes, rows
affected) is computed here.
"""

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from ..core.compat import StrOptions, validate_parameter_constraints
from ..core.frames import (
    as_float,
    classify_column,
    is_number_column,
)
from ..core.messages import (
    describe,
    fix_for,
    plural,
    step_for,
)
from ..core.stats import ColumnStats, row_blocks, sample_rows
from ..exceptions import (
    InputTypeError,
    SktorchsafeWarning,
)
from ..steps.outliers import OutlierClipper
from ..steps.scaling import ScaleDisparityChecker
from .net_checks import check_net, net_findings
from .pipeline_report import describe_pipeline
from .report import OUTLIER_SHARE, DiagnosisFinding, DiagnosisReport
from .table_checks import (
    column_kind_findings,
    distribution_findings,
    duplicate_findings,
    half_precision_findings,
    row_index_findings,
)
from .target_checks import diagnose_target, from_step, numeric_target

__all__ = ["DiagnosisFinding", "DiagnosisReport", "diagnose"]

#: A finite value this many IQRs beyond a fence is reported whatever the share
#: (a sentinel such as 999 or -1e9, a unit error).  Normal data stays within
#: about 3 IQRs of the fences even at a million rows.
FAR_IQR = 10.0

#: Numbers commonly written where a value is missing; see :func:`_sentinel_finding`.
SENTINELS = (-1.0, -9.0, -99.0, -999.0, -9999.0, -99999.0, 99.0, 999.0, 9999.0, 99999.0)

#: Rows of the stratified sample the outlier fences and the share beyond them
#: are measured on (the farthest value is found over every row).  At 100,000
#: rows the standard error of a 2% share is 0.04%.
OUTLIER_SAMPLE = 100_000


def diagnose(X, y=None, *, task="auto", net=None, pipeline=None):
    """Find what in X and y will make a net's training fail, and what fixes it.

    One call looks at the data a skorch net would be trained on and reports,
    finding by finding, what breaks or spoils training and which step of
    :func:`make_safe_pipeline` handles it:

    - in X: NaN (per feature, and rows affected), ±inf, placeholders
      stored as numbers (-999, 9999), features without a finite value,
      constant and near-constant features, values that overflow or collapse
      in float32 (and, as info, in float16 or bfloat16: a net run in half
      precision), scale disparity and large offsets between features, heavy
      tails and outliers (the share beyond Tukey's fences, and values far
      beyond them), zero-inflated and skewed features, duplicate rows and
      columns, features that nearly equal the target, a saved row index
      (a column 0 or 1, 2, 3, ... in row order); non-numeric columns,
      numbers stored as text, dates, identifiers and many-valued categories
      (all for the ``encode`` step);
    - in y: NaN, ±inf or missing labels, numbers stored as text, a single
      class, labels a torch loss cannot take, label spellings, class
      imbalance, a target far from unit scale or constant;
    - with ``net``: what :func:`~sktorchsafe.preflight` finds in one forward and
      backward pass on a sample (a softmax or sigmoid before a loss that applies its
      own, saturated or dead units, growing activations, vanishing or exploding
      gradients, a first step larger than the weights), each naming its layer;
    - with ``pipeline``: what each fitted step did to every column the net
      receives (``report.pipeline``).

    The numbers come from the steps themselves (their shared column
    statistics, :class:`ScaleDisparityChecker`, :class:`OutlierClipper`,
    :class:`TargetValidator`), so the report agrees with what the pipeline
    will do.  Nothing is fitted for good and no warning is issued: it is all
    in the report.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features)
        The features, as loaded: NaN, ±inf, text, categorical and date
        columns are all fine (a pandas DataFrame, or anything with a
        ``to_pandas`` method such as a polars DataFrame, keeps its column
        names in the report; other columns are named ``x0, x1, ...``).
    y : array-like, Series or DataFrame of shape (n_samples,) or \
(n_samples, n_outputs), default=None
        The target, if any.
    task : {"auto", "regression", "classification"}, default="auto"
        The learning task, as :class:`TargetValidator` takes it. ``"auto"``
        reads strings, booleans and categories as class labels, numbers
        that are not all whole as a regression target, and whole numbers as
        labels unless they are many values with few rows each (a count,
        grams: regression), the rule of :class:`TargetValidator`.
        The report says which task it read and why.
    net : skorch net or torch.nn.Module, default=None
        A net (fitted or not; it is left as it was) to check on the data
        with :func:`~sktorchsafe.training.preflight.preflight`: on X as
        given, or, with ``pipeline``, on what the pipeline hands the net.
        Rows without a usable target are left out of its sample. Loads
        torch.
    pipeline : sklearn.pipeline.Pipeline, default=None
        A fitted pipeline (e.g. ``make_safe_pipeline(net).fit(X, y)``): the
        report then says, per column the net receives, what was encoded,
        imputed, clipped (how much) and how it was scaled, in
        ``report.pipeline``. When its last step is a skorch net and ``net``
        is not given, that net is checked (on the pipeline's output).

    Returns
    -------
    report : DiagnosisReport
        ``print(report)``, ``report.to_frame()``, ``report.plot()``,
        ``report.ok``, ``report.raise_if_severe()``; in a notebook it shows
        as a table.

    Raises
    ------
    InvalidParameterError
        (scikit-learn's, a ``ValueError``) If ``task`` is not one of the
        options, ``net`` is not a net, or ``pipeline`` is not a fitted
        Pipeline.
    InputTypeError
        If X is sparse or not 2-D, or has duplicate column names.
    TargetError
        If y does not have one entry per row of X.

    See Also
    --------
    make_safe_pipeline : The pipeline whose steps the fixes name.
    ScaleDisparityChecker, OutlierClipper, TargetValidator : The steps whose
        measurements the report is made of.
    sktorchsafe.training.preflight.preflight : The check of ``net``.

    Notes
    -----
    Severities rate what a finding does to a *plain* skorch net:
    ``"error"`` when training fails (``nan`` losses, a dtype or label error)
    or diverges, ``"warning"`` when it trains badly or on a useless input,
    ``"info"`` when it is worth knowing. Scale disparity and labels other
    than ``0..K-1`` are therefore errors here, while the checker and the
    validator, which sit in a pipeline whose next steps handle them, rate
    them lower.

    Cost: one read of X for the moments, the checker's min/max pass, one pass over the
    columns holding NaN for the rows affected, and quantiles on row samples (the
    checker's, and up to 100,000 rows for the outlier fences): about 1.5
    ``SafeStandardScaler`` fits, see ``benchmarks/bench_diagnose.py``.
    Counts of NaN and ±inf, minima, maxima, the farthest outlier and the
    float32 findings are exact over every row; with more than 100,000 rows
    the outlier fences and the share beyond them are estimated on the
    sample (standard error under 0.05 percentage points for a 2% share).
    With ``pipeline``, add one ``transform`` of each step and a comparison
    of its input and output (about 2 transforms of the pipeline); with
    ``net``, one forward and backward pass on 256 rows.

    Examples
    --------
    >>> import numpy as np
    >>> from sktorchsafe import diagnose
    >>> X = np.array([[1.0, 10.0], [np.nan, 20.0], [3.0, np.inf], [4.0, 30.0]])
    >>> report = diagnose(X, y=[0.5, 1.5, 2.5, np.nan])
    >>> report.ok
    False
    >>> [(f.kind, f.columns, f.step) for f in report.findings]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('nan', ('x0',), 'impute'), ('infinite', ('x1',), 'impute'),
     ('target_nonfinite', ('y',), None)]
    >>> print(report.findings[0].message)
    X holds NaN in 1 feature: 'x0' (1 cell), in 1 row: 1.
    """
    validate_parameter_constraints(
        {"task": [StrOptions({"auto", "regression", "classification"})]},
        {"task": task},
        caller_name="diagnose",
    )
    if net is not None:
        check_net(net)
    data = _read_features(X)  # X's own errors first, before any transform
    pipe_report, X_net = None, X
    if pipeline is not None:
        pipe_report, X_net = describe_pipeline(pipeline, X)
        last = pipeline.steps[-1][1]
        if net is None and pipe_report.final is not None and _is_net(last):
            net = last
            check_net(net)
    n_samples, n_features = data.n_samples, len(data.names)
    findings = list(data.findings)
    features = data.features
    scale_info = {}
    if n_samples == 0 or n_features == 0:
        findings.append(
            DiagnosisFinding(
                "empty",
                "error",
                (),
                f"X has {n_samples} rows and {n_features} columns: there is "
                "nothing to train on.",
                fix_for("empty"),
            )
        )
    else:
        frame = data.frame
        if frame is None:
            frame = pd.DataFrame(data.numeric, columns=data.numeric_names, copy=False)
        findings += duplicate_findings(frame)
        other = [name for name in data.names if name not in data.numeric_names]
        findings += column_kind_findings(frame, other)
    if n_samples and data.numeric.shape[1]:
        numeric_findings, measured, scale_info = _diagnose_numeric(
            data.numeric, data.numeric_names
        )
        findings += numeric_findings
        findings += row_index_findings(data.numeric, data.numeric_names)
        findings += distribution_findings(
            data.numeric, data.numeric_names, numeric_target(y, n_samples)
        )
        features = features.join(measured)
    features["numeric"] = features.index.isin(data.numeric_names)

    task_found, task_reason, target_name = None, None, None
    if y is not None:
        target_findings, validator, target_name = diagnose_target(y, n_samples, task)
        findings += target_findings
        if validator is not None:
            task_found, task_reason = validator.task_, validator.task_reason_
    preflight = None
    if net is not None and n_samples:
        found = findings if pipeline is None else ()  # the net meets X as given
        net_found, preflight = net_findings(net, X_net, y, found=found)
        findings += net_found
    return DiagnosisReport(
        findings,
        features,
        n_samples=n_samples,
        n_features=n_features,
        task=task_found,
        task_reason=task_reason,
        target_name=target_name,
        preflight=preflight,
        pipeline=pipe_report,
        **scale_info,
    )


def _is_net(step):
    """Whether a pipeline's last step is a net to check (without loading torch)."""
    return any(cls.__module__.startswith("skorch") for cls in type(step).__mro__)


# ------------------------------------------------------------------- reading X
@dataclass
class _Features:
    """X split into its numeric part (a float array) and findings on the rest."""

    names: list
    n_samples: int
    numeric: np.ndarray
    numeric_names: list
    findings: list
    features: pd.DataFrame
    frame: pd.DataFrame | None = None


def _read_features(X):
    if sparse.issparse(X):
        raise InputTypeError(
            "diagnose: X is a sparse matrix; pass a dense array or a DataFrame "
            "(X.toarray()). A net's input is dense."
        )
    if not isinstance(X, pd.DataFrame) and hasattr(X, "to_pandas"):
        X = X.to_pandas()  # polars and similar frames
    if isinstance(X, pd.Series):
        raise InputTypeError(
            "diagnose: X must be 2-D (n_samples, n_features). Got a Series; for a "
            "single feature pass X.to_frame()."
        )
    if not isinstance(X, pd.DataFrame):
        X = np.asarray(X)
        if X.ndim != 2:
            raise InputTypeError(
                f"diagnose: X must be 2-D (n_samples, n_features). Got an array "
                f"of shape {X.shape}; for a single feature use X.reshape(-1, 1)."
            )
        names = [f"x{i}" for i in range(X.shape[1])]
        if X.dtype.kind in "biuf":
            numeric = X if X.dtype in (np.float32, np.float64) else X.astype(float)
            features = pd.DataFrame({"dtype": [str(X.dtype)] * len(names)}, names)
            return _Features(names, X.shape[0], numeric, names, [], features)
        X = pd.DataFrame(X, columns=names)

    names = [str(name) for name in X.columns]
    duplicated = pd.Index(names)[pd.Index(names).duplicated()].unique()
    if len(duplicated):
        raise InputTypeError(
            f"diagnose: X has duplicate column names: "
            f"{describe(duplicated, quote=True)}. Rename them so that each "
            "column can be named in the report."
        )
    n_samples = X.shape[0]
    numeric_idx, numeric_cols, non_numeric, mixed = [], [], [], []
    n_converted = 0  # columns not read as they are (text, missing objects)
    for j, name in enumerate(names):
        column = X.iloc[:, j]
        if is_number_column(column):
            numeric_idx.append(j)
            numeric_cols.append(column)
            continue
        kind, text = classify_column(column)
        if kind == "numbers":  # numbers as objects, or nothing but missing
            numeric_idx.append(j)
            numeric_cols.append(as_float(column))
            n_converted += 1
            if column.notna().any():  # a plain net cannot take objects
                mixed.append((name, f"{name!r} (dtype {column.dtype})"))
        elif kind == "text_numbers":
            numeric_idx.append(j)
            numeric_cols.append(as_float(column))
            mixed.append((name, f"{name!r} ({text})"))
        else:
            non_numeric.append(_describe_column(name, column))

    findings = []
    if non_numeric:
        findings.append(
            DiagnosisFinding(
                "non_numeric",
                "error",
                tuple(name for name, _ in non_numeric),
                f"X has {plural(len(non_numeric), 'non-numeric column')}: "
                f"{describe(text for _, text in non_numeric)}. A net takes "
                "numbers only.",
                fix_for("non_numeric"),
                step=step_for("non_numeric"),
            )
        )
    if mixed:
        findings.append(
            DiagnosisFinding(
                "mixed_types",
                "error",
                tuple(name for name, _ in mixed),
                f"X has {plural(len(mixed), 'column')} of numbers stored as text "
                f"or objects: {describe(text for _, text in mixed)}. They are "
                "measured below as numbers, placeholders as NaN.",
                fix_for("mixed_types"),
                step=step_for("mixed_types"),
            )
        )
    numeric_names = [names[j] for j in numeric_idx]
    dtype = np.float64
    if numeric_cols and all(col.dtype == np.float32 for col in numeric_cols):
        dtype = np.float32
    if len(numeric_cols) == X.shape[1] and len(mixed) + n_converted == 0:
        numeric = X.to_numpy(dtype=dtype, na_value=np.nan)
    elif numeric_cols:
        numeric = np.column_stack([_to_float(col, dtype) for col in numeric_cols])
    else:
        numeric = np.empty((n_samples, 0), dtype=dtype)
    features = pd.DataFrame(
        {"dtype": [str(dtype_) for dtype_ in X.dtypes]}, index=pd.Index(names)
    )
    return _Features(
        names, n_samples, numeric, numeric_names, findings, features, frame=X
    )


def _to_float(column, dtype):
    if isinstance(column, np.ndarray):
        return column.astype(dtype, copy=False)
    return column.to_numpy(dtype=dtype, na_value=np.nan)


def _describe_column(name, column):
    dtype = column.dtype
    n_missing = int(column.isna().sum())
    missing = f", {n_missing} missing" if n_missing else ""
    if dtype.kind in "mM":
        what = f"{'dates' if dtype.kind == 'M' else 'durations'} ({dtype})"
    else:
        kind = pd.api.types.infer_dtype(column, skipna=True)
        what = {"string": "text", "categorical": "categories"}.get(kind, kind)
        try:
            n_unique = column.nunique(dropna=True)
        except TypeError:  # unhashable values (lists, dicts)
            n_unique = None
        if n_unique is not None:
            what += f", {plural(n_unique, 'distinct value')}"
            if n_unique == len(column) - n_missing and n_unique > 20:
                what += ": an identifier?"
    return name, f"{name!r} ({what}{missing})"


# ------------------------------------------------------------- numeric checks
def _diagnose_numeric(X, names):
    """Findings and per-feature measurements of the numeric columns of X."""
    frame = pd.DataFrame(X, columns=names, copy=False)
    stats = ColumnStats.from_array(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SktorchsafeWarning)
        checker = ScaleDisparityChecker(on_problem="ignore").fit(frame)
        clipper, outliers = _outlier_counts(X, frame, stats)
    report = checker.report_
    findings = []

    if stats.n_nan.any():
        findings.append(_nan_finding(X, names, stats))
    for finding in report.findings:
        if finding.kind == "infinite":
            n_inf = stats.n_posinf + stats.n_neginf
            findings.append(
                from_step(
                    finding,
                    n_cells=int(n_inf.sum()),
                    n_rows=_count_rows(X, np.flatnonzero(n_inf), np.isinf),
                )
            )
        else:
            findings.append(from_step(finding))
    for finding in (
        _sentinel_finding(X, names, stats),
        _outlier_finding(names, outliers),
    ):
        if finding is not None:
            findings.append(finding)
    findings += half_precision_findings(X, names, stats)

    measured = report.to_frame().drop(columns=["n_posinf", "n_neginf"], errors="ignore")
    measured = measured.rename(columns={"missing": "all_missing"})
    measured.insert(0, "n_nan", stats.n_nan.astype(np.int64))
    measured.insert(1, "n_inf", (stats.n_posinf + stats.n_neginf).astype(np.int64))
    measured.insert(2, "mean", stats.mean)
    measured.insert(3, "std", stats.std)
    measured["lower_fence"] = clipper.lower_
    measured["upper_fence"] = clipper.upper_
    measured["outlier_share"] = outliers["share"]
    measured.index = pd.Index(names)
    scale_info = {
        "scale_ratio": report.scale_ratio,
        "scale_threshold": report.threshold,
        "scale_extremes": tuple(
            name for name in (report.largest, report.smallest) if name is not None
        ),
    }
    return findings, measured, scale_info


def _nan_finding(X, names, stats):
    cols = np.flatnonzero(stats.n_nan)
    order = cols[np.argsort(-stats.n_nan[cols], kind="stable")]
    parts = [f"{names[j]!r} ({plural(int(stats.n_nan[j]), 'cell')})" for j in order]
    rows = _rows_where(X, cols, np.isnan)
    listed = describe(rows)
    message = (
        f"X holds NaN in {plural(cols.size, 'feature')}: {describe(parts)}, "
        f"in {plural(rows.size, 'row')}: {listed}."
    )
    return DiagnosisFinding(
        "nan",
        "error",
        tuple(names[j] for j in order),
        message,
        fix_for("nan"),
        step=step_for("nan"),
        n_cells=int(stats.n_nan.sum()),
        n_rows=int(rows.size),
    )


def _rows_where(X, cols, test):
    """Indices of the rows where ``test`` holds in any of the columns ``cols``."""
    hit = np.zeros(X.shape[0], dtype=bool)
    if len(cols) == 0:
        return np.flatnonzero(hit)
    every = len(cols) == X.shape[1]
    for rows in row_blocks(X.shape[0], X.shape[1]):
        block = X[rows] if every else X[rows][:, cols]
        hit[rows] = test(block).any(axis=1)
    return np.flatnonzero(hit)


def _count_rows(X, cols, test):
    return int(_rows_where(X, cols, test).size)


def _outlier_counts(X, frame, stats):
    """The clipper's fences and the share of values beyond them.

    :class:`OutlierClipper` is fitted on at most ``OUTLIER_SAMPLE`` rows (a
    stratified sample, every row when there are fewer); its
    ``clipped_fraction_`` on them, less the ±inf it also counts, is the share
    of finite values beyond the fences.  Returns the fitted clipper and a
    dict of per-feature arrays: ``share``, ``n_beyond`` (the share times the
    finite values over all rows: exact without sampling, an estimate with)
    and ``far`` (how many IQRs the farthest finite value of all rows lies
    beyond its fence; 0 when none does).
    """
    rows = sample_rows(X.shape[0], OUTLIER_SAMPLE, random_state=0)
    sample = X if rows is None else X[rows]
    clipper = OutlierClipper(method="iqr", fold=1.5)
    clipper.fit(pd.DataFrame(sample, columns=frame.columns, copy=False))
    n_observed = sample.shape[0] - np.count_nonzero(np.isnan(sample), axis=0)
    n_inf = np.count_nonzero(np.isinf(sample), axis=0)
    n_changed = np.rint(clipper.clipped_fraction_ * n_observed)
    n_finite = n_observed - n_inf
    share = np.divide(
        np.maximum(n_changed - n_inf, 0),
        n_finite,
        out=np.zeros(X.shape[1]),
        where=n_finite > 0,
    )
    n_beyond = np.rint(share * stats.n_finite).astype(np.int64)
    with np.errstate(invalid="ignore", over="ignore"):
        iqr = clipper.spread_  # the clipper's own interquartile range
        beyond = np.maximum(stats.max - clipper.upper_, clipper.lower_ - stats.min)
        far = np.where((iqr > 0) & (beyond > 0), beyond / iqr, 0.0)
    return clipper, {"n_beyond": n_beyond, "share": share, "far": far}


def _sentinel_finding(X, names, stats):
    """Placeholders for missing values (-999, 9999...) stored as numbers.

    A value is taken for a placeholder when it is one of
    :data:`SENTINELS`, is the smallest or largest value of its column, and
    lies farther from the other values than they spread (so -1 in a score
    from -1 to 1 is not one, -999 beside values from 0 to 5 is). Only the
    columns whose minimum or maximum is such a value are searched.
    """
    found = []
    for j in np.flatnonzero(
        np.isin(stats.min, SENTINELS) | np.isin(stats.max, SENTINELS)
    ):
        column = X[:, j]
        for value in {stats.min[j], stats.max[j]} & set(SENTINELS):
            is_value = column == value
            others = column[~is_value & np.isfinite(column)]
            if others.size == 0:
                continue
            low, high = others.min(), others.max()
            gap = low - value if value < low else value - high
            if gap > max(high - low, 0) and gap > 0:
                found.append((j, value, int(np.count_nonzero(is_value))))
    if not found:
        return None
    parts = [f"{names[j]!r} ({value:g} x{count})" for j, value, count in found]
    return DiagnosisFinding(
        "sentinel",
        "warning",
        tuple(dict.fromkeys(names[j] for j, _, _ in found)),
        f"{plural(len(found), 'placeholder')} for missing values stored as a "
        f"number, far from the other values: {describe(parts)}. A net takes "
        "them for real measurements, and they pull the scaling.",
        fix_for("sentinel"),
        step=step_for("sentinel"),
        n_cells=sum(count for _, _, count in found),
    )


def _outlier_finding(names, outliers):
    share, far = outliers["share"], outliers["far"]
    flagged = np.flatnonzero((share > OUTLIER_SHARE) | (far > FAR_IQR))
    if flagged.size == 0:
        return None
    order = flagged[np.argsort(-share[flagged], kind="stable")]
    parts = [
        f"{names[j]!r} ({share[j]:.1%}, farthest {far[j]:.3g} IQR out)" for j in order
    ]
    return DiagnosisFinding(
        "outliers",
        "warning",
        tuple(names[j] for j in order),
        f"{plural(flagged.size, 'feature')} {'has' if flagged.size == 1 else 'have'}"
        f" heavy tails or outliers beyond Tukey's fences (1.5 IQR past the "
        f"quartiles; reported above {OUTLIER_SHARE:.0%} of the values or "
        f"{FAR_IQR:g} IQR out): {describe(parts)}. They dominate a net's loss "
        "and, after scaling, squeeze the other values together.",
        fix_for("outliers"),
        step=step_for("outliers"),
        n_cells=int(outliers["n_beyond"][flagged].sum()),
    )
