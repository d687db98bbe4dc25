"""``preflight``: check a network on the user's own data before the first epoch.

One forward and one backward pass on a small, evenly spread sample of X,
with hooks on every submodule (:mod:`._preflight_probe`), and the net left
exactly as it was. What the pass measured becomes findings in the form of
:func:`~sktorchsafe.diagnose`'s: a severity, the layer by its module name,
the numbers, and the fix from :data:`~sktorchsafe.core.messages.FIXES`.
"""

import warnings
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
import pandas as pd
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback

from ..core.compat import (
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_parameter_constraints,
)
from ..core.messages import Finding, fix_for, plural, step_for, user_stacklevel
from ..exceptions import ModuleConfigError, PreflightWarning
from ._preflight_findings import input_findings, layer_findings
from ._preflight_output import output_findings
from ._preflight_probe import (
    floating_inputs,
    run_probe,
    to_module_input,
)
from ._preflight_setup import (
    input_width,
    lazy_safe,
    module_dtype,
    module_setup,
    net_setup,
)

__all__ = ["Preflight", "PreflightFinding", "PreflightReport", "preflight"]

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class PreflightFinding(Finding):
    """One finding of :func:`preflight`: a :class:`Finding` with its layer and numbers.

    Attributes
    ----------
    kind, severity, columns, message, fix
        As in :class:`~sktorchsafe.core.messages.Finding`; ``kind`` starts
        with ``"preflight_"`` and is the key of its fix in
        :data:`~sktorchsafe.core.messages.FIXES`. ``columns`` names input
        features, for findings about X.
    step : str or None
        The :func:`make_safe_pipeline` step that handles it, or None.
    layer : str or None
        The module concerned, by its name in ``module.named_modules()``
        (``""`` for the module itself), or None.
    values : dict
        The numbers behind the finding (shares, norms, ratios, widths).
    """

    step: str | None = None
    layer: str | None = None
    values: dict = field(default_factory=dict, compare=False)


class PreflightReport:
    """What :func:`preflight` found, and what it measured per layer.

    Attributes
    ----------
    findings : tuple of PreflightFinding
        Most severe first.
    layers : DataFrame
        One row per leaf module, in the order of the forward pass, indexed by
        its name: ``type``, ``in_rms`` / ``out_rms`` (root mean square of its
        first input and of its output), ``out_max`` (largest magnitude),
        ``saturated`` (share, Sigmoid / Tanh / Softmax), ``dead`` (share of
        units, ReLU), ``weight`` (the parameter read), ``weight_norm`` and
        ``grad_norm`` (its gradient's), ``out_grad_rms`` (the gradient at the
        layer's output) and ``update_norm`` (the first optimizer step, where
        estimated).
    n_rows : int
        Rows of the sample the pass ran on.
    loss : float or None
        The loss on the sample.
    """

    def __init__(self, findings, layers, *, n_rows, loss=None):
        order = {severity: k for k, severity in enumerate(SEVERITIES)}
        self.findings = tuple(sorted(findings, key=lambda f: order[f.severity]))
        self.layers = layers
        self.n_rows = n_rows
        self.loss = loss

    @property
    def ok(self):
        """False when a finding of severity ``"error"`` was made."""
        return not any(f.severity == "error" for f in self.findings)

    def __iter__(self):
        return iter(self.findings)

    def __len__(self):
        return len(self.findings)

    def kinds(self):
        """The kinds of the findings, most severe first."""
        return [f.kind for f in self.findings]

    def to_frame(self):
        """The findings as a DataFrame, one row each, most severe first."""
        fields = ["severity", "kind", "layer", "columns", "step", "message", "fix"]
        return pd.DataFrame(
            [{name: getattr(f, name) for name in fields} for f in self.findings],
            columns=fields,
        )

    def summary(self):
        """One line: the rows, the layers, and the findings by severity."""
        counts = [
            f"{n} info" if severity == "info" else plural(n, severity)
            for severity in SEVERITIES
            if (n := sum(f.severity == severity for f in self.findings))
        ]
        found = ", ".join(counts) if counts else "nothing found"
        return (
            f"preflight on {plural(self.n_rows, 'row')}, "
            f"{plural(len(self.layers), 'layer')}: {found}"
        )

    def __str__(self):
        lines = [self.summary()]
        lines += [f"- [{f.severity}] {f.kind}: {f}" for f in self.findings]
        return "\n".join(lines)

    def __repr__(self):
        return f"<PreflightReport: {self.summary()}>"


