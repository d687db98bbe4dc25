"""What :func:`~sktorchsafe.diagnose` returns, and how it is shown.

:class:`DiagnosisReport` holds the findings, the per-feature measurements and
the verdict; the functions below only present it: an aligned text table for
terminals, HTML for notebooks and ``--html`` pages, and a matplotlib figure.
They read the report's public attributes and ``summary()``, nothing else.
"""

import base64
import html
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.compat import InvalidParameterError
from ..core.messages import Finding, describe, plural
from ..exceptions import DataQualityError
from .text import shorten as _shorten
from .text import text_table
from .text import wrap as _wrap

__all__ = ["DiagnosisFinding", "DiagnosisReport", "text_table"]

SEVERITIES = ("error", "warning", "info")
#: The fields of a finding in to_frame and to_dict, in order.
FIELDS = ("severity", "kind", "columns", "layer", "n_cells", "n_rows", "step")
FIELDS += ("message", "fix")

#: Share of a feature's finite values beyond Tukey's fences (1.5 IQR past the
#: quartiles) above which it is reported.  Normal data has 0.7% there;
#: heavy-tailed data (exponential, Student's t with 3 degrees of freedom,
#: log-normal) 5% to 8%.
OUTLIER_SHARE = 0.02


@dataclass(frozen=True)
class DiagnosisFinding(Finding):
    """One finding of :func:`diagnose`: a :class:`Finding` with its counts.

    Attributes
    ----------
    kind, severity, columns, message, fix
        As in :class:`~sktorchsafe.core.messages.Finding`. ``severity`` rates
        what the problem does to a plain skorch net: ``"error"`` when
        training fails or diverges.
    step : str or None
        The :func:`make_safe_pipeline` step that handles it (``"impute"``,
        ``"clip"``, ``"check"``, ``"scale"``, ``"target"``, ``"net"``), or
        None when it must be fixed before the pipeline.
    n_cells : int or None
        Cells of X (or values of y) concerned, when counted.
    n_rows : int or None
        Rows concerned, when counted.
    layer : str or None
        For a finding about the net (``diagnose(..., net=net)``), the module
        concerned by its name in ``module.named_modules()`` (``""``: the
        module itself); None otherwise.
    """

    step: str | None = None
    n_cells: int | None = None
    n_rows: int | None = None
    layer: str | None = None

    @property
    def affected(self):
        """A short description of the counts, for tables."""
        parts = []
        if self.n_cells is not None:
            parts.append(plural(self.n_cells, "cell"))
        if self.n_rows is not None:
            parts.append(plural(self.n_rows, "row"))
        if not parts and self.columns:
            parts.append(plural(len(self.columns), "column"))
        return ", ".join(parts) or "-"


