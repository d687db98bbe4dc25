"""The bad-input contract as properties: every outcome is one we promise.

For random messy matrices and frames (0 to wide, NaN, ±inf, values near the
float limits, constant and all-missing columns, float32 and float64) and
random targets, each public transformer, ``diagnose``, ``stream_fit`` and
``make_safe_pipeline`` (with a scikit-learn estimator at the end) must end in
one of: output of the promised shape with no value the step promised not to
return, or an error from :mod:`sktorchsafe.exceptions`. Anything else (a
foreign exception, a silent ±inf, a changed number of rows, mutated input)
fails.

``SKTORCHSAFE_CAMPAIGN=long`` runs 20 times the examples (for a long run
before a release); the default keeps the suite fast.
"""

import os
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import Ridge, SGDRegressor

from sktorchsafe import (
    ImputerSelector,
    OutlierClipper,
    SafeStandardScaler,
    ScaleDisparityChecker,
    TableEncoder,
    TargetValidator,
    diagnose,
    make_safe_pipeline,
    stream_fit,
)
from sktorchsafe.exceptions import SktorchsafeError, SktorchsafeWarning

EXAMPLES = 40 * (20 if os.environ.get("SKTORCHSAFE_CAMPAIGN") == "long" else 1)
CAMPAIGN = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Cell values that have broken numeric code before.
SPECIAL = [
    np.nan,
    np.inf,
    -np.inf,
    1e308,
    -1e308,
    5e-324,
    3.5e38,
    -3.5e38,
    0.0,
    1e-300,
    -999.0,
]


@st.composite
def messy_columns(draw, n_rows):
    """One column: normal values, a constant, all missing, or specials mixed in."""
    kind = draw(st.sampled_from(["normal", "constant", "all_nan", "special", "wide"]))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    if kind == "constant":
        column = np.full(n_rows, draw(st.sampled_from([0.0, 7.0, 1e300, -1e-300])))
    elif kind == "all_nan":
        column = np.full(n_rows, np.nan)
    elif kind == "wide":
        column = rng.normal(size=n_rows) * 10.0 ** rng.integers(-300, 300)
    else:
        column = rng.normal(size=n_rows)
    if kind in ("special", "normal") and n_rows:
        share = draw(st.floats(0, 0.5))
        cells = rng.random(n_rows) < share
        column[cells] = rng.choice(SPECIAL, size=int(cells.sum()))
    return column


