"""L1 as an optimizer: proximal soft-threshold vs its closed form, exact zeros, subgradients."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from reglab.contract.events import EpochRecord, FitRecord
from reglab.contract.hooks import StepContext
from reglab.regularizers import (
    PenaltyHook,
    ProximalL1Hook,
    SubgradientL1Hook,
    ZeroFractionMonitor,
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


def test_proximal_step_uses_each_groups_current_lr_and_multiplier():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 5), nn.Linear(5, 4))
    optimizer = torch.optim.SGD(
        [{"params": model[0].parameters(), "lr": 0.5}, {"params": model[1].parameters(), "lr": 0.1}], lr=0.1
    )
    scoped = select_parameters(model)
    hook = ProximalL1Hook(group_by_multiplier(scoped, {"1.*": 2.0}), strength=0.4)
    first, second = model[0].weight.detach().clone(), model[1].weight.detach().clone()
    bias = model[0].bias.detach().clone()
    hook.after_step(model, optimizer)
    assert torch.equal(model[0].weight, torch.sign(first) * torch.clamp(first.abs() - 0.5 * 0.4, min=0))
    assert torch.equal(model[1].weight, torch.sign(second) * torch.clamp(second.abs() - 0.1 * 0.4 * 2.0, min=0))
    assert torch.equal(model[0].bias, bias)  # out of scope
    optimizer.param_groups[0]["lr"] = 0.0  # a schedule changed the lr: the threshold follows
    frozen = model[0].weight.detach().clone()
    hook.after_step(model, optimizer)
    assert torch.equal(model[0].weight, frozen)


def lasso_problem():
    """Linear regression where only 2 of 10 inputs matter."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(64, 10, generator=generator)
    true_w = torch.zeros(10)
    true_w[:2] = torch.tensor([2.0, -1.5])
    y = x @ true_w + 0.05 * torch.randn(64, generator=generator)
    return x, y.unsqueeze(1)


def train_lasso(mode: str, steps: int = 300, strength: float = 0.1, lr: float = 0.05) -> nn.Linear:
    torch.manual_seed(1)
    model = nn.Linear(10, 1, bias=False)
    x, y = lasso_problem()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    scoped = select_parameters(model)
    groups = group_by_multiplier(scoped)
    hooks = [PenaltyHook(scoped, l1=strength, l1_in_loss=mode == "penalty")]
    if mode == "proximal":
        hooks.append(ProximalL1Hook(groups, strength))
    if mode == "subgradient":
        hooks.append(SubgradientL1Hook(groups, strength))
    for step in range(steps):
        loss = nn.functional.mse_loss(model(x), y)
        loss = loss + sum(term for hook in hooks for term in hook.penalty(model, StepContext(64, step, lr)).values())
        optimizer.zero_grad()
        loss.backward()
        for hook in hooks:
            hook.before_step(model, optimizer)
        optimizer.step()
        for hook in hooks:
            hook.after_step(model, optimizer)
    return model


def test_proximal_gives_exact_zeros_where_the_penalty_form_does_not():
    proximal, penalty = train_lasso("proximal"), train_lasso("penalty")
    # The 8 irrelevant weights are exactly 0 with the proximal step ...
    assert torch.equal(proximal.weight[0, 2:], torch.zeros(8))
    assert (proximal.weight[0, :2].abs() > 1.0).all()
    # ... while the autograd penalty leaves them oscillating around zero, never at it.
    assert (penalty.weight == 0).sum() == 0
    assert penalty.weight[0, 2:].abs().max() < 0.05
    assert zero_fraction([proximal.weight]) == pytest.approx(0.8)


def test_subgradient_equals_penalty_form_gradients():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
    x = torch.randn(8, 4)
    scoped = select_parameters(model)
    with torch.no_grad():
        model[0].weight[0, 0] = 0.0  # sign(0) = 0 on both paths

    model.zero_grad()
    hook = PenaltyHook(scoped, l1=0.2, per_layer={"1.*": 3.0})
    (model(x).pow(2).mean() + hook.penalty(model, StepContext(8, 0, 0.1))["l1"]).backward()
    autograd = {name: p.grad.clone() for name, p in model.named_parameters()}

    model.zero_grad()
    model(x).pow(2).mean().backward()
    SubgradientL1Hook(group_by_multiplier(scoped, {"1.*": 3.0}), 0.2).before_step(model, None)
    for name, p in model.named_parameters():
        assert torch.allclose(p.grad, autograd[name], atol=1e-7, rtol=0), name


def test_subgradient_reaches_weights_the_loss_did_not():
    model = nn.Linear(2, 2, bias=False)
    SubgradientL1Hook(group_by_multiplier(select_parameters(model)), 0.5).before_step(model, None)
    assert torch.equal(model.weight.grad, 0.5 * model.weight.detach().sign())


def test_zero_fraction_monitor_reports_epoch_and_summary():
    weight = torch.tensor([[0.0, 1.0], [0.0, 0.0]])
    monitor = ZeroFractionMonitor([weight, torch.tensor([2.0, 0.0, 3.0, 4.0])])
    assert monitor.kind == "observer"
    record = EpochRecord(epoch=1, step=1, model=None, optimizer=None)
    assert monitor.on_epoch_end(record) == {"l1/zeros": pytest.approx(4 / 8)}
    assert monitor.on_fit_end(FitRecord(None, None, None, None)) == {"sparsity": pytest.approx(0.5)}
