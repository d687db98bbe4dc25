"""The figures of the reports: ``DiagnosisReport.plot`` and ``PipelineReport.plot``.

The diagnosis: three panels share the feature axis (the NaN and ±inf
counts, the scales on a decade axis, the shares beyond the outlier fences).
What the pipeline did: three panels share the axis of the net's inputs (the
share of rows the imputer filled, the share the clipper changed, each with
its count beside the bar so that three cells in a million rows still show,
and the scaler's divisor on a decade axis).
"""

import numpy as np

from ..core.messages import describe, plural, ratio_text

__all__ = ["figure_png", "pipeline_figure", "report_figure"]


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
    counted = [f for f in report.findings if f.n_cells or f.n_rows]
    below = 0.3 * len(counted) + 1.4 if counted else 0.0
    fig = Figure(figsize=(13, height + below), layout="constrained")
    top = fig
    if counted:
        top, bottom = fig.subfigures(2, 1, height_ratios=[height, below])
    ax_missing, ax_scale, ax_outliers = top.subplots(1, 3, sharey=True)
    n = max(report.n_samples, 1)

    nan_share = shown["n_nan"].to_numpy(float) / n
    inf_share = shown["n_inf"].to_numpy(float) / n
    ax_missing.barh(positions, nan_share, color="#5d6d7e", label="NaN")
    ax_missing.barh(positions, inf_share, left=nan_share, color="#c0392b", label="±inf")
    ax_missing.set_xlabel("share of rows")
    ax_missing.set_title("Missing: NaN (grey), ±inf (red)")
    ax_missing.xaxis.set_major_formatter(_percent())
    most = np.max(np.nan_to_num(nan_share + inf_share), initial=0.0)
    ax_missing.set_xlim(0, max(0.01, 1.35 * float(most)))
    ax_missing.xaxis.set_major_locator(_percent_ticks())
    # The counts as text: three ±inf cells in 100,000 rows are no visible bar.
    for k, (n_nan, n_inf) in enumerate(shown[["n_nan", "n_inf"]].to_numpy(int)):
        counts = [f"{n_nan} NaN"] * bool(n_nan) + [f"{n_inf} ±inf"] * bool(n_inf)
        if counts:
            ax_missing.annotate(
                ", ".join(counts),
                (nan_share[k] + inf_share[k], positions[k]),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize="x-small",
                color="#c0392b" if n_inf else "#2c3e50",
            )
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
    ax_scale.set_title(f"Scale (robust, log axis)\n{verdict}")
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
    ax_outliers.xaxis.set_major_locator(_percent_ticks())
    ax_outliers.legend(loc="lower right", fontsize="small")

    if counted:
        _counted_findings(bottom.subplots(), counted, report)
    title = f"sktorchsafe diagnosis: {report.summary()}"
    if len(table) > len(shown):
        title += f"\nshowing {len(shown)} of {len(table)} numeric features"
    fig.suptitle(title)
    left_out = [
        str(name) for name in report.features.index[~report.features["numeric"]]
    ]
    if left_out:
        fig.supxlabel(
            f"Not drawn: {plural(len(left_out), 'non-numeric column')} "
            f"({describe(left_out, limit=8, quote=True)}); see the findings.",
            fontsize="small",
            color="#566573",
        )
    return fig


#: Bar colours of the findings by severity.
SEVERITY_COLORS = {"error": "#c0392b", "warning": "#b9770e", "info": "#85929e"}


def _counted_findings(ax, counted, report):
    """One bar per finding with a count: the share of rows (or of its cells)."""
    n = max(report.n_samples, 1)
    labels, shares = [], []
    for f in counted:
        where = describe(f.columns, limit=2) if f.columns else ""
        labels.append(f"{f.kind} ({where})" if where else f.kind)
        if f.n_rows:
            shares.append(f.n_rows / n)
        else:
            shares.append(f.n_cells / (n * max(len(f.columns), 1)))
    positions = np.arange(len(counted))
    colors = [SEVERITY_COLORS[f.severity] for f in counted]
    ax.barh(positions, shares, color=colors)
    for k, f in enumerate(counted):
        ax.annotate(
            f.affected,
            (shares[k], positions[k]),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize="x-small",
            color="#2c3e50",
        )
    ax.set_yticks(positions, labels, fontsize="small")
    ax.invert_yaxis()
    ax.set_xlim(0, max(0.01, 1.3 * min(max(shares), 1.0)))
    ax.xaxis.set_major_formatter(_percent())
    ax.xaxis.set_major_locator(_percent_ticks())
    ax.set_title(
        "Findings with a count (colour: severity): the share of rows, or of "
        "the cells of their columns"
    )


