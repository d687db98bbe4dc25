"""How a fitted ImputerSelector fills X, and how ``inverse_transform`` undoes it.

One function per kind of input (:mod:`._impute_input`): dense numbers
(:func:`fill_dense`, row block by row block, in place when allowed), sparse
numbers (:func:`fill_sparse`, on the stored values only) and text
(:func:`fill_text`). Each keeps the features the fit kept, fills every
missing cell, fills the features without observed values at fit in every
row, and appends the missing indicators with ``add_indicator=True``.
"""

import warnings

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.impute import MissingIndicator

from ..core.compat import output_config
from ..core.messages import describe
from ..core.stats import inf_as_nan, row_blocks
from ..core.validation import feature_names
from ..exceptions import InputTypeError
from ._impute_input import is_nan_marker, text_mask
from ._impute_strategies import MODEL_STRATEGIES

__all__ = ["fill_dense", "fill_sparse", "fill_text", "fit_indicator", "restore"]


def fill_dense(imputer, X, in_place):
    """Fill a float ndarray (NaN and ±inf missing)."""
    kept = imputer._kept
    fill = _fill_row(imputer, X.dtype)
    model_fills = _model_fills(imputer, X)  # before X may be filled in place
    n_kept = int(kept.sum())
    indicate = imputer._indicate
    in_place = in_place and isinstance(X, np.ndarray) and X.flags.writeable
    if in_place:
        out = X
    else:
        out = np.empty((X.shape[0], n_kept * (2 if indicate else 1)), dtype=X.dtype)
    select = None if kept.all() else np.flatnonzero(kept)
    constant = np.flatnonzero(imputer._constant[kept])
    for rows in row_blocks(*X.shape):
        block = X[rows]
        missing = ~np.isfinite(block)
        if select is not None:
            block, missing = block[:, select], missing[:, select]
        filled = out[rows, :n_kept]
        if not in_place:
            filled[...] = block
        np.copyto(filled, fill, where=missing)
        if constant.size:
            filled[:, constant] = fill[constant]
        if indicate:
            out[rows, n_kept:] = missing
    position = np.cumsum(kept) - 1
    for targets, row_idx, values, missing in model_fills:
        for k, j in enumerate(targets):
            out[row_idx[missing[:, k]], position[j]] = values[missing[:, k], k]
    return out


def _fill_row(imputer, dtype):
    """The fill values of the kept features, in the output dtype."""
    kept = imputer._kept
    statistics = imputer.statistics_[kept]
    with np.errstate(over="ignore"):
        fill = statistics.astype(dtype)
    simple = np.array([s not in MODEL_STRATEGIES for s in imputer.strategies_[kept]])
    bad = simple & ~np.isfinite(fill)
    if bad.any():
        names = np.asarray(feature_names(imputer, n_features=imputer.n_features_in_))
        raise ValueError(
            f"ImputerSelector: the fill values of "
            f"{describe(names[kept][bad], quote=True)} "
            f"({describe(statistics[bad])}) do not fit in {np.dtype(dtype)}. "
            "Transform float64 data, or choose a smaller fill_value."
        )
    return fill


def _model_fills(imputer, X):
    """What each model imputes in the rows where its features are missing.

    A list of ``(features, rows, values, missing)``: ``values`` and the
    boolean ``missing`` have one row per row of ``rows`` and one column per
    feature of ``features``.
    """
    fills = []
    for model in imputer._models.values():
        missing = ~np.isfinite(X[:, model.targets])
        row_idx = np.flatnonzero(missing.any(axis=1))
        if row_idx.size == 0:
            continue
        with imputer._progress(f"imputing {model.kind!r} in {row_idx.size} rows"):
            values = model.impute(inf_as_nan(X[row_idx]))
        fills.append((model.targets, row_idx, values, missing[row_idx]))
    return fills


