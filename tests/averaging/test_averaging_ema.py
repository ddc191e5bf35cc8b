"""Weight EMA: the hand recurrence θ̄_k ← d_k·θ̄_k + (1−d_k)·θ_k per member, and installing it at the end."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import reglab
from reglab.averaging import WeightEMA
from reglab.contract.units import MemberFinish, MemberStep
from tests.conftest import tiny_digits


def stacked_members(count: int = 2) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Stacked (K, ...) parameters and batch-norm buffers of `count` small models."""
    models = []
    for seed in range(count):
        torch.manual_seed(seed)
        models.append(nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 3)))
    params = {name: torch.stack([dict(m.named_parameters())[name].detach() for m in models]) for name, _ in models[0].named_parameters()}
    buffers = {name: torch.stack([dict(m.named_buffers())[name] for m in models]) for name, _ in models[0].named_buffers()}
    return params, buffers


def test_each_member_follows_the_hand_recurrence_with_its_own_decay():
    decays = [0.8, 0.5]
    params, buffers = stacked_members()
    ema = WeightEMA(decays, params, buffers)
    assert ema.slots == ("weight_transform",)
    generator = torch.Generator().manual_seed(0)
    hand = None
    for _ in range(5):
        with torch.no_grad():  # a step moved the weights and the running statistics
            for tensor in [*params.values(), *buffers.values()]:
                tensor.add_(torch.randn(tensor.shape, generator=generator).to(tensor.dtype) if tensor.is_floating_point() else 1)
        ema.transform_weights(member_step(params, buffers))
        state = {name: tensor.clone() for name, tensor in {**params, **buffers}.items()}
        if hand is None:
            hand = state  # the average starts at the weights after the first step
        else:
            for name, tensor in state.items():
                if tensor.is_floating_point():
                    decay = torch.tensor(decays).view(-1, *([1] * (tensor.dim() - 1)))
                    hand[name] = decay * hand[name] + (1 - decay) * tensor
    for name, average in {**ema.params, **ema.buffers}.items():
        if average.is_floating_point():
            assert torch.allclose(average, hand[name], atol=1e-6), name
    assert not torch.allclose(ema.params["0.weight"], params["0.weight"])  # the average lags the weights
    assert ema.updates == 5


def test_final_weights_loads_the_members_average_into_its_model():
    params, buffers = stacked_members()
    ema = WeightEMA([0.9, 0.9], params, buffers)
    with torch.no_grad():
        params["0.weight"].add_(1.0)
    ema.transform_weights(member_step(params, buffers))
    model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 3))
    summary = ema.final_weights(MemberFinish(None, 1, 1, {}, [], model=model))
    assert summary == {"ema/decay": 0.9, "ema/updates": 1, "final_weights": "ema"}
    assert torch.equal(model[0].weight, params["0.weight"][1])


def member_step(params, buffers) -> MemberStep:
    members = next(iter(params.values())).shape[0]
    return MemberStep(params, buffers, None, 16, 0, 1, list(range(members)), torch.full((members,), 0.1))


def test_ema_end_to_end_final_eval_is_the_average():
    run = reglab.train(tiny_digits(**{"regularization.ema_decay": 0.9, "model.norm": "batch"}))
    last = run.history[-1]
    assert {"ema/val/loss", "ema/val/acc", "ema/test/loss", "ema/test/acc"} <= set(last)
    assert run.summary["final_weights"] == "ema"
    assert run.summary["ema/updates"] == 2 * 7  # 200 samples, batch 32 -> 7 steps per epoch
    # no step happens after the last epoch's evaluation, so the installed weights score exactly that
    assert run.summary["final_eval"]["val/loss"] == pytest.approx(last["ema/val/loss"], rel=1e-6)
    assert run.summary["final_eval"]["test/acc"] == pytest.approx(last["ema/test/acc"])
    assert run.summary["final_eval"]["val/loss"] != pytest.approx(last["val/loss"], rel=1e-6)