def preflight(
    net,
    X,
    y=None,
    *,
    n_rows=256,
    criterion=None,
    optimizer=None,
    lr=None,
    precision=None,
    prepared=False,
):
    """Check a network on a sample of its data before the first epoch.

    Runs one forward and one backward pass on ``n_rows`` rows of ``X`` and
    ``y`` (spread evenly over the data, no random draw) with hooks on every
    submodule, and reports what would make training fail or crawl. Nothing
    the user can observe changes: the weights, their ``.grad``, the
    optimizer's state, the modules' buffers (BatchNorm's running statistics)
    and training flags, and the random state of torch (CPU and CUDA), numpy
    and Python's ``random`` are as before. The pass runs in training mode
    (Dropout and BatchNorm as in the first epoch).

    Findings (the ``kind``, the thresholds, the severity). ``"error"``:
    training breaks (NaN, ±inf, a loss that cannot be computed);
    ``"warning"``: it trains badly or not at all; ``"info"``: worth knowing,
    often harmless.

    - Loss and output. ``preflight_sigmoid_bce``: a sigmoid into ``BCELoss``
      (logits into ``BCEWithLogitsLoss`` are exact), warning;
      ``preflight_sigmoid_logits``: a sigmoid into ``BCEWithLogitsLoss``
      (applied twice), warning. ``preflight_softmax_cross_entropy``: a
      softmax (or rows of probabilities) into ``CrossEntropyLoss`` /
      :class:`FocalLoss`, which apply their own, warning; in a
      :class:`~sktorchsafe.SafeNeuralNetClassifier`, which gives the
      criterion ``log(p)`` (skorch's convention), only an info when most
      rows are near one-hot. ``preflight_log_softmax``: ``log(softmax(x))``
      into ``NLLLoss``, warning (``-inf`` once a probability underflows;
      ``LogSoftmax`` is exact), or probabilities into it: info in a skorch
      classifier (it takes ``log(p + eps)``), warning for a plain module.
      ``preflight_nll_double_log``: log-probabilities into skorch's
      ``NeuralNetClassifier`` with ``NLLLoss`` (it takes their log: NaN),
      error. ``preflight_nll_logits``: logits into ``NLLLoss``, error.
    - ``preflight_output_width``: the output's width is not the number of
      classes (class criteria) or the target's width, or a ``(n,)`` output
      meets an ``(n, 1)`` target in a plain net (broadcast to ``(n, n)``),
      error.
    - Activations (on 16 rows or more). ``preflight_saturation``: more than
      50% of a Sigmoid's outputs within 0.01 of 0 or 1, of a Tanh's beyond
      ±0.99, or of a Softmax's rows with a probability above 0.99, warning.
      ``preflight_dead_units``: more than 25% of a ReLU's units zero on
      every row of the sample, info; more than 50%, warning.
    - ``preflight_growth``: a layer whose output's RMS is 10 times its
      input's or more, or activations whose RMS reaches 1000 times the
      input's, once they reach an RMS of 10, warning. Normalization layers
      are left out (scaling up is their job).
    - ``preflight_half_range``: values beyond float16's range (65504) or
      bfloat16's (3.39e38) in X or in a layer's output, when the module's
      parameters are in that dtype or ``precision`` says the net runs in it,
      error.
    - ``preflight_nonfinite``: a layer, or a function in a ``forward``
      between two layers, that makes NaN or ±inf from finite input, or a
      non-finite loss or gradient that no other finding explains, error.
      ``preflight_nonfinite_input``: NaN or ±inf in the sample of X, error.
    - Gradients. ``preflight_vanishing_gradients`` /
      ``preflight_exploding_gradients``: the gradient of the loss at the
      output of a layer with weights (its RMS, ``∂L/∂out``) is below 1e-3 of
      the largest layer's, in an earlier layer (vanishing towards the input)
      or only in later ones (exploding towards it), warning. Embeddings are
      left out (their gradients are sparse), and so are nets with a layer
      initialized at 0.
    - ``preflight_first_update``: the optimizer's first step on a layer's
      weights is larger than the weights themselves (``‖ΔW‖ / ‖W‖ > 1``),
      warning; beyond 100, error. Estimated for SGD (``lr * g``, with
      weight decay and Nesterov momentum) and the Adam family (``lr`` per
      element on the first step); other optimizers are not estimated.
    - ``preflight_unscaled_input``: floating input features with ``|mean|``
      or standard deviation above 10 on the sample (a pipeline without a
      scaler), info; above 1000, warning.
    - ``preflight_input_width``: X's width is not what the first layer
      takes (``in_features``), error; ``preflight_forward_error``: the
      forward pass, the loss or the backward pass failed otherwise, error,
      with the module that raised.

    A non-finite loss or gradient that another finding explains (logits into
    ``NLLLoss``, X beyond float16, a layer that makes NaN) is not reported
    again. The thresholds are constants of the module that judges the
    measurements (``sktorchsafe.training._preflight_findings``).

    Parameters
    ----------
    net : skorch.NeuralNet or torch.nn.Module
        A skorch net, initialized or not, or a plain module (then pass
        ``criterion``, and ``optimizer`` / ``lr`` for the first-update check).
        An uninitialized net is not initialized: a clone of it is, with the
        random state restored afterwards, so the net stays as it was and its
        ``fit`` draws the very weights checked here.
    X : array-like, DataFrame, sparse matrix, tensor, dict or Dataset
        The input as the net receives it (after the pipeline's steps).
    y : array-like, tensor or None, default=None
        The target; without it, only the forward pass runs.
    n_rows : int, default=256
        Rows of the sample.
    criterion : torch loss (class or instance), default=None
        Only with a plain module.
    optimizer : torch optimizer (class or instance), default=None
        Only with a plain module: an instance is read (its groups' ``lr``),
        a class is built on the module's parameters with ``lr``.
    lr : float, default=None
        Only with a plain module and an optimizer class.
    precision : {"float16", "bfloat16"} or None, default=None
        Check the ranges as if the net ran in this dtype (``torch.autocast``
        or ``.half()`` later); None: the dtype of the module's parameters.
    prepared : bool, default=False
        Whether ``X`` and ``y`` are already what the module and criterion
        receive (a safe net's own call at the start of ``fit``). When False,
        a safe net's sample goes through its boundary as in ``fit`` (labels
        encoded, target standardized), on a copy of the net.

    Returns
    -------
    report : PreflightReport
        The findings, most severe first, and the per-layer measurements.

    See Also
    --------
    Preflight : The callback that runs it at the start of a safe net's ``fit``.
    NonFiniteGuard : Watches every batch once training runs.

    Notes
    -----
    Hooks see modules, not functions: a ``torch.tanh`` called inside
    ``forward`` is not measured as a layer, but the loss and output checks
    read the autograd graph and see ``torch.sigmoid``, ``softmax`` and
    ``log`` wherever they are. A module called twice is measured on its
    first call. A module with lazy parameters is checked on a copy (the
    forward pass would initialize them).

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from skorch import NeuralNetBinaryClassifier
    >>> from sktorchsafe.training.preflight import preflight
    >>> X = np.random.default_rng(0).normal(size=(100, 4)).astype(np.float32)
    >>> y = (X[:, 0] > 0).astype(np.float32)
    >>> module = torch.nn.Sequential(
    ...     torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1),
    ...     torch.nn.Sigmoid(), torch.nn.Flatten(0),
    ... )
    >>> net = NeuralNetBinaryClassifier(module, criterion=torch.nn.BCELoss)
    >>> [(f.kind, f.layer) for f in preflight(net, X, y)]
    [('preflight_sigmoid_bce', '3')]
    """
    if precision not in (None, "float16", "bfloat16"):
        raise InvalidParameterError(
            "preflight: precision must be 'float16', 'bfloat16' or None. "
            f"Got {precision!r} instead."
        )
    if not isinstance(n_rows, Integral) or isinstance(n_rows, bool) or n_rows < 1:
        raise InvalidParameterError(
            f"preflight: n_rows must be a positive integer. Got {n_rows!r} instead."
        )
    if isinstance(net, NeuralNet):
        if criterion is not None or optimizer is not None or lr is not None:
            raise InvalidParameterError(
                "preflight: criterion, optimizer and lr are for a plain module; "
                "a skorch net uses its own (set them on the net)."
            )
        setup = net_setup(net, X, y, n_rows=n_rows, prepared=prepared)
    elif isinstance(net, torch.nn.Module):
        setup = module_setup(net, X, y, n_rows, criterion, optimizer, lr)
    else:
        raise InvalidParameterError(
            "preflight: net must be a skorch NeuralNet or a torch.nn.Module. "
            f"Got {type(net).__name__} instead."
        )
    module, setup["forward"] = lazy_safe(setup)
    dtype = module_dtype(module)
    setup["precision"] = precision or {
        torch.float16: "float16",
        torch.bfloat16: "bfloat16",
    }.get(dtype)
    Xt = to_module_input(setup["Xb"], dtype, setup["device"])
    probe = run_probe(
        module,
        lambda x: setup["forward"](x),
        None if setup["yb"] is None else setup["loss"],
        Xt,
        setup["groups"],
        setup["rule"],
    )
    setup["inputs"] = floating_inputs(setup["Xb"])
    setup["width"] = input_width(setup["Xb"])
    findings = []
    for make in (input_findings, output_findings, layer_findings):
        findings += make(probe, setup)
    findings = [_finding(**found) for found in _causes_only(findings)]
    return PreflightReport(
        findings,
        _layers_frame(probe.layers),
        n_rows=setup["n_rows"],
        loss=probe.loss,
    )


