"""``SafeStandardScaler``: scikit-learn's StandardScaler, made safe for nets."""

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted

from ..core.compat import (
    InvalidParameterError,
    StrOptions,
    check_n_features,
    check_same_namespace,
    check_sample_weight,
    fit_context,
    get_namespace,
    is_constant_feature,
    is_numpy_namespace,
    parameter_constraints,
    standard_scaler_partial_fit,
    to_numpy,
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
from ..exceptions import DataQualityWarning, NonFiniteInputError

__all__ = ["SafeStandardScaler"]


def _column(X, j):
    if sparse.issparse(X):
        return sparse.csc_array(X)[:, [j]].toarray().ravel()
    return X[:, j]


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
    - ±inf (in ``fit``, ``transform`` and ``inverse_transform``) raises
      :class:`~sktorchsafe.exceptions.NonFiniteInputError` naming the columns
      and rows, instead of a generic error;
    - never a silent ±inf in the output: a finite value whose result lies
      beyond the output dtype's range (``transform([[1e300]])`` into float32
      after a fit on data near 1, or ``3.5e38`` passed through into float32
      with ``with_mean=False, with_std=False``) raises
      :class:`~sktorchsafe.exceptions.NonFiniteInputError` naming the columns,
      the rows and the fix (clip first, or a wider output dtype);
    - an all-NaN column (no observed value at fit, or only zero weights) is
      reported with a :class:`~sktorchsafe.exceptions.DataQualityWarning`
      naming it, and gets ``mean_`` 0, ``var_`` 0 and ``scale_`` 1 instead of
      StandardScaler's NaN: values seen there later pass through unscaled;
    - NaN, ±inf or negative sample weights raise an error naming the rows;
    - an optional output ``dtype`` (``numpy.float32`` for a torch net);
      ``inverse_transform`` then returns float64 (the original units may lie
      beyond the output dtype's range);
    - a faster ``fit`` (one cache-friendly read of X; see ``benchmarks/``).

    NaN is left out of the statistics and kept in place by ``transform`` and
    ``inverse_transform``.

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
        Per-feature variance (0 for all-NaN features). For features whose
        standard deviation passes
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
    >>> back = scaler.inverse_transform(scaler.transform(X))
    >>> back.dtype, bool(np.allclose(back, X, rtol=1e-6, equal_nan=True))
    (dtype('float64'), True)
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
            raise InvalidParameterError(
                "The 'dtype' parameter of SafeStandardScaler must be None, "
                f"numpy.float32 or numpy.float64. Got {self.dtype!r} instead."
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
            if not is_dask_collection(sample_weight):
                check_sample_weight_finite(sample_weight, type(self).__name__)
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
            self._pass_empty_through()
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
        self._warn_empty(stream.stats.count == 0)

    def _warn_empty(self, empty):
        """Warn about the features without an observed value (``empty``)."""
        if not empty.any():
            return
        count = int(empty.sum())
        names = feature_names(self, n_features=empty.size)
        listed = describe([names[j] for j in np.flatnonzero(empty)], quote=True)
        warnings.warn(
            f"SafeStandardScaler: {plural(count, 'feature')} "
            f"{agree(count, 'has', 'have')} no observed value: {listed}. "
            f"{agree(count, 'Its', 'Their')} mean_ is 0 and scale_ 1 (StandardScaler "
            "gives NaN), so transform passes values there through unscaled and "
            "NaN stays NaN. Impute or drop such features first: ImputerSelector "
            "keeps and fills them.",
            DataQualityWarning,
            stacklevel=user_stacklevel(),
        )

    def _pass_empty_through(self):
        """After scikit-learn's path: features without an observed value get
        mean 0, variance 0 and scale 1 (it leaves them NaN), with our warning."""
        n_seen = to_numpy(self.n_samples_seen_)
        empty = np.broadcast_to(n_seen == 0, (self.n_features_in_,))
        if not empty.any():
            return
        for name, value in (("mean_", 0.0), ("var_", 0.0), ("scale_", 1.0)):
            stat = getattr(self, name)
            if stat is None:
                continue
            if isinstance(stat, np.ndarray):
                stat[empty] = value
                continue
            xp, _ = get_namespace(stat)
            where = xp.asarray(np.ascontiguousarray(empty), device=stat.device)
            fill = xp.asarray(value, dtype=stat.dtype, device=stat.device)
            setattr(self, name, xp.where(where, fill, stat))
        self._warn_empty(empty)

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
        empty = stats.count == 0  # no observed value: passed through unscaled
        mean_s, var_s, exp = stats.scaled_moments()
        mean_s, var_s = np.where(empty, 0.0, mean_s), np.where(empty, 0.0, var_s)
        exp = np.where(empty, 0, exp)
        self.mean_ = np.ldexp(mean_s, exp)
        if self.with_std:
            with np.errstate(over="ignore", under="ignore"):
                self.var_ = np.ldexp(var_s, 2 * exp)
            constant = is_constant_feature(var_s, mean_s, np.asarray(n_seen))
            scale = np.ldexp(np.sqrt(var_s), exp)
            # A spread below the smallest subnormal (values near 5e-324) rounds
            # to a scale of 0: as for a constant feature, scale by 1.
            scale[constant | (scale == 0) | empty] = 1.0
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
                with np.errstate(over="ignore"):
                    out[...] = X
                if out.dtype.itemsize < X.dtype.itemsize:
                    self._check_overflow(out, np.isinf(out).any(axis=0), "transform")
            return out
        exp = self._transform_exponent(X.dtype)
        mean, scale, shift = self.mean_, self.scale_, None
        if exp.any():
            # Extreme columns: work in their power-of-two units so that
            # ``x - mean`` cannot overflow.
            mean = None if mean is None else np.ldexp(mean, -exp)
            scale = None if scale is None else np.ldexp(scale, -exp)
            shift = -exp
        overflow = self._affine(X, out, mean, scale, shift=shift)
        self._check_overflow(out, overflow, "transform")
        return out

    def inverse_transform(self, X, copy=None):
        """Scale back the data to the original representation.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The data to scale back along the features axis.
        copy : bool, default=None
            Copy the input X or not; ``None`` uses the ``copy`` parameter.

        Returns
        -------
        X_original : {ndarray, sparse matrix} of shape (n_samples, n_features)
            Transformed array: float64 when ``dtype`` is set (the original
            units may lie beyond the output dtype's range, as 1e300 beyond
            float32's), else of X's float dtype, as ``StandardScaler``'s.

        Raises
        ------
        NonFiniteInputError
            If X holds ±inf, or values whose original units lie beyond the
            range of the output dtype (they would be ±inf).
        """
        check_is_fitted(self)
        copy = copy if copy is not None else self.copy
        xp, _ = get_namespace(X)
        fitted = [a for a in (self.mean_, self.scale_) if a is not None]
        on_numpy = all(isinstance(a, np.ndarray) for a in fitted)
        if (
            is_dask_collection(X)
            or sparse.issparse(X)
            or not is_numpy_namespace(xp)
            or not on_numpy
        ):
            self._check_sparse_finite(X, reset=False)
            Xr = super().inverse_transform(X, copy=copy)
            if sparse.issparse(Xr) and Xr.dtype.kind == "f":
                with np.errstate(over="ignore"):
                    overflow = np.isinf(sparse.csc_array(Xr).max(axis=0).toarray())
                if overflow.any():  # pragma: no cover - scale_ past float max
                    self._check_overflow(Xr, overflow.ravel(), "inverse_transform")
            return Xr

        X = check_array(X, dtype=FLOAT_DTYPES, copy=False, ensure_all_finite=False)
        check_n_features(self, X, reset=False)
        report = nonfinite_report(X, allow_nan=True, allow_inf=False)
        if report:
            raise_nonfinite(
                report,
                feature_names(self, n_features=X.shape[1]),
                who=f"{type(self).__name__}.inverse_transform",
                fix="inverse_transform maps standardized values back to the units "
                "of the data seen in fit: replace or drop the ±inf first (NaN "
                "passes through).",
            )
        out_dtype = np.dtype(np.float64) if self.dtype is not None else X.dtype
        in_place = (not copy) and X.flags.writeable and out_dtype == X.dtype
        out = X if in_place else np.empty(X.shape, dtype=out_dtype)
        if not self.with_mean and not self.with_std:
            if not in_place:
                out[...] = X
            return out
        exp = self._transform_exponent(out_dtype)
        mean = None if self.mean_ is None else np.ldexp(self.mean_, -exp)
        scale = None if self.scale_ is None else np.ldexp(self.scale_, -exp)
        overflow = self._affine(
            X, out, mean, scale, shift=exp if exp.any() else None, inverse=True
        )
        self._check_overflow(out, overflow, "inverse_transform")
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

    def _affine(self, X, out, mean, scale, shift, inverse=False):
        """``out = (X * 2**shift - mean) / scale`` over cache-sized row blocks.

        With ``inverse=True``, ``out = (X * scale + mean) * 2**shift``.
        float16 data is worked on in float32: ``x - mean`` overflows float16
        for values past half its range (about 32752), and its scale may be
        subnormal there.

        Returns
        -------
        overflow : ndarray of bool, shape (n_features,)
            The columns where a finite value became ±inf in ``out``.
        """
        dtype = np.result_type(X.dtype, out.dtype, np.float32)
        mean = mean.astype(dtype) if self.with_mean else None
        scale = scale.astype(dtype) if self.with_std else None
        shift = None if shift is None else shift.astype(np.int32)
        overflow = np.zeros(X.shape[1], dtype=bool)
        for rows in row_blocks(*X.shape):
            src, dst = X[rows], out[rows]
            own = dst if dst.dtype == dtype else None
            with np.errstate(over="ignore"):
                if inverse:
                    self._inverse_block(
                        src.astype(dtype, copy=False), dst, own, mean, scale, shift
                    )
                else:
                    self._forward_block(src, dst, own, dtype, mean, scale, shift)
            overflow |= np.isinf(dst).any(axis=0)
        return overflow

    @staticmethod
    def _forward_block(src, dst, own, dtype, mean, scale, shift):
        if shift is not None:
            src = np.ldexp(src, shift, dtype=dtype)
        elif src.dtype != dtype:
            src = src.astype(dtype)
        if mean is not None and scale is not None:
            centred = np.subtract(src, mean, out=own)
            np.divide(centred, scale, out=dst, casting="same_kind")
        elif mean is not None:
            if shift is None:
                np.subtract(src, mean, out=dst, casting="same_kind")
            else:  # back from power-of-two units to data units
                centred = np.subtract(src, mean)
                np.ldexp(centred, -shift, out=dst, casting="same_kind")
        else:
            np.divide(src, scale, out=dst, casting="same_kind")

    @staticmethod
    def _inverse_block(src, dst, own, mean, scale, shift):
        if scale is not None and mean is not None:
            value = np.add(np.multiply(src, scale, out=own), mean, out=own)
        elif scale is not None:
            value = np.multiply(src, scale, out=own)
        else:
            # Centering only: add the mean in data units (X is in data units).
            if shift is not None:
                mean = np.ldexp(mean, shift)
            np.add(src, mean, out=dst, casting="same_kind")
            return
        if shift is not None:
            np.ldexp(value, shift, out=dst, casting="same_kind")
        elif value is not dst:
            dst[...] = value

    def _check_overflow(self, out, overflow, method):
        """Raise :class:`NonFiniteInputError` for the columns where finite input
        became ±inf in ``out`` (``overflow``), naming them, their rows and the fix."""
        if not overflow.any():
            return
        names = feature_names(self, n_features=out.shape[1])
        report = [
            (int(j), "", np.flatnonzero(np.isinf(_column(out, j))))
            for j in np.flatnonzero(overflow)
        ]
        parts = [
            f"{names[j]!r} ({plural(rows.size, 'row')}: {describe(rows)})"
            for j, _, rows in report
        ]
        all_rows = np.unique(np.concatenate([rows for _, _, rows in report]))
        fixes = []
        if method == "transform":
            what = "standardized values" if self.with_std else "values"
            fixes.append(
                "Clip such values first: OutlierClipper (make_safe_pipeline's "
                "'clip' step) bounds each feature to the range seen in fit"
            )
            if not self.with_std:
                fixes.append("scale them too (with_std=True, the default)")
        else:
            what = "values in original units"
            fixes.append(
                "These standardized values are far beyond any seen in fit: clip "
                "or check them (e.g. a model's predictions) first"
            )
        if out.dtype != np.float64:
            fixes.append(
                "output float64 (dtype='float64')"
                if method == "transform"
                else "pass float64 data"
            )
        limit = np.finfo(out.dtype).max
        raise NonFiniteInputError(
            f"SafeStandardScaler: {method} would return ±inf: the {what} of "
            f"{plural(len(report), 'feature')} lie beyond the range of "
            f"{out.dtype} (±{limit:.3g}): {describe(parts)}. Offending rows "
            f"(0-based): {describe(all_rows)}. {'; or '.join(fixes)}."
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