def fill_sparse(imputer, X, in_place):
    """Fill a CSC matrix: its stored NaN and ±inf (implicit zeros are values)."""
    kept = imputer._kept
    fill = _fill_row(imputer, X.dtype)
    if not kept.all():
        X = X[:, np.flatnonzero(kept)]
    elif not in_place:
        X = X.copy()
    missing = ~np.isfinite(X.data)
    column = np.repeat(np.arange(X.shape[1]), np.diff(X.indptr))
    X.data[missing] = fill[column[missing]]
    constant = np.flatnonzero(imputer._constant[kept])
    if constant.size:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sparse.SparseEfficiencyWarning)
            X[:, constant] = np.tile(fill[constant], (X.shape[0], 1))
    if not imputer._indicate:
        return X
    indicator = type(X)(
        (missing.astype(X.dtype), X.indices.copy(), X.indptr.copy()), shape=X.shape
    )
    indicator.eliminate_zeros()
    return sparse.hstack([X, indicator], format="csc")


def fill_text(imputer, X, index=None):
    """Fill an object array: its cells equal to ``missing_values`` or NA.

    With ``set_output(transform="pandas")`` after a fit on a DataFrame, each
    column keeps its dtype where its values allow (a category column gains
    the fill value as a category).
    """
    kept = np.flatnonzero(imputer._kept)
    missing = text_mask(X, imputer.missing_values)[:, kept]
    out = X[:, kept].copy()
    fill = np.broadcast_to(imputer.statistics_[kept], out.shape)
    out[missing] = fill[missing]
    constant = np.flatnonzero(imputer._constant[kept])
    out[:, constant] = fill[:, constant]
    if imputer._indicate:
        out = np.hstack([out, missing.astype(object)])
    if imputer._dtypes is None or output_config(imputer)["dense"] != "pandas":
        return out
    frame = pd.DataFrame(out, columns=imputer.get_feature_names_out(), index=index)
    for k, j in enumerate(kept):
        frame.isetitem(k, _as_dtype(frame.iloc[:, k], imputer._dtypes[j]))
    for k in range(kept.size, frame.shape[1]):
        frame.isetitem(k, frame.iloc[:, k].astype(bool))
    return frame


def _as_dtype(column, dtype):
    """``column`` (objects) as ``dtype``, or as it is where its values do not fit."""
    if isinstance(dtype, pd.CategoricalDtype):
        new = pd.Index(column.dropna().unique()).difference(dtype.categories)
        dtype = pd.CategoricalDtype(dtype.categories.append(new), dtype.ordered)
    try:
        return column.astype(dtype)
    except (TypeError, ValueError):
        return column


def fit_indicator(imputer):
    """scikit-learn's ``MissingIndicator`` for the kept features, fitted.

    It flags the cells equal to ``missing_values`` (NaN for None and
    ``pandas.NA`` in numbers) in the kept features (``features_``): the
    indicator columns ``transform`` appends, which flag ±inf too with
    ``on_inf="impute"``.
    """
    marker = imputer.missing_values
    if imputer._text:
        row = np.empty((1, imputer.n_features_in_), dtype=object)
        row[:] = marker
    else:
        marker = np.nan if is_nan_marker(marker) else marker
        row = np.full((1, imputer.n_features_in_), marker, dtype=np.float64)
    names = getattr(imputer, "feature_names_in_", None)
    if names is not None:
        row = pd.DataFrame(row, columns=names)
    indicator = MissingIndicator(
        missing_values=marker, features="missing-only", error_on_new=False
    ).fit(row)
    indicator.features_ = np.flatnonzero(imputer._kept)
    return indicator


def restore(imputer, X):
    """``inverse_transform``: X's features back, ``missing_values`` where flagged."""
    if sparse.issparse(X):
        X = X.toarray()
    X = np.asarray(X)
    kept = np.flatnonzero(imputer._kept)
    n_kept = kept.size
    if X.ndim != 2 or X.shape[1] != 2 * n_kept:
        raise InputTypeError(
            f"ImputerSelector.inverse_transform: X must have {2 * n_kept} columns "
            f"(the {n_kept} imputed features, then their missing indicators), as "
            f"transform returns. Got {np.shape(X)} instead."
        )
    marker = imputer.missing_values
    text = X.dtype == object or imputer._text
    if text:
        out = np.empty((X.shape[0], imputer.n_features_in_), dtype=object)
    else:
        out = np.empty((X.shape[0], imputer.n_features_in_), dtype=np.float64)
    out[...] = np.nan if is_nan_marker(marker) and not text else marker
    values = X[:, :n_kept]
    missing = X[:, n_kept:].astype(bool)
    out[:, kept] = np.where(missing, out[:, kept], values)
    return out
