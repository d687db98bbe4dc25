"""``make_safe_pipeline``: the standard pipeline in front of a skorch net."""

import numpy as np
import pandas as pd
from sklearn.base import is_classifier, is_regressor
from sklearn.pipeline import Pipeline

from ..exceptions import InputTypeError
from ..steps.encode import TableEncoder
from ..steps.impute import ImputerSelector
from ..steps.outliers import OutlierClipper
from ..steps.scaling import ScaleDisparityChecker
from ..steps.standardize import SafeStandardScaler
from ..steps.target import TargetValidator

__all__ = ["make_safe_pipeline"]

#: The steps before the net, in order.
STEPS = ("target", "encode", "impute", "clip", "check", "scale")


# --------------------------------------------------------- the embedding path
class _CodesEncoder(TableEncoder):
    """``TableEncoder`` whose code columns leave it as int64 columns of a DataFrame.

    The steps after it (:class:`_AroundCodes`) tell the codes from the
    numbers by that dtype; an array input gives a DataFrame too.
    """

    def transform(self, X):
        return self._mark_codes(super().transform(X))

    def fit_transform(self, X, y=None):
        return self._mark_codes(super().fit_transform(X, y))

    def _mark_codes(self, out):
        if isinstance(out, pd.DataFrame):
            # Only the codes leave as int64: whole numbers become floats, so
            # that the next steps scale them instead of embedding them.
            codes = set(self.code_columns_)
            whole = [
                name
                for k, (name, dtype) in enumerate(out.dtypes.items())
                if k not in codes and pd.api.types.is_integer_dtype(dtype)
            ]
            if whole:  # astype copies the frame even when it changes nothing
                out = out.astype(dict.fromkeys(whole, np.float64))
        if not len(self.code_columns_):
            return out
        if not isinstance(out, (pd.DataFrame, np.ndarray)):
            raise InputTypeError(
                "make_safe_pipeline(embed=True) passes the codes between its "
                f"steps in memory; got a {type(out).__module__.partition('.')[0]} "
                f"{type(out).__name__} from 'encode'. Fit "
                "it on a pandas DataFrame or a NumPy array (compute a Dask "
                "collection first), or use embed=False (one-hot columns)."
            )
        if not isinstance(out, pd.DataFrame):
            out = pd.DataFrame(out, columns=self.get_feature_names_out())
        codes = out.columns[self.code_columns_]
        return out.astype(dict.fromkeys(codes, np.int64))


def _code_columns(X):
    """The code columns of X: the int64 columns of a DataFrame from ``encode``."""
    if not isinstance(X, pd.DataFrame):
        return []
    return [name for name, dtype in X.dtypes.items() if dtype == np.int64]


class _AroundCodes:
    """Mixin: the step fits and transforms the numbers; the codes pass around it.

    Left of one of our steps, with its parameters (so that
    ``impute__strategy`` stays a flat name). The code columns (int64, from
    :class:`_CodesEncoder`) come out last, unchanged, after the step's
    output; without code columns the step runs as it is.
    """

    def _split(self, X):
        codes = _code_columns(X)
        if not codes:
            return X, None
        return X.drop(columns=codes), X[codes]

    def _inner(self, method, *args, **params):
        """Run the step's own ``method``; its output names are the numbers'."""
        self._inside = True
        try:
            return method(*args, **params)
        finally:
            self._inside = False

    def _fit_numbers(self, numbers, codes, y, fit, **params):
        only_codes = codes is not None and numbers.shape[1] == 0
        out = codes if only_codes else self._inner(fit, numbers, y, **params)
        # Set after the step's fit, which may call fit or transform itself.
        self._only_codes = only_codes
        self._code_names = [] if codes is None else list(codes.columns)
        return out

    def fit(self, X, y=None, **params):
        numbers, codes = self._split(X)
        self._fit_numbers(numbers, codes, y, super().fit, **params)
        return self

    def fit_transform(self, X, y=None, **params):
        numbers, codes = self._split(X)
        out = self._fit_numbers(numbers, codes, y, super().fit_transform, **params)
        return self._join(out, codes)

    def transform(self, X, **params):
        numbers, codes = self._split(X)
        if codes is None:
            return super().transform(X, **params)
        if getattr(self, "_only_codes", False):
            return codes
        return self._join(self._inner(super().transform, numbers, **params), codes)

    def get_feature_names_out(self, input_features=None):
        if getattr(self, "_inside", False):
            return super().get_feature_names_out(input_features)
        codes = getattr(self, "_code_names", [])
        if input_features is not None:  # a pipeline's: the numbers and the codes
            input_features = [name for name in input_features if name not in codes]
        names = []
        if not getattr(self, "_only_codes", False):
            names = list(super().get_feature_names_out(input_features))
        return np.asarray(names + codes, dtype=object)

    def _join(self, out, codes):
        if codes is None or out is codes:
            return out
        if not isinstance(out, pd.DataFrame):
            names = self._inner(super().get_feature_names_out)
            out = pd.DataFrame(out, columns=names, index=codes.index, copy=False)
        return pd.concat([out.set_axis(codes.index), codes], axis=1)


