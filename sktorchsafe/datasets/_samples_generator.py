"""Messy versions of scikit-learn's ``make_regression`` and ``make_classification``.

The clean data come from scikit-learn; we then put each feature on its own
scale and damage a chosen share of the cells with outliers, ±inf and NaN:
the kinds of input that make a plain PyTorch net print ``nan``.
"""

import numbers

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification, make_regression
from sklearn.utils import check_random_state

from ..core.compat import Interval, validate_params

__all__ = ["make_messy_classification", "make_messy_regression"]

#: Outliers lie this many standard deviations from their column's mean.
OUTLIER_DISTANCE = (10.0, 100.0)

_SHARE = [Interval(numbers.Real, 0, 1, closed="both")]
_COMMON_CONSTRAINTS = {
    "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
    "n_features": [Interval(numbers.Integral, 1, None, closed="left")],
    "nan_share": _SHARE,
    "inf_share": _SHARE,
    "outlier_share": _SHARE,
    "scale_spread": [Interval(numbers.Real, 1, None, closed="left")],
    "as_frame": ["boolean"],
    "random_state": ["random_state"],
}


def _damage(X, *, nan_share, inf_share, outlier_share, scale_spread, rng):
    """Scale the columns of a standard-normal-ish ``X`` and damage its cells.

    Column ``j`` gets standard deviation ``s_j`` (geometrically spaced from
    ``scale_spread**-0.5`` to ``scale_spread**0.5``, in random order) and mean
    ``s_j * u_j`` with ``u_j`` uniform in [-3, 3].  Then exactly
    ``round(share * X.size)`` distinct cells become NaN and ±inf, and as many
    of the remaining cells as the outlier share asks for (rounding can leave
    fewer cells than the three rounded counts add up to) become outliers.
    """
    n, p = X.shape
    shares = {"outlier": outlier_share, "inf": inf_share, "nan": nan_share}
    if sum(shares.values()) > 1:
        raise ValueError(
            "nan_share + inf_share + outlier_share must not exceed 1. "
            f"Got {sum(shares.values())!r} instead."
        )
    half = np.log10(scale_spread) / 2
    scales = rng.permutation(np.logspace(-half, half, p))
    means = scales * rng.uniform(-3.0, 3.0, p)
    X = X * scales + means

    counts = {kind: int(round(share * X.size)) for kind, share in shares.items()}
    # Each share is rounded on its own: on tiny X the rounded counts can add up
    # to more cells than there are. NaN and ±inf keep their exact counts.
    counts["inf"] = min(counts["inf"], X.size - counts["nan"])
    counts["outlier"] = min(counts["outlier"], X.size - counts["nan"] - counts["inf"])
    cells = rng.choice(X.size, size=sum(counts.values()), replace=False)
    start = 0
    for kind, count in counts.items():
        rows, cols = np.divmod(cells[start : start + count], p)
        start += count
        sign = rng.choice([-1.0, 1.0], size=count)
        if kind == "outlier":
            distance = rng.uniform(*OUTLIER_DISTANCE, size=count)
            X[rows, cols] = means[cols] + sign * distance * scales[cols]
        elif kind == "inf":
            X[rows, cols] = sign * np.inf
        else:
            X[rows, cols] = np.nan
    return X


def _output(X, y, as_frame):
    if not as_frame:
        return X, y
    columns = [f"x{i}" for i in range(X.shape[1])]
    return pd.DataFrame(X, columns=columns), pd.Series(y, name="y")


def _standardized(y):
    """``y`` centred and, unless constant, divided by its standard deviation."""
    y = y - y.mean()
    std = y.std()
    return y / std if std > 0 else y


def _generator(random_state):
    """A NumPy Generator seeded from scikit-learn's ``random_state``."""
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    return seed, np.random.default_rng(seed)