class Preflight(Callback):
    """Check the network on a sample of the training data before the first epoch.

    A skorch callback. At the start of ``fit`` (and of the first
    ``partial_fit``), before any weight moves, it runs :func:`preflight` on
    ``n_rows`` rows of the training data as the module receives them, and
    issues one :class:`~sktorchsafe.exceptions.PreflightWarning` that lists
    the findings of severity ``"error"`` and ``"warning"``, each with its
    layer and fix; nothing found, no warning. A fit that continues
    (``warm_start=True``, or ``partial_fit`` on a net with a history) is not
    checked again. The check never stops a fit on its own account: should it
    fail itself, the fit goes on without a finding (``report_`` is None).
    Neither is a safe net's fit checked when ``fit`` passes parameters to
    the module's ``forward`` (``net.fit(X, y, mask=...)``): the check would
    run a different forward without them.

    :class:`~sktorchsafe.SafeNeuralNetRegressor` and
    :class:`~sktorchsafe.SafeNeuralNetClassifier` include it by default,
    under the name ``"preflight"``: turn it off with
    ``callbacks__preflight=None``, make severe findings raise with
    ``callbacks__preflight__on_problem="raise"``. Add it to any skorch net
    with ``callbacks=[Preflight()]``. In a safe net, what the net checks
    itself on the first batch (the output's width, logits into ``NLLLoss``,
    NaN in X) and a forward pass that fails are left to the net's own error.

    Parameters
    ----------
    on_problem : {"warn", "raise", "ignore"}, default="warn"
        ``"warn"``: one ``PreflightWarning`` listing the findings.
        ``"raise"``: findings of severity ``"error"`` raise
        :class:`~sktorchsafe.exceptions.ModuleConfigError` before training
        (its ``findings`` attribute holds them); the others are warned about.
        ``"ignore"``: the check runs and ``report_`` keeps it, silently.
    n_rows : int, default=256
        Rows of the sample, spread evenly over the training data.
    precision : {"float16", "bfloat16"} or None, default=None
        Check the ranges as if the net ran in this dtype (mixed precision
        through ``torch.autocast``); None: the dtype of the module.

    Attributes
    ----------
    report_ : PreflightReport or None
        The report of the last check (infos included), or None before the
        first fit, when the check itself failed, or when it did not run.

    See Also
    --------
    preflight : The check itself, to run by hand (on an uninitialized net too).
    NonFiniteGuard : Watches every training batch.

    Notes
    -----
    Cost: one forward and one backward pass on ``n_rows`` rows with hooks on
    every submodule, once per fit. ``benchmarks/bench_preflight.py``
    measured, for an MLP 50 -> 128 -> 128 -> 1 on 100,000 rows, 10 ms of CPU
    time: about three training batches of 256 rows, 0.7% of one epoch and
    0.06% of a 10-epoch fit.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> import warnings
    >>> from sktorchsafe import SafeNeuralNetRegressor
    >>> from sktorchsafe.exceptions import PreflightWarning
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3)).astype(np.float32)
    >>> y = X.sum(axis=1)
    >>> module = torch.nn.Sequential(
    ...     torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1)
    ... )
    >>> net = SafeNeuralNetRegressor(
    ...     module, optimizer=torch.optim.SGD, lr=50.0, max_epochs=1, verbose=0
    ... )
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = net.fit(X, y)
    >>> [w.category.__name__ for w in caught]
    ['PreflightWarning']
    >>> dict(net.callbacks_)["preflight"].report_.kinds()
    ['preflight_first_update']
    """

    _parameter_constraints = {
        "on_problem": [StrOptions({"warn", "raise", "ignore"})],
        "n_rows": [Interval(Integral, 1, None, closed="left")],
        "precision": [StrOptions({"float16", "bfloat16"}), None],
    }

    def __init__(self, on_problem="warn", n_rows=256, precision=None):
        self.on_problem = on_problem
        self.n_rows = n_rows
        self.precision = precision

    def initialize(self):
        validate_parameter_constraints(
            self._parameter_constraints,
            {name: getattr(self, name) for name in self._parameter_constraints},
            caller_name=type(self).__name__,
        )
        self.report_ = None
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        history = getattr(net, "history", None)
        if history is not None and len(history):
            return  # warm_start or partial_fit: training goes on, checked before
        self.report_ = None
        if getattr(net, "_forward_params", ()):
            return  # forward takes fit's parameters, which the check cannot pass
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                self.report_ = preflight(
                    net,
                    X,
                    y,
                    n_rows=self.n_rows,
                    precision=self.precision,
                    prepared=True,
                )
        except Exception:  # noqa: BLE001 - a check must not break a working fit
            return
        if self.on_problem == "ignore":
            return
        left_to_net = _SAFE_NET_CHECKS if hasattr(net, "_prepare_X") else ()
        shown = [
            f
            for f in self.report_.findings
            if f.severity != "info"
            and f.kind != "preflight_forward_error"
            and f.kind not in left_to_net
        ]
        if not shown:
            return
        name = next((n for n, cb in net.callbacks_ if cb is self), type(self).__name__)
        errors = [f for f in shown if f.severity == "error"]
        if self.on_problem == "raise" and errors:
            if rest := [f for f in shown if f.severity != "error"]:
                warnings.warn(
                    _message(net, name, rest, self.report_, raising=False),
                    PreflightWarning,
                    stacklevel=user_stacklevel(),
                )
            exc = ModuleConfigError(
                _message(net, name, errors, self.report_, raising=True)
            )
            exc.findings = tuple(errors)
            raise exc
        warnings.warn(
            _message(net, name, shown, self.report_, raising=False),
            PreflightWarning,
            stacklevel=user_stacklevel(),
        )


