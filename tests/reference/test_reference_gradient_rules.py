"""Whole runs of the penalties, gradient rules and weight rules against PyTorch's utilities
and the formulas written out by hand (parameters `0.weight`, `2.weight` are the weights;
biases are outside the default scope)."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from tests.reference.harness import assert_same_weights, tiny_model, train_reference, train_reglab

SGD = torch.optim.SGD
LR = 0.1


def weights(model: nn.Module) -> list[torch.Tensor]:
    return [param for name, param in model.named_parameters() if name.endswith("weight")]


def sgd(model: nn.Module, momentum: float = 0.9) -> torch.optim.Optimizer:
    return SGD(model.parameters(), lr=LR, momentum=momentum)


@pytest.mark.parametrize("limit", [0.5, 0.05])
def test_gradient_norm_clipping_equals_clip_grad_norm(limit):
    run = train_reglab({"optimizer.momentum": 0.9, "regularization.grad_clip_norm": limit})
    reference = train_reference(tiny_model(), sgd, before_step=lambda m: nn.utils.clip_grad_norm_(m.parameters(), limit))
    assert_same_weights(run.model, reference, moved_from=tiny_model())
    unclipped = train_reference(tiny_model(), sgd)
    assert not torch.allclose(run.model[0].weight, unclipped[0].weight, atol=1e-4)  # the clip did bite


def test_gradient_value_clipping_equals_clip_grad_value():
    run = train_reglab({"optimizer.momentum": 0.9, "regularization.grad_clip_value": 0.02})
    reference = train_reference(tiny_model(), sgd, before_step=lambda m: nn.utils.clip_grad_value_(m.parameters(), 0.02))
    assert_same_weights(run.model, reference, moved_from=tiny_model())
    unclipped = train_reference(tiny_model(), sgd)
    assert not torch.allclose(run.model[0].weight, unclipped[0].weight, atol=1e-4)


def test_max_norm_caps_every_units_incoming_weights_after_each_step():
    cap = 0.4

    def renorm(model):
        with torch.no_grad():
            for weight in weights(model):
                norms = weight.norm(dim=1, keepdim=True)
                weight.mul_(torch.where(norms > cap, cap / (norms + 1e-7), torch.ones_like(norms)))

    run = train_reglab({"optimizer.momentum": 0.9, "regularization.max_norm": cap}, lr=0.5)
    reference = train_reference(tiny_model(), lambda m: SGD(m.parameters(), lr=0.5, momentum=0.9), after_step=renorm)
    assert_same_weights(run.model, reference, moved_from=tiny_model())
    assert run.model[0].weight.norm(dim=1).max() <= cap + 1e-6
    assert tiny_model()[0].weight.norm(dim=1).max() > cap  # the cap binds


@pytest.mark.parametrize(("convention", "coefficient"), [("half", 0.05 / 2), ("full", 0.05), ("mean", 0.05 / 8)])
def test_l2_penalty_conventions_add_their_coefficient_times_the_squared_weights(convention, coefficient):
    """half: λ/2·Σw²; full: λ·Σw²; mean: λ/n·Σw² with n the batch size (8); biases excluded."""
    run = train_reglab({"optimizer.momentum": 0.9, "regularization.l2": 0.05, "regularization.l2_convention": convention}, lr=0.3)

    def loss_of(model):
        return lambda outputs, targets: F.cross_entropy(outputs, targets) + coefficient * sum(w.pow(2).sum() for w in weights(model))

    model = tiny_model()
    reference = train_reference(model, lambda m: SGD(m.parameters(), lr=0.3, momentum=0.9), loss_of=loss_of(model))
    assert_same_weights(run.model, reference, moved_from=tiny_model())


def test_l1_penalty_and_per_layer_multiplier_add_lambda_times_the_absolute_weights():
    """elastic net, the head's layer (`2.*`) at multiplier 0.3: λ₁·Σ m|w| + λ₂/2·Σ m·w²."""
    l1, l2 = 0.01, 0.05
    overrides = {"optimizer.momentum": 0.9, "regularization.l1": l1, "regularization.l2": l2, "regularization.per_layer": {"2.*": 0.3}}
    run = train_reglab(overrides, lr=0.3)
    model = tiny_model()
    multipliers = {"0.weight": 1.0, "2.weight": 0.3}

    def loss_of(outputs, targets):
        penalty = sum(multipliers[name] * (l1 * w.abs().sum() + l2 / 2 * w.pow(2).sum()) for name, w in model.named_parameters() if name in multipliers)
        return F.cross_entropy(outputs, targets) + penalty

    reference = train_reference(model, lambda m: SGD(m.parameters(), lr=0.3, momentum=0.9), loss_of=loss_of)
    assert_same_weights(run.model, reference, moved_from=tiny_model())


def test_l1_subgradient_adds_lambda_sign_w_to_the_gradient():
    strength = 0.02

    def add_sign(model):
        for weight in weights(model):
            weight.grad += strength * torch.sign(weight.detach())

    run = train_reglab({"optimizer.momentum": 0.9, "regularization.l1": strength, "regularization.l1_mode": "subgradient"})
    reference = train_reference(tiny_model(), sgd, before_step=add_sign)
    assert_same_weights(run.model, reference, moved_from=tiny_model())


@pytest.mark.parametrize("schedule", ["none", "step"])
def test_l1_proximal_soft_thresholds_by_the_current_lr_times_lambda(schedule):
    """w ← sign(w)·max(|w| − η·λ, 0) after each step, η the step's learning rate (halved each epoch by `step`)."""
    strength = 0.05
    overrides = {"optimizer.momentum": 0.9, "regularization.l1": strength, "regularization.l1_mode": "proximal"}
    if schedule == "step":
        overrides.update({"schedule.name": "step", "schedule.step_size": 1, "schedule.gamma": 0.5})
    run = train_reglab(overrides, epochs=4)
    optimizers = []

    def make(model):
        optimizers.append(sgd(model))
        return optimizers[0]

    def shrink(model):
        threshold = optimizers[0].param_groups[0]["lr"] * strength
        with torch.no_grad():
            for weight in weights(model):
                weight.copy_(torch.sign(weight) * (weight.abs() - threshold).clamp(min=0))

    reference = train_reference(
        tiny_model(), make, epochs=4, after_step=shrink,
        epoch_schedule=(lambda o: torch.optim.lr_scheduler.StepLR(o, 1, 0.5)) if schedule == "step" else None,
    )
    assert_same_weights(run.model, reference, moved_from=tiny_model())
    assert (run.model[0].weight == 0).sum() > 0  # the threshold zeroes weights exactly


def test_label_smoothing_equals_cross_entropy_with_label_smoothing():
    run = train_reglab({"optimizer.momentum": 0.9, "augment.label_smoothing": 0.2})
    reference = train_reference(tiny_model(), sgd, loss_of=lambda outputs, targets: F.cross_entropy(outputs, targets, label_smoothing=0.2))
    assert_same_weights(run.model, reference, moved_from=tiny_model())
    plain = train_reference(tiny_model(), sgd)
    assert not torch.allclose(run.model[2].weight, plain[2].weight, atol=1e-4)
