"""`average_members_`: each row of a stacked update equals PyTorch's own average of that member."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from reglab.averaging import average_members_, averaging_weights, swa_weight

DECAYS = (0.5, 0.9, 0.99)


def members() -> list[nn.Module]:
    models = []
    for seed in range(len(DECAYS)):
        torch.manual_seed(seed)
        models.append(nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5), nn.Linear(5, 2)))
    return models


def perturb_(models, generator) -> None:
    """A stand-in for a training step: new weights and batch-norm statistics."""
    for model in models:
        model(torch.randn(8, 4, generator=generator))  # train mode: running stats move, num_batches_tracked counts
        with torch.no_grad():
            for param in model.parameters():
                param.add_(torch.randn(param.shape, generator=generator))


def stacked(models, buffers: bool) -> list[torch.Tensor]:
    tensors = [list(model.parameters()) + (list(model.buffers()) if buffers else []) for model in models]
    return [torch.stack([member[index].detach() for member in tensors]) for index in range(len(tensors[0]))]


def test_ema_rows_equal_averaged_models_with_each_members_decay():
    models, generator = members(), torch.Generator().manual_seed(0)
    references = [AveragedModel(m, multi_avg_fn=get_ema_multi_avg_fn(d), use_buffers=True) for m, d in zip(models, DECAYS)]
    averages = stacked(models, buffers=True)
    for step in range(5):
        perturb_(models, generator)
        for reference, model in zip(references, models):
            reference.update_parameters(model)
        weights = averaging_weights([1.0 if step == 0 else 1.0 - decay for decay in DECAYS], torch.device("cpu"))
        average_members_(averages, stacked(models, buffers=True), weights)
    for row, reference in enumerate(references):
        expected = [*reference.module.parameters(), *reference.module.buffers()]
        for average, tensor in zip(averages, expected, strict=True):
            assert torch.allclose(average[row], tensor, rtol=1e-6, atol=1e-6)
    assert not torch.allclose(averages[0][0], averages[0][2])


def test_swa_rows_are_the_means_of_their_own_collected_weights_and_zero_weight_leaves_a_row():
    models, generator = members(), torch.Generator().manual_seed(1)
    starts = (1, 2, 4)  # the last member never averages within 3 epochs
    references = [AveragedModel(model) for model in models]
    averages = [tensor.clone() for tensor in stacked(models, buffers=False)]
    untouched = [tensor[2].clone() for tensor in averages]
    counts = [0, 0, 0]
    for epoch in range(1, 4):
        perturb_(models, generator)
        holding = [epoch >= start for start in starts]
        for reference, model, held in zip(references, models, holding):
            if held:
                reference.update_parameters(model)
        weights = averaging_weights([swa_weight(n) if held else 0.0 for n, held in zip(counts, holding)], torch.device("cpu"))
        average_members_(averages, stacked(models, buffers=False), weights)
        counts = [n + held for n, held in zip(counts, holding)]
    assert counts == [3, 2, 0]
    for row in (0, 1):
        for average, tensor in zip(averages, references[row].module.parameters(), strict=True):
            assert torch.allclose(average[row], tensor, rtol=1e-6, atol=1e-6)
    assert all(torch.equal(average[2], kept) for average, kept in zip(averages, untouched))


@pytest.mark.parametrize("weight", [0.0, 1.0])
def test_weights_zero_and_one_keep_and_copy_exactly(weight):
    average, current = torch.randn(1, 7), torch.randn(1, 7)
    kept = average.clone()
    average_members_([average], [current], torch.tensor([weight]))
    assert torch.equal(average, kept if weight == 0.0 else current)
