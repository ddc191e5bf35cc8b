"""Activity regularization on the hidden blocks, against the hidden outputs computed by hand."""

from __future__ import annotations

import pytest
import torch

from reglab.config import ModelConfig
from reglab.models import build_model
from reglab.regularizers import ActivityPenalty, activity_l1, activity_l2
from tests.regularizers.member_steps import configured, member_hyper, member_step


def mlp(seed: int):
    torch.manual_seed(seed)
    return build_model(ModelConfig(hidden=[6, 5]), (4,), 3)


def test_pure_activity_penalties_are_batch_means_of_sums():
    a = torch.tensor([[1.0, -2.0, 0.0], [3.0, 0.0, -1.0]])
    assert activity_l1(a).item() == pytest.approx((3 + 4) / 2)
    assert activity_l2(a).item() == pytest.approx((5 + 10) / 2)


def test_each_members_terms_match_its_hidden_outputs_by_hand():
    models, x = [mlp(0), mlp(1)], torch.randn(7, 4)
    firsts = [torch.relu(model.hidden[0].linear(x)) for model in models]
    seconds = [torch.relu(model.hidden[1].linear(first)) for model, first in zip(models, firsts)]
    hidden = [torch.stack(firsts), torch.stack(seconds)]  # (K, B, width) per block, as the forward pass hands them
    hyper = member_hyper(2, activity_l1=[0.1, 0.0], activity_l2=[0.01, 0.02])
    unit = configured(ActivityPenalty(), hyper)
    terms = unit.loss_terms(member_step({"w": torch.zeros(2, 1)}, hyper, hidden=hidden))
    for member, (l1, l2) in enumerate(((0.1, 0.01), (0.0, 0.02))):
        first, second = firsts[member], seconds[member]
        expected_l1 = l1 * (first.abs().sum(1).mean() + second.abs().sum(1).mean())
        expected_l2 = l2 * (first.pow(2).sum(1).mean() + second.pow(2).sum(1).mean())
        assert terms["activity_l1"][member].item() == pytest.approx(expected_l1.item(), rel=1e-6)
        assert terms["activity_l2"][member].item() == pytest.approx(expected_l2.item(), rel=1e-6)
    terms["activity_l1"].sum().backward()
    assert models[0].hidden[0].linear.weight.grad.abs().sum() > 0
    assert unit.emitted(0) == {"activity_l1", "activity_l2"} and unit.emitted(1) == {"activity_l2"}
    assert ActivityPenalty.reads_hidden
