"""Max-norm constraint against a hand computation of row and channel norms."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from reglab.regularizers import MaxNormHook, max_norm_, unit_norms


def test_rows_above_the_cap_are_rescaled_and_the_rest_untouched():
    weight = torch.tensor([[3.0, 4.0], [0.3, 0.4], [0.0, -6.0]])
    max_norm_([weight], 2.0)
    expected = torch.tensor([[3.0 * 2 / 5, 4.0 * 2 / 5], [0.3, 0.4], [0.0, -2.0]])
    assert torch.allclose(weight, expected, atol=1e-6)
    assert unit_norms(weight).max() <= 2.0 + 1e-6


def test_convolution_is_constrained_per_output_channel():
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 4, kernel_size=3)
    with torch.no_grad():
        conv.weight[1] *= 0.01  # one small channel stays below the cap
    before = conv.weight.detach().clone()
    norms = before.flatten(1).norm(dim=1)
    cap = float(norms.median())
    MaxNormHook([conv.weight], cap).after_step(conv, None)
    for channel in range(4):
        if norms[channel] > cap:
            assert torch.allclose(conv.weight[channel], before[channel] * cap / norms[channel], atol=1e-6)
        else:
            assert torch.equal(conv.weight[channel], before[channel])
    assert unit_norms(conv.weight).max() == pytest.approx(cap, rel=1e-5)


def test_vectors_are_refused():
    with pytest.raises(ValueError):
        MaxNormHook([torch.zeros(3)], 1.0)
