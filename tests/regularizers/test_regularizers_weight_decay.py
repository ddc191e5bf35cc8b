"""Weight decay: the L2 penalty ≡ SGD weight_decay (seed 001's slide), and AdamW's decoupling by hand."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from reglab.config import OptimizerConfig
from reglab.engine.loop import FitPlan, fit
from reglab.objective.losses import make_objective
from reglab.engine.optim import build_optimizer
from reglab.regularizers import PenaltyHook, select_parameters


def tiny_data(count: int = 50, features: int = 5, classes: int = 3) -> SimpleNamespace:
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(count, features, generator=generator)
    y = torch.randint(0, classes, (count,), generator=generator)
    empty_x, empty_y = x[:0], y[:0]
    return SimpleNamespace(train_x=x, train_y=y, val_x=empty_x, val_y=empty_y, test_x=empty_x, test_y=empty_y)


def tiny_model() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3))


def train_50_steps(model: nn.Module, optimizer_config: OptimizerConfig, hooks: list) -> None:
    optimizer, _ = build_optimizer(model, optimizer_config)
    plan = FitPlan(
        model=model,
        data=tiny_data(),
        objective=make_objective("cross_entropy", "classification", 3),
        optimizer=optimizer,
        epochs=10,  # 50 samples / batch 10 = 5 steps per epoch
        batch_size=10,
        eval_batch_size=64,
        generator=torch.Generator().manual_seed(0),
        hooks=hooks,
    )
    fit(plan)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_half_l2_penalty_equals_sgd_weight_decay_after_50_steps(momentum):
    strength = 0.05
    with_penalty, with_decay = tiny_model(), tiny_model()
    train_50_steps(
        with_penalty,
        OptimizerConfig(name="sgd", lr=0.1, momentum=momentum, weight_decay=0.0),
        [PenaltyHook(select_parameters(with_penalty), l2=strength, l2_convention="half")],
    )
    train_50_steps(with_decay, OptimizerConfig(name="sgd", lr=0.1, momentum=momentum, weight_decay=strength), [])
    untouched = tiny_model()
    for (name, a), b, start in zip(with_penalty.named_parameters(), with_decay.parameters(), untouched.parameters()):
        assert (a - start).abs().max() > 1e-2, name  # training really moved the weights
        assert torch.allclose(a, b, atol=1e-6, rtol=0), name


def test_full_convention_is_twice_the_decay():
    """λ·Σw² (Keras) has gradient 2λw: it equals weight_decay = 2λ."""
    with_penalty, with_decay = tiny_model(), tiny_model()
    train_50_steps(
        with_penalty,
        OptimizerConfig(name="sgd", lr=0.1),
        [PenaltyHook(select_parameters(with_penalty), l2=0.02, l2_convention="full")],
    )
    train_50_steps(with_decay, OptimizerConfig(name="sgd", lr=0.1, weight_decay=0.04), [])
    for a, b in zip(with_penalty.parameters(), with_decay.parameters()):
        assert torch.allclose(a, b, atol=1e-6, rtol=0)


def one_adam_step(name: str, weight_decay: float, lr: float = 0.01, eps: float = 1e-8):
    model = tiny_model()
    before = copy.deepcopy(model)
    optimizer, groups = build_optimizer(model, OptimizerConfig(name=name, lr=lr, weight_decay=weight_decay, eps=eps))
    data = tiny_data()
    loss = nn.functional.cross_entropy(model(data.train_x), data.train_y)
    loss.backward()
    gradients = {n: p.grad.clone() for n, p in model.named_parameters()}
    optimizer.step()
    return before, model, gradients, groups


def test_adamw_decays_weights_outside_the_adaptive_step():
    lr, decay, eps = 0.01, 0.1, 1e-8
    before, after, gradients, groups = one_adam_step("adamw", decay, lr, eps)
    assert groups.decayed == ["0.weight", "2.weight"] and groups.not_decayed == ["0.bias", "2.bias"]
    for (name, w0), w1 in zip(before.named_parameters(), after.parameters()):
        g = gradients[name]
        # First Adam step: m̂ = g, v̂ = g², so the adaptive step is lr·g/(|g|+eps).
        wd = decay if name.endswith("weight") else 0.0
        expected = w0.detach() * (1 - lr * wd) - lr * g / (g.abs() + eps)
        assert torch.allclose(w1, expected, atol=1e-7, rtol=0), name


def test_adam_couples_decay_into_the_gradient():
    lr, decay, eps = 0.01, 0.1, 1e-8
    before, after, gradients, _ = one_adam_step("adam", decay, lr, eps)
    for (name, w0), w1 in zip(before.named_parameters(), after.parameters()):
        wd = decay if name.endswith("weight") else 0.0
        g = gradients[name] + wd * w0.detach()  # decay enters the moments: no shrink term
        expected = w0.detach() - lr * g / (g.abs() + eps)
        assert torch.allclose(w1, expected, atol=1e-7, rtol=0), name
