"""Flooding (Ishida et al. 2020) against |L − b| + b computed by hand and a hand-written loop."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from reglab.regularizers import Flooding, flood
from tests.regularizers.member_steps import member_hyper, member_step
from tests.regularizers.step_units_helpers import assert_same_weights, fit_with, reference_loop


def test_flood_is_the_absolute_distance_to_the_level_plus_the_level():
    losses = torch.tensor([0.9, 0.3, 0.1, 0.0])
    levels = torch.tensor([0.2, 0.3, 0.25, 0.0])
    assert torch.allclose(flood(losses, levels), torch.tensor([0.9, 0.3, 0.4, 0.0]))
    assert flood(torch.tensor(0.5), 0.0) == 0.5  # b = 0 leaves a non-negative loss alone


def test_the_unit_floods_each_members_loss_at_its_own_level():
    step = member_step({"w": torch.zeros(3, 1)}, member_hyper(3, flooding=[0.2, 0.0, 0.5]))
    losses = torch.tensor([0.1, 0.1, 0.9])
    assert torch.allclose(Flooding().transform_loss(losses, step), torch.tensor([0.3, 0.1, 0.9]))


def test_below_the_level_the_gradient_points_uphill():
    weight = torch.tensor([1.0, -2.0], requires_grad=True)
    loss = weight.pow(2).sum() / 10  # 0.5
    (plain,) = torch.autograd.grad(loss, weight, retain_graph=True)
    (above,) = torch.autograd.grad(flood(loss, 0.1), weight, retain_graph=True)
    (below,) = torch.autograd.grad(flood(loss, 0.9), weight)
    assert torch.equal(above, plain) and torch.equal(below, -plain)


def test_a_flooded_run_equals_the_hand_written_loop():
    level = 0.8

    def gradient_of(model, x, y):
        flood(F.cross_entropy(model(x), y), level).backward()

    model, history = fit_with({"regularization.flooding": level}, epochs=3)
    assert_same_weights(model, reference_loop(gradient_of, epochs=3))
    # the recorded train/loss is the plain data loss, which the flood keeps near b
    assert abs(history[-1]["train/loss"] - level) < 0.3
