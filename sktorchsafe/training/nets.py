"""skorch nets that accept what scikit-learn estimators accept.

``SafeNeuralNetRegressor`` and ``SafeNeuralNetClassifier`` subclass skorch's
nets (every skorch parameter, callback and ``module__`` / ``optimizer__`` /
``callbacks__`` prefix works as before) and fix the data once, at the torch
boundary: X becomes one float32 array, y becomes float32 ``(n, k)`` targets or
int64 class codes, NaN and ±inf are refused with an error that names the rows
and features, and :class:`~sktorchsafe.NonFiniteGuard` watches the training.
"""

import math
import warnings
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from scipy import sparse
from sklearn.metrics import r2_score
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_consistent_length
from skorch import NeuralNet, NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import EpochScoring
from skorch.dataset import ValidSplit, get_len
from skorch.utils import is_dataset, to_numpy, to_tensor
from torch.utils.data import DataLoader

from ..core.compat import LossBase, validate_parameter_constraints
from ..core.messages import describe, fix_for, plural
from ..core.validation import feature_names, nonfinite_report, validate_X
from ..exceptions import (
    DataQualityWarning,
    ModuleConfigError,
    NonFiniteInputError,
    NonFiniteTrainingError,
    TargetError,
)
from ..steps.standardize import SafeStandardScaler
from .guard import NonFiniteGuard
from .losses import FocalLoss, MaskedMSELoss
from .replay import diagnose_batch

__all__ = ["SafeNeuralNetClassifier", "SafeNeuralNetRegressor"]

#: The remedy for non-finite X reaching a net.
_FLOAT32_MAX = float(np.finfo(np.float32).max)

#: What ``pandas.api.types.infer_dtype`` calls an object array of numbers.
_NUMBER_KINDS = {
    "floating",
    "integer",
    "mixed-integer-float",
    "decimal",
    "boolean",
    "empty",
}

#: skorch's default split for classifiers (one shared instance, as in skorch).
_STRATIFIED_SPLIT = ValidSplit(5, stratified=True)


def _with_guard(callbacks):
    """skorch's default callbacks with a :class:`NonFiniteGuard` before PrintLog."""
    callbacks = list(callbacks)
    position = next(
        (i for i, (name, _) in enumerate(callbacks) if name == "print_log"),
        len(callbacks),
    )
    callbacks.insert(position, ("nonfinite_guard", NonFiniteGuard()))
    return callbacks


def _input_array(value):
    """A value of a dict input as a writable numpy array, where it is an array.

    skorch would index a DataFrame or Series by label; nullable columns with
    NA become float64 with NaN (which the guard then names).
    """
    if isinstance(value, (pd.DataFrame, pd.Series)):
        array = value.to_numpy()
        if array.dtype == object:
            try:
                array = value.to_numpy(dtype=np.float64, na_value=np.nan)
            except (TypeError, ValueError):
                pass  # not numeric: skorch's collate says so
    elif isinstance(value, np.ndarray):
        array = value
    else:
        return value
    # A read-only view (copy-on-write) would reach torch as a tensor that must
    # not be written: copy it then.
    return np.require(array, requirements="W")


def _cast_floats(x, dtype):
    """Cast the floating tensors in ``x`` (tensor or dict of tensors) to ``dtype``."""
    if torch.is_tensor(x):
        return x.to(dtype) if x.is_floating_point() and x.dtype != dtype else x
    if isinstance(x, Mapping):
        return {key: _cast_floats(value, dtype) for key, value in x.items()}
    return x