class DiagnosisReport:
    """What :func:`diagnose` found: findings, per-feature measurements, a verdict.

    Use ``print(report)`` in a terminal, display it in a notebook (an HTML
    table), ``report.to_frame()`` for a DataFrame of the findings,
    ``report.features`` for the per-feature measurements, ``report.plot()``
    for a figure, and ``report.ok`` / ``report.raise_if_severe()`` in
    scripts. Built by :func:`diagnose`: the constructor takes the findings,
    the features table and the attributes below as keywords.

    Attributes
    ----------
    findings : tuple of DiagnosisFinding
        Most severe first.
    features : DataFrame
        One row per column of X (by name): ``dtype``, the NaN and ±inf
        counts, ``mean`` and ``std``, the :class:`ScaleDisparityChecker` measurements
        (``scale``, ``center``, ``min``, ``max``, ``constant``,
        ``float32_collapse``, ...), ``all_missing`` (no finite value), the
        :class:`OutlierClipper` fences ``lower_fence`` and ``upper_fence``
        and the ``outlier_share`` beyond them, and ``numeric``. Measurements
        are NaN for a non-numeric column.
    n_samples, n_features : int
        The shape of X.
    task : str or None
        The task :class:`TargetValidator` found (``"regression"``,
        ``"binary"``, ``"multiclass"``, ``"multilabel"``), None without y
        or when y could not be read as any task.
    task_reason : str or None
        Why ``task="auto"`` found that task (the rule of
        :class:`~sktorchsafe.TargetValidator`); None when it was given.
    target_name : str or None
        The target's name (a Series' name, else ``"y"``), None without y.
    scale_ratio, scale_threshold : float
        Largest over smallest feature scale, and the checker's threshold.
    scale_extremes : tuple of str
        The features with the largest and the smallest scale (empty with
        fewer than two features of positive scale).
    outlier_share : float
        The share beyond the fences above which a feature is reported.
    preflight : PreflightReport or None
        With ``net=``: what :func:`~sktorchsafe.preflight` found (its
        findings are among ``findings``, with their ``layer``; its
        ``layers`` table measures every layer).
    pipeline : PipelineReport or None
        With ``pipeline=``: what each fitted step did to every column the
        net receives (text, ``to_frame()``, HTML, ``plot()``).

    Examples
    --------
    >>> import numpy as np
    >>> from sktorchsafe import diagnose
    >>> rng = np.random.default_rng(0)
    >>> X = np.column_stack([rng.normal(size=100), np.full(100, 3.0)])
    >>> report = diagnose(X)
    >>> report.ok, [f.kind for f in report.findings]
    (True, ['constant'])
    >>> report.to_frame()[["severity", "kind", "columns", "step"]]
      severity      kind columns   step
    0  warning  constant   (x1,)  scale
    >>> print(report.features.loc["x1", ["mean", "std", "constant"]].to_dict())
    {'mean': 3.0, 'std': 0.0, 'constant': True}
    >>> try:
    ...     report.raise_if_severe("warning")
    ... except ValueError as exc:
    ...     print(type(exc).__name__)
    DataQualityError
    """

    def __init__(
        self,
        findings,
        features,
        *,
        n_samples,
        n_features,
        task=None,
        task_reason=None,
        target_name=None,
        scale_ratio=1.0,
        scale_threshold=np.inf,
        scale_extremes=(),
        outlier_share=OUTLIER_SHARE,
        preflight=None,
        pipeline=None,
    ):
        order = {severity: k for k, severity in enumerate(SEVERITIES)}
        self.findings = tuple(sorted(findings, key=lambda f: order[f.severity]))
        self.features = features
        self.n_samples = n_samples
        self.n_features = n_features
        self.task = task
        self.task_reason = task_reason
        self.target_name = target_name
        self.scale_ratio = scale_ratio
        self.scale_threshold = scale_threshold
        self.scale_extremes = tuple(scale_extremes)
        self.outlier_share = outlier_share
        self.preflight = preflight
        self.pipeline = pipeline

    # --------------------------------------------------------------- verdict
    @property
    def ok(self):
        """False when plain skorch training on this data would fail or diverge.

        That is: non-finite values in X or y, all-NaN or non-numeric columns,
        scale disparity past the checker's threshold, float32 overflow, or
        labels a plain net cannot take (any finding of severity "error").
        """
        return not self.errors

    @property
    def errors(self):
        """The findings of severity "error"."""
        return tuple(f for f in self.findings if f.severity == "error")

    def raise_if_severe(self, severity="error"):
        """Raise if any finding is at least as severe as ``severity``.

        Parameters
        ----------
        severity : {"error", "warning", "info"}, default="error"
            The mildest severity that raises. The default raises exactly
            when ``ok`` is False.

        Returns
        -------
        self : DiagnosisReport
            When nothing that severe was found, for chaining.

        Raises
        ------
        DataQualityError
            Listing the findings; they are also on its ``findings``
            attribute.
        """
        if severity not in SEVERITIES:
            raise InvalidParameterError(
                f"severity must be one of {SEVERITIES}. Got {severity!r} instead."
            )
        worst = SEVERITIES.index(severity)
        severe = [f for f in self.findings if SEVERITIES.index(f.severity) <= worst]
        if severe:
            lines = "\n".join(f"- [{f.severity}] {f.kind}: {f}" for f in severe)
            raise DataQualityError(
                f"diagnose found {plural(len(severe), 'problem')} of severity "
                f"{severity!r} or worse:\n{lines}",
                findings=severe,
            )
        return self

    # ----------------------------------------------------------------- views
    def to_frame(self):
        """The findings as a DataFrame, one row each, most severe first.

        Columns: ``severity``, ``kind``, ``columns`` (a tuple of names),
        ``layer`` (the net's module, for the net's findings), ``n_cells``,
        ``n_rows`` (nullable integers), ``step``, ``message``, ``fix``.
        """
        rows = [{name: getattr(f, name) for name in FIELDS} for f in self.findings]
        frame = pd.DataFrame(rows, columns=list(FIELDS))
        return frame.astype({"n_cells": "Int64", "n_rows": "Int64"})

    def summary(self):
        """One line: the shape, the task and the verdict."""
        target = ""
        if self.target_name is not None:
            target = f", target {self.target_name!r} ({self.task or 'unreadable'})"
        counts = [
            f"{n} info" if severity == "info" else plural(n, severity)
            for severity in SEVERITIES
            if (n := sum(f.severity == severity for f in self.findings))
        ]
        verdict = "OK" if self.ok else "NOT OK"
        found = ", ".join(counts) if counts else "nothing found"
        return (
            f"{plural(self.n_samples, 'row')} x {plural(self.n_features, 'feature')}"
            f"{target}: "
            f"{verdict} ({found})"
        )

    def __str__(self):
        return report_text(self)

    def __repr__(self):
        return f"<DiagnosisReport: {self.summary()}>"

    def to_dict(self):
        """The report as plain Python data (what :meth:`to_json` writes).

        Keys: ``summary``, ``ok``, ``n_samples``, ``n_features``, ``task``,
        ``task_reason``, ``target_name``, ``findings`` (a list of dicts with
        the fields of :meth:`to_frame`, ``columns`` as a list),
        ``features`` (per-feature measurements, by feature name), ``net``
        (the preflight's summary and per-layer measurements, or None) and
        ``pipeline`` (what each step did, per column, or None).
        """
        findings = [
            {**{name: getattr(f, name) for name in FIELDS}, "columns": list(f.columns)}
            for f in self.findings
        ]
        features = json.loads(self.features.to_json(orient="index"))
        return {
            "summary": self.summary(),
            "ok": bool(self.ok),
            "n_samples": int(self.n_samples),
            "n_features": int(self.n_features),
            "task": self.task,
            "task_reason": self.task_reason,
            "target_name": self.target_name,
            "findings": findings,
            "features": features,
            "net": None if self.preflight is None else _preflight_dict(self.preflight),
            "pipeline": None if self.pipeline is None else self.pipeline.to_dict(),
        }

    def to_json(self, **kwargs):
        """The report as JSON text (:meth:`to_dict`); ``kwargs`` go to
        :func:`json.dumps` (e.g. ``indent=2``). Non-finite numbers are null."""
        return json.dumps(self.to_dict(), **kwargs)

    def to_markdown(self):
        """The report as Markdown: the verdict, then a table of the findings."""
        return report_markdown(self)

    def _repr_html_(self):
        return report_html(self)

    def to_html(self, title="sktorchsafe diagnosis"):
        """A complete HTML page of the report (for ``--html`` and sharing)."""
        return report_page(self, title)

    # ------------------------------------------------------------------ plot
    def plot(self, *, max_features=30):
        """A figure: missing values, scales (log axis) and outlier shares.

        Three panels share the feature axis: the share of NaN and ±inf
        cells per feature; the checker's robust scale on a log axis, with
        the smallest and largest scale marked and the disparity against the
        threshold in the title; and the share of values beyond the outlier
        fences, against the reporting threshold.

        Parameters
        ----------
        max_features : int, default=30
            At most this many features are drawn: those named in a finding
            first, then the others in column order.

        Returns
        -------
        figure : matplotlib.figure.Figure
            Not attached to pyplot: display it in a notebook or save it with
            ``figure.savefig(path)``.

        Raises
        ------
        ImportError
            When matplotlib is not installed (``pip install
            'sktorchsafe[plot]'``).
        """
        from .figures import report_figure

        return report_figure(self, max_features=max_features)