def figure_png(report, *, max_features=30):
    """A report's figure (its ``plot``) as PNG bytes, or None without matplotlib."""
    import importlib.util
    import io

    if importlib.util.find_spec("matplotlib") is None:
        return None
    buffer = io.BytesIO()
    report.plot(max_features=max_features).savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


def pipeline_figure(report, *, max_features=30):
    """The figure; see :meth:`PipelineReport.plot`."""
    try:
        from matplotlib.figure import Figure
        from matplotlib.ticker import FuncFormatter, MaxNLocator
    except ImportError:
        raise ImportError(
            "PipelineReport.plot needs matplotlib, which is not installed. "
            "Install the plot extra: pip install 'sktorchsafe[plot]' (or "
            "pip install matplotlib)."
        ) from None
    table = report.features
    touched = (table["imputed"].fillna(0) > 0) | (table["clipped"].fillna(0) > 0)
    order = sorted(range(len(table)), key=lambda k: not touched.iloc[k])
    shown = table.iloc[sorted(order[:max_features])]
    names = [str(name) for name in shown.index]
    positions = np.arange(len(names))
    height = max(3.0, 0.28 * len(names) + 1.8)
    fig = Figure(figsize=(13, height), layout="constrained")
    axes = fig.subplots(1, 3, sharey=True)
    n = max(report.n_samples, 1)

    for ax, what, color, title in (
        (axes[0], "imputed", "#5d6d7e", "Imputed (NaN and ±inf filled)"),
        (axes[1], "clipped", "#7d3c98", "Clipped (beyond the bounds)"),
    ):
        counts = shown[what].to_numpy(dtype=float, na_value=np.nan)
        share = np.nan_to_num(counts) / n
        ax.barh(positions, share, color=color)
        most = float(np.max(share, initial=0.0))
        ax.set_xlim(0, max(0.01, 1.35 * most))
        ax.xaxis.set_major_formatter(_percent())
        ax.xaxis.set_major_locator(_percent_ticks())
        ax.set_xlabel("share of rows")
        ax.set_title(title)
        mapped = report.tail_mapped.loc[shown.index].to_numpy()
        for k, count in enumerate(counts):
            label = "not transformed" if np.isnan(count) else f"{int(count)}"
            if what == "clipped" and mapped[k]:
                label = f"all mapped ({shown['clip_method'].iloc[k]})"
            if np.isnan(count) or count > 0 or label.startswith("all mapped"):
                ax.annotate(
                    label,
                    (share[k], positions[k]),
                    xytext=(3, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize="x-small",
                    color="#2c3e50",
                )

    ax = axes[2]
    scale = shown["scale"].to_numpy(dtype=float, na_value=np.nan)
    drawable = np.isfinite(scale) & (scale > 0)
    if drawable.any():
        decades = np.log10(np.where(drawable, scale, 1.0))
        base = np.floor(decades[drawable].min()) - 1
        top = np.ceil(decades[drawable].max()) + 1
        ax.barh(
            positions[drawable],
            decades[drawable] - base,
            left=base,
            color="#2e86c1",
        )
        ax.set_xlim(base, max(top, base + 2))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"1e{v:g}"))
        ratio = scale[drawable].max() / scale[drawable].min()
        ax.set_title(f"Divided by (the scaler's scale): ratio {ratio:.2g}")
    else:
        ax.set_title("Not scaled")
        ax.set_xticks([])
    ax.set_xlabel("scale, log axis (each column leaves with scale 1)")
    axes[0].set_yticks(positions, names)
    axes[0].invert_yaxis()

    title = f"What the pipeline did: {report.summary()}"
    if len(table) > len(shown):
        title += f"\nshowing {len(shown)} of {len(table)} net inputs"
    fig.suptitle(title)
    if report.dropped:
        fig.supxlabel(
            f"Dropped by the encoder: {plural(len(report.dropped), 'column')} "
            f"({describe(list(report.dropped), limit=8, quote=True)}).",
            fontsize="small",
            color="#566573",
        )
    return fig


def _percent():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _: f"{100 * value:.4g}%")


def _percent_ticks():
    """Evenly spaced ticks for shares: 1%, 2%, 5%... steps, never 0.2/0.5/0.8."""
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10])