class _SafeNet:
    """What the safe regressor and classifier share: X at the torch boundary."""

    #: Learned attributes that ``fit`` forgets before it starts.
    _data_attributes = ("n_features_in_", "feature_names_in_")

    def _forget_data(self):
        for name in self._data_attributes:
            self.__dict__.pop(name, None)

    def _data_seen(self):
        return self._data_attributes[-1] in self.__dict__

    def _validate_own_params(self):
        validate_parameter_constraints(
            self._parameter_constraints,
            {name: getattr(self, name) for name in self._parameter_constraints},
            caller_name=type(self).__name__,
        )

    def initialize(self):
        """Initialize the module, criterion, optimizer and callbacks.

        Also validates the parameters this class adds to skorch's.
        """
        self._validate_own_params()
        return super().initialize()

    def _criterion(self):
        """The criterion module (unwrapped from ``torch.compile``), or None."""
        criterion = getattr(self, "criterion_", None)
        return getattr(criterion, "_orig_mod", criterion)

    def _check_tensor_output(self, y_pred):
        """Refuse a tuple or dict output for a criterion that takes one tensor."""
        criterion = self._criterion()
        if torch.is_tensor(y_pred) or not isinstance(
            criterion, (LossBase, MaskedMSELoss, FocalLoss)
        ):
            return
        raise ModuleConfigError(
            f"{type(self).__name__}: the module returns a {type(y_pred).__name__}, "
            f"but {type(criterion).__name__} takes one tensor. Return the "
            "prediction alone from forward, or override get_loss to combine the "
            "outputs (skorch's convention for several outputs; predict uses the "
            "first)."
        )

    # -------------------------------------------------------------- X
    def _module_dtype(self):
        """The dtype of the module's first floating parameter, or None."""
        module = getattr(self, "module_", None)
        if not isinstance(module, torch.nn.Module):
            return None
        return next(
            (p.dtype for p in module.parameters() if p.is_floating_point()), None
        )

    def _prepare_X(self, X, *, reset):
        """One float32 array (or CSR matrix) for the net; refuse NaN and ±inf.

        float64 is kept for a module whose parameters are float64. A skorch
        ``Dataset``, a ``dict`` of inputs (for modules whose ``forward`` takes
        several arguments) and torch tensors are passed on as they are: the
        guard watches them during training, and floating tensors are cast to
        the module's dtype in :meth:`infer`.
        """
        if is_dataset(X) or isinstance(X, Mapping) or torch.is_tensor(X):
            if reset:
                for name in ("n_features_in_", "feature_names_in_"):
                    self.__dict__.pop(name, None)
            if isinstance(X, Mapping):
                X = {key: _input_array(value) for key, value in X.items()}
            return X
        X = validate_X(
            self,
            X,
            reset=reset,
            allow_nan=False,
            allow_inf=False,
            fix=fix_for("guard_input"),
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
        )
        if X.dtype == np.float32 or self._module_dtype() == torch.float64:
            # A read-only view (e.g. of a DataFrame under copy-on-write) would
            # reach torch as a tensor that must not be written: copy it then.
            return X if sparse.issparse(X) else np.require(X, requirements="W")
        with np.errstate(over="ignore"):
            X32 = X.astype(np.float32)
        report = nonfinite_report(X32, allow_nan=True, allow_inf=False)
        if report:
            names = feature_names(self, n_features=X.shape[1])
            parts = [
                f"{names[j]!r} ({plural(rows.size, 'row')}: {describe(rows)})"
                for j, _, rows in report
            ]
            raise NonFiniteInputError(
                f"{type(self).__name__}: X has values beyond the float32 range "
                f"(±{_FLOAT32_MAX:.3g}) the net computes in, in {len(report)} "
                f"feature(s): {describe(parts)}. Scale X before the net: "
                "SafeStandardScaler(dtype=np.float32), as in make_safe_pipeline."
            )
        return X32

    def infer(self, x, **fit_params):
        """Run the module on a batch, cast to the dtype of its parameters.

        A float64 batch (e.g. from a user's Dataset) meets a float32 module
        (or a float32 batch a float64 module) without a dtype error.
        """
        dtype = self._module_dtype()
        if dtype is not None:
            x = _cast_floats(to_tensor(x, device=self.device), dtype)
        return super().infer(x, **fit_params)

    def forward_iter(self, X, training=False, device="cpu"):
        """Yield the module's outputs batch by batch; X is checked like in ``fit``.

        NaN or ±inf in X raise
        :class:`~sktorchsafe.exceptions.NonFiniteInputError` naming the rows
        and features, instead of predictions that are silently NaN.
        """
        self.check_is_fitted()
        X = self._prepare_X(X, reset=False)
        return super().forward_iter(X, training=training, device=device)

    def _check_predictions(self, y_pred, X):
        """Raise instead of returning predictions that are NaN or ±inf.

        X was finite (``forward_iter`` checks it), so the trained module
        created them; on array input the first offending rows are replayed
        through the module to name the layer.
        """
        bad = ~np.isfinite(y_pred.reshape(len(y_pred), -1)).all(axis=1)
        if not bad.any():
            return
        rows = np.flatnonzero(bad)
        diagnosis = {"rows": rows, "module": None, "created": None}
        detail = ""
        if not (is_dataset(X) or isinstance(X, Mapping) or torch.is_tensor(X)):
            X = self._prepare_X(X, reset=False)
            batch = X[rows[:256]]
            batch = batch.toarray() if hasattr(batch, "toarray") else batch
            found = diagnose_batch(self, torch.as_tensor(batch))
            diagnosis.update(module=found["module"], created=found["created"])
            detail = f" Cause: {found['detail']}."
        raise NonFiniteTrainingError(
            f"{type(self).__name__}: the module returns NaN or ±inf for "
            f"{plural(rows.size, 'row')} of X: {describe(rows)}, although X is finite."
            f"{detail} Either a layer is outside its domain on these rows, or "
            "the weights (or BatchNorm running statistics) are no longer finite "
            "(training without NonFiniteGuard can leave them so).",
            **diagnosis,
        )

    # ------------------------------------------------------------ fit
    def get_iterator(self, dataset, training=False):
        """skorch's ``DataLoader``; no one-row last batch for ``BatchNorm1d``.

        ``BatchNorm1d`` cannot normalize a single row in training mode (torch
        raises), and a training set whose size leaves one row after the last
        full batch is a matter of chance in cross-validation. That row is
        left out of each epoch (``drop_last=True``), with a warning.
        """
        if not training:
            return super().get_iterator(dataset, training=training)
        kwargs = self.get_params_for("iterator_train")
        batch_size = kwargs.get("batch_size", self.batch_size)
        module = getattr(self, "module_", None)
        layers = module.modules() if isinstance(module, torch.nn.Module) else ()
        norm = next(
            (
                type(layer).__name__
                for layer in layers
                if isinstance(layer, torch.nn.BatchNorm1d)
            ),
            None,
        )
        try:
            n_rows = len(dataset)
        except TypeError:  # an iterable dataset
            n_rows = 0
        if (
            norm is None
            or n_rows < 2
            or batch_size in (-1, None)
            or n_rows % batch_size != 1
            or kwargs.get("drop_last")
            or "batch_sampler" in kwargs
            or not (
                isinstance(self.iterator_train, type)
                and issubclass(self.iterator_train, DataLoader)
            )
        ):
            return super().get_iterator(dataset, training=training)
        warnings.warn(
            f"{type(self).__name__}: the last training batch would hold 1 row "
            f"({n_rows} rows, batch_size={batch_size}), on which {norm} cannot "
            "train; it is left out of each epoch (iterator_train__drop_last=True). "
            "Pass iterator_train__shuffle=True so that it is a different row each "
            "epoch, or a batch_size that leaves more than one row.",
            DataQualityWarning,
            stacklevel=2,
        )
        kwargs.update(batch_size=batch_size, drop_last=True)
        return self.iterator_train(dataset, **kwargs)

    def get_split_datasets(self, X, y=None, **fit_params):
        """skorch's train/validation split, checked against the data first.

        A ``skorch.dataset.ValidSplit`` that cannot split this data (more
        folds than rows, or, stratified, than any class has rows; a fraction
        that leaves no training row) raises
        :class:`~sktorchsafe.exceptions.ModuleConfigError` with the fix before
        training starts: the net never switches to another split on its own.
        Stratified, a class with fewer rows than the folds gives a
        :class:`~sktorchsafe.exceptions.DataQualityWarning` that names it, in
        place of scikit-learn's warning about the least populated class.
        """
        warned = self._check_split(X, y)
        with warnings.catch_warnings():
            if warned:
                warnings.filterwarnings(
                    "ignore", "The least populated class", UserWarning
                )
            return super().get_split_datasets(X, y, **fit_params)

    def _class_counts(self, y):
        """Labels and row counts of the classes in ``y``; None for a regressor."""
        return None

    def _check_split(self, X, y):
        """Refuse a ``ValidSplit`` the data cannot satisfy; warn about small classes.

        Returns whether a small-class warning was issued.
        """
        split = self.train_split
        cv = getattr(split, "cv", None)
        if not isinstance(split, ValidSplit) or isinstance(cv, bool):
            return False
        try:
            n_rows = get_len(X)
        except (TypeError, ValueError):  # an iterable dataset, ragged inputs
            return False
        found = self._class_counts(y) if split.stratified else None
        labels, counts = found if found is not None else (None, None)
        stratified = ", stratified=True" if split.stratified else ""
        name = f"train_split=ValidSplit({cv!r}{stratified})"
        who = type(self).__name__
        fix = "Pass train_split=None to train on every row without validation"

        def fix_with_folds(most):
            fewer = f", or ValidSplit(cv{stratified}) with 2 <= cv <= {most}"
            if most == 2:
                fewer = f", or ValidSplit(2{stratified})"
            return f"{fix}{fewer if most >= 2 else ''}, or collect more rows."

        if isinstance(cv, Integral):
            largest = n_rows if counts is None else int(counts.max())
            if n_rows < cv:
                raise ModuleConfigError(
                    f"{who}: {name} splits the rows into {cv} folds (one for "
                    f"validation), but X has only {plural(n_rows, 'row')}. "
                    f"{fix_with_folds(n_rows)}"
                )
            if counts is None or not (counts < cv).any():
                return False
            parts = [
                f"{label!r} ({plural(count, 'row')})"
                for label, count in zip(labels, counts, strict=True)
            ]
            if largest < cv:
                raise ModuleConfigError(
                    f"{who}: {name} splits every class into {cv} folds, but no "
                    f"class has {cv} rows: {describe(parts)}. "
                    f"{fix_with_folds(largest)}"
                )
            small = [
                part for part, count in zip(parts, counts, strict=True) if count < cv
            ]
            one = len(small) == 1
            warnings.warn(
                f"{who}: {'class' if one else 'classes'} {describe(small)} "
                f"{'has' if one else 'have'} fewer rows than the {cv} folds of "
                f"{name}: the validation split cannot hold {'it' if one else 'them'} "
                "in proportion, and such a class may be missing from validation or "
                f"from training. {fix_with_folds(int(counts.min()))}",
                DataQualityWarning,
                stacklevel=3,
            )
            return True
        if not (isinstance(cv, Real) and 0 < cv < 1):
            return False
        n_valid = math.ceil(cv * n_rows)
        problem = None
        if n_rows - n_valid < 1:
            problem = f"leaves no training row of the {plural(n_rows, 'row')} in X"
        elif counts is not None and counts.min() < 2:
            single = [
                label for label, count in zip(labels, counts, strict=True) if count < 2
            ]
            problem = (
                f"needs 2 rows of each class, but class {describe(single, quote=True)}"
                f" {'has' if len(single) == 1 else 'have'} 1"
            )
        elif counts is not None and min(n_valid, n_rows - n_valid) < len(counts):
            problem = (
                f"needs a row of each of the {len(counts)} classes on both sides, "
                f"but X has {plural(n_rows, 'row')} ({n_valid} for validation)"
            )
        if problem is None:
            return False
        raise ModuleConfigError(
            f"{who}: {name} {problem}. {fix}, or collect more rows."
        )

    def fit(self, X, y=None, **fit_params):
        """Initialize the net and train it on ``X`` and ``y``.

        Re-initializes the module unless ``warm_start=True``, and learns the
        data attributes (``n_features_in_``, the target encoding) afresh.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            Numeric, finite data (any float or int dtype). A skorch
            ``Dataset``, a dict of inputs or a torch tensor is passed to skorch
            as it is.
        y : array-like or None
            The target; None only when X is a Dataset that holds it.
        **fit_params : dict
            Passed to the module's ``forward`` and to ``train_split``.

        Returns
        -------
        self : object
            The fitted net.
        """
        if not self.warm_start or not self.initialized_:
            self._forget_data()
        return super().fit(X, y, **fit_params)

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """Train the net further on ``X`` and ``y`` without re-initializing it.

        The first call learns the data attributes; later calls check X and y
        against them.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            See :meth:`fit`.
        y : array-like or None
            See :meth:`fit`.
        classes : array-like or None, default=None
            Classifier only: every class label, needed on the first call when
            ``y`` does not show them all.
        **fit_params : dict
            Passed to the module's ``forward`` and to ``train_split``.

        Returns
        -------
        self : object
            The fitted net.
        """
        reset = not self._data_seen()
        X = self._prepare_X(X, reset=reset)
        if y is not None and not (is_dataset(X) or isinstance(X, Mapping)):
            check_consistent_length(X, y)
        y = self._prepare_y(y, reset=reset, classes=classes)
        return super().partial_fit(X, y, classes=classes, **fit_params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = True
        tags.non_deterministic = True
        tags.target_tags.required = True
        return tags


class SafeNeuralNetRegressor(_SafeNet, NeuralNetRegressor):
    """skorch's ``NeuralNetRegressor``, safe from the data scikit-learn users have.

    Everything ``skorch.NeuralNetRegressor`` accepts works the same (every
    parameter, callback and ``module__`` / ``optimizer__`` / ``callbacks__``
    prefix); in addition, at the torch boundary:

    - X may be a DataFrame or an array of any float or int dtype: it becomes
      one float32 array (skorch would pass a DataFrame's columns to
      ``forward`` as keyword arguments, and float64 would hit a float32
      module). NaN or ±inf raise
      :class:`~sktorchsafe.exceptions.NonFiniteInputError` naming the rows
      and features, in ``fit`` and in ``predict``.
    - y may be 1-D or 2-D, of any numeric dtype: it becomes float32
      ``(n, n_outputs)`` (a 1-D target would otherwise broadcast against the
      ``(n, 1)`` output to ``(n, n)`` pairs). NaN or ±inf raise
      :class:`~sktorchsafe.exceptions.TargetError` naming the rows, unless
      the criterion ignores NaN targets (:class:`MaskedMSELoss`).
    - The target is standardized inside the net (``scale_target=True``) and
      ``predict`` returns original units in the shape ``y`` had: a target at
      1e5 trains like one at 1.
    - A ``train_split`` (skorch's ``ValidSplit``, default 5 folds) with more
      folds than X has rows raises
      :class:`~sktorchsafe.exceptions.ModuleConfigError` before training, with
      the fix (``train_split=None`` or fewer folds); the net never changes the
      split on its own.
    - :class:`NonFiniteGuard` is on (callback ``"nonfinite_guard"``).

    Parameters
    ----------
    module : torch module (class or instance)
        The network; it should return ``(n, n_outputs)`` (or ``(n,)`` for one
        output).
    criterion : torch criterion (class or instance), default=torch.nn.MSELoss
        The loss. One whose class has ``supports_nan_target = True``
        (:class:`MaskedMSELoss`) receives NaN targets instead of an error.
    scale_target : bool, default=True
        Standardize y per output (:class:`SafeStandardScaler`, overflow-proof)
        before training and undo it in ``predict``. The losses in the history
        are then in standardized units.
    *args, **kwargs
        Every other parameter of ``skorch.NeuralNetRegressor`` (``optimizer``,
        ``lr``, ``max_epochs``, ``batch_size``, ``train_split``, ``callbacks``,
        ``device``, ``module__*``, ...).

    Attributes
    ----------
    module_ : torch.nn.Module
        The trained module.
    n_features_in_ : int
        Number of features seen in ``fit`` (array or DataFrame input).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when X is a DataFrame with string column names.
    n_outputs_ : int or None
        Number of target columns (None when ``y`` came inside a Dataset).
    target_scaler_ : SafeStandardScaler or None
        The fitted target scaler, or None (``scale_target=False`` or no ``y``).
    history_ : skorch.History
        Losses and callback records per epoch and batch.

    See Also
    --------
    SafeNeuralNetClassifier : The classifier counterpart.
    make_safe_pipeline : The standard pipeline that cleans X before the net.
    NonFiniteGuard : The callback that watches training.

    Notes
    -----
    ``predict`` returns float64 when the target is scaled (the inverse
    transform runs in float64, so targets at any scale come back), else the
    module's dtype. ``predict_proba`` is not available: a regressor has no
    probabilities, and skorch's returned the raw output; ``forward`` still
    does (in standardized units when ``scale_target=True``).

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> import torch
    >>> from sktorchsafe import SafeNeuralNetRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    >>> y = 1e5 * (X["a"] - 2 * X["b"]).to_numpy()  # float64, 1-D, 1e5 scale
    >>> _ = torch.manual_seed(0)
    >>> net = SafeNeuralNetRegressor(
    ...     torch.nn.Linear, module__in_features=3, module__out_features=1,
    ...     optimizer=torch.optim.Adam, lr=0.05, max_epochs=40,
    ...     train_split=None, verbose=0,
    ... )
    >>> net.fit(X, y).predict(X).shape
    (200,)
    >>> bool(net.score(X, y) > 0.99)
    True
    """

    _parameter_constraints = {"scale_target": ["boolean"]}
    _data_attributes = (
        "n_features_in_",
        "feature_names_in_",
        "target_scaler_",
        "_y_ndim_",
        "n_outputs_",
    )

    def __init__(
        self, module, *args, criterion=torch.nn.MSELoss, scale_target=True, **kwargs
    ):
        super().__init__(module, *args, criterion=criterion, **kwargs)
        self.scale_target = scale_target

    @property
    def _default_callbacks(self):
        return _with_guard(super()._default_callbacks)

    # -------------------------------------------------------------- y
    def _prepare_y(self, y, *, reset, classes=None):
        who = type(self).__name__
        if y is None:
            if reset:
                self.n_outputs_, self.target_scaler_, self._y_ndim_ = None, None, None
            return None
        raw, y = y, _target_array(y, numeric=True)
        if y.dtype.kind not in "biuf":
            sample = pd.to_numeric(pd.Series(y.ravel()[:100]), errors="coerce")
            fix = (
                "For numbers stored as text, convert them first: pd.to_numeric(y)."
                if y.size and sample.notna().all()
                else "For class labels use SafeNeuralNetClassifier."
            )
            raise TargetError(
                f"{who}: y must be numeric for regression. Got dtype {y.dtype} "
                f"(e.g. {describe(y.ravel()[:3].tolist(), quote=True)}). {fix}"
            )
        if y.ndim not in (1, 2):
            raise TargetError(
                f"{who}: y must be 1-D or 2-D. Got an array of shape {y.shape}."
            )
        y2 = y.reshape(len(y), -1).astype(np.float64, copy=False)
        names = _target_names(raw, y2.shape[1])
        allow_nan = bool(getattr(self.criterion, "supports_nan_target", False))
        report = nonfinite_report(y2, allow_nan=allow_nan, allow_inf=False)
        if report:
            _raise_target(who, report, names=names)
        if reset:
            empty = np.flatnonzero(np.isnan(y2).all(axis=0)) if allow_nan else []
            if len(empty):
                raise TargetError(
                    f"{who}: y {describe([names[j] for j in empty])} "
                    f"{'has' if len(empty) == 1 else 'have'} no observed value "
                    "(all NaN): the net cannot learn it, and would predict NaN. "
                    "Drop that target column, or fit on rows where it is observed."
                )
            self.n_outputs_ = y2.shape[1]
            self._y_ndim_ = y.ndim
            self.target_scaler_ = (
                SafeStandardScaler().fit(y2) if self.scale_target else None
            )
        elif self.n_outputs_ is not None and y2.shape[1] != self.n_outputs_:
            raise TargetError(
                f"{who}: y has {y2.shape[1]} column(s), but the net was fitted with "
                f"{self.n_outputs_}."
            )
        if self.target_scaler_ is not None:
            y2 = self.target_scaler_.transform(y2)
        with np.errstate(over="ignore"):
            y32 = y2.astype(np.float32)
        overflow = np.isinf(y32) & np.isfinite(y2)
        if overflow.any():
            rows = np.flatnonzero(overflow.any(axis=1))
            raise TargetError(
                f"{who}: y has values beyond the float32 range (±{_FLOAT32_MAX:.3g}) "
                f"in {plural(rows.size, 'row')}: {describe(rows)}. "
                "Use scale_target=True."
            )
        return y32

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """Loss of a batch; a 1-D output is compared with a one-column target.

        A module output whose shape differs from the target's in anything but
        a trailing 1 raises
        :class:`~sktorchsafe.exceptions.ModuleConfigError` instead of broadcasting.
        """
        self._check_tensor_output(y_pred)
        y_true = to_tensor(y_true, device=self.device)
        if torch.is_tensor(y_pred) and torch.is_tensor(y_true):
            if y_pred.shape != y_true.shape:
                if y_pred.ndim == 1 and y_true.shape == (len(y_pred), 1):
                    y_pred = y_pred.unsqueeze(1)
                elif y_true.ndim == 1 and y_pred.shape == (len(y_true), 1):
                    y_true = y_true.unsqueeze(1)
                else:
                    raise ModuleConfigError(
                        f"{type(self).__name__}: the module returns shape "
                        f"{tuple(y_pred.shape)} but the targets have shape "
                        f"{tuple(y_true.shape)}. Make the module's last layer "
                        f"output n_outputs_={self.n_outputs_} value(s) per row."
                    )
            if y_true.is_floating_point() and y_true.dtype != y_pred.dtype:
                y_true = y_true.to(y_pred.dtype)
        return super().get_loss(y_pred, y_true, X=X, training=training)

    # -------------------------------------------------------- predict
    def predict(self, X):
        """Predict targets for ``X``, in the original units and shape of ``y``.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            Finite numeric data with the features seen in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            1-D when ``y`` was 1-D in ``fit``.
        """
        y_pred = NeuralNet.predict_proba(self, X)
        self._check_predictions(y_pred, X)
        y_pred = y_pred.reshape(len(y_pred), -1)
        if getattr(self, "target_scaler_", None) is not None:
            y_pred = self.target_scaler_.inverse_transform(y_pred.astype(np.float64))
        if getattr(self, "_y_ndim_", None) == 1 and y_pred.shape[1] == 1:
            y_pred = y_pred.ravel()
        return y_pred

    def score(self, X, y, sample_weight=None):
        """R² of ``predict(X)`` against ``y``, averaged over the outputs.

        As ``RegressorMixin.score``, computed in the units of the target
        scaler (R² does not depend on them) so that its sums of squares stay
        finite for targets at any scale. With a criterion that ignores NaN
        targets (:class:`MaskedMSELoss`), NaN targets are left out of each
        output's R² as they were left out of training, so that
        ``cross_val_score`` and ``GridSearchCV`` (default scoring) work on
        partly labelled data.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            Finite numeric data with the features seen in ``fit``.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            R² of the predictions, the uniform average over the outputs.
        """
        y_true = _target_array(y, numeric=True)
        scaler = getattr(self, "target_scaler_", None)
        masked = getattr(self.criterion, "supports_nan_target", False)
        if (
            y_true.dtype.kind not in "biuf"
            or (scaler is None and not masked)
            or np.isinf(y_true).any()
        ):
            return super().score(X, y, sample_weight=sample_weight)
        y_true = y_true.reshape(len(y_true), -1).astype(np.float64)
        y_pred = self.predict(X).reshape(len(y_true), -1)
        if scaler is not None and y_true.shape[1] == scaler.n_features_in_:
            y_true, y_pred = scaler.transform(y_true), scaler.transform(y_pred)
        weights = None if sample_weight is None else np.asarray(sample_weight)
        scores = []
        for j in range(y_true.shape[1]):
            seen = ~np.isnan(y_true[:, j]) if masked else slice(None)
            if np.any(seen):
                w = None if weights is None else weights[seen]
                scores.append(
                    r2_score(y_true[seen, j], y_pred[seen, j], sample_weight=w)
                )
        if not scores:
            raise TargetError(
                f"{type(self).__name__}: y has no observed (non-NaN) value to score "
                "the predictions against."
            )
        return float(np.mean(scores))

    @available_if(lambda self: False)
    def predict_proba(self, X):
        """Not available: a regressor has no probabilities (use ``predict``)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _target_array(y, *, numeric):
    """``y`` as a numpy array; numeric pandas data (nullable too) as float64.

    With ``numeric``, an object array of numbers (a mixed DataFrame's
    ``.values``) becomes float64 too, None and ``pd.NA`` becoming NaN;
    strings stay strings, even numeric ones.
    """
    if torch.is_tensor(y):
        return to_numpy(y)
    if numeric and hasattr(y, "to_numpy") and not isinstance(y, np.ndarray):
        dtypes = list(y.dtypes) if hasattr(y, "columns") else [y.dtype]
        if all(pd.api.types.is_numeric_dtype(d) for d in dtypes):
            # Nullable Int64 / Float64 / boolean columns: pd.NA becomes NaN.
            return y.to_numpy(dtype=np.float64, na_value=np.nan)
    y = np.asarray(y)
    if (
        numeric
        and y.dtype == object
        and pd.api.types.infer_dtype(y.ravel(), skipna=True) in _NUMBER_KINDS
    ):
        flat = pd.array(y.ravel(), dtype="Float64")
        return flat.to_numpy(dtype=np.float64, na_value=np.nan).reshape(y.shape)
    return y


def _target_names(y, n_outputs):
    """How messages name the target columns: DataFrame names, else positions."""
    if hasattr(y, "columns") and len(y.columns) == n_outputs:
        return [f"column {name!r}" for name in y.columns]
    return [f"column {j}" for j in range(n_outputs)]


def _raise_target(who, report, *, names):
    parts = []
    for j, kind, rows in report:
        where = f"{names[j]}, " if len(names) > 1 else ""
        parts.append(f"{kind} ({where}{plural(rows.size, 'row')}: {describe(rows)})")
    rows = np.unique(np.concatenate([rows for _, _, rows in report]))
    kinds = {kind for _, kind, _ in report}
    fixes = []
    if "NaN" in kinds:
        fixes.append(
            "Drop or impute the NaN targets, or use criterion=MaskedMSELoss, "
            "which ignores them."
        )
    if "±inf" in kinds:
        fixes.append("±inf is never a valid target: fix or drop those rows.")
    raise TargetError(
        f"{who}: y contains {describe(parts)}. Offending rows (0-based): "
        f"{describe(rows)}. {' '.join(fixes)}"
    )


def _label_accuracy(net, X, y):
    """Accuracy of ``net.predict(X)`` against class codes ``y`` (valid_acc).

    The batches hold class codes 0..K-1 while ``predict`` returns the original
    labels; compare like with like.
    """
    y_true = net.classes_[np.asarray(to_numpy(y) if torch.is_tensor(y) else y, int)]
    return float(np.mean(net.predict(X) == y_true))


class SafeNeuralNetClassifier(_SafeNet, NeuralNetClassifier):
    """skorch's ``NeuralNetClassifier`` for any labels, with logits by default.

    Everything ``skorch.NeuralNetClassifier`` accepts works the same (every
    parameter, callback and ``module__`` / ``optimizer__`` / ``callbacks__``
    prefix); in addition, at the torch boundary:

    - X may be a DataFrame or an array of any float or int dtype: it becomes
      one float32 array. NaN or ±inf raise
      :class:`~sktorchsafe.exceptions.NonFiniteInputError` naming the rows
      and features, in ``fit`` and in ``predict``.
    - y may hold any labels (strings, floats such as 0.0 / 1.0, ``{0, 5}``,
      int32, booleans): they are encoded to int64 codes 0..K-1, ``predict``
      returns the original labels and ``predict_proba`` columns follow
      ``classes_``. Missing, continuous or single-class targets raise
      :class:`~sktorchsafe.exceptions.TargetError`.
    - The module returns **logits** and the default criterion is
      ``torch.nn.CrossEntropyLoss`` (see Notes); a module whose output does
      not match its criterion is caught at the first batch with an error
      that says which to use.
    - A ``train_split`` with more folds than X has rows, or (stratified)
      than any class has, raises
      :class:`~sktorchsafe.exceptions.ModuleConfigError` before training, with
      the fix; the net never changes the split on its own. A class with fewer
      rows than the folds gets a
      :class:`~sktorchsafe.exceptions.DataQualityWarning` naming it.
    - :class:`NonFiniteGuard` is on (callback ``"nonfinite_guard"``).

    Parameters
    ----------
    module : torch module (class or instance)
        The network; it should return ``(n, n_classes)`` logits.
    criterion : torch criterion (class or instance), \
            default=torch.nn.CrossEntropyLoss
        The loss. ``CrossEntropyLoss`` and :class:`FocalLoss` take logits
        (``predict_proba`` applies softmax); ``torch.nn.NLLLoss`` takes
        probabilities, as in skorch (``get_loss`` takes their log), or
        log-probabilities, as in PyTorch (see Notes).
    train_split : callable or None, default=ValidSplit(5, stratified=True)
        The internal validation split (``skorch.dataset.ValidSplit``), as in
        skorch.
    classes : array-like or None, default=None
        All class labels, in the order of the output columns; inferred from
        ``y`` (sorted) when None.
    *args, **kwargs
        Every other parameter of ``skorch.NeuralNetClassifier``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels; column ``k`` of the module's output is
        ``classes_[k]``.
    module_ : torch.nn.Module
        The trained module.
    n_features_in_ : int
        Number of features seen in ``fit`` (array or DataFrame input).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when X is a DataFrame with string column names.
    history_ : skorch.History
        Losses, ``valid_acc`` and callback records per epoch and batch.

    See Also
    --------
    SafeNeuralNetRegressor : The regressor counterpart.
    make_safe_pipeline : The standard pipeline that cleans X before the net.
    FocalLoss : A logits criterion for imbalanced classes.

    Notes
    -----
    **Why CrossEntropyLoss, not skorch's NLLLoss.** skorch's classifier
    expects the module to end with a softmax and takes ``log(p + eps)`` in
    ``get_loss``; a module that returns logits (the plain ``nn.Linear`` last
    layer most PyTorch code ends with) then gives a NaN loss from the first
    negative logit, silently. ``CrossEntropyLoss`` works on logits with a
    fused, numerically stable log-softmax (it also accepts log-probabilities
    from a final ``LogSoftmax`` unchanged), so it is our default.
    ``criterion=torch.nn.NLLLoss`` takes probabilities (skorch's convention,
    a final softmax) or log-probabilities (PyTorch's, a final
    ``LogSoftmax``): the first training batch tells them apart, and
    log-probabilities reach ``NLLLoss`` as they are (skorch would take their
    log again) and are exponentiated in ``predict_proba``. Either way the
    first training batch of each fit is checked: logits with ``NLLLoss``
    raise an error that says to use ``CrossEntropyLoss``; probabilities with
    ``CrossEntropyLoss`` (a double softmax, which trains badly without any
    NaN) raise an error that says to drop the softmax; an output width
    different from the number of classes raises too (pass ``classes`` when a
    subset of the data, such as a cross-validation fold, lacks a class).

    Scoring callbacks see the batch targets, which are the class codes
    0..K-1; the default ``valid_acc`` decodes them. In a scoring function of
    your own, compare ``net.predict(X)`` with ``net.classes_[y]``.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sktorchsafe import SafeNeuralNetClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2))
    >>> y = np.where(X[:, 0] + X[:, 1] > 0, "spam", "ham")
    >>> _ = torch.manual_seed(0)
    >>> clf = SafeNeuralNetClassifier(
    ...     torch.nn.Linear, module__in_features=2, module__out_features=2,
    ...     optimizer=torch.optim.Adam, lr=0.1, max_epochs=20, verbose=0,
    ... )
    >>> clf.fit(X, y).classes_
    array(['ham', 'spam'], dtype='<U4')
    >>> clf.predict([[2.0, 1.0], [-1.0, -2.0]])
    array(['spam', 'ham'], dtype='<U4')
    >>> clf.predict_proba([[2.0, 1.0]]).shape
    (1, 2)
    >>> bool(clf.score(X, y) > 0.95)
    True
    """

    _parameter_constraints = {}
    _data_attributes = ("n_features_in_", "feature_names_in_", "classes_inferred_")

    def __init__(
        self,
        module,
        *args,
        criterion=torch.nn.CrossEntropyLoss,
        train_split=_STRATIFIED_SPLIT,
        classes=None,
        **kwargs,
    ):
        super().__init__(
            module,
            *args,
            criterion=criterion,
            train_split=train_split,
            classes=classes,
            **kwargs,
        )

    @property
    def _default_callbacks(self):
        callbacks = []
        for name, callback in super()._default_callbacks:
            if name == "valid_acc":
                callback = EpochScoring(
                    _label_accuracy, name="valid_acc", lower_is_better=False
                )
            callbacks.append((name, callback))
        return _with_guard(callbacks)

    # -------------------------------------------------------------- y
    def _prepare_y(self, y, *, reset, classes=None):
        who = type(self).__name__
        if y is None:
            return None
        y = _target_array(y, numeric=False)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        if y.ndim != 1:
            hint = "multi-output classification is not supported"
            if y.ndim == 2 and _is_one_hot(y):
                hint = (
                    "it looks one-hot encoded: pass the class of each row instead, "
                    "e.g. y.argmax(axis=1) (or the original labels)"
                )
            raise TargetError(
                f"{who}: y must be 1-D (one label per row). Got shape {y.shape}; "
                f"{hint}."
            )
        missing = np.flatnonzero(np.asarray(pd.isna(y)))
        if y.dtype.kind == "f":
            missing = np.union1d(missing, np.flatnonzero(np.isinf(y)))
        if missing.size:
            raise TargetError(
                f"{who}: y has missing or non-finite labels in "
                f"{plural(missing.size, 'row')}: {describe(missing)}. "
                "Drop those rows or "
                "label them."
            )
        if reset:
            if self.classes is None:
                try:
                    known = np.unique(y if classes is None else classes)
                except TypeError as exc:
                    raise TargetError(
                        f"{who}: y mixes label types that cannot be compared "
                        f"({exc}). Use labels of one type (all strings or all "
                        "numbers)."
                    ) from exc
                kind = type_of_target(y if classes is None else known)
                if kind not in ("binary", "multiclass"):
                    raise TargetError(
                        f"{who}: y must hold class labels. Got a {kind} target "
                        f"(e.g. {describe(np.unique(y)[:3].tolist())}). For a "
                        "continuous target use SafeNeuralNetRegressor."
                    )
                if known.size < 2:
                    raise TargetError(
                        f"{who}: y has a single class ({known.tolist()[0]!r}); a "
                        "classifier needs at least two."
                    )
                self.classes_inferred_ = known
            else:
                self.classes_inferred_ = np.unique(np.asarray(self.classes))
        return _encode(y, self.classes_, who)

    def _class_counts(self, y):
        if y is None or not hasattr(self, "classes_inferred_"):
            return None
        counts = np.bincount(np.asarray(to_numpy(y) if torch.is_tensor(y) else y))
        present = np.flatnonzero(counts)
        return np.asarray(self.classes_)[present].tolist(), counts[present]

    def check_data(self, X, y):
        # y arrives encoded (skorch would infer the codes as the classes); only
        # a Dataset without y leaves the inference to skorch.
        if y is None:
            super().check_data(X, y)

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self._outputs_checked_ = False
        return super().on_train_begin(net, X=X, y=y, **kwargs)

    def get_loss(self, y_pred, y_true, *args, **kwargs):
        """Loss of a batch; the first training batch checks output against criterion.

        Log-probabilities (a module ending with ``LogSoftmax``) reach
        ``NLLLoss`` as they are; skorch would take their log again.
        """
        self._check_tensor_output(y_pred)
        if kwargs.get("training") and not getattr(self, "_outputs_checked_", True):
            self._outputs_checked_ = True
            self._check_outputs(y_pred)
        if getattr(self, "_log_probabilities_", False) and isinstance(
            self._criterion(), torch.nn.NLLLoss
        ):
            return NeuralNet.get_loss(self, y_pred, y_true, *args, **kwargs)
        return super().get_loss(y_pred, y_true, *args, **kwargs)

    def _check_outputs(self, y_pred):
        self._log_probabilities_ = False
        criterion = self._criterion()
        takes_probabilities = isinstance(criterion, torch.nn.NLLLoss)
        takes_logits = isinstance(criterion, (torch.nn.CrossEntropyLoss, FocalLoss))
        who, name = type(self).__name__, type(criterion).__name__
        if isinstance(criterion, (torch.nn.BCELoss, torch.nn.BCEWithLogitsLoss)):
            raise ModuleConfigError(
                f"{who}: {name} takes one float target per output, but this "
                "classifier trains on class codes, one per row. Use the default "
                f"CrossEntropyLoss with one output per class ({len(self.classes_)}), "
                "or skorch's NeuralNetBinaryClassifier for one logit per row."
            )
        if not torch.is_tensor(y_pred) or not (takes_probabilities or takes_logits):
            return
        n_classes = len(self.classes_)
        if y_pred.ndim == 1:
            raise ModuleConfigError(
                f"{who}: the module returns one value per row (shape "
                f"{tuple(y_pred.shape)}), but {name} takes one score per class, "
                f"shape (n, {n_classes}). Make its last layer output {n_classes} "
                "values (for one logit per row, use skorch's "
                "NeuralNetBinaryClassifier)."
            )
        if y_pred.ndim != 2:
            return
        if y_pred.shape[1] != n_classes:
            fix = f"Make its last layer output {n_classes} values, one per class."
            if y_pred.shape[1] > n_classes and self.classes is None:
                fix += (
                    " If the data has more classes than this y shows (a "
                    "cross-validation fold or a subset without a rare class), "
                    "pass them all, in the order of the output columns: "
                    "classes=[...]."
                )
            classes = describe(np.asarray(self.classes_).tolist(), quote=True)
            raise ModuleConfigError(
                f"{who}: the module returns {y_pred.shape[1]} column(s) but y has "
                f"{n_classes} classes ({classes}). {fix}"
            )
        with torch.no_grad():
            lo, hi = float(y_pred.min()), float(y_pred.max())
            sums = y_pred.sum(dim=1)
            s_lo, s_hi = float(sums.min()), float(sums.max())
            log_sums = torch.logsumexp(y_pred.float(), dim=1).abs()
            log_probabilities = hi <= 0 and float(log_sums.max()) <= 1e-3
        probabilities = lo >= 0 and hi <= 1 and s_lo >= 1 - 1e-3 and s_hi <= 1 + 1e-3
        self._log_probabilities_ = takes_probabilities and log_probabilities
        seen = f"values in [{lo:.3g}, {hi:.3g}], row sums in [{s_lo:.3g}, {s_hi:.3g}]"
        if takes_probabilities and not (probabilities or log_probabilities):
            raise ModuleConfigError(
                f"{who}: the module returns logits ({seen}), but NLLLoss expects "
                "probabilities (skorch's convention: it takes their log) or "
                "log-probabilities (PyTorch's). Use "
                "criterion=torch.nn.CrossEntropyLoss (the default of this class), "
                "or end the module with a softmax or log-softmax."
            )
        if takes_logits and probabilities:
            raise ModuleConfigError(
                f"{who}: the module returns probabilities ({seen}), but {name} "
                "expects logits and applies its own softmax, which trains badly. "
                "Drop the module's final softmax, or pass "
                "criterion=torch.nn.NLLLoss."
            )

    def _get_predict_nonlinearity(self):
        if self.predict_nonlinearity == "auto":
            criterion = self._criterion()
            if isinstance(criterion, FocalLoss):
                return _softmax
            if isinstance(criterion, torch.nn.NLLLoss) and getattr(
                self, "_log_probabilities_", False
            ):
                return torch.exp
        return super()._get_predict_nonlinearity()

    # -------------------------------------------------------- predict
    def predict_proba(self, X):
        """Class probabilities for ``X``; column ``k`` is ``classes_[k]``.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            Finite numeric data with the features seen in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        proba = super().predict_proba(X)
        self._check_predictions(proba, X)
        return proba

    def predict(self, X):
        """Predict class labels for ``X`` (the original labels, not codes).

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            Finite numeric data with the features seen in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def _softmax(y):
    return torch.softmax(y, dim=-1)


def _is_one_hot(y):
    """Whether the 2-D target ``y`` holds one 1 per row and 0 elsewhere."""
    try:
        values = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return bool(np.isin(values, (0, 1)).all() and (values.sum(axis=1) == 1).all())


def _encode(y, classes, who):
    """Codes 0..K-1 of labels ``y`` in ``classes`` (int64); unknown labels raise."""
    classes = np.asarray(classes)
    try:
        order = np.argsort(classes, kind="stable")
        sorted_classes = classes[order]
        position = np.searchsorted(sorted_classes, y)
    except TypeError as exc:
        raise TargetError(
            f"{who}: y mixes label types that cannot be compared ({exc}). Use "
            "labels of one type (all strings or all numbers)."
        ) from exc
    position = np.clip(position, 0, len(classes) - 1)
    unknown = sorted_classes[position] != y
    if np.any(unknown):
        labels = np.unique(np.asarray(y)[unknown])
        raise TargetError(
            f"{who}: y has labels not among the classes "
            f"{describe(classes.tolist(), quote=True)}: "
            f"{describe(labels.tolist(), quote=True)}. Pass "
            "every label in `classes` (or to the first partial_fit)."
        )
    return order[position].astype(np.int64)