# ====================================================================== diagnose


def report_text(report):
    """The report as plain text: the verdict, a table of findings, then the fixes."""
    lines = [_wrap(f"sktorchsafe diagnosis: {report.summary()}", indent="  ")]
    if report.task_reason is not None:
        lines.append(_wrap(f"Task {report.task}: y holds {report.task_reason}.", ""))
    if not report.ok:
        lines.append(
            _wrap(
                "Plain skorch training fails or diverges on this data. The "
                "'step' column names the make_safe_pipeline step that fixes "
                "each finding ('-': fix it before the pipeline).",
                indent="",
            )
        )
    if report.preflight is not None:
        lines.append(_wrap(f"The net: {report.preflight.summary()}.", indent="  "))
    if report.findings:
        layers = _has_layers(report)
        header = ("#", "severity", "finding", "columns", *("layer",) * layers)
        cells = [
            (
                str(k),
                f.severity,
                f.kind,
                _shorten(describe(f.columns, limit=2), 36),
                *(_layer(f),) * layers,
                f.affected,
                f.step or "-",
            )
            for k, f in enumerate(report.findings, 1)
        ]
        lines += ["", text_table([(*header, "affected", "step"), *cells]), ""]
        for k, f in enumerate(report.findings, 1):
            lines.append(_wrap(f"{k}. {f.message}", indent="   "))
            lines.append(_wrap(f"Fix: {f.fix}", indent="   ", first="   "))
    if report.pipeline is not None:
        lines += ["", str(report.pipeline)]
    return "\n".join(lines)


