"""Mixup in a whole run of reglab's MLP against the mixing written out with torch's Beta
distribution and randperm, drawing per batch λ (one per sample) then the partners from
PyTorch's global generator where the run's own stream starts (Zhang et al. 2018)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from reglab.contract.batches import batch_starts
from tests.reference.harness import CLASSES, assert_same_weights, tiny_data
from tests.reference.mlp import ReferenceMLP, train_reglab_mlp
from tests.reference.test_reference_dropout import HIDDEN, seeded_reference


def train_mixed(model: nn.Module, alpha: float, epochs: int = 3) -> nn.Module:
    data = tiny_data()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    order_generator = torch.Generator().manual_seed(0)
    beta = torch.distributions.Beta(torch.tensor(alpha), torch.tensor(alpha))
    for _ in range(epochs):
        order = torch.randperm(40, generator=order_generator)
        for start in batch_starts(40, 8):
            rows = order[start : start + 8]
            x, y = data.train_x[rows], F.one_hot(data.train_y[rows], CLASSES).float()
            weights = beta.sample((len(rows),))
            partners = torch.randperm(len(rows))
            mixed_x = weights[:, None] * x + (1 - weights[:, None]) * x[partners]
            mixed_y = weights[:, None] * y + (1 - weights[:, None]) * y[partners]
            optimizer.zero_grad()
            F.cross_entropy(model(mixed_x), mixed_y).backward()
            optimizer.step()
    return model


def test_mixup_run_equals_beta_weights_and_randperm_partners_from_the_same_stream():
    overrides = {"augment.mixup_alpha": 0.4, "optimizer.momentum": 0.9}
    run = train_reglab_mlp(overrides, HIDDEN)
    state = torch.get_rng_state()
    try:
        reference = train_mixed(seeded_reference(nn.Identity(), overrides), 0.4)
        start = seeded_reference(nn.Identity(), overrides)
    finally:
        torch.set_rng_state(state)
    assert isinstance(reference, ReferenceMLP)
    assert_same_weights(run.model, reference, moved_from=start)