#: What a safe net checks itself on the first batch, with its own error.
_SAFE_NET_CHECKS = (
    "preflight_input_width",
    "preflight_output_width",
    "preflight_nll_logits",
    "preflight_nonfinite_input",
)


def _message(net, name, findings, report, *, raising):
    """The text of the warning or error: one line per finding, then how to act."""
    who = type(net).__name__
    lines = [
        f"{who}: the check before training (preflight on "
        f"{plural(report.n_rows, 'row')} of the training data) found "
        f"{plural(findings, 'problem')}:"
    ]
    for f in findings:
        where = (
            ""
            if f.layer is None
            else (" [the module itself]" if f.layer == "" else f" [layer {f.layer!r}]")
        )
        lines.append(f"- {f.severity}{where}: {f.message} Fix: {f.fix}")
    if raising:
        lines.append(
            f"Turn the check off with callbacks__{name}=None, or only warn with "
            f"callbacks__{name}__on_problem='warn'."
        )
    else:
        lines.append(
            f"Turn the check off with callbacks__{name}=None; make errors raise "
            f"with callbacks__{name}__on_problem='raise'."
        )
    return "\n".join(lines)


#: Findings that explain a non-finite loss or gradient on their own ...
_CAUSES = (
    "preflight_nonfinite_input",
    "preflight_half_range",
    "preflight_nll_logits",
    "preflight_nll_double_log",
    "preflight_output_width",
    "preflight_forward_error",
)
#: ... of which these make the loss itself wrong: its gradients say nothing.
_WRONG_LOSS = (
    "preflight_nonfinite_input",
    "preflight_nll_logits",
    "preflight_nll_double_log",
    "preflight_output_width",
    "preflight_forward_error",
)
_FROM_GRADIENTS = (
    "preflight_first_update",
    "preflight_vanishing_gradients",
    "preflight_exploding_gradients",
)
#: Where a ``preflight_nonfinite`` that explains the rest was made.
_MADE = ("layer", "function")


