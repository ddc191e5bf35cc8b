"""L1 / L2 / elastic-net penalties and WeightPenalties for K members, against sums computed by hand."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tests.regularizers.member_steps import member_hyper, member_step, name_groups, stacked_params

from reglab.regularizers import (
    WeightPenalties,
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


def tiny_models(count: int = 2) -> list[nn.Sequential]:
    models = []
    for seed in range(count):
        torch.manual_seed(seed)
        models.append(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.BatchNorm1d(4), nn.Linear(4, 2)))
    return models


def penalties_for(scoped, per_layer=None, convention="half", l1_in_loss=True) -> WeightPenalties:
    groups = name_groups(group_by_multiplier(scoped, per_layer))
    return WeightPenalties(groups, sum(p.numel() for p in scoped.values()), convention, l1_in_loss)


def terms_of(unit, models, batch_size=8, **strengths):
    hyper = member_hyper(len(models), **strengths)
    unit.configure(hyper)
    params = stacked_params(models)
    return unit.loss_terms(member_step(params, hyper, batch_size=batch_size)), params


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


def test_each_member_penalises_weights_only_by_default():
    models = tiny_models()
    scoped = select_parameters(models[0])
    assert list(scoped) == ["0.weight", "3.weight"]  # biases and batch-norm parameters are out
    unit = penalties_for(scoped, convention="mean")
    terms, _ = terms_of(unit, models, batch_size=4, l1=[0.1, 0.0], l2=[0.2, 0.4])
    assert set(terms) == {"l1", "l2"}
    for member, (l1, l2) in enumerate(((0.1, 0.2), (0.0, 0.4))):
        weights = [models[member][0].weight, models[member][3].weight]
        assert terms["l1"][member].item() == pytest.approx(l1 * sum(w.abs().sum() for w in weights).item(), rel=1e-6)
        assert terms["l2"][member].item() == pytest.approx(l2 / 4 * sum(w.pow(2).sum() for w in weights).item(), rel=1e-6)
    assert unit.emitted(0) == {"l1", "l2"} and unit.emitted(1) == {"l2"}


def test_include_and_exclude_patterns_change_the_scope():
    models = tiny_models(1)
    scoped = select_parameters(models[0], include=["*.bias"], exclude=["3.*"])
    assert list(scoped) == ["0.weight", "0.bias", "2.bias"]  # 2.bias is batch norm's, included by pattern
    terms, _ = terms_of(penalties_for(scoped, convention="full"), models, l2=[1.0])
    expected = sum(p.pow(2).sum() for p in scoped.values())
    assert terms["l2"][0].item() == pytest.approx(expected.item(), rel=1e-6)


def test_per_layer_multipliers_scale_each_group_and_zero_drops_it():
    models = tiny_models(1)
    model, scoped = models[0], select_parameters(models[0])
    groups = group_by_multiplier(scoped, {"3.*": 10.0})
    assert {(g.multiplier, g.names) for g in groups} == {(1.0, ("0.weight",)), (10.0, ("3.weight",))}
    terms, _ = terms_of(penalties_for(scoped, {"3.*": 10.0}), models, l1=[0.5])
    expected = 0.5 * (model[0].weight.abs().sum() + 10.0 * model[3].weight.abs().sum())
    assert terms["l1"][0].item() == pytest.approx(expected.item(), rel=1e-6)
    only_first, _ = terms_of(penalties_for(scoped, {"3.*": 0.0}), models, l1=[0.5])
    assert only_first["l1"][0].item() == pytest.approx(0.5 * model[0].weight.abs().sum().item(), rel=1e-6)


def test_first_matching_pattern_wins():
    model = tiny_model()
    groups = group_by_multiplier(select_parameters(model), {"3.weight": 2.0, "*.weight": 3.0})
    assert {g.names: g.multiplier for g in groups} == {("0.weight",): 3.0, ("3.weight",): 2.0}


def test_penalty_gradient_is_the_analytic_one_for_each_member():
    models = tiny_models()
    terms, params = terms_of(penalties_for(select_parameters(models[0])), models, l1=[0.3, 0.1], l2=[0.2, 0.0])
    sum(term.sum() for term in terms.values()).backward()
    weight = params["0.weight"]
    expected = torch.stack([0.3 * weight[0].sign() + 0.2 * weight[0].detach(), 0.1 * weight[1].sign()])
    assert torch.allclose(weight.grad, expected, atol=1e-7)
    assert params["0.bias"].grad is None


def test_l1_outside_the_loss_is_recorded_without_gradient():
    models = tiny_models(1)
    terms, _ = terms_of(penalties_for(select_parameters(models[0]), l1_in_loss=False), models, l1=[0.3])
    assert not terms["l1"].requires_grad
    expected = 0.3 * (models[0][0].weight.abs().sum() + models[0][3].weight.abs().sum())
    assert terms["l1"][0].item() == pytest.approx(expected.item())


def test_nothing_requested_means_no_terms_and_zeros_are_counted_per_member():
    models = tiny_models()
    unit = penalties_for(select_parameters(models[0]))
    terms, params = terms_of(unit, models)
    assert terms == {}
    with torch.no_grad():
        params["0.weight"][1, :2] = 0.0
    assert unit.zero_counts(params).tolist() == [0, 6] and unit.scoped_entries == 12 + 8
