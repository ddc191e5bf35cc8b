"""The orthogonality penalty in a whole run, written out by hand in both modes: λ times the
mean |cosine| over pairs of a weight's vectors (rows: output units; columns: input entries),
summed over the Linear weights (Brock et al. 2017; Keras OrthogonalRegularizer)."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from tests.reference.harness import assert_same_weights, tiny_model, train_reference, train_reglab


def mean_absolute_cosine(vectors: torch.Tensor) -> torch.Tensor:
    """mean over pairs i < j of |cos(v_i, v_j)|."""
    unit = vectors / vectors.norm(dim=1, keepdim=True)
    cosines = unit @ unit.T
    count = vectors.shape[0]
    pairs = torch.triu_indices(count, count, offset=1)
    return cosines[pairs[0], pairs[1]].abs().mean()


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonality_penalty_in_both_modes(mode):
    strength = 0.5
    run = train_reglab({"optimizer.momentum": 0.9, "regularization.orthogonality": strength, "regularization.orthogonality_mode": mode})
    model = tiny_model()

    def loss_of(outputs, targets):
        layers = (model[0].weight, model[2].weight)
        penalty = sum(mean_absolute_cosine(weight if mode == "rows" else weight.T) for weight in layers)
        return F.cross_entropy(outputs, targets) + strength * penalty

    reference = train_reference(model, lambda m: torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9), loss_of=loss_of)
    assert_same_weights(run.model, reference, moved_from=tiny_model())
