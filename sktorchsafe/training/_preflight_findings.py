"""From what :mod:`._preflight_probe` measured to :func:`preflight`'s findings.

Each family is a function of the probe and the setup that returns plain
dicts (``kind``, ``severity``, ``message``, ``layer``, ``columns``,
``values``): here the input X and the layers (activations, gradients, the
first optimizer step); the module's output against its criterion is in
:mod:`._preflight_output`. The thresholds are documented in
:func:`~sktorchsafe.training.preflight.preflight`.

Severities follow what the user must do: ``"error"``, training breaks (NaN,
±inf, a loss that cannot be computed); ``"warning"``, it trains badly or not
at all; ``"info"``, worth knowing, often harmless (a safe net's default
callback only warns about the first two).
"""

import math
import warnings

import numpy as np
import torch

from ..core.messages import describe, first_line, plural
from .losses import FocalLoss

__all__ = ["input_findings", "layer_findings"]

#: Share of a Sigmoid / Tanh / Softmax layer's outputs that are saturated
#: above which it is reported.
SATURATION_SHARE = 0.5
#: Share of a ReLU layer's units that are zero on every row of the sample
#: above which it is reported (info), and above which it is a warning.
DEAD_SHARE, DEAD_SHARE_WARNING = 0.25, 0.5
#: Fewer rows than this say too little about shares of saturated or dead units.
MIN_ROWS = 16
#: A layer whose output RMS is this many times its input's is reported ...
GROWTH_PER_LAYER = 10.0
#: ... and activations whose RMS reaches this many times the input's ...
GROWTH_TOTAL = 1e3
#: ... when the activations reach this RMS (small values growing are harmless).
GROWTH_FLOOR = 10.0
#: Relative gradients (‖∂L/∂W‖ / ‖W‖) more than this far apart across layers.
GRADIENT_SPREAD = 1e3
#: A first step larger than this share of the weights (‖ΔW‖ / ‖W‖) ...
FIRST_UPDATE = 1.0
#: ... and beyond this one, an error.
FIRST_UPDATE_ERROR = 100.0
#: An input feature whose |mean| or standard deviation exceeds this is
#: unscaled (info), and beyond the second a warning.
INPUT_SCALE, INPUT_SCALE_WARNING = 10.0, 1e3
#: The largest finite value of each half-precision dtype.
HALF_MAX = {
    "float16": float(torch.finfo(torch.float16).max),
    "bfloat16": float(torch.finfo(torch.bfloat16).max),
}

_CLASS_CRITERIA = (torch.nn.CrossEntropyLoss, torch.nn.NLLLoss, FocalLoss)
#: Layers whose gradients are sparse by design (only the rows looked up).
_SPARSE_GRADIENTS = ("Embedding", "EmbeddingBag")


def _found(kind, severity, message, layer=None, columns=(), **values):
    return {
        "kind": kind,
        "severity": severity,
        "message": message,
        "layer": layer,
        "columns": tuple(columns),
        "values": values,
    }


def _called(layer):
    """``layer '2' (Linear)``: a layer as messages name it."""
    if layer.name == "":
        return f"the module itself ({layer.type})"
    return f"layer {layer.name!r} ({layer.type})"


# ------------------------------------------------------------------ input
def _column_names(key, n, names):
    if key is None and names is not None and len(names) == n:
        return list(names)
    prefix = "x" if key is None else f"{key}:x"
    return [f"{prefix}{j}" for j in range(n)]


