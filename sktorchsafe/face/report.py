"""How a :class:`~sktorchsafe.diagnose.DiagnosisReport` is shown.

The report holds the findings, the per-feature measurements and the verdict;
the functions here only present them: an aligned text table for terminals,
HTML for notebooks and ``--html`` pages, and a matplotlib figure.  They read
the report's public attributes and ``summary()``, nothing else.
"""

import html
import textwrap

import numpy as np

from ..core.messages import describe, ratio_text


def report_text(report):
    """The report as plain text: the verdict, a table of findings, then the fixes."""
    lines = [_wrap(f"sktorchsafe diagnosis: {report.summary()}", indent="  ")]
    if not report.ok:
        lines.append(
            _wrap(
                "Plain skorch training fails or diverges on this data. The "
                "'step' column names the make_safe_pipeline step that fixes "
                "each finding ('-': fix it before the pipeline).",
                indent="",
            )
        )
    if not report.findings:
        return "\n".join(lines)
    header = ("#", "severity", "finding", "columns", "affected", "step")
    cells = [
        (
            str(k),
            f.severity,
            f.kind,
            _shorten(describe(f.columns, limit=2), 36),
            f.affected,
            f.step or "-",
        )
        for k, f in enumerate(report.findings, 1)
    ]
    lines += ["", text_table([header, *cells]), ""]
    for k, f in enumerate(report.findings, 1):
        lines.append(_wrap(f"{k}. {f.message}", indent="   "))
        lines.append(_wrap(f"Fix: {f.fix}", indent="   ", first="   "))
    return "\n".join(lines)


def report_html(report):
    """The report as an HTML fragment (a notebook's ``_repr_html_``)."""
    colors = {"error": "#c0392b", "warning": "#b9770e", "info": "#566573"}
    rows = []
    for f in report.findings:
        color = colors[f.severity]
        rows.append(
            "<tr>"
            f'<td style="color:{color};font-weight:bold">{f.severity}</td>'
            f"<td><code>{html.escape(f.kind)}</code></td>"
            f"<td>{html.escape(describe(f.columns, limit=8))}</td>"
            f"<td>{html.escape(f.affected)}</td>"
            f"<td>{html.escape(f.message)}</td>"
            f"<td>{html.escape(f.fix)}</td>"
            f"<td><code>{html.escape(f.step or '-')}</code></td>"
            "</tr>"
        )
    verdict = "OK" if report.ok else "NOT OK"
    color = "#1e8449" if report.ok else colors["error"]
    header = "".join(
        f"<th>{name}</th>"
        for name in ("severity", "finding", "columns", "affected", "what", "fix")
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
        f'<p><b>sktorchsafe diagnosis</b>: <b style="color:{color}">'
        f"{verdict}</b>. {html.escape(report.summary())}</p>"
        f"{table}</div>"
    )


def report_page(report, title):
    """The report as a complete HTML page, with the features table."""
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:sans-serif;margin:2em}"
        "table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;"
        "text-align:left}"
        f"</style></head><body>\n{report_html(report)}\n"
        f"<h3>Features</h3>\n{report.features.to_html(na_rep='')}\n"
        "</body></html>\n"
    )


