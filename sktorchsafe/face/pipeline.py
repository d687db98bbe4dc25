"""``make_safe_pipeline``: the standard pipeline in front of a skorch net."""

import numpy as np
from sklearn.base import is_classifier, is_regressor
from sklearn.pipeline import Pipeline

from ..steps.encode import TableEncoder
from ..steps.impute import ImputerSelector
from ..steps.outliers import OutlierClipper
from ..steps.scaling import ScaleDisparityChecker
from ..steps.standardize import SafeStandardScaler
from ..steps.target import TargetValidator

__all__ = ["make_safe_pipeline"]

#: The steps before the net, in order.
STEPS = ("target", "encode", "impute", "clip", "check", "scale")


def _default_target(net):
    """A TargetValidator for the net's task, or "passthrough" for NaN targets."""
    criterion = getattr(net, "criterion", None)
    if getattr(criterion, "supports_nan_target", False):
        # The criterion learns from partly missing targets; the net itself
        # still refuses ±inf and names the rows.
        return "passthrough"
    if is_classifier(net):
        return TargetValidator(task="classification")
    if is_regressor(net):
        if getattr(net, "scale_target", False):
            # The net standardizes the target itself: no scale warning.
            return TargetValidator(task="regression", scale_threshold=np.inf)
        return TargetValidator(task="regression")
    return TargetValidator()


def make_safe_pipeline(net, *, memory=None, verbose=False, **steps):
    """Build the standard pipeline that cleans X and checks y before ``net``.

    ``Pipeline`` with the steps

    ============  =================================================  ========
    name          default                                            does
    ============  =================================================  ========
    ``target``    ``TargetValidator(task=<the net's>)``              checks y
    ``encode``    ``TableEncoder()``                                 a table
    ``impute``    ``ImputerSelector()``                              NaN, inf
    ``clip``      ``OutlierClipper()``                               outliers
    ``check``     ``ScaleDisparityChecker(on_problem="ignore")``     reports
    ``scale``     ``SafeStandardScaler(dtype=np.float32)``           float32
    ``net``       ``net``                                            trains
    ============  =================================================  ========

    so that every parameter is reachable by name:
    ``GridSearchCV(pipe, {"impute__strategy": [...], "net__lr": [...]})``.
    X may be a raw table: ``encode`` turns text, categories, dates and
    numbers stored as text into numbers (and a numeric array passes it
    untouched).

    Parameters
    ----------
    net : estimator
        The final estimator, typically a :class:`SafeNeuralNetRegressor` or
        :class:`SafeNeuralNetClassifier` (any estimator works).
    memory : str, object with the joblib.Memory interface or None, default=None
        Passed to :class:`~sklearn.pipeline.Pipeline` (caches the fitted
        transformers).
    verbose : bool, default=False
        Passed to :class:`~sklearn.pipeline.Pipeline`.
    **steps : estimator, "passthrough" or None
        Replacements for the steps by name (``target``, ``encode``,
        ``impute``, ``clip``, ``check``, ``scale``); ``"passthrough"`` or None
        removes a step's effect while keeping its name.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        The unfitted pipeline.

    Raises
    ------
    TypeError
        For a step name that is not one of the above.

    See Also
    --------
    sklearn.pipeline.make_pipeline : The generic helper this one specializes.

    Notes
    -----
    The ``target`` step follows the net: ``task="classification"`` for a
    classifier, ``task="regression"`` for a regressor (without the target
    scale warning when the net standardizes the target itself,
    ``scale_target=True``), and ``"passthrough"`` when the net's criterion
    learns from NaN targets (``supports_nan_target``, as
    :class:`MaskedMSELoss`); the net then checks y itself. The choice is made
    here, from the net as given: a search that switches the criterion
    switches the step with it,
    ``[{"net__criterion": [MSELoss]}, {"net__criterion": [MaskedMSELoss],
    "target": ["passthrough"]}]``. Only the ``scale`` step casts to float32;
    the steps before it keep the dtype.

    **Sparse X** (text features, one-hot encodings) reaches the net as a CSR
    matrix, which the nets accept; the imputing, clipping and checking steps
    need dense data, and centring would densify it, so for sparse X use::

        make_safe_pipeline(
            net, impute="passthrough", clip="passthrough", check="passthrough",
            scale=SafeStandardScaler(with_mean=False, dtype=np.float32),
        )

    In a grid search, a candidate whose training goes non-finite fails with
    :class:`~sktorchsafe.exceptions.NonFiniteTrainingError`, whose message
    (in scikit-learn's ``FitFailedWarning``) names the epoch, the layer and
    the fix, instead of scoring NaN.

    **Data in chunks, data and searches on a cluster.** Every step before the
    net learns from mergeable statistics, so:

    - :func:`stream_fit` fits the pipeline on chunks read one at a time (each
      step's ``partial_fit``), learning what ``fit`` on all rows would;
    - each step's ``fit`` on a ``dask.array.Array`` or
      ``dask.dataframe.DataFrame`` runs block by block on the active Dask
      scheduler, and its ``transform`` stays lazy
      (``pipe[:-1].fit(X_dask, y)``);
    - the pipeline pickles and clones cleanly, so a search runs on a Dask
      cluster through joblib, with the results of a local search:

    .. code-block:: python

        import joblib
        from distributed import Client
        from sklearn.model_selection import GridSearchCV

        client = Client("scheduler-address:8786")  # or Client() on this machine
        search = GridSearchCV(
            make_safe_pipeline(net),
            {"impute__strategy": ["mean", "median", "most_frequent"]},
            n_jobs=-1,
        )
        with joblib.parallel_backend("dask"):
            search.fit(X, y)  # each candidate and fold trains on a worker

    Each Dask worker needs sktorchsafe installed (``pip install
    sktorchsafe[dask]``), like the client.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sktorchsafe import SafeNeuralNetRegressor, make_safe_pipeline
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 3)) * [1e6, 1e-3, 1.0]
    >>> X[rng.random(X.shape) < 0.05] = np.nan
    >>> y = 3 * np.nan_to_num(X[:, 0]) / 1e6 + 0.5 * rng.normal(size=300)
    >>> _ = torch.manual_seed(0)
    >>> net = SafeNeuralNetRegressor(
    ...     torch.nn.Linear, module__in_features=3, module__out_features=1,
    ...     lr=0.1, max_epochs=20, train_split=None, verbose=0,
    ... )
    >>> pipe = make_safe_pipeline(net, clip="passthrough")
    >>> [name for name, _ in pipe.steps]
    ['target', 'encode', 'impute', 'clip', 'check', 'scale', 'net']
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # the checker reports the 1e9 spread
    ...     _ = pipe.fit(X, y)
    >>> bool(np.isfinite(pipe[-1].history[:, "train_loss"]).all())
    True
    """
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        raise TypeError(
            f"make_safe_pipeline() got unknown step name(s) {unknown}. The steps "
            f"are {', '.join(STEPS)} (and net, the first argument)."
        )
    defaults = {
        "target": _default_target(net),
        "encode": TableEncoder(),
        "impute": ImputerSelector(),
        "clip": OutlierClipper(),
        # The scale step handles what the checker finds: report, not warn.
        "check": ScaleDisparityChecker(on_problem="ignore"),
        "scale": SafeStandardScaler(dtype=np.float32),
    }
    pipeline_steps = [(name, steps.get(name, defaults[name])) for name in STEPS]
    pipeline_steps.append(("net", net))
    return Pipeline(pipeline_steps, memory=memory, verbose=verbose)
