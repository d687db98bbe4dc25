"""``SafeStandardScaler``: scikit-learn's StandardScaler, made safe for nets."""

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import (
    check_is_fitted,
)

from ..core.compat import (
    StrOptions,
    check_same_namespace,
    check_sample_weight,
    fit_context,
    get_namespace,
    is_constant_feature,
    is_numpy_namespace,
    parameter_constraints,
    standard_scaler_partial_fit,
)
from ..core.dask_blocks import is_dask_collection, transform_blocks
from ..core.messages import agree, describe, plural, user_stacklevel
from ..core.stats import EXP_LIMIT, ColumnStats, row_blocks, scale_exponent
from ..core.streaming import StreamingMixin
from ..core.validation import (
    check_sample_weight_finite,
    feature_names,
    nonfinite_report,
    raise_nonfinite,
    raise_nonfinite_counts,
    validate_X,
)
from ..exceptions import DataQualityWarning

__all__ = ["SafeStandardScaler"]

FLOAT_DTYPES = (np.float64, np.float32, np.float16)

#: float32 (and float16) data whose mean or scale lies beyond 2**±100 is
#: standardized in power-of-two units: float32 overflows past 2**128.
FLOAT32_EXP_LIMIT = 100


@dataclass
class _Moments:
    """The scaler's mergeable statistics: moments, and how the last block came.

    ``weighted`` and ``dtype`` follow the latest block, as scikit-learn's
    ``n_samples_seen_`` does (float of X's dtype when weighted).
    """

    stats: ColumnStats
    weighted: bool
    dtype: np.dtype

    def merge(self, other):
        return _Moments(self.stats.merge(other.stats), other.weighted, other.dtype)


