"""skorch nets that accept what scikit-learn estimators accept.

``SafeNeuralNetRegressor`` and ``SafeNeuralNetClassifier`` subclass skorch's
nets (every skorch parameter, callback and ``module__`` / ``optimizer__`` /
``callbacks__`` prefix works as before) and fix the data once, at the torch
boundary: X becomes one float32 array, y becomes float32 ``(n, k)`` targets or
int64 class codes, NaN and ±inf are refused with an error that names the rows
and features, and :class:`~sktorchsafe.NonFiniteGuard` watches the training.
"""

import functools

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import r2_score
from sklearn.utils.metaestimators import available_if
from skorch import NeuralNet, NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import EpochScoring
from skorch.utils import to_numpy

from ..core.labels import (
    check_bare_codes,
    check_codes,
    check_labels,
    encode_labels,
    given_codes,
    is_one_hot,
)
from ..core.messages import describe, plural
from ..core.targets import (
    index_labels,
    raise_not_numeric,
    raise_single_class,
    raise_unusable,
    read_target,
    unusable_rows,
)
from ..exceptions import ModuleConfigError, TargetError
from ..steps.standardize import SafeStandardScaler
from .base import _SafeNet, with_guard
from .boundary import FLOAT32_MAX as _FLOAT32_MAX
from .losses import FocalLoss
from .outputs import (
    align_regression_output,
    check_class_scores,
    check_predictions,
    check_tensor_output,
    class_loss_input,
    scores_to_probabilities,
    standardized_targets,
)
from .persist import _SavedState
from .split import STRATIFIED_SPLIT
from .widths import _ModuleWidths, class_count

__all__ = ["SafeNeuralNetClassifier", "SafeNeuralNetRegressor"]


class SafeNeuralNetRegressor(_SavedState, _ModuleWidths, _SafeNet, NeuralNetRegressor):
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
    - :class:`NonFiniteGuard` is on (callback ``"nonfinite_guard"``) and
      :class:`Preflight` checks the module at the start of ``fit``
      (``"preflight"``; ``callbacks__preflight=None`` turns it off).

    Parameters
    ----------
    module : torch module (class or instance)
        The network; it should return ``(n, n_outputs)`` (or ``(n,)`` for one
        output). When it is a class whose constructor takes the input width
        (``in_features``, ``n_features``, ``input_dim``, ``n_in``, ...) or
        the output width (``out_features``, ``n_outputs``, ...) without a
        value (no default, or None), and no ``module__`` parameter gives it,
        ``fit`` sets it from X's and y's columns: ``torch.nn.Linear`` fits.
    criterion : torch criterion (class or instance), default=torch.nn.MSELoss
        The loss. One whose class has ``supports_nan_target = True``
        (:class:`MaskedMSELoss`) receives NaN targets instead of an error.
    scale_target : bool, default=True
        Standardize y per output (:class:`SafeStandardScaler`, overflow-proof)
        in the loss and undo it in ``predict``. The losses in the history are
        then in standardized units; the batches keep y in its own units, so
        scoring callbacks (``EpochScoring("r2")``) see the units of y.
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
        return with_guard(super()._default_callbacks)

    # -------------------------------------------------------------- y
    def _output_width(self, y, classes):
        if y is None:
            return None
        return int(np.shape(y)[1]) if np.ndim(y) == 2 else 1

    def _prepare_y(self, y, *, reset, classes=None, n_samples=None):
        who = type(self).__name__
        if y is None:
            if reset:
                self.n_outputs_, self.target_scaler_, self._y_ndim_ = None, None, None
            return None
        ndim = np.ndim(y) if not hasattr(y, "ndim") else y.ndim
        target = _read_y(y, who, n_samples)
        if target.strings:
            values = pd.Series(target.values.ravel()[:100], dtype=object)
            as_numbers = pd.to_numeric(values, errors="coerce").notna().all()
            raise_not_numeric(who, pd.unique(values), numbers_as_text=bool(as_numbers))
        y2 = target.values.reshape(len(target.values), -1).astype(np.float64)
        names = target.names
        allow_nan = bool(getattr(self.criterion, "supports_nan_target", False))
        bad = unusable_rows(y2, allow_nan=allow_nan)
        if bad is not None:
            kinds, rows = bad
            outputs = None
            if y2.shape[1] > 1:
                cells = np.isinf(y2[rows]) | (~allow_nan & np.isnan(y2[rows]))
                outputs = [names[j] for j in np.flatnonzero(cells.any(axis=0))]
            raise_unusable(
                who,
                kinds,
                rows,
                labels=index_labels(target.index, rows),
                outputs=outputs,
            )
        if reset:
            empty = np.flatnonzero(np.isnan(y2).all(axis=0)) if allow_nan else []
            if len(empty):
                raise TargetError(
                    f"{who}: y {describe([names[j] for j in empty], quote=True)} "
                    f"{'has' if len(empty) == 1 else 'have'} no observed value "
                    "(all NaN): the net cannot learn it, and would predict NaN. "
                    "Drop that target column, or fit on rows where it is observed."
                )
            self.n_outputs_ = y2.shape[1]
            self._y_ndim_ = ndim
            self.target_scaler_ = (
                SafeStandardScaler().fit(y2) if self.scale_target else None
            )
        elif self.n_outputs_ is not None and y2.shape[1] != self.n_outputs_:
            raise TargetError(
                f"{who}: y has {y2.shape[1]} column(s), but the net was fitted with "
                f"{self.n_outputs_}."
            )
        scaled = y2
        if self.target_scaler_ is not None:
            scaled = self.target_scaler_.transform(y2)
        with np.errstate(over="ignore"):
            y32 = scaled.astype(np.float32)
        overflow = np.isinf(y32) & np.isfinite(scaled)
        if overflow.any():
            rows = np.flatnonzero(overflow.any(axis=1))
            raise TargetError(
                f"{who}: y has values beyond the float32 range (±{_FLOAT32_MAX:.3g}) "
                f"in {plural(rows.size, 'row')}: {describe(rows)}. "
                "Use scale_target=True."
            )
        # With a target scaler, the batches keep y in its own units (float64)
        # and get_loss standardizes them: skorch's scoring callbacks then
        # compare predict(X) with y in the same units.
        return y32 if self.target_scaler_ is None else y2

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """Loss of a batch; a 1-D output is compared with a one-column target.

        A module output whose shape differs from the target's in anything but
        a trailing 1 raises
        :class:`~sktorchsafe.exceptions.ModuleConfigError` instead of broadcasting.
        With ``scale_target=True`` the batch targets come in y's units and
        are standardized here: the loss is in standardized units.
        """
        check_tensor_output(self, y_pred)
        y_true = standardized_targets(self, y_true)
        y_pred, y_true = align_regression_output(self, y_pred, y_true)
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
        self.check_is_fitted()
        if self.scale_target and "target_scaler_" not in vars(self):
            raise ModuleConfigError(
                f"{type(self).__name__}: the net has weights but no target scaler "
                "(scale_target=True): they were loaded from a file without the "
                "net's learned state (saved by skorch itself), so predictions "
                "would be in standardized units, not y's. Load a file written "
                "by this net's save_params, refit, or set scale_target=False "
                "if the module was trained on y in its own units."
            )
        y_pred = NeuralNet.predict_proba(self, X)
        check_predictions(self, y_pred, X)
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
        y_true = _read_y(y, type(self).__name__).values
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


