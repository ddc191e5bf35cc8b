"""reglab's MLP with batch, group and layer norm (the stacked engine) against the same
network built from nn.BatchNorm1d / nn.GroupNorm / nn.LayerNorm and stepped by torch.optim;
the activity penalties written out on its hidden activations."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from tests.reference.harness import assert_same_weights, param_groups, train_reference
from tests.reference.mlp import initial_reference, train_reglab_mlp

HIDDEN = [8, 8]


# ReLU then a norm over 8 samples (or 4 features) meets all-zero groups whose variance
# is ~eps: float32 rounding grows there (measured: a float32 and a float64 torch reference
# differ by 4e-4 after 3 epochs), so "after" is tested with tanh, which has no dead units.
# Group norm after tanh still normalises 4 features per group: float32 and float64 torch
# references differ by 2.7e-6 there, reglab and the float64 one by 4.5e-6 (1 thread).
CASES = [
    ("batch", "after", "tanh"), ("batch", "before", "relu"),
    ("group", "after", "tanh"), ("group", "before", "relu"),
    ("layer", "before", "relu"), ("layer", "after", "tanh"),
]


@pytest.mark.parametrize(("norm", "position", "activation"), CASES)
def test_normalised_mlp_equals_torch_norm_layers(norm, position, activation):
    """Weights, affine parameters and batch norm's running statistics after 3 epochs of momentum SGD with decay."""
    shape = (HIDDEN, norm, position, 2, activation)
    run = train_reglab_mlp({"optimizer.momentum": 0.9, "optimizer.weight_decay": 1e-2}, *shape)
    assert run.summary["population"]["engine"] != "vmap"  # reglab's own stacked MLP
    reference = train_reference(initial_reference(*shape), lambda m: torch.optim.SGD(param_groups(m, 1e-2), lr=0.1, momentum=0.9))
    atol = 2e-5 if (norm, position) == ("group", "after") else 1e-6
    assert_same_weights(run.model, reference, atol=atol, moved_from=initial_reference(*shape))
    if norm == "batch":
        assert not torch.equal(run.model.state_dict()["hidden.0.norm.running_var"], torch.ones(8))


def test_activity_penalties_add_lambda_times_the_batch_mean_of_each_blocks_activations():
    """λ₁·Σ_blocks mean_batch Σ|a| + λ₂·Σ_blocks mean_batch Σa², a = each hidden block's output."""
    l1, l2 = 0.01, 0.02
    run = train_reglab_mlp({"optimizer.momentum": 0.9, "regularization.activity_l1": l1, "regularization.activity_l2": l2}, HIDDEN)
    model = initial_reference(HIDDEN)
    model.record_activations = True

    def loss_of(outputs, targets):
        penalty = sum(l1 * a.abs().sum(1).mean() + l2 * a.pow(2).sum(1).mean() for a in model.activations)
        return F.cross_entropy(outputs, targets) + penalty

    reference = train_reference(model, lambda m: torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9), loss_of=loss_of)
    assert_same_weights(run.model, reference, moved_from=initial_reference(HIDDEN))
    plain = train_reference(initial_reference(HIDDEN), lambda m: torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9))
    assert not torch.allclose(run.model.state_dict()["hidden.0.linear.weight"], plain.hidden[0].linear.weight, atol=1e-4)