@st.composite
def messy_data(draw, max_rows=30, max_cols=5):
    n_rows = draw(st.integers(0, max_rows))
    n_cols = draw(st.integers(1, max_cols))
    columns = [draw(messy_columns(n_rows)) for _ in range(n_cols)]
    X = np.column_stack(columns) if n_rows else np.empty((0, n_cols))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    with np.errstate(over="ignore"):
        X = X.astype(dtype)
    if draw(st.booleans()):
        X = pd.DataFrame(X, columns=[f"c{j}" for j in range(n_cols)])
    y_kind = draw(st.sampled_from(["regression", "labels", "bad"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    if y_kind == "regression":
        y = rng.normal(size=n_rows) * 1e3
    elif y_kind == "labels":
        y = rng.choice(np.array(["a", "b", "c"], dtype=object), size=n_rows)
    else:
        y = rng.normal(size=n_rows)
        y[rng.random(n_rows) < 0.3] = rng.choice([np.nan, np.inf], size=1)[0]
    return X, y


def _values(X):
    return X.to_numpy() if hasattr(X, "to_numpy") else np.asarray(X)


def _ours_or_fine(call):
    """Run ``call``; our error is an accepted outcome, any other one fails."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return call(), None
    except SktorchsafeError as exc:
        assert str(exc), "an error without a message"
        return None, exc


#: Each step and what its output may hold: "finite"; "nan" where its row held
#: NaN; "nonfinite": NaN where its row held NaN or ±inf (a feature without a
#: finite value is not clipped: its ±inf become NaN); "numbers": any number
#: (the encoder leaves NaN and ±inf to the imputer); "x": X itself.
STEPS = {
    "ImputerSelector": (ImputerSelector, "finite"),
    "OutlierClipper": (OutlierClipper, "nonfinite"),
    "SafeStandardScaler": (SafeStandardScaler, "nan"),
    "ScaleDisparityChecker": (lambda: ScaleDisparityChecker(on_problem="ignore"), "x"),
    "TargetValidator": (TargetValidator, "x"),
    "TableEncoder": (TableEncoder, "numbers"),
}


@pytest.mark.parametrize("name", list(STEPS))
@CAMPAIGN
@given(data=messy_data())
def test_every_step_keeps_the_contract(name, data):
    make, promise = STEPS[name]
    X, y = data
    before = _values(X).copy()
    step = make()
    out, error = _ours_or_fine(lambda: step.fit(X, y).transform(X))
    np.testing.assert_array_equal(_values(X), before)  # never mutated
    if error is not None:
        return
    values = _values(out)
    assert values.shape[0] == len(X)  # never a changed number of rows
    if promise == "x":
        assert values.shape == before.shape
        return
    numbers = np.asarray(values, dtype=np.float64)
    if promise == "numbers":
        return
    assert not np.isinf(numbers).any(), f"{name} returned ±inf"
    missing = np.isnan(numbers).any(axis=1)
    if promise == "finite":
        assert not missing.any(), f"{name} returned NaN"
    elif promise == "nan":
        assert not (missing & ~np.isnan(before).any(axis=1)).any()
    else:
        assert not (missing & np.isfinite(before).all(axis=1)).any()


@CAMPAIGN
@given(data=messy_data())
def test_diagnose_keeps_the_contract(data):
    X, y = data
    before = _values(X).copy()
    report, error = _ours_or_fine(lambda: diagnose(X, y))
    np.testing.assert_array_equal(_values(X), before)
    if error is None:
        assert isinstance(str(report), str) and report.n_samples == len(X)
        assert isinstance(report.to_frame(), pd.DataFrame)


@CAMPAIGN
@given(data=messy_data(max_rows=40))
def test_the_pipeline_and_its_stream_keep_the_contract(data):
    X, y = data
    y = pd.to_numeric(pd.Series(y), errors="coerce").to_numpy(dtype=float)
    pipe = make_safe_pipeline(Ridge())
    fitted, error = _ours_or_fine(lambda: pipe.fit(X, y))
    if error is None:
        prediction = fitted.predict(X)
        assert prediction.shape[0] == len(X) and np.isfinite(prediction).all()
    half = len(X) // 2
    chunks = [(X[:half], y[:half]), (X[half:], y[half:])]
    if hasattr(X, "iloc"):
        chunks = [(X.iloc[:half], y[:half]), (X.iloc[half:], y[half:])]
    streamed, error = _ours_or_fine(
        lambda: stream_fit(make_safe_pipeline(SGDRegressor(random_state=0)), chunks)
    )
    if error is None and len(X):
        assert streamed.predict(X).shape == (len(X),)


# ------------------------------------------------------------------- losses
#: Logit and prediction values that have broken loss code before.
HUGE = [3.4e38, -3.4e38, 1e38, -1e30, 1.8e19, 1e4, -1e4, 0.0, 1e-45]


def _draw_values(rng, shape, dtype, huge_share, extremes):
    values = rng.normal(size=shape) * 3.0
    cells = rng.random(shape) < huge_share
    values[cells] = rng.choice(extremes, size=int(cells.sum()))
    with np.errstate(over="ignore"):
        return values.astype(dtype)


@st.composite
def logits_and_labels(draw):
    """Logits of any shape (1-D, (n, C), (n, C, d)), labels in and out of range."""
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    n, n_classes = draw(st.integers(0, 6)), draw(st.integers(1, 4))
    layout = draw(st.sampled_from(["rows", "rows", "pixels", "1-D", "short", "column"]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    extremes = [
        v for v in HUGE + [1.7e308, -1.7e308] if dtype == np.float64 or abs(v) < 3.5e38
    ]
    shape = {"1-D": (n,), "pixels": (n, n_classes, 2)}.get(layout, (n, n_classes))
    logits = _draw_values(rng, shape, dtype, draw(st.floats(0, 1)), extremes)
    label_shape = {"pixels": (n, 2), "short": (max(n - 1, 0),), "column": (n, 1)}
    labels = rng.integers(0, n_classes, size=label_shape.get(layout, (n,)))
    if labels.size and draw(st.booleans()):  # out of range, or ignored
        cells = rng.random(labels.shape) < 0.3
        labels[cells] = rng.choice([-100, -1, n_classes, n_classes + 3], cells.sum())
    gamma = draw(st.sampled_from([0.0, 0.5, 2.0]))
    alpha = draw(st.sampled_from([None, 0.25, "per class"]))
    alpha = list(rng.random(n_classes) * 3) if alpha == "per class" else alpha
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    return (
        logits,
        labels,
        layout,
        {"gamma": gamma, "alpha": alpha, "reduction": reduction},
    )


@st.composite
def predictions_and_targets(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    n, n_outputs = draw(st.integers(0, 6)), draw(st.integers(1, 3))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    pred = _draw_values(rng, (n, n_outputs), dtype, draw(st.floats(0, 1)), HUGE)
    target_shape = draw(st.sampled_from([(n, n_outputs)] * 3 + [(n,), (n + 1, 1)]))
    target = _draw_values(rng, target_shape, dtype, draw(st.floats(0, 1)), HUGE)
    cells = rng.random(target_shape) < draw(st.floats(0, 1))
    target[cells] = rng.choice([np.nan, np.nan, np.inf, -np.inf], cells.sum())
    return pred, target, draw(st.sampled_from(["mean", "sum", "none"]))


def _loss_outcome(loss_fn, x, target):
    """The loss and the gradient, or our error; warnings must be ours."""
    import torch

    x = torch.tensor(x, requires_grad=True)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        try:
            loss = loss_fn(x, torch.tensor(target))
            (grad,) = torch.autograd.grad(loss.sum(), x, allow_unused=True)
        except SktorchsafeError as exc:
            assert str(exc), "an error without a message"
            loss, grad, error = None, None, exc
        else:
            error = None
    foreign = [w for w in record if not issubclass(w.category, SktorchsafeWarning)]
    assert not foreign, f"a warning not of ours: {foreign[0].message}"
    return loss, grad, error


@CAMPAIGN
@given(case=logits_and_labels())
def test_focal_loss_keeps_the_contract(case):
    from sktorchsafe import FocalLoss
    from sktorchsafe.exceptions import ModuleConfigError, TargetError

    logits, labels, layout, params = case
    loss_fn = FocalLoss(**params)
    loss, grad, error = _loss_outcome(loss_fn, logits, labels)
    wrong_shape = layout in ("1-D", "short", "column") and not (
        layout == "short" and logits.shape[0] == 0  # nothing to pair: (0,) fits
    )
    kept = labels[labels != -100]
    n_classes = logits.shape[1] if logits.ndim > 1 else 0
    outside = bool(((kept < 0) | (kept >= n_classes)).any())
    if wrong_shape:
        assert isinstance(error, ModuleConfigError), f"{layout}: got {error!r}"
        return
    if outside:
        assert isinstance(error, TargetError) and error.kind == "label_encoding"
        assert error.rows is not None and len(error.rows)
        return
    assert error is None, f"our error without a cause: {error!r}"
    expected = labels.shape if params["reduction"] == "none" else ()
    assert tuple(loss.shape) == expected
    assert bool(loss.isfinite().all()) and bool((loss >= 0).all()), loss
    assert grad is None or bool(grad.isfinite().all()), "non-finite gradient"


@CAMPAIGN
@given(case=predictions_and_targets())
def test_masked_mse_loss_keeps_the_contract(case):
    from sktorchsafe import MaskedMSELoss
    from sktorchsafe.exceptions import ModuleConfigError

    pred, target, reduction = case
    loss, grad, error = _loss_outcome(MaskedMSELoss(reduction), pred, target)
    if pred.shape != target.shape:
        assert isinstance(error, ModuleConfigError), f"got {error!r}"
        return
    assert error is None, f"our error without a cause: {error!r}"
    assert tuple(loss.shape) == (pred.shape if reduction == "none" else ())
    values = loss.detach().numpy().astype(np.float64)
    assert not np.isnan(values).any(), "NaN loss"
    # Documented: +inf only for an infinite target, or where the true value
    # (computed in float64, or exactly as a Python float) passes the dtype.
    observed = ~np.isnan(target)
    with np.errstate(over="ignore", invalid="ignore"):
        error64 = np.where(observed, pred.astype(np.float64) - target, 0.0)
        squared = error64**2
    true = {
        "none": squared,
        "sum": squared.sum(),
        "mean": squared.sum() / max(observed.sum(), 1),
    }[reduction]
    limit = np.finfo(pred.dtype).max
    allowed = ~np.isfinite(np.asarray(true)) | (np.abs(np.asarray(true)) > limit * 0.99)
    assert not (np.isinf(values) & ~allowed).any(), "silent ±inf"
    if grad is not None:
        grads = grad.numpy().astype(np.float64)
        assert not np.isnan(grads).any(), "NaN gradient"
        if np.isfinite(error64).all() and (np.abs(error64) < limit / 4).all():
            assert np.isfinite(grads).all(), "±inf gradient for a representable error"