def _causes_only(findings):
    """Drop what another finding explains: a non-finite loss or gradients, and
    the gradients' findings when the loss itself is wrong."""
    kinds = {found["kind"] for found in findings}
    made = any(found["values"].get("source") in _MADE for found in findings)
    if not (made or kinds & set(_CAUSES)):
        return findings
    wrong_loss = bool(kinds & set(_WRONG_LOSS))
    return [
        found
        for found in findings
        if not (
            found["kind"] == "preflight_nonfinite"
            and found["values"].get("source") in ("loss", "gradients")
        )
        and not (wrong_loss and found["kind"] in _FROM_GRADIENTS)
    ]


def _finding(kind, severity, message, layer=None, columns=(), values=None):
    return PreflightFinding(
        kind=kind,
        severity=severity,
        columns=tuple(columns),
        message=message,
        fix=fix_for(kind),
        step=step_for(kind),
        layer=layer,
        values=dict(values or {}),
    )


def _layers_frame(layers):
    fields = [
        "type",
        "in_rms",
        "out_rms",
        "out_max",
        "saturated",
        "dead",
        "weight",
        "weight_norm",
        "grad_norm",
        "out_grad_rms",
        "update_norm",
    ]
    frame = pd.DataFrame(
        [{name: getattr(layer, name) for name in fields} for layer in layers],
        index=pd.Index([layer.name for layer in layers], name="layer"),
        columns=fields,
    )
    return frame
