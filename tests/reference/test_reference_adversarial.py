"""Adversarial training through a whole run against the attacks written out by hand:
every training batch is replaced by its attacked copy before the step."""

from __future__ import annotations

from typing import Callable

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from reglab.contract.batches import batch_starts
from tests.reference.harness import assert_same_weights, tiny_data, tiny_model, train_reference, train_reglab

EPS = 0.1


def input_gradient(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    x = x.clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(F.cross_entropy(model(x), y), x)
    return gradient


def fgsm_linf(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """x + ε·sign(∇ₓ L(x, y; θ))."""
    return (x + EPS * input_gradient(model, x, y).sign()).detach()


def fgsm_l2(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """x + ε·g/‖g‖₂ per example, g = ∇ₓ L(x, y; θ) (the fast gradient method)."""
    gradient = input_gradient(model, x, y)
    return (x + EPS * gradient / gradient.norm(dim=1, keepdim=True)).detach()


def train_attacked(attack: Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor], epochs: int = 3) -> nn.Module:
    """Momentum SGD on attacked batches, in the run's data order."""
    model, data = tiny_model(), tiny_data()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    generator = torch.Generator().manual_seed(0)
    for _ in range(epochs):
        order = torch.randperm(40, generator=generator)
        for start in batch_starts(40, 8):
            rows = order[start : start + 8]
            attacked = attack(model, data.train_x[rows], data.train_y[rows])
            optimizer.zero_grad()
            F.cross_entropy(model(attacked), data.train_y[rows]).backward()
            optimizer.step()
    return model


@pytest.mark.parametrize(("norm", "attack"), [("linf", fgsm_linf), ("l2", fgsm_l2)])
def test_fgsm_training_steps_on_the_attacked_batches(norm, attack):
    run = train_reglab({"optimizer.momentum": 0.9, "regularization.adversarial_eps": EPS, "regularization.adversarial_norm": norm})
    reference = train_attacked(attack)
    assert_same_weights(run.model, reference, moved_from=tiny_model())
    plain = train_reference(tiny_model(), lambda m: torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9))
    assert not torch.allclose(run.model[0].weight, plain[0].weight, atol=1e-4)
