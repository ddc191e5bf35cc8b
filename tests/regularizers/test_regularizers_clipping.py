"""Gradient clipping against torch.nn.utils.clip_grad_norm_ / clip_grad_value_."""

from __future__ import annotations

import copy

import torch
from torch import nn

from reglab.regularizers import GradientClipHook


def model_with_gradients():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 2))
    (model(torch.randn(16, 4)) * 10).pow(2).mean().backward()
    reference = copy.deepcopy(model)
    for ours, theirs in zip(model.parameters(), reference.parameters()):
        theirs.grad = ours.grad.clone()
    return model, reference


def gradients(model):
    return [p.grad for p in model.parameters()]


def test_clip_by_norm_matches_the_builtin():
    ours, reference = model_with_gradients()
    assert torch.cat([g.flatten() for g in gradients(ours)]).norm() > 5.0  # clipping has work to do
    GradientClipHook(ours.parameters(), max_norm=0.5).before_step(ours, None)
    torch.nn.utils.clip_grad_norm_(reference.parameters(), 0.5)
    assert all(torch.equal(a, b) for a, b in zip(gradients(ours), gradients(reference)))
    assert torch.cat([g.flatten() for g in gradients(ours)]).norm() <= 0.5 + 1e-6


def test_clip_by_value_matches_the_builtin():
    ours, reference = model_with_gradients()
    assert max(g.abs().max() for g in gradients(ours)) > 1.0
    GradientClipHook(ours.parameters(), max_value=0.1).before_step(ours, None)
    torch.nn.utils.clip_grad_value_(reference.parameters(), 0.1)
    assert all(torch.equal(a, b) for a, b in zip(gradients(ours), gradients(reference)))
    assert max(g.abs().max() for g in gradients(ours)) <= 0.1


def test_both_clip_values_then_the_norm():
    ours, reference = model_with_gradients()
    GradientClipHook(ours.parameters(), max_norm=0.2, max_value=0.1).before_step(ours, None)
    torch.nn.utils.clip_grad_value_(reference.parameters(), 0.1)
    torch.nn.utils.clip_grad_norm_(reference.parameters(), 0.2)
    assert all(torch.equal(a, b) for a, b in zip(gradients(ours), gradients(reference)))
