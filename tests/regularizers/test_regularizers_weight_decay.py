"""Weight decay: the L2 penalty ≡ SGD weight_decay (seed 001's slide), and Adam's and AdamW's
first step by hand (Loshchilov & Hutter 2019: AdamW decays outside the adaptive step)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tests.regularizers.step_units_helpers import fit_with, tiny_data, tiny_model


def train_50_steps(**overrides) -> nn.Module:
    """50 samples / batch 10 = 5 steps per epoch, 10 epochs, through reglab's loop."""
    model, _ = fit_with({"optimizer.lr": 0.1, **overrides}, epochs=10, batch_size=10, lr=0.1, data=tiny_data(samples=50))
    return model


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_half_l2_penalty_equals_sgd_weight_decay_after_50_steps(momentum):
    strength = 0.05
    with_penalty = train_50_steps(**{"optimizer.momentum": momentum, "regularization.l2": strength, "regularization.l2_convention": "half"})
    with_decay = train_50_steps(**{"optimizer.momentum": momentum, "optimizer.weight_decay": strength})
    untouched = tiny_model()
    for (name, a), b, start in zip(with_penalty.named_parameters(), with_decay.parameters(), untouched.parameters()):
        assert (a - start).abs().max() > 1e-2, name  # training really moved the weights
        assert torch.allclose(a, b, atol=1e-6, rtol=0), name


def test_full_convention_is_twice_the_decay():
    """λ·Σw² (Keras) has gradient 2λw: it equals weight_decay = 2λ."""
    with_penalty = train_50_steps(**{"regularization.l2": 0.02, "regularization.l2_convention": "full"})
    with_decay = train_50_steps(**{"optimizer.weight_decay": 0.04})
    for a, b in zip(with_penalty.parameters(), with_decay.parameters()):
        assert torch.allclose(a, b, atol=1e-6, rtol=0)


def one_adam_step(name: str, weight_decay: float, lr: float = 0.01, eps: float = 1e-8):
    """One full-batch step of reglab's `name` optimizer; the weights before and after and the
    gradients of the plain loss at the start."""
    data = tiny_data(samples=50)
    before = tiny_model()
    nn.functional.cross_entropy(before(data.train_x), data.train_y).backward()
    gradients = {n: p.grad.clone() for n, p in before.named_parameters()}
    overrides = {"optimizer.name": name, "optimizer.weight_decay": weight_decay, "optimizer.eps": eps}
    after, _ = fit_with(overrides, epochs=1, batch_size=50, lr=lr, data=data)
    return before, after, gradients


def test_adamw_decays_weights_outside_the_adaptive_step():
    lr, decay, eps = 0.01, 0.1, 1e-8
    before, after, gradients = one_adam_step("adamw", decay, lr, eps)
    for (name, w0), w1 in zip(before.named_parameters(), after.parameters()):
        g = gradients[name]
        # First Adam step: m̂ = g, v̂ = g², so the adaptive step is lr·g/(|g|+eps).
        wd = decay if name.endswith("weight") else 0.0  # biases are not decayed (`optimizer.decay_exclude`)
        expected = w0.detach() * (1 - lr * wd) - lr * g / (g.abs() + eps)
        assert torch.allclose(w1, expected, atol=1e-7, rtol=0), name


def test_adam_couples_decay_into_the_gradient():
    lr, decay, eps = 0.01, 0.1, 1e-8
    before, after, gradients = one_adam_step("adam", decay, lr, eps)
    for (name, w0), w1 in zip(before.named_parameters(), after.parameters()):
        wd = decay if name.endswith("weight") else 0.0
        g = gradients[name] + wd * w0.detach()  # decay enters the moments: no shrink term
        expected = w0.detach() - lr * g / (g.abs() + eps)
        assert torch.allclose(w1, expected, atol=1e-7, rtol=0), name
