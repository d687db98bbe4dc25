"""What :class:`~sktorchsafe.OutlierClipper` says about degenerate features.

A feature whose spread is 0 although it is not constant (a rare indicator, a
one-hot column) is handled by the clipper itself, its bounds widened to the
observed range, and becomes a finding of the report; a constant feature and
one without any finite value draw a warning at every fit.
"""

import numpy as np

from ..core.messages import Finding, describe, plural

__all__ = ["degenerate_features"]

#: How each hard clip names a spread of 0.
_ZERO_SPREAD = {
    "iqr": "an IQR of 0",
    "quantile": "equal quantiles",
    "mad": "a MAD of 0",
    "zscore": "a standard deviation of 0",
}


def degenerate_features(names, method, constant, collapsed, empty):
    """``(findings, warning messages)`` of the degenerate features (masks)."""

    def listed(mask, what):
        cols = np.flatnonzero(mask)
        listing = describe([names[j] for j in cols], quote=True)
        return f"OutlierClipper: {cols.size} feature(s) {what}: {listing}. "

    spread = _ZERO_SPREAD.get(method, "a spread of 0")
    findings = ()
    messages = []
    if collapsed.any():
        # Handled by the clipper (the bounds widen to the observed range), so
        # a finding in the report, not a warning in every fold: rare
        # indicators and one-hot columns all look like this.
        cols = np.flatnonzero(collapsed)
        findings = (
            Finding(
                "zero_spread",
                "info",
                tuple(names[j] for j in cols),
                f"{plural(cols.size, 'feature')} with {spread} but not "
                f"constant: {describe([names[j] for j in cols], quote=True)}. "
                f"Most of their values are equal, and the {method!r} "
                "bounds would collapse onto that value and erase the "
                "feature, so their bounds are the observed range (data_min_, "
                "data_max_) instead.",
                "Nothing to do for indicators; use method='quantile' to clip "
                "the tails of other such features.",
            ),
        )
    if constant.any():
        messages.append(
            listed(constant, "constant at fit")
            + "Both bounds are that constant, so transform maps all their "
            "values to it. Drop them if they should carry information."
        )
    if empty.any():
        messages.append(
            listed(empty, "without any finite value at fit")
            + "They are not clipped (bounds -inf and +inf) and their ±inf "
            "become NaN. Impute or drop them: ImputerSelector keeps and "
            "fills such columns."
        )
    return findings, messages
