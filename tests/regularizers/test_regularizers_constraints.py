"""Max-norm constraint against a hand computation of row and channel norms, per member."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from reglab.regularizers import MaxNorm, max_norm_, unit_norms
from tests.regularizers.member_steps import member_hyper, member_step


def test_rows_above_the_cap_are_rescaled_and_the_rest_untouched():
    weight = torch.tensor([[3.0, 4.0], [0.3, 0.4], [0.0, -6.0]])
    max_norm_([weight], 2.0)
    expected = torch.tensor([[3.0 * 2 / 5, 4.0 * 2 / 5], [0.3, 0.4], [0.0, -2.0]])
    assert torch.allclose(weight, expected, atol=1e-6)
    assert unit_norms(weight).max() <= 2.0 + 1e-6


def test_convolutions_are_constrained_per_output_channel_and_member():
    torch.manual_seed(0)
    convs = [nn.Conv2d(3, 4, kernel_size=3) for _ in range(2)]
    with torch.no_grad():
        convs[0].weight[1] *= 0.01  # one small channel stays below the cap
    before = torch.stack([conv.weight.detach() for conv in convs])
    norms = before.flatten(2).norm(dim=2)  # (K, channels)
    caps = [float(norms[0].median()), float("inf")]  # the second member has no cap
    params = {"weight": before.clone()}
    MaxNorm(["weight"]).transform_weights(member_step(params, member_hyper(2, max_norm=caps)))
    for channel in range(4):
        if norms[0, channel] > caps[0]:
            expected = before[0, channel] * caps[0] / norms[0, channel]
            assert torch.allclose(params["weight"][0, channel], expected, atol=1e-6)
        else:
            assert torch.equal(params["weight"][0, channel], before[0, channel])
    assert unit_norms(params["weight"][0]).max() == pytest.approx(caps[0], rel=1e-5)
    assert torch.equal(params["weight"][1], before[1])
