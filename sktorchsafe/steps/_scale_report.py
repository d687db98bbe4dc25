"""What :class:`~sktorchsafe.ScaleDisparityChecker` reports, and its findings.

The per-feature measurements (:class:`FeatureScale`) and the report built of
them (:class:`ScaleReport`): the findings, most severe first, each naming the
features and the fix, in the words of :mod:`sktorchsafe.core.messages`.
"""

from dataclasses import dataclass

import numpy as np

from ..core.messages import (
    FIXES,
    Finding,
    agree,
    describe,
    describe_first,
    fix_for,
    ratio_text,
)

__all__ = ["FeatureScale", "ScaleReport", "build_report"]

FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class FeatureScale:
    """What :class:`~sktorchsafe.ScaleDisparityChecker` measured on one feature.

    Attributes
    ----------
    name : str
        The feature's name (DataFrame column name, else ``x{i}``).
    scale : float
        Robust spread in data units: the interquartile range divided by
        1.349 (the standard deviation for normal data), else the standard
        deviation. 0 for a constant feature, NaN for one without finite values.
    method : {"iqr", "std", "constant", "missing"}
        How ``scale`` was obtained.
    center : float
        Median of the sampled finite values (the mean when the sample has
        none, the value of a constant feature, NaN without finite values).
    min, max : float
        Smallest and largest finite value over all rows (exact).
    n_posinf, n_neginf : int
        How many +inf and -inf cells the feature holds over all rows (exact).
    mode_share : float
        Share of the sampled finite values equal to the most frequent one.
    constant : bool
        All finite values are equal (exact).
    near_constant : bool
        Not constant, and ``mode_share`` is at least ``near_constant_share``.
    float32_collapse : bool
        Distinct finite values that all round to one float32 value (exact).
    float32_overflow : bool
        Finite values beyond float32's range, which become ±inf in float32
        (exact).
    """

    name: str
    scale: float
    method: str
    center: float
    min: float
    max: float
    n_posinf: int
    n_neginf: int
    mode_share: float
    constant: bool
    near_constant: bool
    float32_collapse: bool
    float32_overflow: bool

    @property
    def missing(self):
        """True when the feature has no finite value."""
        return self.method == "missing"


@dataclass(frozen=True)
class ScaleReport:
    """Everything :class:`~sktorchsafe.ScaleDisparityChecker` found, per feature.

    The one source for warnings, errors and reports about feature scale: its
    fields are stable.

    Attributes
    ----------
    features : tuple of FeatureScale
        One entry per feature, in column order.
    scale_ratio : float
        Largest over smallest ``scale`` among features with a positive finite
        scale; 1.0 when fewer than two have one.
    largest, smallest : str or None
        The features with the largest and smallest such scale.
    threshold : float
        The ``threshold`` the findings were judged against.
    n_samples : int
        Rows in the data; exact quantities (min, max, ±inf counts,
        constant, float32) are over all of them.
    n_samples_used : int
        Rows of the sample the quantiles and ``mode_share`` come from (every
        row, through a quantile sketch, after ``partial_fit`` or a Dask fit).
    findings : tuple of Finding
        The problems found, most severe first.

    Examples
    --------
    >>> import numpy as np
    >>> from sktorchsafe import ScaleDisparityChecker
    >>> X = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
    >>> report = ScaleDisparityChecker(on_problem="ignore").fit(X).report_
    >>> report["x1"].constant, [finding.kind for finding in report.findings]
    (True, ['constant'])
    """

    features: tuple
    scale_ratio: float
    largest: str | None
    smallest: str | None
    threshold: float
    n_samples: int
    n_samples_used: int
    findings: tuple

    def __getitem__(self, name):
        """The :class:`FeatureScale` of the feature called ``name``."""
        for feature in self.features:
            if feature.name == name:
                return feature
        raise KeyError(name)

    def to_frame(self):
        """The per-feature measurements as a pandas DataFrame indexed by name."""
        import pandas as pd

        rows = [
            {**vars(feature), "missing": feature.missing} for feature in self.features
        ]
        return pd.DataFrame(rows).set_index("name")


def _quoted(features):
    return describe([repr(f.name) for f in features])


def _eg(features):
    """``"e.g. 'name': "`` before the example values when several are flagged."""
    return "" if len(features) == 1 else f"e.g. {features[0].name!r}: "


