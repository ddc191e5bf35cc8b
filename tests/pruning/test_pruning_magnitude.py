"""Magnitude pruning on hand-built models, against sorted magnitudes and the (1 − a)^r arithmetic."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from reglab.config import ConfigError
from reglab.pruning import expected_sparsity, prunable_parameters, prune_magnitude, pruning_masks


def distinct_model():
    """Linear(4→6), BatchNorm1d(6), Linear(6→3): 24 + 18 weights with distinct magnitudes."""
    model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 3))
    magnitudes = torch.randperm(42, generator=torch.Generator().manual_seed(0)).float() + 1.0
    signs = torch.where(torch.arange(42) % 2 == 0, 1.0, -1.0)
    values = magnitudes * signs / 10
    with torch.no_grad():
        model[0].weight.copy_(values[:24].view(6, 4))
        model[3].weight.copy_(values[24:].view(3, 6))
    return model


def test_scope_is_weights_only_and_never_normalisation():
    model = distinct_model()
    assert list(prunable_parameters(model)) == ["0.weight", "3.weight"]
    assert list(prunable_parameters(model, include_biases=True)) == ["0.weight", "0.bias", "3.weight", "3.bias"]


def test_global_pruning_masks_the_smallest_magnitudes_over_all_layers():
    model = distinct_model()
    everything = torch.cat([model[0].weight.flatten(), model[3].weight.flatten()]).abs()
    cutoff = everything.kthvalue(round(0.25 * 42)).values  # seed 000's quantile rule
    masks = prune_magnitude(model, 0.25)
    for name, module in (("0.weight", model[0]), ("3.weight", model[3])):
        expected = (module.weight_orig.abs() > cutoff).float()
        assert torch.equal(masks[name], expected), name
        assert torch.equal(module.weight, module.weight_orig * expected)
    assert sum(int((m == 0).sum()) for m in masks.values()) == round(0.25 * 42)
    # biases and batch-norm parameters untouched
    assert not hasattr(model[0], "bias_mask") and not hasattr(model[1], "weight_mask")


def test_layer_scope_ranks_each_tensor_alone():
    model = distinct_model()
    before = {name: module.weight.detach().abs().clone() for name, module in (("0.weight", model[0]), ("3.weight", model[3]))}
    masks = prune_magnitude(model, 0.5, scope="layer")
    for name, magnitudes in before.items():
        pruned = magnitudes.flatten().argsort()[: round(0.5 * magnitudes.numel())]
        expected = torch.ones(magnitudes.numel())
        expected[pruned] = 0
        assert torch.equal(masks[name].flatten(), expected), name


def test_include_biases_prunes_biases_too():
    model = distinct_model()
    masks = prune_magnitude(model, 0.5, include_biases=True)
    assert set(masks) == {"0.weight", "0.bias", "3.weight", "3.bias"}
    assert not hasattr(model[1], "weight_mask")


@pytest.mark.parametrize("scope", ["global", "layer"])
def test_each_round_prunes_a_fraction_of_the_remaining_weights(scope):
    model = nn.Sequential(nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 32))  # 1024 + 1024 weights
    remaining = {"0.weight": 1024, "2.weight": 1024} if scope == "layer" else {"all": 2048}
    for rounds in range(1, 5):
        masks = prune_magnitude(model, 0.3, scope=scope)
        remaining = {key: count - round(0.3 * count) for key, count in remaining.items()}  # torch rounds a·n
        kept = sum(int(mask.sum()) for mask in masks.values())
        assert kept == sum(remaining.values())
        assert 1 - kept / 2048 == pytest.approx(expected_sparsity(0.3, rounds), abs=1 / 1024)
    # a = 0.5 on 2048 weights: no rounding at all, 1 − (1 − a)^r exactly
    model = nn.Sequential(nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 32))
    for rounds in range(1, 4):
        masks = prune_magnitude(model, 0.5, scope=scope)
        assert 1 - sum(int(m.sum()) for m in masks.values()) / 2048 == expected_sparsity(0.5, rounds)


def test_pruned_entries_stay_pruned_in_later_rounds():
    model = distinct_model()
    first = {name: mask.clone() for name, mask in prune_magnitude(model, 0.3).items()}
    second = prune_magnitude(model, 0.3)
    for name in first:
        assert torch.all(second[name] <= first[name]), name
    assert set(pruning_masks(model)) == {"0.weight", "3.weight"}


def test_parameter_order_is_kept_so_positional_copies_still_pair_up():
    model = distinct_model()
    shapes = [tuple(p.shape) for p in model.parameters()]
    prune_magnitude(model, 0.5, include_biases=True)
    assert [tuple(p.shape) for p in model.parameters()] == shapes
    assert [name for name, _ in model.named_parameters()][:2] == ["0.weight_orig", "0.bias_orig"]


@pytest.mark.parametrize(
    "kwargs, key",
    [({"amount": 1.0}, "pruning.amount"), ({"amount": 0.2, "scope": "row"}, "pruning.scope"),
     ({"amount": 0.2, "names": ["1.weight"]}, "pruning names")],
)
def test_bad_arguments_are_config_errors(kwargs, key):
    with pytest.raises(ConfigError, match=key):
        prune_magnitude(distinct_model(), **kwargs)


def test_a_pruned_model_can_be_deep_copied_after_a_training_forward():
    model = distinct_model()
    prune_magnitude(model, 0.5)
    model.train()
    model(torch.randn(8, 4)).sum().backward()  # leaves the masked `weight` attributes in a graph
    copied = copy.deepcopy(model)
    assert torch.equal(copied[0].weight, model[0].weight_orig * model[0].weight_mask)
    assert model[0].weight_orig.grad is not None  # the gradient still reached the parameter
    model.eval(), copied.eval()
    assert torch.equal(copied(torch.ones(2, 4)), model(torch.ones(2, 4)))