class _ImputerAroundCodes(_AroundCodes, ImputerSelector):
    """``ImputerSelector`` on the numbers; the codes pass (``embed=True``)."""


class _ClipperAroundCodes(_AroundCodes, OutlierClipper):
    """``OutlierClipper`` on the numbers; the codes pass (``embed=True``)."""


class _CheckerAroundCodes(_AroundCodes, ScaleDisparityChecker):
    """``ScaleDisparityChecker`` on the numbers; the codes pass (``embed=True``)."""


class _ScalerAroundCodes(_AroundCodes, SafeStandardScaler):
    """``SafeStandardScaler`` on the numbers; the codes pass (``embed=True``)."""


#: Our steps and their versions that leave the codes alone.
_AROUND = {
    TableEncoder: _CodesEncoder,
    ImputerSelector: _ImputerAroundCodes,
    OutlierClipper: _ClipperAroundCodes,
    ScaleDisparityChecker: _CheckerAroundCodes,
    SafeStandardScaler: _ScalerAroundCodes,
}


def _around_codes(name, step):
    """``step`` as the ``embed=True`` pipeline needs it at ``name``."""
    if step is None or isinstance(step, str) or type(step) in _AROUND.values():
        return step
    around = _AROUND.get(type(step))
    if around is None:
        raise TypeError(
            f"make_safe_pipeline(embed=True) keeps the steps after 'encode' off "
            f"the code columns, which it can do for sktorchsafe's own steps; got "
            f"{type(step).__name__} for {name!r}. Use TableEncoder, "
            "ImputerSelector, OutlierClipper, ScaleDisparityChecker or "
            "SafeStandardScaler there (or 'passthrough'), or embed=False."
        )
    return around(**step.get_params(deep=False))


def _net_task(net):
    """The task the net's estimator type says: classification, regression, auto."""
    if is_classifier(net):
        return "classification"
    return "regression" if is_regressor(net) else "auto"


def _default_target(net):
    """A TargetValidator for the net's task, or "passthrough" for NaN targets."""
    criterion = getattr(net, "criterion", None)
    if getattr(criterion, "supports_nan_target", False):
        # The criterion learns from partly missing targets; the net itself
        # still refuses ±inf and names the rows.
        return "passthrough"
    task = _net_task(net)
    if task == "regression" and getattr(net, "scale_target", False):
        # The net standardizes the target itself: no scale warning.
        return TargetValidator(task=task, scale_threshold=np.inf)
    return TargetValidator(task=task)


def make_safe_pipeline(net, *, embed=False, memory=None, verbose=False, **steps):
    """Build the standard pipeline that cleans X and checks y before ``net``.

    ``Pipeline`` with the steps

    ============  =================================================  ========
    name          default                                            does
    ============  =================================================  ========
    ``target``    ``TargetValidator(task=<the net's>)``              checks y
    ``encode``    ``TableEncoder(task=<the net's>)``                 a table
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
    embed : bool, default=False
        The embedding path: ``encode`` gives one column of integer codes per
        category column (``TableEncoder(categorical="codes")``: 0 missing,
        1 unseen or rare, 2.. the categories) instead of one-hot columns, and
        the steps after it (``impute``, ``clip``, ``check``, ``scale``)
        work on the other columns only: the codes reach the net unchanged,
        as the last columns of X, in the order of the encoder's
        ``cardinalities_``, for a module that embeds them
        (:class:`TabularMLP`). The steps keep their names and parameters.
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
        For a step name that is not one of the above, or, with
        ``embed=True``, a replacement step that is not one of ours (only
        those can be kept off the codes).

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

    **Embeddings.** With ``embed=True`` the steps in the pipeline are our
    steps' versions that pass the code columns around themselves (same
    class names with ``AroundCodes``, same parameters); the codes travel
    between them as the int64 columns of a DataFrame, whatever X was. The
    safe nets learn the number of codes of each column (a module's open
    ``cardinalities``, as :class:`TabularMLP`'s) from those columns, as they
    learn the input width; a code beyond a module's table reads as unseen.
    Not for :func:`stream_fit` or Dask input.

    .. code-block:: python

        net = SafeNeuralNetRegressor(TabularMLP, lr=0.01)
        pipe = make_safe_pipeline(net, embed=True).fit(X, y)

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
        "encode": TableEncoder(
            categorical="codes" if embed else "onehot", task=_net_task(net)
        ),
        "impute": ImputerSelector(),
        "clip": OutlierClipper(),
        # The scale step handles what the checker finds: report, not warn.
        "check": ScaleDisparityChecker(on_problem="ignore"),
        "scale": SafeStandardScaler(dtype=np.float32),
    }
    pipeline_steps = [(name, steps.get(name, defaults[name])) for name in STEPS]
    if embed:
        pipeline_steps = [
            (name, step if name == "target" else _around_codes(name, step))
            for name, step in pipeline_steps
        ]
    pipeline_steps.append(("net", net))
    return Pipeline(pipeline_steps, memory=memory, verbose=verbose)
