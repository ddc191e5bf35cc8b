"""Magnitude pruning and lottery tickets through a whole run against torch.nn.utils.prune
applied to the same weights at the same epoch ends."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils import prune

from tests.reference.harness import tiny_model, train_reference, train_reglab


def linears(model: nn.Module) -> list[nn.Linear]:
    return [module for module in model.modules() if isinstance(module, nn.Linear)]


def effective_weights(model: nn.Module) -> dict[str, torch.Tensor]:
    """Every Linear's weight and bias as the next forward pass sees them: for torch's pruning
    `weight_orig · weight_mask` (its `weight` attribute is only recomputed by the forward pre-hook,
    so after the last step it is stale)."""
    weights = {}
    for index, module in enumerate(linears(model)):
        pruned = hasattr(module, "weight_orig")
        weights[f"{index}.weight"] = (module.weight_orig * module.weight_mask if pruned else module.weight).detach()
        weights[f"{index}.bias"] = module.bias.detach()
    return weights


def assert_same_effective_weights(got: nn.Module, expected: nn.Module) -> None:
    mine, theirs = effective_weights(got), effective_weights(expected)
    for name in theirs:
        torch.testing.assert_close(mine[name], theirs[name], rtol=1e-5, atol=1e-6, msg=lambda m, n=name: f"{n}: {m}")
        assert torch.equal(mine[name] == 0, theirs[name] == 0), f"{name}: another set of weights is zero"


def sgd(model):
    return torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.0)


def magnitude_pruning_at(epochs: list[int], amount: float, scope: str):
    """An `after_epoch` hook: torch's L1 pruning of every Linear weight at the end of `epochs`."""

    def prune_at(model, epoch):
        if epoch not in epochs:
            return
        targets = [(module, "weight") for module in linears(model)]
        if scope == "global":
            prune.global_unstructured(targets, pruning_method=prune.L1Unstructured, amount=amount)
        else:
            for module, name in targets:
                prune.l1_unstructured(module, name, amount=amount)

    return prune_at


@pytest.mark.parametrize(
    ("overrides", "epochs", "amount", "scope"),
    [
        ({"pruning.amount": 0.4}, [1], 0.4, "global"),
        ({"pruning.amount": 0.5, "pruning.scope": "layer", "pruning.start_epoch": 2}, [2], 0.5, "layer"),
        ({"pruning.amount": 0.3, "pruning.schedule": "iterative", "pruning.rounds": 2, "pruning.scope": "layer"}, [1, 2], 0.3, "layer"),
        ({"pruning.amount": 0.3, "pruning.schedule": "iterative", "pruning.rounds": 3, "pruning.scope": "global"}, [1, 2, 3], 0.3, "global"),
    ],
    ids=["one-shot-global", "one-shot-layer", "iterative-layer", "iterative-global"],
)
def test_magnitude_pruning_equals_torch_prune_on_the_same_weights(overrides, epochs, amount, scope):
    run = train_reglab({"optimizer.momentum": 0.9, "pruning.method": "magnitude", **overrides}, epochs=4)
    reference = train_reference(tiny_model(), sgd, epochs=4, after_epoch=magnitude_pruning_at(epochs, amount, scope))
    assert_same_effective_weights(run.model, reference)
    zeros = sum(int((module.weight == 0).sum()) for module in linears(reference))
    assert zeros > 0.25 * sum(module.weight.numel() for module in linears(reference))


def test_lottery_ticket_rewinds_the_survivors_to_their_initial_weights():
    """Round 0 trains E = 2 epochs dense; torch prunes 40% globally; the survivors restart
    from their initial values and train E more epochs under the mask (plain SGD)."""
    run = train_reglab({"pruning.method": "lottery", "pruning.rounds": 1, "pruning.amount": 0.4}, epochs=2)
    initial = tiny_model()
    model = tiny_model()

    def rewind(model, epoch):
        if epoch != 2:
            return
        targets = [(module, "weight") for module in linears(model)]
        prune.global_unstructured(targets, pruning_method=prune.L1Unstructured, amount=0.4)
        with torch.no_grad():
            for mine, start in zip(linears(model), linears(initial)):
                mine.weight_orig.copy_(start.weight)
                mine.bias.copy_(start.bias)

    reference = train_reference(model, lambda m: torch.optim.SGD(m.parameters(), lr=0.1), epochs=4, after_epoch=rewind)
    assert len(run.history) == 4
    assert_same_effective_weights(run.model, reference)
