"""L1 as an optimizer: proximal soft-threshold vs its closed form, exact zeros, subgradients."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tests.regularizers.member_steps import configured, member_hyper, member_step, name_groups, stacked_params

from reglab.regularizers import (
    ProximalL1,
    SubgradientL1,
    WeightPenalties,
    group_by_multiplier,
    select_parameters,
    soft_threshold,
    zero_fraction,
)


def test_soft_threshold_is_the_closed_form():
    w = torch.linspace(-1, 1, 41)
    t = 0.3
    expected = torch.sign(w) * torch.clamp(w.abs() - t, min=0)
    assert torch.equal(soft_threshold(w, t), expected)


def test_proximal_step_uses_each_members_lr_and_strength_and_the_groups_multiplier():
    models = []
    for seed in range(2):
        torch.manual_seed(seed)
        models.append(nn.Sequential(nn.Linear(6, 5), nn.Linear(5, 4)))
    scoped = select_parameters(models[0])
    unit = ProximalL1(name_groups(group_by_multiplier(scoped, {"1.*": 2.0})))
    params = stacked_params(models, requires_grad=False)
    before = {name: tensor.clone() for name, tensor in params.items()}
    hyper = member_hyper(2, l1=[0.4, 0.1])
    unit.transform_weights(member_step(params, hyper, lr=(0.5, 0.1)))
    thresholds = torch.tensor([0.5, 0.1]) * torch.tensor([0.4, 0.1])  # η_k·λ_k, in float32 as the step has them
    for member in range(2):
        for name, multiplier in (("0.weight", 1.0), ("1.weight", 2.0)):
            first, threshold = before[name][member], thresholds[member] * multiplier
            assert torch.equal(params[name][member], torch.sign(first) * torch.clamp(first.abs() - threshold, min=0))
    assert torch.equal(params["0.bias"], before["0.bias"])  # out of scope
    frozen = params["0.weight"].clone()
    unit.transform_weights(member_step(params, hyper, lr=(0.0, 0.0)))  # a schedule at lr 0: no threshold
    assert torch.equal(params["0.weight"], frozen)


def lasso_problem():
    """Linear regression where only 2 of 10 inputs matter."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(64, 10, generator=generator)
    true_w = torch.zeros(10)
    true_w[:2] = torch.tensor([2.0, -1.5])
    y = x @ true_w + 0.05 * torch.randn(64, generator=generator)
    return x, y.unsqueeze(1)


def train_lasso(mode: str, steps: int = 300, strength: float = 0.1, lr: float = 0.05) -> torch.Tensor:
    """Plain SGD on the lasso problem with the L1 units of `mode`, K = 1; the final weight (1, 10)."""
    torch.manual_seed(1)
    model = nn.Linear(10, 1, bias=False)
    x, y = lasso_problem()
    params = stacked_params([model])
    groups = name_groups(group_by_multiplier(select_parameters(model)))
    hyper = member_hyper(1, l1=[strength])
    units = [configured(WeightPenalties(groups, 10, l1_in_loss=mode == "penalty"), hyper)]
    if mode == "proximal":
        units.append(ProximalL1(groups))
    if mode == "subgradient":
        units.append(SubgradientL1(groups))
    for _ in range(steps):
        step = member_step(params, hyper, lr=(lr,), batch_size=64)
        loss = nn.functional.mse_loss(x @ params["weight"][0].T, y)
        loss = loss + sum(term.sum() for unit in units for term in unit.loss_terms(step).values())
        gradients = {"weight": torch.autograd.grad(loss, [params["weight"]])[0]}
        for unit in units:
            unit.transform_gradients(gradients, step)
        with torch.no_grad():
            params["weight"].sub_(lr * gradients["weight"])
        for unit in units:
            unit.transform_weights(step)
    return params["weight"].detach()[0]


def test_proximal_gives_exact_zeros_where_the_penalty_form_does_not():
    proximal, penalty = train_lasso("proximal"), train_lasso("penalty")
    # The 8 irrelevant weights are exactly 0 with the proximal step ...
    assert torch.equal(proximal[0, 2:], torch.zeros(8))
    assert (proximal[0, :2].abs() > 1.0).all()
    # ... while the autograd penalty leaves them oscillating around zero, never at it.
    assert (penalty == 0).sum() == 0
    assert penalty[0, 2:].abs().max() < 0.05
    assert zero_fraction([proximal]) == pytest.approx(0.8)


def test_subgradient_equals_penalty_form_gradients_for_each_member():
    models = []
    for seed in range(2):
        torch.manual_seed(seed)
        models.append(nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2)))
    with torch.no_grad():
        models[0][0].weight[0, 0] = 0.0  # sign(0) = 0 on both paths
    x = torch.randn(8, 4)
    groups = name_groups(group_by_multiplier(select_parameters(models[0]), {"1.*": 3.0}))
    hyper = member_hyper(2, l1=[0.2, 0.05])

    def data_loss(params):
        hidden = torch.baddbmm(params["0.bias"].unsqueeze(1), x.expand(2, 8, 4), params["0.weight"].transpose(1, 2))
        out = torch.baddbmm(params["1.bias"].unsqueeze(1), hidden, params["1.weight"].transpose(1, 2))
        return out.pow(2).mean(dim=(1, 2)).sum()

    params = stacked_params(models)
    step = member_step(params, hyper)
    penalty = configured(WeightPenalties(groups, 18), hyper).loss_terms(step)["l1"].sum()
    autograd = dict(zip(params, torch.autograd.grad(data_loss(params) + penalty, list(params.values()))))
    gradients = dict(zip(params, torch.autograd.grad(data_loss(params), list(params.values()))))
    SubgradientL1(groups).transform_gradients(gradients, step)
    for name in params:
        assert torch.allclose(gradients[name], autograd[name], atol=1e-7, rtol=0), name


def test_subgradient_reaches_weights_the_loss_did_not():
    weight = torch.randn(1, 2, 2)
    gradients = {"weight": torch.zeros(1, 2, 2)}
    SubgradientL1([(1.0, ("weight",))]).transform_gradients(gradients, member_step({"weight": weight}, member_hyper(1, l1=[0.5])))
    assert torch.equal(gradients["weight"], 0.5 * weight.sign())
