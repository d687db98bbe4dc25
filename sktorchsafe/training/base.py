"""The base the safe regressor and classifier share.

:class:`_SafeNet` goes left of skorch's ``NeuralNetRegressor`` /
``NeuralNetClassifier``: it gathers the X side of the torch boundary
(:mod:`.boundary`) and the check of the validation split (:mod:`.split`),
forgets and keeps the data attributes across ``fit`` and ``partial_fit``, and
validates the parameters the safe nets add. :func:`with_guard` puts
:class:`~sktorchsafe.Preflight` and :class:`~sktorchsafe.NonFiniteGuard` among
skorch's default callbacks.
"""

from collections.abc import Mapping

from skorch.dataset import get_len
from skorch.utils import is_dataset

from ..core.compat import (
    reject_unrequested_metadata,
    uncompiled,
    validate_parameter_constraints,
)
from .boundary import _TorchBoundary
from .guard import NonFiniteGuard
from .preflight import Preflight
from .split import _SplitChecks

__all__ = ["with_guard"]


def with_guard(callbacks):
    """skorch's default callbacks with :class:`Preflight` and :class:`NonFiniteGuard`.

    Both go before PrintLog, the check of the network first (it runs once,
    at the start of ``fit``), under the names ``"preflight"`` and
    ``"nonfinite_guard"`` (``callbacks__preflight=None`` turns it off).
    """
    callbacks = list(callbacks)
    position = next(
        (i for i, (name, _) in enumerate(callbacks) if name == "print_log"),
        len(callbacks),
    )
    callbacks[position:position] = [
        ("preflight", Preflight()),
        ("nonfinite_guard", NonFiniteGuard()),
    ]
    return callbacks


class _SafeNet(_SplitChecks, _TorchBoundary):
    """What the safe regressor and classifier share (left of skorch's net).

    The torch boundary for X (:class:`_TorchBoundary`), the check of the
    validation split (:class:`_SplitChecks`), the learned data attributes
    that ``fit`` forgets and ``partial_fit`` keeps, and the validation of the
    parameters the safe nets add to skorch's. Each net adds its side of y
    (``_prepare_y``) and of the module's output.
    """

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
        return uncompiled(getattr(self, "criterion_", None))

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
        method = fit_params.get("_routing_method", "partial_fit")  # fit: "fit"
        reject_unrequested_metadata(self, method, fit_params)
        # What the module's forward receives besides X (Preflight skips then).
        self._forward_params = tuple(k for k in fit_params if k != "_routing_method")
        reset = not self._data_seen()
        X = self._prepare_X(X, reset=reset)
        n_samples = None
        if y is not None and not (is_dataset(X) or isinstance(X, Mapping)):
            n_samples = get_len(X)
        y = self._prepare_y(y, reset=reset, classes=classes, n_samples=n_samples)
        return super().partial_fit(X, y, classes=classes, **fit_params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = True
        tags.non_deterministic = True
        tags.target_tags.required = True
        return tags
