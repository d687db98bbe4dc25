"""MaskedMSELoss and FocalLoss: correct values, finite at the extremes."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sktorchsafe import FocalLoss, MaskedMSELoss
from sktorchsafe.core.compat import InvalidParameterError
from sktorchsafe.exceptions import ModuleConfigError, TargetError

NAN = float("nan")


# ------------------------------------------------------------ MaskedMSELoss
def test_masked_mse_equals_mse_without_nan():
    torch.manual_seed(0)
    pred, target = torch.randn(20, 3), torch.randn(20, 3)
    for reduction in ("mean", "sum", "none"):
        ours = MaskedMSELoss(reduction=reduction)(pred, target)
        theirs = torch.nn.MSELoss(reduction=reduction)(pred, target)
        torch.testing.assert_close(ours, theirs)


def test_masked_mse_mean_over_observed_entries_and_zero_grad_where_missing():
    pred = torch.tensor([[1.0, 2.0], [3.0, 4.0], [0.0, 0.0]], requires_grad=True)
    target = torch.tensor([[2.0, NAN], [NAN, 1.0], [NAN, NAN]])
    loss = MaskedMSELoss()(pred, target)
    # observed: (1-2)^2 = 1 and (4-1)^2 = 9, over 2 entries
    assert loss.item() == pytest.approx(5.0)
    loss.backward()
    expected = torch.tensor([[-1.0, 0.0], [0.0, 3.0], [0.0, 0.0]])
    torch.testing.assert_close(pred.grad, expected)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_masked_mse_all_nan_batch_is_zero_not_nan(reduction):
    pred = torch.randn(8, 2, requires_grad=True)
    loss = MaskedMSELoss(reduction=reduction)(pred, torch.full((8, 2), NAN))
    assert torch.all(loss == 0)
    loss.sum().backward()
    assert torch.all(pred.grad == 0)


def test_masked_mse_inf_target_is_not_masked():
    loss = MaskedMSELoss()(torch.zeros(2, 1), torch.tensor([[1.0], [float("inf")]]))
    assert torch.isinf(loss)


def test_masked_mse_refuses_broadcasting():
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(4,\)"):
        MaskedMSELoss()(torch.zeros(4, 1), torch.zeros(4))


def test_masked_mse_casts_target_dtype():
    loss = MaskedMSELoss()(torch.zeros(3, 1), torch.ones(3, 1, dtype=torch.float64))
    assert loss.dtype == torch.float32 and loss.item() == 1.0


def test_masked_mse_bad_reduction():
    with pytest.raises(ValueError, match="reduction"):
        MaskedMSELoss(reduction="avg")


@given(
    pred=arrays(np.float32, (6, 2), elements=st.floats(-1e3, 1e3, width=32)),
    target=arrays(
        np.float32,
        (6, 2),
        elements=st.one_of(st.floats(-1e3, 1e3, width=32), st.just(np.nan)),
    ),
)
def test_masked_mse_property_finite_and_matches_numpy(pred, target):
    p = torch.tensor(pred, requires_grad=True)
    loss = MaskedMSELoss()(p, torch.tensor(target))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(p.grad).all()
    observed = ~np.isnan(target)
    expected = (
        ((pred - target)[observed].astype(np.float64) ** 2).mean()
        if observed.any()
        else 0.0
    )
    assert loss.item() == pytest.approx(expected, rel=1e-4, abs=1e-3)


# ---------------------------------------------------------------- FocalLoss
def test_focal_gamma_zero_is_cross_entropy():
    torch.manual_seed(0)
    logits, target = torch.randn(32, 5), torch.randint(0, 5, (32,))
    torch.testing.assert_close(
        FocalLoss(gamma=0.0)(logits, target),
        torch.nn.functional.cross_entropy(logits, target),
    )


def test_focal_matches_definition():
    torch.manual_seed(1)
    logits, target = torch.randn(16, 3), torch.randint(0, 3, (16,))
    p_t = torch.softmax(logits.double(), dim=1)[torch.arange(16), target]
    alpha = torch.tensor([0.2, 0.5, 1.0], dtype=torch.float64)
    expected = (-alpha[target] * (1 - p_t) ** 2 * torch.log(p_t)).mean()
    ours = FocalLoss(gamma=2.0, alpha=[0.2, 0.5, 1.0])(logits, target)
    assert ours.item() == pytest.approx(expected.item(), rel=1e-5)
    scalar = FocalLoss(gamma=2.0, alpha=0.25)(logits, target)
    plain = FocalLoss(gamma=2.0)(logits, target)
    assert scalar.item() == pytest.approx(0.25 * plain.item(), rel=1e-6)


def test_focal_down_weights_easy_examples():
    logits = torch.tensor([[4.0, 0.0], [0.2, 0.0]])  # first easy, second hard
    target = torch.tensor([0, 0])
    focal = FocalLoss(gamma=2.0, reduction="none")(logits, target)
    ce = torch.nn.functional.cross_entropy(logits, target, reduction="none")
    ratio = focal / ce
    assert ratio[0] < 0.01 < ratio[1]


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_focal_extreme_logits_finite_loss_and_grad(gamma, dtype):
    logits = torch.tensor(
        [[1e4, -1e4, 0.0], [-1e4, 1e4, 3.0], [0.0, 0.0, 0.0], [1e30, -1e30, 0.0]],
        dtype=dtype,
        requires_grad=True,
    )
    target = torch.tensor([0, 0, 2, 0])  # right, badly wrong, uniform, right
    loss = FocalLoss(gamma=gamma)(logits, target)
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.isfinite(logits.grad).all()
    assert loss.item() > 0


def test_focal_ignore_index_and_reductions():
    logits = torch.randn(6, 3)
    target = torch.tensor([0, 1, -100, 2, -100, 1])
    per_sample = FocalLoss(reduction="none")(logits, target)
    assert per_sample[2] == 0 and per_sample[4] == 0
    total = FocalLoss(reduction="sum")(logits, target)
    mean = FocalLoss()(logits, target)
    assert total.item() == pytest.approx(per_sample.sum().item())
    assert mean.item() == pytest.approx(total.item() / 4)
    all_ignored = FocalLoss()(logits, torch.full((6,), -100))
    assert all_ignored.item() == 0


def test_focal_spatial_targets():
    logits, target = torch.randn(2, 3, 4, 4), torch.randint(0, 3, (2, 4, 4))
    torch.testing.assert_close(
        FocalLoss(gamma=0.0)(logits, target),
        torch.nn.functional.cross_entropy(logits, target),
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"gamma": -1.0}, "gamma"),
        ({"alpha": -0.5}, "alpha"),
        ({"alpha": [[1.0, 2.0]]}, "alpha"),
        ({"alpha": [1.0, -2.0]}, "alpha"),
        ({"reduction": "avg"}, "reduction"),
    ],
)
def test_focal_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FocalLoss(**kwargs)


@pytest.mark.parametrize("n_weights", [2, 4])
def test_focal_alpha_must_have_one_weight_per_class(n_weights):
    # Too few weights would index out of range, too many would be ignored.
    loss = FocalLoss(alpha=[1.0] * n_weights)
    with pytest.raises(ValueError, match=f"{n_weights} class weights.*3 classes"):
        loss(torch.zeros(4, 3), torch.tensor([0, 1, 2, 0]))


def test_focal_alpha_moves_with_module():
    loss = FocalLoss(alpha=[1.0, 2.0]).to(torch.float64)
    assert loss.class_weight.dtype == torch.float64
    assert "class_weight" in loss.state_dict()


@given(
    logits=arrays(
        np.float32, (5, 3), elements=st.floats(-1e6, 1e6, width=32, allow_nan=False)
    ),
    target=arrays(np.int64, (5,), elements=st.integers(0, 2)),
    gamma=st.sampled_from([0.0, 0.5, 1.0, 2.0]),
)
def test_focal_property_finite(logits, target, gamma):
    x = torch.tensor(logits, requires_grad=True)
    loss = FocalLoss(gamma=gamma)(x, torch.tensor(target))
    loss.backward()
    assert torch.isfinite(loss) and loss.item() >= 0
    assert torch.isfinite(x.grad).all()


# ----------------------------------------- bad logits and labels: our errors
def test_focal_one_dimensional_logits_are_named():
    with pytest.raises(ModuleConfigError, match=r"\(n, n_classes\).*shape \(4,\)"):
        FocalLoss()(torch.randn(4), torch.tensor([0, 1, 0, 1]))


@pytest.mark.parametrize(
    "target, match",
    [
        ([0, 1, 2], r"shape \(3,\).*class indices of shape \(4,\)"),
        ([[0], [1], [2], [1]], r"shape \(4, 1\).*y\.ravel\(\)"),
    ],
)
def test_focal_targets_of_another_shape_are_named(target, match):
    with pytest.raises(ModuleConfigError, match=match):
        FocalLoss()(torch.randn(4, 3), torch.tensor(target))


@pytest.mark.parametrize("ignore_index", [-100, 3])
def test_focal_labels_outside_the_classes_name_values_and_rows(ignore_index):
    target = torch.tensor([0, 1, 3, -2, 2])
    loss = FocalLoss(ignore_index=ignore_index)
    if ignore_index == 3:
        match = r"0\.\.2 .*Got -2 in 1 row: 3\."
    else:
        match = r"0\.\.2 \(the logits have 3 columns\).*Got -2, 3 in 2 rows: 2, 3\."
    with pytest.raises(TargetError, match=match) as info:
        loss(torch.randn(5, 3), target)
    assert info.value.kind == "label_encoding"
    assert isinstance(info.value, ValueError)


def test_focal_float_targets_must_be_whole_numbers():
    with pytest.raises(TargetError, match=r"whole numbers.*2 rows.*1, 3"):
        FocalLoss()(torch.randn(4, 3), torch.tensor([0.0, 1.5, 2.0, NAN]))
    whole = FocalLoss()(torch.randn(4, 3), torch.tensor([0.0, 1.0, 2.0, 1.0]))
    assert torch.isfinite(whole)


def test_masked_mse_shape_mismatch_is_a_module_config_error():
    with pytest.raises(ModuleConfigError, match=r"\(4, 1\).*\(4,\)"):
        MaskedMSELoss()(torch.zeros(4, 1), torch.zeros(4))


@pytest.mark.parametrize(
    "make",
    [
        lambda: FocalLoss(gamma=float("nan")),
        lambda: FocalLoss(gamma=float("inf")),
        lambda: FocalLoss(alpha=float("inf")),
        lambda: FocalLoss(alpha=[1.0, float("nan")]),
        lambda: FocalLoss(alpha=["a", "b"]),
        lambda: FocalLoss(reduction="avg"),
        lambda: MaskedMSELoss(reduction="avg"),
    ],
)
def test_bad_loss_parameters_are_parameter_errors(make):
    with pytest.raises(InvalidParameterError, match="parameter of"):
        make()


# ------------------------------------------ logits near the float limits
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
@pytest.mark.parametrize(
    "dtype, huge", [(torch.float32, 3.4e38), (torch.float64, 1.7e308)]
)
def test_focal_finite_for_logits_near_the_float_limit(gamma, dtype, huge):
    logits = torch.tensor(
        [[huge, -huge, 0.0], [huge, huge, -huge], [1e38, 0.0, -1.0], [1, 2, 3]],
        dtype=dtype,
        requires_grad=True,
    )
    target = torch.tensor([1, 2, 0, 0])  # wrong, wrong, right, a normal row
    for reduction in ("mean", "sum", "none"):
        loss = FocalLoss(gamma=gamma, alpha=[1.0, 2.0, 3.0], reduction=reduction)(
            logits, target
        )
        assert torch.isfinite(loss).all() and (loss >= 0).all()
        (grad,) = torch.autograd.grad(loss.sum(), logits)
        assert torch.isfinite(grad).all()
    # the gradient keeps its true size (softmax minus one-hot), not ~1e-19
    (grad,) = torch.autograd.grad(FocalLoss(gamma=0.0)(logits, target), logits)
    torch.testing.assert_close(
        grad[0], torch.tensor([1.0, -1.0, 0.0], dtype=dtype) / 4, rtol=1e-5, atol=0
    )
    # a normal row beside them is computed as on its own, by the definition
    in_batch = FocalLoss(gamma=gamma, reduction="none")(logits, target)[3]
    p_t = torch.softmax(logits[3].detach(), dim=0)[0]
    expected = -((1 - p_t) ** gamma) * torch.log(p_t)
    torch.testing.assert_close(in_batch.detach(), expected)


def test_focal_half_precision_logits_give_a_float32_loss():
    logits = torch.tensor([[6e4, -6e4, 0.0], [0.0, 1.0, 2.0]], dtype=torch.float16)
    loss = FocalLoss()(logits, torch.tensor([1, 2]))
    assert loss.dtype == torch.float32 and torch.isfinite(loss)


def test_masked_mse_mean_that_fits_float32_is_finite():
    # Two squares of 3.24e38 sum past float32's maximum; their mean does not.
    import torch

    from sktorchsafe import MaskedMSELoss

    pred = torch.tensor([[0.0, 1.8e19], [0.0, 1.8e19]], requires_grad=True)
    loss = MaskedMSELoss()(pred, torch.zeros(2, 2))
    assert torch.isfinite(loss) and float(loss) == pytest.approx(1.62e38, rel=1e-3)
    loss.backward()
    assert torch.isfinite(pred.grad).all()
