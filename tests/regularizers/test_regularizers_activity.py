"""Activity regularization on the hidden blocks, against the hidden outputs computed by hand."""

from __future__ import annotations

import copy
import gc
import weakref

import pytest
import torch

from reglab.config import ModelConfig
from reglab.contract.hooks import StepContext
from reglab.models import build_model, hidden_blocks
from reglab.regularizers import ActivityPenaltyHook, activity_l1, activity_l2


def mlp(**overrides):
    torch.manual_seed(0)
    return build_model(ModelConfig(hidden=[6, 5], **overrides), (4,), 3)


def context() -> StepContext:
    return StepContext(batch_size=7, step=0, lr=0.1)


def test_pure_activity_penalties_are_batch_means_of_sums():
    a = torch.tensor([[1.0, -2.0, 0.0], [3.0, 0.0, -1.0]])
    assert activity_l1(a).item() == pytest.approx((3 + 4) / 2)
    assert activity_l2(a).item() == pytest.approx((5 + 10) / 2)


def test_penalty_matches_hidden_outputs_by_hand():
    model = mlp()
    x = torch.randn(7, 4)
    hook = ActivityPenaltyHook(hidden_blocks(model), l1=0.1, l2=0.01)
    model(x)
    terms = hook.penalty(model, context())
    first = torch.relu(model.hidden[0].linear(x))
    second = torch.relu(model.hidden[1].linear(first))
    expected_l1 = 0.1 * (first.abs().sum(1).mean() + second.abs().sum(1).mean())
    expected_l2 = 0.01 * (first.pow(2).sum(1).mean() + second.pow(2).sum(1).mean())
    assert terms["activity_l1"].item() == pytest.approx(expected_l1.item(), rel=1e-6)
    assert terms["activity_l2"].item() == pytest.approx(expected_l2.item(), rel=1e-6)
    terms["activity_l1"].backward()
    assert model.hidden[0].linear.weight.grad.abs().sum() > 0


def test_nothing_is_captured_in_eval_mode_or_without_gradients():
    model = mlp()
    hook = ActivityPenaltyHook(hidden_blocks(model), l1=0.1)
    model.eval()
    model(torch.randn(3, 4))
    model.train()
    with torch.no_grad():
        model(torch.randn(3, 4))
    assert hook.captured == []
    assert hook.penalty(model, context()) == {}


def test_captured_outputs_are_released_after_each_step():
    model = mlp()
    hook = ActivityPenaltyHook(hidden_blocks(model), l2=0.1)
    model(torch.randn(7, 4))
    output = weakref.ref(hook.captured[0])
    hook.penalty(model, context())["activity_l2"].backward()
    assert hook.captured == []
    gc.collect()
    assert output() is None  # the graph of the step is not kept alive


def test_deep_copies_share_the_hook_and_remove_unregisters():
    model = mlp()
    hook = ActivityPenaltyHook(hidden_blocks(model), l1=0.1)
    twin = copy.deepcopy(model)  # weight averaging copies the model
    twin.eval()
    twin(torch.randn(2, 4))
    assert hook.captured == []
    hook.remove()
    model(torch.randn(2, 4))
    assert hook.captured == []