def _read_y(y, who, n_samples=None):
    """``y`` read as every sktorchsafe step reads a target (tensors too)."""
    if torch.is_tensor(y):
        y = to_numpy(y)
    return read_target(y, who, n_samples=n_samples)


def _label_accuracy(net, X, y):
    """Accuracy of ``net.predict(X)`` against class codes ``y`` (valid_acc).

    The batches hold class codes 0..K-1 while ``predict`` returns the original
    labels; compare like with like.
    """
    y_true = net._labels(np.asarray(to_numpy(y) if torch.is_tensor(y) else y, int))
    return float(np.mean(net.predict(X) == y_true))


class SafeNeuralNetClassifier(
    _SavedState, _ModuleWidths, _SafeNet, NeuralNetClassifier
):
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
    - The default criterion is ``torch.nn.CrossEntropyLoss``, for a module
      that returns **logits**; a module ending in a softmax (skorch's
      convention) or a ``LogSoftmax`` trains too (see Notes), and a module
      whose output cannot meet its criterion is caught at the first batch
      with an error that says which to use.
    - A ``train_split`` with more folds than X has rows, or (stratified)
      than any class has, raises
      :class:`~sktorchsafe.exceptions.ModuleConfigError` before training, with
      the fix; the net never changes the split on its own. A class with fewer
      rows than the folds gets a
      :class:`~sktorchsafe.exceptions.DataQualityWarning` naming it.
    - :class:`NonFiniteGuard` is on (callback ``"nonfinite_guard"``) and
      :class:`Preflight` checks the module at the start of ``fit``
      (``"preflight"``; ``callbacks__preflight=None`` turns it off).

    Parameters
    ----------
    module : torch module (class or instance)
        The network; it should return ``(n, n_classes)`` logits. Its open
        input and output widths are learned in ``fit`` as in
        :class:`SafeNeuralNetRegressor` (the output width is the number of
        classes, of ``classes`` when given).
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
        ``y`` (sorted) when None. As in skorch, y may instead hold the codes
        0..K-1 of these classes (``classes=["neg", "pos"]`` with y in
        {0, 1}): when y's labels are not all among ``classes`` and are whole
        numbers, they are read as codes, and ``predict`` returns codes too
        (like y). An empty ``classes`` (skorch's meaning): y holds the codes
        0..K-1, ``predict`` returns codes, and there is no ``classes_``.
    *args, **kwargs
        Every other parameter of ``skorch.NeuralNetClassifier``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels; column ``k`` of the module's output is
        ``classes_[k]``.
    output_kind_ : {"logits", "probabilities", "log_probabilities"}
        What the module returned on the first training batch of the last
        fit; ``predict_proba`` turns it into probabilities accordingly.
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
    log again) and are exponentiated in ``predict_proba``. A module ending
    in a softmax also trains with ``CrossEntropyLoss`` or
    :class:`FocalLoss`: the criterion gets the log of the probabilities,
    which its own softmax maps back to them (never a second softmax), so
    skorch's modules and ``skorch.toy.make_classifier`` work unchanged. The
    first training batch of each fit records what the module returns in
    ``output_kind_``; logits with ``NLLLoss`` raise an error that says to
    use ``CrossEntropyLoss``, and an output width different from the number
    of classes raises too (pass ``classes`` when a subset of the data, such
    as a cross-validation fold, lacks a class).

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
    _data_attributes = (
        "n_features_in_",
        "feature_names_in_",
        "_y_codes",
        "classes_inferred_",
    )

    def __init__(
        self,
        module,
        *args,
        criterion=torch.nn.CrossEntropyLoss,
        train_split=STRATIFIED_SPLIT,
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
        return with_guard(callbacks)

    # -------------------------------------------------------------- y
    def _codes_only(self):
        """skorch's ``classes=[]``: y holds the codes, and no ``classes_``."""
        return self.classes is not None and not len(self.classes)

    def _output_width(self, y, classes):
        if self._codes_only():  # the largest code y holds, plus one
            codes = check_bare_codes([] if y is None else y, type(self).__name__)
            return int(codes.max(initial=-1)) + 1 or None
        return class_count(y, self.classes if classes is None else classes)

    def _prepare_y(self, y, *, reset, classes=None, n_samples=None):
        who = type(self).__name__
        if y is None:
            return None
        target = _read_y(y, who, n_samples)
        y = target.values
        if y.dtype == object and target.given_dtype.kind in "US":
            y = y.astype(target.given_dtype)  # numpy strings stay, as classes_
        if y.ndim != 1:
            hint = "multi-output classification is not supported"
            if is_one_hot(y):
                hint = (
                    "it looks one-hot encoded: pass the class of each row instead, "
                    "e.g. y.argmax(axis=1) (or the original labels)"
                )
            raise TargetError(
                f"{who}: y must be 1-D (one label per row). Got shape {y.shape}; "
                f"{hint}.",
                kind="target_type",
            )
        bad = unusable_rows(y)
        if bad is not None:
            kinds, rows = bad
            raise_unusable(who, kinds, rows, labels=index_labels(target.index, rows))
        if self._codes_only():
            self._y_codes = True
            return check_bare_codes(y, who)
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
                check_labels(y if classes is None else known, who)
                if known.size < 2:
                    raise_single_class(who, known[0], len(y))
                self.classes_inferred_ = known
            else:
                check_labels(np.asarray(self.classes), who)
                self._y_codes = given_codes(y, self.classes)
                self.classes_inferred_ = np.unique(np.asarray(self.classes))
        if getattr(self, "_y_codes", False):
            return check_codes(y, len(self.classes_), who)
        return encode_labels(y, self.classes_, who)

    def _labels(self, codes):
        """Class codes as ``predict`` returns them: like y in ``fit``.

        The original labels; the codes themselves when y held codes of the
        ``classes`` given, or when the classes are unknown (a net initialized
        and loaded without ``classes``, as in skorch).
        """
        if getattr(self, "_y_codes", False) or (
            self.classes is None and "classes_inferred_" not in vars(self)
        ):
            return codes
        return np.asarray(self.classes_)[codes]

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

        It also records what the module returns (``output_kind_``): logits,
        probabilities (a final softmax, skorch's convention) or
        log-probabilities (a final ``LogSoftmax``). Each reaches the
        criterion as it expects: ``CrossEntropyLoss`` and :class:`FocalLoss`
        get the log of probabilities (not a second softmax), ``NLLLoss``
        gets log-probabilities as they are (skorch would take their log
        again).
        """
        check_tensor_output(self, y_pred)
        if kwargs.get("training") and not getattr(self, "_outputs_checked_", True):
            self._outputs_checked_ = True
            self.output_kind_ = check_class_scores(self, y_pred)
        kind = getattr(self, "output_kind_", None)
        if torch.is_tensor(y_pred) and kind is not None:
            y_pred, skorch_loss = class_loss_input(self, y_pred, kind)
            if not skorch_loss:
                return NeuralNet.get_loss(self, y_pred, y_true, *args, **kwargs)
        return super().get_loss(y_pred, y_true, *args, **kwargs)

    def _get_predict_nonlinearity(self):
        if self.predict_nonlinearity == "auto" and isinstance(
            self._criterion(), (torch.nn.CrossEntropyLoss, torch.nn.NLLLoss, FocalLoss)
        ):
            return functools.partial(scores_to_probabilities, self)
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
        check_predictions(self, proba, X)
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
        return self._labels(self.predict_proba(X).argmax(axis=1))