def report_figure(report, *, max_features):
    """The report as a figure; see :meth:`DiagnosisReport.plot`."""
    try:
        from matplotlib.figure import Figure
        from matplotlib.ticker import FuncFormatter, MaxNLocator
    except ImportError:
        raise ImportError(
            "DiagnosisReport.plot needs matplotlib, which is not installed. "
            "Install the plot extra: pip install 'sktorchsafe[plot]' (or "
            "pip install matplotlib)."
        ) from None
    table = report.features[report.features["numeric"]].reindex(
        columns=["n_nan", "n_inf", "scale", "outlier_share"]
    )
    flagged = {name for f in report.findings for name in f.columns}
    order = sorted(range(len(table)), key=lambda k: table.index[k] not in flagged)
    shown = table.iloc[sorted(order[:max_features])]
    names = [str(name) for name in shown.index]
    positions = np.arange(len(names))
    height = max(3.0, 0.28 * len(names) + 1.6)
    fig = Figure(figsize=(13, height), layout="constrained")
    ax_missing, ax_scale, ax_outliers = fig.subplots(1, 3, sharey=True)
    n = max(report.n_samples, 1)

    nan_share = shown["n_nan"].to_numpy(float) / n
    inf_share = shown["n_inf"].to_numpy(float) / n
    ax_missing.barh(positions, nan_share, color="#5d6d7e", label="NaN")
    ax_missing.barh(positions, inf_share, left=nan_share, color="#c0392b", label="±inf")
    ax_missing.set_xlabel("share of rows")
    ax_missing.set_title("Missing / infinite values")
    ax_missing.xaxis.set_major_formatter(_percent())
    most = np.max(np.nan_to_num(nan_share + inf_share), initial=0.0)
    ax_missing.set_xlim(0, max(0.01, 1.15 * float(most)))
    ax_missing.legend(loc="best", fontsize="small")
    ax_missing.set_yticks(positions, names)
    ax_missing.invert_yaxis()

    scale = shown["scale"].to_numpy(float)
    drawable = np.isfinite(scale) & (scale > 0)
    disparity = report.scale_ratio > report.scale_threshold
    extreme = np.isin(shown.index, report.scale_extremes) & disparity
    colors = np.where(extreme, "#c0392b", "#2e86c1")
    # Drawn as decades on a linear axis: matplotlib's log axis overflows
    # float64 for scales near 1e308 (its margins and decade ticks).
    decades = np.log10(np.where(drawable, scale, 1.0))
    if drawable.any():
        smallest, largest = decades[drawable].min(), decades[drawable].max()
        base = np.floor(smallest) - 1
        ax_scale.barh(
            positions[drawable],
            decades[drawable] - base,
            left=base,
            color=colors[drawable],
        )
        for value in (smallest, largest):
            ax_scale.axvline(value, color="#566573", linestyle=":", linewidth=1)
        ax_scale.set_xlim(base, max(np.ceil(largest) + 1, base + 2))
    ax_scale.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax_scale.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"1e{v:g}"))
    for k in np.flatnonzero(~drawable):
        label = "constant" if scale[k] == 0 else "no finite value"
        ax_scale.annotate(
            label,
            (0, positions[k]),
            xycoords=("axes fraction", "data"),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
            color="#566573",
        )
    verdict = f"ratio {ratio_text(report.scale_ratio)}"
    if disparity:
        verdict += f" > threshold {report.scale_threshold:.2g}"
    ax_scale.set_title(f"Scale (robust, log axis): {verdict}")
    ax_scale.set_xlabel("scale (IQR / 1.349, else std)")

    share = shown["outlier_share"].to_numpy(float)
    outlying = {n for f in report.findings if f.kind == "outliers" for n in f.columns}
    colors = np.where(shown.index.isin(outlying), "#7d3c98", "#d2b4de")
    ax_outliers.barh(positions, np.nan_to_num(share), color=colors)
    ax_outliers.axvline(
        report.outlier_share,
        color="#c0392b",
        linestyle="--",
        linewidth=1,
        label=f"reported above {report.outlier_share:.0%}",
    )
    ax_outliers.set_title("Beyond the outlier fences (1.5 IQR)")
    ax_outliers.set_xlabel("share of finite values")
    ax_outliers.xaxis.set_major_formatter(_percent())
    most = np.max(np.nan_to_num(share), initial=0.0)
    top = max(2 * report.outlier_share, 1.15 * float(most))
    ax_outliers.set_xlim(0, top)
    ax_outliers.legend(loc="best", fontsize="small")

    title = f"sktorchsafe diagnosis: {report.summary()}"
    if len(table) > len(shown):
        title += f"\nshowing {len(shown)} of {len(table)} numeric features"
    fig.suptitle(title)
    return fig


def text_table(rows):
    """Rows of strings as aligned plain text, a rule under the first row."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    rule = tuple("-" * w for w in widths)
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [rows[0], rule, *rows[1:]]
    )


def _percent():
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0, decimals=1)


def _shorten(text, width):
    return text if len(text) <= width else text[: width - 3] + "..."


def _wrap(text, indent, first=""):
    return textwrap.fill(text, width=88, initial_indent=first, subsequent_indent=indent)
