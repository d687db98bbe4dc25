"""What a fitted pipeline did to X, column by column: ``diagnose(X, pipeline=pipe)``.

:func:`describe_pipeline` runs X through the fitted steps before the net,
one at a time, and measures what each did to every column the net receives:
which input column it came from and how :class:`TableEncoder` encoded it,
how many cells :class:`ImputerSelector` filled (and with what), how many
:class:`OutlierClipper` changed (and its bounds), how the scaler centred and
divided it, and the range the net finally sees. :class:`PipelineReport`
holds the table and shows it as text, HTML, Markdown and a figure.
"""

import html
import json
import warnings

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ..core.compat import InvalidParameterError
from ..core.messages import describe, plural
from ..steps._tail_maps import MAP_METHODS  # mapped, not clipped cells
from ..steps.encode import TableEncoder
from ..steps.outliers import OutlierClipper
from .text import text_table
from .text import wrap as _wrap

__all__ = ["PipelineReport", "describe_pipeline"]

#: Net inputs listed in the text, HTML and Markdown tables (all are in
#: ``features``).
MAX_ROWS = 40

_COLUMNS = [
    "source",
    "encoding",
    "imputed",
    "impute_strategy",
    "fill_value",
    "clipped",
    "clip_method",
    "lower",
    "upper",
    "mean",
    "scale",
    "net_min",
    "net_max",
    "net_nonfinite",
]


class PipelineReport:
    """What the steps of a fitted pipeline did to X, per column the net receives.

    Made by ``diagnose(X, y, pipeline=pipe)`` (``report.pipeline``).

    Attributes
    ----------
    features : DataFrame
        One row per column the final step receives, indexed by its name:
        ``source`` (the input column it came from), ``encoding``
        (:class:`TableEncoder`'s: ``"numbers"``, ``"onehot"``, ``"dates"``,
        ...), ``imputed`` (cells the imputer filled), ``impute_strategy`` and
        ``fill_value``, ``clipped`` (cells the clipper changed: values
        beyond its bounds; 0 where its method maps every value, ``"squash"``
        or ``"quantile_normal"``), ``clip_method``,
        ``lower`` and ``upper``, ``mean`` and ``scale`` (the scaler's
        ``(x - mean) / scale``), and what the net receives: ``net_min``,
        ``net_max`` and ``net_nonfinite`` (NaN or ±inf cells; 0 when the
        pipeline did its job). Empty where a step is absent.
    dropped : dict of str to str
        Input columns the encoder dropped, with the reason.
    steps : tuple of str
        The names of the steps X went through.
    final : str or None
        The name of the final step (the net) that receives the output.
    n_samples, n_inputs : int
        Rows of X and its columns before the pipeline.
    """

    def __init__(self, features, *, dropped, steps, final, n_samples, n_inputs):
        self.features = features
        self.dropped = dict(dropped)
        self.steps = tuple(steps)
        self.final = final
        self.n_samples = n_samples
        self.n_inputs = n_inputs

    def summary(self):
        """One line: the widths, and the cells imputed and clipped."""
        frame = self.features
        into = f" into {self.final!r}" if self.final else ""
        parts = [
            f"{plural(self.n_inputs, 'input column')} -> "
            f"{plural(len(frame), 'column')}{into}"
        ]
        for what in ("imputed", "clipped"):
            counts = frame[what].dropna()
            if len(counts) and counts.sum():
                touched = int((counts > 0).sum())
                parts.append(
                    f"{plural(int(counts.sum()), 'cell')} {what} in "
                    f"{plural(touched, 'column')}"
                )
            elif len(counts):
                parts.append(f"nothing {what}")
        if n_mapped := int(self.tail_mapped.sum()):
            parts.append(f"{plural(n_mapped, 'column')} tail-mapped")
        bad = int(frame["net_nonfinite"].fillna(0).sum())
        if bad:
            parts.append(f"{plural(bad, 'non-finite cell')} reach the net")
        return ", ".join(parts)

    @property
    def tail_mapped(self):
        """Boolean Series: the columns whose every value the clipper maps."""
        return self.features["clip_method"].isin(MAP_METHODS)

    def to_frame(self):
        """The per-column table (a copy of ``features``)."""
        return self.features.copy()

    def to_dict(self):
        """Plain Python data: ``summary``, ``steps``, ``dropped``, ``features``."""
        return {
            "summary": self.summary(),
            "steps": list(self.steps),
            "final": self.final,
            "dropped": self.dropped,
            "features": json.loads(self.features.to_json(orient="index")),
        }

    def __str__(self):
        return pipeline_text(self)

    def __repr__(self):
        return f"<PipelineReport: {self.summary()}>"

    def _repr_html_(self):
        return pipeline_html(self)

    def plot(self, *, max_features=30):
        """A figure: the share of each net input imputed and clipped, and its scale.

        Returns a :class:`matplotlib.figure.Figure` (not attached to pyplot);
        raises ImportError without matplotlib.
        """
        from .figures import pipeline_figure

        return pipeline_figure(self, max_features=max_features)


