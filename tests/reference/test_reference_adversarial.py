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


def pgd_l2(model: nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int = 2, fraction: float = 0.25) -> torch.Tensor:
    """Madry et al.'s PGD in the L2 ball: δ₀ a uniform direction (randn, normalised) at a uniform
    radius (rand)·ε, then δ ← Π_ε(δ + α·g/‖g‖₂) with α = fraction·ε and Π_ε(δ) = δ·min(1, ε/‖δ‖₂)."""
    direction = torch.randn(x.shape)
    direction = direction / direction.norm(dim=1, keepdim=True)
    delta = direction * torch.rand(x.shape[0])[:, None] * EPS
    for _ in range(steps):
        gradient = input_gradient(model, x + delta, y)
        delta = delta + fraction * EPS * gradient / gradient.norm(dim=1, keepdim=True)
        delta = delta * (EPS / delta.norm(dim=1, keepdim=True)).clamp(max=1.0)
    return (x + delta).detach()


def train_attacked(
    attack: Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor], epochs: int = 3, stream_seed: int | None = None
) -> nn.Module:
    """Momentum SGD on attacked batches, in the run's data order; with `stream_seed`, the
    global generator is seeded with it once the model is built (the attack's random stream)."""
    model, data = tiny_model(), tiny_data()
    if stream_seed is not None:
        torch.manual_seed(stream_seed)
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


def test_pgd_l2_training_draws_its_random_starts_from_the_run_stream():
    """A given module's run stream starts at `torch.manual_seed(seed)` (nothing is built)."""
    overrides = {"optimizer.momentum": 0.9, "regularization.adversarial_eps": EPS, "regularization.adversarial_attack": "pgd",
                 "regularization.adversarial_norm": "l2", "regularization.adversarial_steps": 2}
    run = train_reglab(overrides)
    state = torch.get_rng_state()
    try:
        reference = train_attacked(pgd_l2, stream_seed=0)
        other_starts = train_attacked(pgd_l2, stream_seed=1)
    finally:
        torch.set_rng_state(state)
    assert_same_weights(run.model, reference, moved_from=tiny_model())
    assert not torch.allclose(run.model[0].weight, other_starts[0].weight, atol=1e-5)  # the starts matter