def build_report(features, inf_rows, threshold, n_samples, n_used):
    """The :class:`ScaleReport` of ``features``, findings most severe first."""
    scaled = [f for f in features if np.isfinite(f.scale) and f.scale > 0]
    largest = max(scaled, key=lambda f: f.scale, default=None)
    smallest = min(scaled, key=lambda f: f.scale, default=None)
    ratio = 1.0
    if len(scaled) >= 2:
        with np.errstate(over="ignore"):
            ratio = float(np.float64(largest.scale) / smallest.scale)

    findings = []

    def add(kind, severity, flagged, message, fix):
        names = tuple(f.name for f in flagged)
        findings.append(Finding(kind, severity, names, message, fix))

    if infinite := [f for f in features if f.n_posinf or f.n_neginf]:
        parts = [
            f"{f.name!r} ({f.n_posinf} +inf, {f.n_neginf} -inf; rows "
            f"{describe_first(inf_rows[f.name], f.n_posinf + f.n_neginf)})"
            for f in infinite
        ]
        add(
            "infinite",
            "error",
            infinite,
            f"X holds ±inf in {len(infinite)} "
            f"{agree(infinite, 'feature', 'features')}: {describe(parts)}.",
            FIXES["nonfinite_input"].text,
        )
    if overflow := [f for f in features if f.float32_overflow]:
        first = overflow[0]
        add(
            "float32_overflow",
            "error",
            overflow,
            f"{_quoted(overflow)} {agree(overflow, 'holds', 'hold')} values "
            f"beyond float32's range (|x| > {FLOAT32_MAX:.3g}; {_eg(overflow)}"
            f"{first.min:.3g} to {first.max:.3g}): they "
            "become ±inf when the net casts X to float32.",
            fix_for("float32_collapse"),
        )
    if collapse := [f for f in features if f.float32_collapse]:
        first = collapse[0]
        add(
            "float32_collapse",
            "warning",
            collapse,
            f"{_quoted(collapse)} {agree(collapse, 'has', 'have')} distinct "
            f"values that all round to one float32 value ({_eg(collapse)}"
            f"{first.min!r} to {first.max!r}): in float32 the net sees a "
            "constant.",
            fix_for("float32_collapse"),
        )
    if ratio > threshold:
        add(
            "scale_disparity",
            "warning",
            (largest, smallest),
            f"Feature scales span a ratio of {ratio_text(ratio)} (threshold "
            f"{threshold:.3g}): {largest.name!r} has scale {largest.scale:.3g} "
            f"and {smallest.name!r} has scale {smallest.scale:.3g}. Gradient "
            "descent on features this far apart diverges or stalls.",
            fix_for("scale_disparity"),
        )
    offset = [
        f
        for f in scaled
        if not f.float32_collapse and abs(f.center) > threshold * f.scale
    ]
    if offset:
        first = offset[0]
        add(
            "offset",
            "warning",
            offset,
            f"{_quoted(offset)} {agree(offset, 'sits', 'sit')} far from zero "
            f"relative to {agree(offset, 'its', 'their')} spread ({_eg(offset)}"
            f"median {first.center:.6g}, scale {first.scale:.3g}; "
            f"threshold {threshold:.3g}): unscaled, the net sees a large, nearly "
            "constant input.",
            fix_for("scale_disparity"),
        )
    if missing := [f for f in features if f.missing]:
        add(
            "all_missing",
            "warning",
            missing,
            f"{_quoted(missing)} {agree(missing, 'has', 'have')} no finite "
            "value (all NaN or ±inf).",
            fix_for("all_missing"),
        )
    if constant := [f for f in features if f.constant]:
        add(
            "constant",
            "warning",
            constant,
            f"{_quoted(constant)} {agree(constant, 'is', 'are')} constant "
            f"({_eg(constant)}always {constant[0].min!r}).",
            fix_for("constant"),
        )
    if near := [f for f in features if f.near_constant]:
        add(
            "near_constant",
            "info",
            near,
            f"{_quoted(near)} {agree(near, 'takes', 'take')} a single value in "
            f"most rows ({_eg(near)}{near[0].mode_share:.1%} of the "
            "sampled rows).",
            fix_for("near_constant"),
        )
    return ScaleReport(
        features=features,
        scale_ratio=ratio,
        largest=None if largest is None else largest.name,
        smallest=None if smallest is None else smallest.name,
        threshold=float(threshold),
        n_samples=int(n_samples),
        n_samples_used=int(n_used),
        findings=tuple(findings),
    )