def describe_pipeline(pipeline, X):
    """Run X through the fitted steps before the net, measuring each.

    Returns
    -------
    report : PipelineReport
    Xt : array-like
        What the final step receives.
    """
    _check_pipeline(pipeline)
    steps = [
        (name, step)
        for name, step in pipeline.steps
        if step is not None and not (isinstance(step, str) and step == "passthrough")
    ]
    final = None
    if steps and not hasattr(steps[-1][1], "transform"):
        final = steps[-1][0]
        steps = steps[:-1]
    names = _names(X)
    n_inputs = len(names)
    table = _empty_table(names, sources=names)
    dropped = {}
    Xt = X
    for name, step in steps:
        before = Xt
        Xt = step.transform(Xt)
        if isinstance(step, TableEncoder):
            table, dropped = _encoded(step)
            continue
        order = _names(Xt) if hasattr(Xt, "columns") else None
        if order is not None and order != list(table.index):
            if sorted(order) == sorted(table.index) and hasattr(before, "columns"):
                # Same columns in another order (the embedding path's steps
                # put the code columns last): follow them by name.
                table, before = table.loc[order], before[order]
        old, new = _floats(before), _floats(Xt)
        if old is None or new is None or old.shape != new.shape:
            # A step that changed the width: its outputs are the columns now.
            outputs = _names(Xt) if new is not None else [str(name)]
            table = _empty_table(outputs, sources=[f"({name})"] * len(outputs))
            continue
        _measure(table, step, old, new)
    last = _floats(Xt)
    if last is not None and last.shape[1] == len(table) and last.shape[0]:
        finite = np.isfinite(last)
        values = np.where(finite, last, np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # no finite value
            table["net_min"] = np.nanmin(values, axis=0)
            table["net_max"] = np.nanmax(values, axis=0)
        table["net_nonfinite"] = (~finite).sum(axis=0)
    for column in _COLUMNS[2:]:
        if column not in ("impute_strategy", "fill_value", "clip_method"):
            table[column] = pd.to_numeric(table[column], errors="coerce")
    counts = ("imputed", "clipped", "net_nonfinite")
    table = table.astype(dict.fromkeys(counts, "Int64"))
    report = PipelineReport(
        table,
        dropped=dropped,
        steps=[name for name, _ in steps],
        final=final,
        n_samples=_n_rows(X),
        n_inputs=n_inputs,
    )
    return report, Xt


def _check_pipeline(pipeline):
    if not isinstance(pipeline, Pipeline):
        raise InvalidParameterError(
            "diagnose: pipeline must be a fitted sklearn.pipeline.Pipeline (e.g. "
            f"make_safe_pipeline(net).fit(X, y)). Got {type(pipeline).__name__} "
            "instead."
        )
    try:
        check_is_fitted(pipeline)
    except NotFittedError:
        raise InvalidParameterError(
            "diagnose: the pipeline is not fitted. Fit it first "
            "(pipeline.fit(X, y)); to see what the data alone holds, leave "
            "pipeline out."
        ) from None


def _names(X):
    columns = getattr(X, "columns", None)
    if columns is not None:
        return [str(name) for name in columns]
    return [f"x{j}" for j in range(np.shape(X)[1])]


def _n_rows(X):
    return int(np.shape(X)[0])


def _empty_table(names, sources):
    table = pd.DataFrame(index=pd.Index(names), columns=_COLUMNS, dtype=object)
    table["source"] = sources
    return table


def _encoded(encoder):
    """The table after :class:`TableEncoder`: one row per output, with its source."""
    rows, sources, encodings, dropped = [], [], [], {}
    for column in encoder.report_.columns:
        for output in column.outputs:
            rows.append(str(output))
            sources.append(column.name)
            encodings.append(column.encoding)
        if not column.outputs:
            dropped[column.name] = column.detail or column.kind
    table = _empty_table(rows, sources)
    table["encoding"] = encodings
    return table, dropped


def _measure(table, step, old, new):
    """What ``step`` did to each column, from its input ``old`` and output ``new``.

    A step's learned attributes (``strategies_``, ``lower_``, ``scale_``...)
    are placed by its ``feature_names_in_`` when it has them (a step that saw
    only some columns: the numbers beside embedding codes), else by position.
    """
    if getattr(step, "_only_codes", False):  # embed=True, no number column
        return
    place = _placer(table, step)
    if hasattr(step, "statistics_") and hasattr(step, "transform"):  # imputers
        filled = np.count_nonzero(~np.isfinite(old) & np.isfinite(new), axis=0)
        table["imputed"] = _add(table["imputed"], filled, _seen(table, step))
        strategies = getattr(step, "strategies_", None)
        if strategies is None and isinstance(getattr(step, "strategy", None), str):
            strategies = [step.strategy] * len(step.statistics_)
        place("impute_strategy", strategies)
        place("fill_value", np.asarray(step.statistics_, dtype=object))
    elif isinstance(step, OutlierClipper):
        with np.errstate(invalid="ignore"):
            changed = (old != new) & ~(np.isnan(old) & np.isnan(new))
        counts = np.count_nonzero(changed, axis=0)
        table["clipped"] = _add(table["clipped"], counts, _seen(table, step))
        methods = getattr(step, "methods_", None)
        if methods is None:
            methods = [step.method] * len(step.lower_)
        place("clip_method", np.asarray(methods, dtype=object))
        place("lower", step.lower_)
        place("upper", step.upper_)
        # Every value mapped through a smooth function: not clipped cells.
        table.loc[table["clip_method"].isin(MAP_METHODS), "clipped"] = 0
    elif getattr(step, "scale_", None) is not None:
        place("scale", np.asarray(step.scale_, dtype=float))
        mean = getattr(step, "mean_", None)
        place("mean", np.zeros(len(step.scale_)) if mean is None else mean)


def _seen(table, step):
    """Which columns of ``table`` the step transformed (all, without names)."""
    names = getattr(step, "feature_names_in_", None)
    if names is None:
        return np.ones(len(table), dtype=bool)
    return table.index.isin([str(name) for name in names])


def _placer(table, step):
    """``place(column, values)``: a step's per-feature values into ``table``."""
    names = getattr(step, "feature_names_in_", None)

    def place(column, values):
        if values is None:
            return
        values = list(values)
        if names is not None and len(names) == len(values):
            rows = [str(name) for name in names]
            if set(rows) <= set(table.index):
                table.loc[rows, column] = pd.Series(values, index=rows, dtype=object)
                return
        if len(values) == len(table):
            table[column] = values

    return place


def _add(current, counts, seen):
    """``current + counts`` on the columns the step saw; the others as they were."""
    counts = np.asarray(counts, dtype=np.int64)
    previous = pd.to_numeric(current, errors="coerce")
    total = previous.fillna(0).to_numpy(np.int64) + counts
    return np.where(seen, total, previous.to_numpy(dtype=float))


def _floats(X):
    """X as a 2-D float array, or None (sparse, text, not 2-D)."""
    if sparse.issparse(X):
        return None
    try:
        if hasattr(X, "to_numpy"):
            values = X.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            values = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return values if values.ndim == 2 else None


# ===================================================================== views
def table_rows(report, limit=MAX_ROWS):
    """The header and one row of strings per net input (at most ``limit``)."""
    header = ("net input", "from", "encoding", "imputed", "clipped", "scaled")
    header += ("net sees",)
    rows = []
    for name, row in report.features.head(limit).iterrows():
        rows.append(
            (
                str(name),
                str(row["source"]),
                _text(row["encoding"]),
                _imputed(row),
                _clipped(row),
                _scaled(row),
                _range(row),
            )
        )
    return header, rows


def _text(value):
    return (
        "-"
        if value is None or (isinstance(value, float) and np.isnan(value))
        else str(value)
    )


def _imputed(row):
    count = row["imputed"]
    if pd.isna(count):
        return "-"
    if count == 0:
        return "0"
    fill = row["fill_value"]
    fill = f"{fill:.4g}" if isinstance(fill, float | np.floating) else repr(fill)
    return f"{count} ({row['impute_strategy']} {fill})"


def _clipped(row):
    count = row["clipped"]
    if pd.isna(count):
        return "-"
    method = row["clip_method"]
    if pd.isna(method):
        return str(count)
    if method in MAP_METHODS:
        return f"all mapped ({method})"
    if count == 0:
        return "0" if method in (None, "none", "range") else f"0 ({method})"
    lower, upper = row["lower"], row["upper"]
    if np.isfinite(lower) or np.isfinite(upper):
        return f"{count} ({method} {lower:.3g}..{upper:.3g})"
    return f"{count} ({method})"


def _scaled(row):
    scale = row["scale"]
    if pd.isna(scale):
        return "-"
    mean = row["mean"]
    sign = "-" if mean >= 0 else "+"
    return f"(x {sign} {abs(mean):.3g}) / {scale:.3g}"


def _range(row):
    low, high = row["net_min"], row["net_max"]
    if pd.isna(low):
        return "-"
    text = f"{low:.3g}..{high:.3g}"
    bad = row["net_nonfinite"]
    return text if pd.isna(bad) or bad == 0 else f"{text}, {bad} non-finite"


def _more(report, limit=MAX_ROWS):
    extra = len(report.features) - limit
    return (
        f"... and {extra} more (all in report.pipeline.features)" if extra > 0 else ""
    )


def _dropped(report):
    if not report.dropped:
        return ""
    parts = [f"{name!r} ({why})" for name, why in report.dropped.items()]
    return f"Dropped by the encoder: {describe(parts, limit=8)}."


def _heading(report):
    chain = " -> ".join([*report.steps, *([report.final] if report.final else [])])
    return f"What the pipeline did ({chain}): {report.summary()}"


def pipeline_text(report):
    """The report as plain text: a heading, then one aligned row per net input."""
    header, rows = table_rows(report)
    lines = [_wrap(_heading(report), indent="  ")]
    if report.dropped:
        lines.append(_wrap(_dropped(report), indent="  "))
    lines += ["", text_table([header, *rows])]
    if more := _more(report):
        lines.append(more)
    return "\n".join(lines)


def pipeline_html(report):
    """The report as an HTML fragment: the heading and the table."""
    header, rows = table_rows(report)
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    notes = "".join(
        f"<p>{html.escape(text)}</p>"
        for text in (_dropped(report), _more(report))
        if text
    )
    return (
        '<div class="sktorchsafe-pipeline">'
        f"<p><b>{html.escape(_heading(report))}</b></p>{notes}"
        f'<table class="sktorchsafe-pipeline"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def pipeline_markdown(report):
    """The report as Markdown: the heading and a table."""
    header, rows = table_rows(report)

    def line(cells):
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    lines = [f"**{_heading(report)}**", ""]
    if report.dropped:
        lines += [_dropped(report), ""]
    lines += [line(header), "|" + "---|" * len(header)]
    lines += [line(row) for row in rows]
    if more := _more(report):
        lines += ["", more]
    return "\n".join(lines) + "\n"
