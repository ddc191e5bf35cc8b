"""L1 / L2 / elastic-net penalties and PenaltyHook, against sums computed by hand."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from reglab.contract.hooks import StepContext
from reglab.regularizers import (
    PenaltyHook,
    elastic_net_penalty,
    group_by_multiplier,
    l1_penalty,
    l2_coefficient,
    l2_penalty,
    select_parameters,
)


def tiny_model() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.BatchNorm1d(4), nn.Linear(4, 2))


def context(batch_size: int = 8) -> StepContext:
    return StepContext(batch_size=batch_size, step=0, lr=0.1)


def test_pure_penalties_match_hand_sums():
    a = torch.tensor([[1.0, -2.0], [0.5, 0.0]])
    b = torch.tensor([-3.0])
    assert l1_penalty([a, b]).item() == pytest.approx(1 + 2 + 0.5 + 3)
    assert l2_penalty([a, b]).item() == pytest.approx(1 + 4 + 0.25 + 9)
    assert elastic_net_penalty([a, b], 0.1, 0.01).item() == pytest.approx(0.1 * 6.5 + 0.01 * 14.25)


def test_l2_conventions_follow_the_course_formulas():
    assert l2_coefficient(0.2, "half", 10) == pytest.approx(0.1)  # PyTorch weight_decay, seed 000
    assert l2_coefficient(0.2, "full", 10) == pytest.approx(0.2)  # Keras l2, seed 002
    assert l2_coefficient(0.2, "mean", 10) == pytest.approx(0.02)  # λ/n Σw², seed 001
    with pytest.raises(ValueError):
        l2_coefficient(0.2, "quarter", 10)


def test_hook_penalises_weights_only_by_default():
    model = tiny_model()
    scoped = select_parameters(model)
    assert list(scoped) == ["0.weight", "3.weight"]  # biases and batch-norm parameters are out
    hook = PenaltyHook(scoped, l1=0.1, l2=0.2, l2_convention="mean")
    terms = hook.penalty(model, context(batch_size=4))
    weights = [model[0].weight, model[3].weight]
    expected_l1 = 0.1 * sum(w.abs().sum() for w in weights)
    expected_l2 = 0.2 / 4 * sum(w.pow(2).sum() for w in weights)
    assert set(terms) == {"l1", "l2"}
    assert terms["l1"].item() == pytest.approx(expected_l1.item(), rel=1e-6)
    assert terms["l2"].item() == pytest.approx(expected_l2.item(), rel=1e-6)


def test_include_and_exclude_patterns_change_the_scope():
    model = tiny_model()
    scoped = select_parameters(model, include=["*.bias"], exclude=["3.*"])
    assert list(scoped) == ["0.weight", "0.bias", "2.bias"]  # 2.bias is batch norm's, included by pattern
    hook = PenaltyHook(scoped, l2=1.0, l2_convention="full")
    expected = sum(p.pow(2).sum() for p in scoped.values())
    assert hook.penalty(model, context())["l2"].item() == pytest.approx(expected.item(), rel=1e-6)


def test_per_layer_multipliers_scale_each_group_and_zero_drops_it():
    model = tiny_model()
    scoped = select_parameters(model)
    groups = group_by_multiplier(scoped, {"3.*": 10.0})
    assert {(g.multiplier, g.names) for g in groups} == {(1.0, ("0.weight",)), (10.0, ("3.weight",))}
    hook = PenaltyHook(scoped, l1=0.5, per_layer={"3.*": 10.0})
    expected = 0.5 * (model[0].weight.abs().sum() + 10.0 * model[3].weight.abs().sum())
    assert hook.penalty(model, context())["l1"].item() == pytest.approx(expected.item(), rel=1e-6)
    only_first = PenaltyHook(scoped, l1=0.5, per_layer={"3.*": 0.0})
    assert only_first.penalty(model, context())["l1"].item() == pytest.approx(
        0.5 * model[0].weight.abs().sum().item(), rel=1e-6
    )


def test_first_matching_pattern_wins():
    model = tiny_model()
    groups = group_by_multiplier(select_parameters(model), {"3.weight": 2.0, "*.weight": 3.0})
    assert {g.names: g.multiplier for g in groups} == {("0.weight",): 3.0, ("3.weight",): 2.0}


def test_penalty_gradient_is_the_analytic_one():
    model = tiny_model()
    hook = PenaltyHook(select_parameters(model), l1=0.3, l2=0.2, l2_convention="half")
    sum(hook.penalty(model, context()).values()).backward()
    weight = model[0].weight
    assert torch.allclose(weight.grad, 0.3 * weight.sign() + 0.2 * weight.detach(), atol=1e-7)
    assert model[0].bias.grad is None


def test_l1_outside_the_loss_is_recorded_without_gradient():
    model = tiny_model()
    hook = PenaltyHook(select_parameters(model), l1=0.3, l1_in_loss=False)
    term = hook.penalty(model, context())["l1"]
    assert not term.requires_grad
    assert term.item() == pytest.approx(0.3 * (model[0].weight.abs().sum() + model[3].weight.abs().sum()).item())


def test_nothing_requested_means_no_terms():
    model = tiny_model()
    assert PenaltyHook(select_parameters(model)).penalty(model, context()) == {}