def report_markdown(report):
    """The report as Markdown: the verdict, the task, a table of findings."""
    lines = [f"**sktorchsafe diagnosis**: {report.summary()}", ""]
    if report.task_reason is not None:
        lines += [f"Task {report.task}: y holds {report.task_reason}.", ""]
    if report.preflight is not None:
        lines += [f"The net: {report.preflight.summary()}.", ""]

    def cell(text):
        return str(text).replace("|", "\\|").replace("\n", " ")

    layers = _has_layers(report)
    if report.findings:
        header = ["severity", "finding", "columns", *["layer"] * layers]
        header += ["affected", "what", "fix", "step"]
        lines += ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    for f in report.findings:
        row = (
            f.severity,
            f"`{f.kind}`",
            describe(f.columns, limit=8),
            *(_layer(f),) * layers,
            f.affected,
            f.message,
            f.fix or "",
            f"`{f.step or '-'}`",
        )
        lines.append("| " + " | ".join(cell(value) for value in row) + " |")
    if report.pipeline is not None:
        from .pipeline_report import pipeline_markdown

        lines += ["", pipeline_markdown(report.pipeline)]
    return "\n".join(lines) + "\n"


def report_html(report, *, with_pipeline=True):
    """The report as an HTML fragment (a notebook's ``_repr_html_``)."""
    colors = {"error": "#c0392b", "warning": "#b9770e", "info": "#566573"}
    layers = _has_layers(report)
    rows = []
    for f in report.findings:
        color = colors[f.severity]
        layer = f"<td><code>{html.escape(_layer(f))}</code></td>" * layers
        rows.append(
            "<tr>"
            f'<td style="color:{color};font-weight:bold">{f.severity}</td>'
            f"<td><code>{html.escape(f.kind)}</code></td>"
            f"<td>{html.escape(describe(f.columns, limit=8))}</td>{layer}"
            f"<td>{html.escape(f.affected)}</td>"
            f"<td>{html.escape(f.message)}</td>"
            f"<td>{html.escape(f.fix)}</td>"
            f"<td><code>{html.escape(f.step or '-')}</code></td>"
            "</tr>"
        )
    color = "#1e8449" if report.ok else colors["error"]
    reason = ""
    if report.task_reason is not None:
        reason = (
            f"<p>Task {html.escape(report.task)}: y holds "
            f"{html.escape(report.task_reason)}.</p>"
        )
    if report.preflight is not None:
        reason += f"<p>The net: {html.escape(report.preflight.summary())}.</p>"
    header = "".join(
        f"<th>{name}</th>"
        for name in (
            *("severity", "finding", "columns"),
            *("layer",) * layers,
            *("affected", "what", "fix"),
        )
    )
    table = (
        '<table class="sktorchsafe-diagnosis">'
        f"<thead><tr>{header}<th>step</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows
        else ""
    )
    return (
        '<div class="sktorchsafe-diagnosis">'
        f"<style>{_FRAGMENT_STYLE}</style>"
        f'<p><b>sktorchsafe diagnosis</b>: <b style="color:{color}">'
        f"{html.escape(report.summary())}</b></p>{reason}"
        f"{table}{_pipeline_html(report) if with_pipeline else ''}</div>"
    )


#: Cells of the fragment's tables: left-aligned and top-aligned, in a notebook too.
_FRAGMENT_STYLE = (
    ".sktorchsafe-diagnosis th,.sktorchsafe-diagnosis td"
    "{text-align:left;vertical-align:top;padding:2px 6px}"
)


def report_page(report, title):
    """The report as a complete HTML page: the findings, the figure (when
    matplotlib is installed, embedded as a PNG) and the features table."""
    from .figures import figure_png

    png = figure_png(report) if report.features["numeric"].any() else None
    figure = _img(png, report.summary())
    if png is None and report.features["numeric"].any():
        figure = (
            "<p><i>No figure: matplotlib is not installed (pip install "
            "'sktorchsafe[plot]').</i></p>\n"
        )
    if report.pipeline is not None:
        figure += f"{_pipeline_html(report)}\n"
        if len(report.pipeline.features):
            figure += _img(figure_png(report.pipeline), report.pipeline.summary())
    features = report.features.to_html(na_rep="", float_format=_short)
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:sans-serif;margin:2em}"
        "table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;"
        "text-align:left}"
        f"</style></head><body>\n{report_html(report, with_pipeline=False)}\n"
        f"{figure}<h3>Features</h3>\n<div style='overflow-x:auto'>{features}</div>\n"
        "</body></html>\n"
    )


def _short(value):
    return f"{value:.4g}"


def _img(png, alt):
    if png is None:
        return ""
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<p><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}" '
        'style="max-width:100%"></p>\n'
    )


def _has_layers(report):
    return any(f.layer is not None for f in report.findings)


def _layer(f):
    if f.layer is None:
        return "-"
    return f.layer or "(the module)"


def _pipeline_html(report):
    if report.pipeline is None:
        return ""
    from .pipeline_report import pipeline_html

    return pipeline_html(report.pipeline)


def _preflight_dict(preflight):
    layers = json.loads(preflight.layers.to_json(orient="index"))
    return {"summary": preflight.summary(), "layers": layers}