class SafeStandardScaler(StreamingMixin, StandardScaler):
    """Standardize features like ``StandardScaler``, safe from overflow and ±inf.

    A drop-in replacement for :class:`sklearn.preprocessing.StandardScaler`:
    the same parameters, attributes, methods and results on clean data
    (scikit-learn's own StandardScaler tests pass against it), plus

    - overflow-proof statistics: columns near 1e300 (whose variance
      overflows float64) or 1e-300 (whose variance underflows) are
      standardized exactly like the same data at 1e0;
    - ±inf raises :class:`~sktorchsafe.exceptions.NonFiniteInputError`
      naming the columns and rows, instead of a generic error;
    - an all-NaN column is reported with a
      :class:`~sktorchsafe.exceptions.DataQualityWarning` naming it, and
      passed through unscaled instead of getting NaN statistics;
    - an optional output ``dtype`` (``numpy.float32`` for a torch net);
    - a faster ``fit`` (one cache-friendly read of X; see ``benchmarks/``).

    NaN is left out of the statistics and kept in place by ``transform``.

    Parameters
    ----------
    copy : bool, default=True
        If False, try to avoid a copy and scale in place (only possible for a
        writeable float ndarray of the output dtype).
    with_mean : bool, default=True
        Center the data before scaling (not possible on sparse input).
    with_std : bool, default=True
        Scale the data to unit variance.
    dtype : {None, numpy.float32, numpy.float64, "float32", "float64"}, default=None
        Output dtype of ``transform``. ``None`` keeps the input's float dtype,
        exactly as ``StandardScaler`` does. The statistics are float64 either way.

    Attributes
    ----------
    scale_ : ndarray of shape (n_features,) or None
        Per-feature scale (the standard deviation; 1 for constant and all-NaN
        features). ``None`` when ``with_std=False``.
    mean_ : ndarray of shape (n_features,) or None
        Per-feature mean (0 for all-NaN features). ``None`` when
        ``with_mean=False`` and ``with_std=False``.
    var_ : ndarray of shape (n_features,) or None
        Per-feature variance. For features whose standard deviation passes
        ~1e154 it overflows to ``inf`` (and underflows to 0 below ~1e-162);
        ``scale_`` stays exact.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when X is a DataFrame with string column names.
    n_samples_seen_ : int or ndarray of shape (n_features,)
        Non-missing samples per feature (summed weights when weighted), an int
        when the same for every feature.

    See Also
    --------
    sklearn.preprocessing.StandardScaler : The scaler this one replaces.
    ScaleDisparityChecker : Reports the scale disparity this step removes.

    Notes
    -----
    Sparse input (with ``with_mean=False``) and array-API input (e.g. torch
    tensors with ``sklearn.set_config(array_api_dispatch=True)``) are handled
    by scikit-learn's own code path, after our ±inf check for sparse input.

    Examples
    --------
    >>> import numpy as np
    >>> from sktorchsafe import SafeStandardScaler
    >>> X = np.array([[1e300, 1.0], [3e300, np.nan], [2e300, 3.0]])
    >>> scaler = SafeStandardScaler(dtype=np.float32).fit(X)
    >>> scaler.scale_
    array([8.16496581e+299, 1.00000000e+000])
    >>> scaler.transform(X)
    array([[-1.2247449, -1.       ],
           [ 1.2247449,        nan],
           [ 0.       ,  1.       ]], dtype=float32)
    """

    _parameter_constraints = {
        **parameter_constraints(StandardScaler),
        "dtype": [
            None,
            StrOptions({"float32", "float64"}),
            type,
            np.dtype,
        ],
    }

    def __init__(self, *, copy=True, with_mean=True, with_std=True, dtype=None):
        super().__init__(copy=copy, with_mean=with_mean, with_std=with_std)
        self.dtype = dtype

    # ------------------------------------------------------------------ fit
    def _out_dtype(self, X_dtype):
        if self.dtype is None:
            return X_dtype
        dtype = np.dtype(self.dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(
                "SafeStandardScaler: dtype must be None, numpy.float32 or "
                f"numpy.float64. Got {self.dtype!r} instead."
            )
        return dtype

    @fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, sample_weight=None):
        """Online computation of mean and std on X for later scaling.

        All of X is processed as one batch; successive calls merge their
        statistics exactly as one ``fit`` on the concatenation would (Chan,
        Golub & LeVeque's parallel update).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The data used to compute the mean and standard deviation.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Individual weights for each sample.

        Returns
        -------
        self : object
            Fitted scaler.
        """
        self._out_dtype(None)  # reject a bad dtype before any work
        if is_dask_collection(X):
            self._partial_fit(X, sample_weight=sample_weight)
            return self
        xp, _ = get_namespace(X)
        if not sparse.issparse(X) and is_numpy_namespace(xp):
            check_sample_weight_finite(sample_weight, type(self).__name__)
        if sparse.issparse(X) or not is_numpy_namespace(xp):
            # scikit-learn's own path, on the attributes: bring them up to
            # date with the blocks merged before (if any), then go on there.
            if getattr(self, "_stream", None) is not None:
                self._set_attributes(self._stream)
                del self._stream
            if sparse.issparse(X):
                check_sample_weight_finite(sample_weight, type(self).__name__)
                self._check_sparse_finite(X, reset=not self._continues_stream())
            standard_scaler_partial_fit(self, X, y, sample_weight)
            return self

        init_callbacks = getattr(self, "_init_callback_context", None)
        callback_ctx = init_callbacks() if init_callbacks is not None else None
        metadata = {"sample_weight": sample_weight}
        if callback_ctx is not None:
            callback_ctx.call_on_fit_task_begin(
                estimator=self, X=X, y=y, metadata=metadata
            )
        self._partial_fit(X, sample_weight=sample_weight)
        if callback_ctx is not None:
            callback_ctx.call_on_fit_task_end(
                estimator=self,
                X=X,
                y=y,
                metadata=metadata,
                reconstruction_attributes={},
            )
        return self

    # The streaming protocol (sktorchsafe.core.streaming); ``fit`` is
    # StandardScaler's: ``_reset`` (ours), then ``partial_fit``.
    def _validate_block(self, X, *, reset):
        # ±inf is counted by the statistics' own read of X (_check_statistics).
        return validate_X(self, X, reset=reset, allow_inf=True, dtype=FLOAT_DTYPES)

    def _block_statistics(self, X, sample_weight=None):
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X, dtype=X.dtype)
        return _Moments(
            ColumnStats.from_array(X, sample_weight),
            weighted=sample_weight is not None,
            dtype=X.dtype,
        )

    def _check_statistics(self, statistics, X):
        stats = statistics.stats
        if not (stats.n_posinf + stats.n_neginf).any():
            return
        who = type(self).__name__
        if is_dask_collection(X):
            raise_nonfinite_counts(stats, feature_names(self, X=X), who=who)
        # The rows are searched for only now that ±inf is known to be there.
        names = feature_names(self, n_features=X.shape[1])
        raise_nonfinite(nonfinite_report(X), names, who=who)

    def _continues_stream(self):
        # Fitted through scikit-learn's path (sparse input) counts too.
        return hasattr(self, "n_samples_seen_") or super()._continues_stream()

    def _stream_so_far(self):
        stream = getattr(self, "_stream", None)
        if stream is not None:
            return stream
        # Fitted through scikit-learn's path (sparse input): rebuild the moments.
        n_features = self.n_features_in_
        count = np.broadcast_to(
            np.asarray(self.n_samples_seen_, dtype=np.float64), (n_features,)
        ).copy()
        stats = ColumnStats.empty(n_features)
        stats.n_rows = int(count.max(initial=0))
        stats.count = count
        if self.mean_ is not None:
            stats._mean = np.nan_to_num(np.asarray(self.mean_, dtype=np.float64))
        if self.var_ is not None:
            stats._m2 = np.nan_to_num(np.asarray(self.var_, dtype=np.float64)) * count
        return _Moments(stats, weighted=False, dtype=np.dtype(np.float64))

    def _finish(self, *, partial=False):
        """Set the StandardScaler attributes from the merged moments; judge them."""
        stream = getattr(self, "_stream", None)
        if stream is None:  # scikit-learn's path set them already
            return
        self._set_attributes(stream)
        empty = stream.stats.count == 0
        if empty.any():
            names = feature_names(self, n_features=empty.size)
            listed = describe([names[j] for j in np.flatnonzero(empty)], quote=True)
            warnings.warn(
                f"SafeStandardScaler: {plural(int(empty.sum()), 'feature')} "
                f"{agree(int(empty.sum()), 'has', 'have')} no observed value: "
                f"{listed}. Their mean_, var_ and scale_ are NaN (as in "
                "StandardScaler), so transform returns NaN there. Impute or drop "
                "them first: ImputerSelector keeps and fills such columns.",
                DataQualityWarning,
                stacklevel=user_stacklevel(),
            )

    def _set_attributes(self, stream):
        """Fill the StandardScaler attributes from merged moments."""
        stats = stream.stats
        if stream.weighted:
            n_seen = stats.count.astype(stream.dtype)
        else:
            n_seen = np.rint(stats.count).astype(np.int64)
        if n_seen.size and n_seen.max() == n_seen.min():
            n_seen = n_seen[0]
        self.n_samples_seen_ = n_seen

        if not self.with_mean and not self.with_std:
            self.mean_ = None
            self.var_ = None
            self.scale_ = None
            return
        mean_s, var_s, exp = stats.scaled_moments()
        self.mean_ = np.ldexp(mean_s, exp)
        if self.with_std:
            with np.errstate(over="ignore", under="ignore"):
                self.var_ = np.ldexp(var_s, 2 * exp)
            constant = is_constant_feature(var_s, mean_s, np.asarray(n_seen))
            scale = np.ldexp(np.sqrt(var_s), exp)
            # A spread below the smallest subnormal (values near 5e-324) rounds
            # to a scale of 0: as for a constant feature, scale by 1.
            scale[constant | (scale == 0)] = 1.0
            self.scale_ = scale
        else:
            self.var_ = None
            self.scale_ = None

    def _check_sparse_finite(self, X, reset):
        if sparse.issparse(X) and X.dtype.kind == "f":
            report = nonfinite_report(X, allow_nan=True, allow_inf=False)
            if report:
                names = feature_names(self if not reset else None, X=X)
                raise_nonfinite(report, names, who=type(self).__name__)

    # ------------------------------------------------------------ transform
    def transform(self, X, copy=None):
        """Perform standardization by centering and scaling.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The data to scale along the features axis.
        copy : bool, default=None
            Copy the input X or not; ``None`` uses the ``copy`` parameter.

        Returns
        -------
        X_tr : {ndarray, sparse matrix} of shape (n_samples, n_features)
            Transformed array, of dtype ``dtype`` when set.
        """
        check_is_fitted(self)
        copy = copy if copy is not None else self.copy
        if is_dask_collection(X):
            dtype = None if self.dtype is None else self._out_dtype(None)
            return transform_blocks(self, X, dtype=dtype)
        xp, _ = get_namespace(X)
        attribute = "mean_" if self.mean_ is not None else "scale_"
        if check_same_namespace is not None and getattr(self, attribute) is not None:
            check_same_namespace(X, self, attribute=attribute, method="transform")
        fitted = [a for a in (self.mean_, self.scale_) if a is not None]
        on_numpy = all(isinstance(a, np.ndarray) for a in fitted)
        if sparse.issparse(X) or not is_numpy_namespace(xp) or not on_numpy:
            self._check_sparse_finite(X, reset=False)
            Xt = super().transform(X, copy=copy)
            return self._cast(Xt)

        X = validate_X(self, X, reset=False, dtype=FLOAT_DTYPES)
        out_dtype = self._out_dtype(X.dtype)
        in_place = (not copy) and X.flags.writeable and out_dtype == X.dtype
        out = X if in_place else np.empty(X.shape, dtype=out_dtype)
        if not self.with_mean and not self.with_std:
            if not in_place:
                out[...] = X
            return out
        exp = self._transform_exponent(X.dtype)
        if not exp.any():
            self._affine(X, out, self.mean_, self.scale_, shift=None)
        else:
            # Extreme columns: work in their power-of-two units so that
            # ``x - mean`` cannot overflow.
            mean = None if self.mean_ is None else np.ldexp(self.mean_, -exp)
            scale = None if self.scale_ is None else np.ldexp(self.scale_, -exp)
            self._affine(X, out, mean, scale, shift=-exp)
        return out

    def _transform_exponent(self, dtype):
        """Power-of-two units per column in which ``transform`` works.

        0 (data units) except for columns whose mean or scale lies beyond
        2**±200 (2**±100 for float32 and float16 data, which are worked on
        in float32), where ``x - mean`` could overflow or lose all precision.
        """
        magnitude = np.zeros(self.n_features_in_)
        for stat in (self.mean_, self.scale_):
            if stat is not None:
                magnitude = np.fmax(magnitude, np.abs(np.asarray(stat, dtype=float)))
        limit = EXP_LIMIT if dtype == np.float64 else FLOAT32_EXP_LIMIT
        return scale_exponent(magnitude, limit)

    def _affine(self, X, out, mean, scale, shift):
        """``out = (X * 2**shift - mean) / scale`` over cache-sized row blocks.

        float16 data is worked on in float32: ``x - mean`` overflows float16
        for values past half its range (about 32752), and its scale may be
        subnormal there.
        """
        dtype = np.float32 if X.dtype == np.float16 else X.dtype
        mean = mean.astype(dtype) if self.with_mean else None
        scale = scale.astype(dtype) if self.with_std else None
        shift = None if shift is None else shift.astype(np.int32)
        overflow = np.zeros(X.shape[1], dtype=bool)  # with_std=False only
        for rows in row_blocks(*X.shape):
            src, dst = X[rows], out[rows]
            if shift is not None:
                src = np.ldexp(src, shift, dtype=dtype)
            elif src.dtype != dtype:
                src = src.astype(dtype)
            if mean is not None and scale is not None:
                centred = np.subtract(
                    src, mean, out=dst if dst.dtype == dtype else None
                )
                np.divide(centred, scale, out=dst, casting="same_kind")
            elif mean is not None:
                with np.errstate(over="ignore"):
                    if shift is None:
                        np.subtract(src, mean, out=dst, casting="same_kind")
                    else:  # back from power-of-two units to data units
                        centred = np.subtract(src, mean)
                        np.ldexp(centred, -shift, out=dst, casting="same_kind")
                overflow |= (np.isinf(dst) & np.isfinite(src)).any(axis=0)
            else:
                np.divide(src, scale, out=dst, casting="same_kind")
        if overflow.any():
            names = feature_names(self, n_features=X.shape[1])
            listed = describe([names[j] for j in np.flatnonzero(overflow)], quote=True)
            wider = "" if out.dtype == np.float64 else ", or output float64"
            warnings.warn(
                f"SafeStandardScaler: with_std=False, the centered values of {listed} "
                f"lie beyond the range of {out.dtype} and became ±inf. Scale them "
                f"too (with_std=True, the default){wider}.",
                DataQualityWarning,
                stacklevel=user_stacklevel(),
            )

    def _cast(self, Xt):
        if self.dtype is None:
            return Xt
        dtype = self._out_dtype(Xt.dtype)
        if sparse.issparse(Xt) or isinstance(Xt, np.ndarray):
            return Xt.astype(dtype, copy=False)
        xp, _ = get_namespace(Xt)
        return xp.astype(Xt, getattr(xp, dtype.name))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.dtype is not None:
            try:
                tags.transformer_tags.preserves_dtype = [np.dtype(self.dtype).name]
            except TypeError:
                pass
        return tags