def input_findings(probe, setup):
    """X's width against the first layer, its finiteness, scale and half range."""
    found = []
    if probe.error is not None:
        found.append(_run_error(probe, setup))
    unscaled, beyond, nonfinite = [], [], []
    largest, limit = 0.0, HALF_MAX.get(setup["precision"])
    scales = {}
    for key, values in setup["inputs"]:
        flat = values.reshape(len(values), -1) if values.ndim != 2 else values
        if not flat.size:
            continue
        names = _column_names(key, flat.shape[1], setup["names"])
        with np.errstate(invalid="ignore", over="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
            bad = ~np.isfinite(flat)
            finite = np.where(bad, np.nan, flat)
            mean = np.nanmean(finite, axis=0)
            std = np.nanstd(finite, axis=0)
            peak = np.nanmax(np.abs(finite), axis=0, initial=0.0)
        for j, name in enumerate(names):
            if bad[:, j].any():
                nonfinite.append(name)
            if abs(mean[j]) > INPUT_SCALE or std[j] > INPUT_SCALE:
                unscaled.append(name)
                scales[name] = (float(mean[j]), float(std[j]))
            if limit is not None and peak[j] > limit:
                beyond.append(name)
            largest = max(largest, float(peak[j]))
    if nonfinite:
        found.append(
            _found(
                "preflight_nonfinite_input",
                "error",
                f"X holds NaN or ±inf in {plural(nonfinite, 'feature')}: "
                f"{describe(nonfinite, quote=True)}; every loss and gradient "
                "they reach is NaN.",
                columns=nonfinite,
                source="input",
            )
        )
    if limit is not None and beyond:
        found.append(
            _found(
                "preflight_half_range",
                "error",
                f"X has values beyond the {setup['precision']} range (±{limit:.6g}) "
                f"the net runs in, in {plural(beyond, 'feature')}: "
                f"{describe(beyond, quote=True)} (largest magnitude "
                f"{largest:.3g}); they become ±inf in the net.",
                columns=beyond,
                largest=largest,
                limit=limit,
            )
        )
    if unscaled:
        found.append(_unscaled(unscaled, scales))
    return found


def _unscaled(unscaled, scales):
    def size(name):
        return max(abs(scales[name][0]), scales[name][1])

    worst = max(unscaled, key=size)
    mean, std = scales[worst]
    severity = "warning" if size(worst) > INPUT_SCALE_WARNING else "info"
    return _found(
        "preflight_unscaled_input",
        severity,
        f"The net receives {plural(unscaled, 'feature')} that "
        f"{'is' if len(unscaled) == 1 else 'are'} not standardized "
        f"(|mean| or std above {INPUT_SCALE:g}): "
        f"{describe(unscaled, quote=True)}; {worst!r} has mean "
        f"{mean:.3g} and std {std:.3g}.",
        columns=unscaled,
        scales=scales,
    )


def _run_error(probe, setup):
    """The forward pass, the loss or the backward pass failed: say where."""
    stage, where, exc = probe.error
    text = first_line(exc)
    modules = dict(setup["module"].named_modules())
    layer = modules.get(where) if where is not None else None
    width, expects = setup["width"], getattr(layer, "in_features", None)
    first = not any(m.weight is not None or m.out_rms is not None for m in probe.layers)
    if stage == "forward" and isinstance(expects, int) and width not in (None, expects):
        if first:
            name = "the module itself" if where == "" else f"layer {where!r}"
            return _found(
                "preflight_input_width",
                "error",
                f"X has {plural(width, 'feature')}, but {name} "
                f"({type(layer).__name__}) takes in_features={expects}: {text}.",
                layer=where,
                n_features=width,
                in_features=expects,
            )
    if stage == "forward":
        inside = ""
        if where is not None:
            inside = " in " + ("the module itself" if where == "" else repr(where))
        what = f"The forward pass on the sample failed{inside}"
    elif stage == "loss":
        what = f"The loss ({type(setup['criterion']).__name__}) on the sample failed"
    else:
        what = "The backward pass on the sample failed"
    return _found(
        "preflight_forward_error",
        "error",
        f"{what} ({type(exc).__name__}): {text}.",
        layer=where,
        stage=stage,
    )


# ----------------------------------------------------------------- layers
def layer_findings(probe, setup):
    """Activations, gradients and the first step, layer by layer."""
    found = _range_findings(probe, setup)
    if setup["n_rows"] >= MIN_ROWS:
        found += _saturation_findings(probe, setup)
        found += _dead_findings(probe)
    found += _growth_findings(probe, setup)
    found += _gradient_findings(probe)
    found += _update_findings(probe)
    return found


def _listing(layers, what):
    names = describe([m.name for m in layers], quote=True)
    return f"{plural(layers, 'layer')} with {what} ({names})"


def _fed(probe, layer):
    before = {m.order: m for m in probe.layers}.get(layer.order - 1)
    return f", fed by {_called(before)}" if before is not None else ""


def _saturation_findings(probe, setup):
    # A final softmax into a class criterion is judged with the output.
    output_softmax = isinstance(setup["criterion"], _CLASS_CRITERIA)
    saturated = [
        m
        for m in probe.layers
        if m.saturated is not None
        and m.saturated > SATURATION_SHARE
        and not (
            output_softmax and m.type == "Softmax" and m.name == probe.output_layer
        )
    ]
    if not saturated:
        return []
    first = saturated[0]
    return [
        _found(
            "preflight_saturation",
            "warning",
            f"{_listing(saturated, 'saturated outputs')}: {first.saturated:.0%} of "
            f"the outputs of {_called(first)}{_fed(probe, first)} are at its "
            "bounds, where the gradient vanishes.",
            layer=first.name,
            shares={m.name: m.saturated for m in saturated},
        )
    ]


def _dead_findings(probe):
    dead = [m for m in probe.layers if m.dead is not None and m.dead > DEAD_SHARE]
    if not dead:
        return []
    first = max(dead, key=lambda m: m.dead)
    severity = "warning" if first.dead > DEAD_SHARE_WARNING else "info"
    return [
        _found(
            "preflight_dead_units",
            severity,
            f"{_listing(dead, 'dead units')}: {first.dead:.0%} of the "
            f"{first.n_units} units of {_called(first)}{_fed(probe, first)} are 0 "
            "on every row of the sample; they get no gradient and never learn.",
            layer=first.name,
            shares={m.name: m.dead for m in dead},
        )
    ]


def _range_findings(probe, setup):
    limit = HALF_MAX.get(setup["precision"])
    half = setup["precision"] is not None
    module_half = any(
        p.dtype in (torch.float16, torch.bfloat16) for p in setup["module"].parameters()
    )
    # X beyond the half range becomes ±inf in the cast: reported with X.
    inputs_finite = all(
        np.isfinite(values).all()
        and (limit is None or not values.size or np.abs(values).max() <= limit)
        for _, values in setup["inputs"]
    )
    previous = None
    for layer in probe.layers:
        if not layer.in_finite:
            if inputs_finite and (previous is None or previous.out_finite):
                return [_between(probe, previous, layer)]
            break  # the input was already broken: a consequence, not a cause
        if half and layer.in_max is not None and layer.in_max > limit:
            break
        previous = layer
        over = (
            half
            and not module_half
            and layer.out_max is not None
            and layer.out_max > limit
        )
        if layer.out_finite and not over:
            continue
        if half and (over or module_half):
            return [
                _found(
                    "preflight_half_range",
                    "error",
                    f"{_called(layer)} outputs values beyond the "
                    f"{setup['precision']} range (±{limit:.6g}) from finite "
                    f"input (its input's largest magnitude {layer.in_max:.3g}).",
                    layer=layer.name,
                    limit=limit,
                    in_max=layer.in_max,
                )
            ]
        return [
            _found(
                "preflight_nonfinite",
                "error",
                f"{_called(layer)} makes NaN or ±inf from finite input on the "
                "sample, before any training.",
                layer=layer.name,
                source="layer",
            )
        ]
    if (
        probe.loss is not None
        and not math.isfinite(probe.loss)
        and all(layer.in_finite and layer.out_finite for layer in probe.layers)
    ):
        return [
            _found(
                "preflight_nonfinite",
                "error",
                f"The loss on the sample is {probe.loss} although every layer's "
                "output is finite: the criterion gets values outside its domain.",
                loss=probe.loss,
                source="loss",
            )
        ]
    return []


def _between(probe, previous, layer):
    """NaN made by a function in ``forward``, between two measured layers."""
    parent = layer.parent
    where = "the forward pass"
    if parent is not None:
        modules = {m.name: m for m in probe.layers}
        where = (
            "the forward of the module itself"
            if parent == ""
            else f"the forward of {parent!r}"
        )
        if parent in modules:
            where = f"the forward of {_called(modules[parent])}"
    after = "X" if previous is None else f"the output of {_called(previous)}"
    return _found(
        "preflight_nonfinite",
        "error",
        f"A function in {where} makes NaN or ±inf before {_called(layer)}: "
        f"{after} is finite, the input of {layer.name!r} is not "
        "(torch.log, sqrt or a division on values outside their domain).",
        layer=parent,
        source="function",
        before=layer.name,
    )


def _growth_findings(probe, setup):
    growing = [
        (m, m.out_rms / m.in_rms)
        for m in probe.layers
        if m.in_rms
        and m.out_rms is not None
        and m.in_finite
        and m.out_finite
        and "Norm" not in m.type  # scaling up is a normalization layer's job
        and m.in_rms > 1e-12
        and m.out_rms >= GROWTH_FLOOR
        and m.out_rms / m.in_rms >= GROWTH_PER_LAYER
    ]
    if growing:
        layer, gain = growing[0]
        return [
            _found(
                "preflight_growth",
                "warning",
                f"{_listing([m for m, _ in growing], 'growing activations')}: "
                f"{_called(layer)} multiplies the RMS of its input by {gain:.3g} "
                f"({layer.in_rms:.3g} to {layer.out_rms:.3g}).",
                layer=layer.name,
                gains={m.name: g for m, g in growing},
            )
        ]
    inputs = [values[np.isfinite(values)] for _, values in setup["inputs"]]
    inputs = np.concatenate([v.ravel() for v in inputs]) if inputs else np.empty(0)
    if not inputs.size:
        return []
    base = float(np.sqrt(np.mean(inputs**2)))
    for layer in probe.layers:
        out = layer.out_rms
        if base > 0 and out and out >= max(GROWTH_TOTAL * base, GROWTH_FLOOR):
            return [
                _found(
                    "preflight_growth",
                    "warning",
                    f"The activations grow from an RMS of {base:.3g} at the input "
                    f"to {out:.3g} at {_called(layer)}.",
                    layer=layer.name,
                    input_rms=base,
                    out_rms=out,
                )
            ]
    return []


def _gradient_findings(probe):
    """Gradients that vanish or explode across the layers with weights.

    Read at each layer's output (``∂L/∂out``, its RMS), where depth shows
    and the scale of X or of the weights does not; non-finite gradients of
    the weights are reported first.
    """
    weighted = [m for m in probe.layers if m.grad_norm is not None]
    bad = [m for m in weighted if not math.isfinite(m.grad_norm)]
    if bad:
        return [
            _found(
                "preflight_nonfinite",
                "error",
                f"The gradients of {_listing(bad, 'non-finite gradients')} are "
                "NaN or ±inf on the first batch.",
                layer=bad[0].name,
                source="gradients",
            )
        ]
    measured = [
        (m, m.out_grad_rms)
        for m in weighted
        if m.out_grad_rms is not None
        and math.isfinite(m.out_grad_rms)
        and m.type not in _SPARSE_GRADIENTS
    ]
    if len(measured) < 2 or any(m.weight_norm == 0 for m in probe.layers):
        return []  # a layer initialized at zero stops the gradient by design
    top, top_g = max(measured, key=lambda item: item[1])
    small = [(m, g) for m, g in measured if g * GRADIENT_SPREAD < top_g]
    if top_g <= 0 or not small:
        return []
    values = {"output_gradients": {m.name: g for m, g in measured}}
    earlier = [(m, g) for m, g in small if m.order < top.order]
    if earlier:
        layer, g = earlier[0]
        ratio = f"{top_g / g:.3g} times smaller" if g > 0 else "zero"
        return [
            _found(
                "preflight_vanishing_gradients",
                "warning",
                f"{_listing([m for m, _ in earlier], 'tiny gradients')}: the "
                "gradient vanishes towards the input; at the output of "
                f"{_called(layer)} it is {ratio} (RMS {g:.3g}) than at "
                f"{_called(top)} ({top_g:.3g}).",
                layer=layer.name,
                **values,
            )
        ]
    # Only layers after the largest one are small: it grows towards the input.
    layer, g = small[-1]
    large = [
        m for m, r in measured if r > GRADIENT_SPREAD * g and m.order < layer.order
    ]
    return [
        _found(
            "preflight_exploding_gradients",
            "warning",
            f"{_listing(large, 'exploding gradients')}: the gradient grows "
            f"towards the input; at the output of {_called(top)} its RMS is "
            f"{top_g:.3g}, at {_called(layer)} {g:.3g}.",
            layer=top.name,
            **values,
        )
    ]


def _update_findings(probe):
    large = [
        (m, m.update_norm / m.weight_norm)
        for m in probe.layers
        if m.update_norm is not None
        and m.weight_norm
        and m.update_norm / m.weight_norm > FIRST_UPDATE
    ]
    if not large:
        return []
    layer, ratio = max(large, key=lambda item: item[1])
    severity = "error" if ratio > FIRST_UPDATE_ERROR else "warning"
    listing = _listing([m for m, _ in large], "a first step larger than the weights")
    return [
        _found(
            "preflight_first_update",
            severity,
            f"{listing}: the optimizer's first step on the {layer.weight} of "
            f"{_called(layer)} is {ratio:.3g} times its size "
            f"(‖ΔW‖ {layer.update_norm:.3g}, ‖W‖ {layer.weight_norm:.3g}; "
            f"{probe.update_rule}).",
            layer=layer.name,
            ratios={m.name: r for m, r in large},
        )
    ]
