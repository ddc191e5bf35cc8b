"""`magnitude_masks` for K members against torch's own L1 pruning, round after round."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils import prune

from reglab.pruning.member_masks import apply_masks_, magnitude_masks, zero_counts


def distinct_members(members: int, shapes=((6, 4), (3, 6))) -> list[list[torch.Tensor]]:
    """Per member, tensors whose magnitudes are all distinct (no ties: torch's choice is unique)."""
    total = sum(rows * cols for rows, cols in shapes)
    result = []
    for member in range(members):
        values = (torch.randperm(total, generator=torch.Generator().manual_seed(member)).float() + 1) / 10
        values = values * torch.where(torch.arange(total) % 3 == 0, -1.0, 1.0)
        tensors, offset = [], 0
        for rows, cols in shapes:
            tensors.append(values[offset : offset + rows * cols].view(rows, cols).clone())
            offset += rows * cols
        result.append(tensors)
    return result


def torch_rounds(tensors: list[torch.Tensor], amounts: list[float], scope: str) -> list[list[torch.Tensor]]:
    """torch.nn.utils.prune's masks after each round (L1Unstructured, global or per tensor)."""
    modules = [nn.Linear(t.shape[1], t.shape[0], bias=False) for t in tensors]
    with torch.no_grad():
        for module, tensor in zip(modules, tensors):
            module.weight.copy_(tensor)
    history = []
    for amount in amounts:
        if scope == "global":
            prune.global_unstructured([(m, "weight") for m in modules], pruning_method=prune.L1Unstructured, amount=amount)
        else:
            for module in modules:
                prune.l1_unstructured(module, "weight", amount=amount)
        history.append([module.weight_mask.clone() for module in modules])
    return history


@pytest.mark.parametrize("scope", ["global", "layer"])
def test_each_member_gets_torchs_masks_with_its_own_amount_round_after_round(scope):
    amounts = [0.3, 0.15, 0.6]  # per member; three rounds each
    members = distinct_members(len(amounts))
    stacked = [torch.stack([member[index] for member in members]) for index in range(2)]
    masks = [None, None]
    expected = [torch_rounds(member, [amount] * 3, scope) for member, amount in zip(members, amounts)]
    for round_index in range(3):
        masks = magnitude_masks(stacked, masks, amounts, scope)
        for member in range(len(amounts)):
            for index in range(2):
                assert torch.equal(masks[index][member], expected[member][round_index][index]), (scope, round_index, member, index)


def test_a_member_prunes_alike_alone_and_among_others():
    members = distinct_members(4)
    stacked = [torch.stack([member[index] for member in members]) for index in range(2)]
    together = magnitude_masks(stacked, [None, None], [0.2, 0.5, 0.7, 0.0])
    alone = magnitude_masks([tensor[2:3] for tensor in stacked], [None, None], [0.7])
    assert all(torch.equal(mask[2:3], single) for mask, single in zip(together, alone))
    assert all(torch.equal(mask[3], torch.ones_like(mask[3])) for mask in together)  # amount 0 prunes nothing


def test_ties_go_by_position_and_the_count_is_exact():
    weights = [torch.tensor([[0.0, 0.5, 0.0, 0.0, 0.2, 0.0]])]  # four zeros, prune round(0.5·6) = 3
    mask = magnitude_masks(weights, [None], [0.5])[0]
    assert mask.tolist() == [[0.0, 1.0, 0.0, 0.0, 1.0, 1.0]]  # the first three zeros
    # next round: 3 alive, round(0.5·3) = 2 (half to even) -> the remaining zero and 0.2
    mask = magnitude_masks(weights, [mask], [0.5])[0]
    assert mask.tolist() == [[0.0, 1.0, 0.0, 0.0, 0.0, 0.0]]


def test_counts_round_half_to_even_as_torch():
    weights = [torch.arange(1.0, 11.0).view(1, 10)]
    # a·n in float64, then half to even: 2.5 -> 2, 3.5 -> 4, 4.5 -> 4, 1.5 -> 2
    for amount, pruned in ((0.25, 2), (0.35, 4), (0.45, 4), (0.15, 2)):
        mask = magnitude_masks(weights, [None], [amount])[0]
        assert int((mask == 0).sum()) == round(amount * 10) == pruned, amount


def test_apply_and_count():
    weights = torch.tensor([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]])
    masks = magnitude_masks([weights], [None], [0.5, 0.25])
    apply_masks_([weights], masks)
    assert weights.tolist() == [[[0.0, 0.0], [3.0, 4.0]], [[0.0, 6.0], [7.0, 8.0]]]
    assert zero_counts([weights]).tolist() == [[2, 1]]


def test_ranking_a_few_members_at_a_time_changes_nothing(monkeypatch):
    from reglab.pruning import member_masks

    members = distinct_members(5)
    stacked = [torch.stack([member[index] for member in members]) for index in range(2)]
    amounts = [0.1, 0.3, 0.5, 0.7, 0.9]
    at_once = magnitude_masks(stacked, [None, None], amounts)
    monkeypatch.setattr(member_masks, "_RANKED_ENTRIES", 2 * 42)  # two members per sort
    in_parts = magnitude_masks(stacked, [None, None], amounts)
    assert all(torch.equal(a, b) for a, b in zip(at_once, in_parts))
