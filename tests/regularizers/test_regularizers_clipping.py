"""Gradient clipping per member against torch.nn.utils.clip_grad_norm_ / clip_grad_value_."""

from __future__ import annotations

import copy

import torch
from torch import nn

from reglab.regularizers import GradientClipping
from tests.regularizers.member_steps import configured, member_hyper, member_step


def members_with_gradients(count: int = 2):
    """`count` models with large gradients, and their gradients stacked (K, ...) by name."""
    models = []
    for seed in range(count):
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 2))
        (model(torch.randn(16, 4)) * 10).pow(2).mean().backward()
        models.append(model)
    names = [name for name, _ in models[0].named_parameters()]
    stacked = {name: torch.stack([dict(model.named_parameters())[name].grad for model in models]) for name in names}
    params = {name: torch.stack([dict(model.named_parameters())[name].detach() for model in models]) for name in names}
    return models, params, stacked


def clip(hyper, params, gradients):
    configured(GradientClipping(), hyper).transform_gradients(gradients, member_step(params, hyper))


def test_each_member_is_clipped_by_norm_as_the_builtin_clips_it_alone():
    models, params, gradients = members_with_gradients()
    hyper = member_hyper(2, grad_clip_norm=[0.5, 2.0])
    clip(hyper, params, gradients)
    for member, (model, cap) in enumerate(zip(models, (0.5, 2.0))):
        reference = copy.deepcopy(model)
        for ours, theirs in zip(model.parameters(), reference.parameters()):
            theirs.grad = ours.grad.clone()
        torch.nn.utils.clip_grad_norm_(reference.parameters(), cap)
        for name, param in reference.named_parameters():
            assert torch.equal(gradients[name][member], param.grad), name


def test_each_member_is_clipped_by_value_and_an_inf_cap_leaves_it_alone():
    models, params, gradients = members_with_gradients()
    before = {name: gradient.clone() for name, gradient in gradients.items()}
    hyper = member_hyper(2, grad_clip_value=[0.1, float("inf")])
    clip(hyper, params, gradients)
    reference = copy.deepcopy(models[0])
    for ours, theirs in zip(models[0].parameters(), reference.parameters()):
        theirs.grad = ours.grad.clone()
    torch.nn.utils.clip_grad_value_(reference.parameters(), 0.1)
    for name, param in reference.named_parameters():
        assert torch.equal(gradients[name][0], param.grad)
        assert torch.equal(gradients[name][1], before[name][1])


def test_both_caps_clip_values_then_the_norm():
    models, params, gradients = members_with_gradients(1)
    clip(member_hyper(1, grad_clip_norm=[0.2], grad_clip_value=[0.1]), params, gradients)
    reference = models[0]
    torch.nn.utils.clip_grad_value_(reference.parameters(), 0.1)
    torch.nn.utils.clip_grad_norm_(reference.parameters(), 0.2)
    for name, param in reference.named_parameters():
        assert torch.equal(gradients[name][0], param.grad)