@validate_params(
    {
        **_COMMON_CONSTRAINTS,
        "n_informative": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "noise": [Interval(numbers.Real, 0, None, closed="left")],
        "target_scale": [Interval(numbers.Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def make_messy_regression(
    n_samples=1000,
    n_features=10,
    *,
    n_informative=None,
    noise=0.1,
    nan_share=0.05,
    inf_share=0.001,
    outlier_share=0.01,
    scale_spread=1e6,
    target_scale=1e4,
    as_frame=False,
    random_state=None,
):
    """Generate a regression problem with the damage real data carries.

    A linear problem from :func:`sklearn.datasets.make_regression`, then:
    features on scales spread over ``scale_spread`` (with offsets), a
    share of the cells turned into outliers, ±inf and NaN, and a target
    in units of ``target_scale``.  The target is computed from the clean
    features, so the damage is the only thing between a model and a good
    score.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of rows.
    n_features : int, default=10
        Number of features.
    n_informative : int, default=None
        Features that take part in the target; ``None`` means all.
    noise : float, default=0.1
        Standard deviation of the Gaussian noise, relative to the standard
        deviation of the noise-free target.
    nan_share : float in [0, 1], default=0.05
        Share of the cells of X set to NaN (exactly ``round(nan_share *
        n_samples * n_features)`` cells).
    inf_share : float in [0, 1], default=0.001
        Share of the cells set to +inf or -inf (random sign).
    outlier_share : float in [0, 1], default=0.01
        Share of the cells moved 10 to 100 standard deviations away from
        their column's mean (random sign).  The three shares pick distinct
        cells and must not add up to more than 1.
    scale_spread : float >= 1, default=1e6
        Ratio of the largest to the smallest feature standard deviation;
        the scales are geometrically spaced around 1 and assigned to the
        columns in random order.  Each column's mean lies within 3 of its
        standard deviations of 0.
    target_scale : float > 0, default=1e4
        Standard deviation of the target.
    as_frame : bool, default=False
        If True, return a DataFrame with columns ``x0, x1, ...`` and a
        Series named ``y``.
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible output.

    Returns
    -------
    X : {ndarray, DataFrame} of shape (n_samples, n_features)
        The damaged features (float64).
    y : {ndarray, Series} of shape (n_samples,)
        The target, finite, in units of ``target_scale``.

    See Also
    --------
    make_messy_classification : The classification counterpart.
    sklearn.datasets.make_regression : The clean problem underneath.

    Examples
    --------
    >>> import numpy as np
    >>> from sktorchsafe.datasets import make_messy_regression
    >>> X, y = make_messy_regression(
    ...     200, 5, nan_share=0.1, inf_share=0.0, outlier_share=0.0,
    ...     scale_spread=1e4, random_state=0)
    >>> int(np.isnan(X).sum()), X.shape
    (100, (200, 5))
    >>> bool(np.nanstd(X, axis=0).max() / np.nanstd(X, axis=0).min() > 1e3)
    True
    >>> round(float(y.std()), -3)
    10000.0
    """
    seed, rng = _generator(random_state)
    X, y = make_regression(
        n_samples,
        n_features,
        n_informative=n_features if n_informative is None else n_informative,
        random_state=seed,
    )
    y = _standardized(y) + noise * rng.standard_normal(n_samples)
    y = _standardized(y) * target_scale
    X = _damage(
        X,
        nan_share=nan_share,
        inf_share=inf_share,
        outlier_share=outlier_share,
        scale_spread=scale_spread,
        rng=rng,
    )
    return _output(X, y, as_frame)


@validate_params(
    {
        **_COMMON_CONSTRAINTS,
        "n_classes": [Interval(numbers.Integral, 2, None, closed="left")],
        "weights": ["array-like", None],
        "labels": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def make_messy_classification(
    n_samples=1000,
    n_features=10,
    *,
    n_classes=2,
    weights=None,
    labels=None,
    nan_share=0.05,
    inf_share=0.001,
    outlier_share=0.01,
    scale_spread=1e6,
    as_frame=False,
    random_state=None,
):
    """Generate a classification problem with the damage real data carries.

    A problem from :func:`sklearn.datasets.make_classification` (all
    features informative), then features on scales spread over
    ``scale_spread`` (with offsets) and a share of the cells turned into
    outliers, ±inf and NaN.  ``weights`` makes the classes imbalanced and
    ``labels`` gives them values plain skorch cannot take (strings, ``{0,
    5}``, floats).

    Parameters
    ----------
    n_samples : int, default=1000
        Number of rows.
    n_features : int, default=10
        Number of features.
    n_classes : int >= 2, default=2
        Number of classes.
    weights : array-like of shape (n_classes,) or (n_classes - 1,), default=None
        Proportions of the classes (see ``make_classification``); ``None``
        balances them.
    labels : array-like of shape (n_classes,), default=None
        The label of each class; ``None`` gives ``0, 1, ..., n_classes - 1``.
    nan_share, inf_share, outlier_share : float in [0, 1], \
default=0.05, 0.001, 0.01
        Shares of the cells of X set to NaN, to ±inf, and moved 10 to 100
        standard deviations away (distinct cells, at most 1 in total).
    scale_spread : float >= 1, default=1e6
        Ratio of the largest to the smallest feature standard deviation.
    as_frame : bool, default=False
        If True, return a DataFrame with columns ``x0, x1, ...`` and a
        Series named ``y``.
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible output.

    Returns
    -------
    X : {ndarray, DataFrame} of shape (n_samples, n_features)
        The damaged features (float64).
    y : {ndarray, Series} of shape (n_samples,)
        The labels.

    See Also
    --------
    make_messy_regression : The regression counterpart.
    sklearn.datasets.make_classification : The clean problem underneath.

    Examples
    --------
    >>> import numpy as np
    >>> from sktorchsafe.datasets import make_messy_classification
    >>> X, y = make_messy_classification(
    ...     300, 4, weights=[0.9], labels=["no", "yes"], nan_share=0.0,
    ...     inf_share=0.01, outlier_share=0.0, random_state=0)
    >>> int(np.isinf(X).sum())
    12
    >>> np.unique(y, return_counts=True)
    (array(['no', 'yes'], dtype='<U3'), array([270,  30]))
    """
    if labels is not None and len(labels) != n_classes:
        raise ValueError(
            f"labels must have one entry per class ({n_classes}). "
            f"Got {len(labels)} labels instead."
        )
    seed, rng = _generator(random_state)
    X, y = make_classification(
        n_samples,
        n_features,
        n_informative=n_features,
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        weights=weights,
        random_state=seed,
    )
    if labels is not None:
        y = np.asarray(labels)[y]
    X = _damage(
        X,
        nan_share=nan_share,
        inf_share=inf_share,
        outlier_share=outlier_share,
        scale_spread=scale_spread,
        rng=rng,
    )
    return _output(X, y, as_frame)
