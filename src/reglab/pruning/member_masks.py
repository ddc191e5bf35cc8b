"""Magnitude-pruning masks for K members at once: one ranking per member, batched over members.

For member k, over the entries it ranks together (all its selected tensors for global
scope, one tensor for layer scope), with n entries of which r_k are still unpruned:

    c_k = round(a_k · r_k)              half to even, as torch's `_compute_nparams_toprune`
    prune the c_k unpruned entries of smallest |w|

so r rounds of amount a leave a fraction (1 − a)^r, up to the rounding of each round.
Given fractions remaining f_k instead (`pruning.remaining`), a round keeps exactly

    round(f_k · n)                      of the n entries ranked together

(never bringing back an entry pruned before), so a schedule lands on its fractions.

Batched: the already-pruned entries get the score −1 (below every |w|), each member's
row of the (K, n) scores is sorted with a stable sort, and the first (n − r_k) + c_k
positions of row k are masked. Ties in |w| go by position (in the order of the tensors,
then row-major: the earlier entry is pruned first). `torch.nn.utils.prune`'s
`L1Unstructured` picks among ties with `torch.topk`, whose selection algorithm no batched
operation reproduces; so the single run (`prune_magnitude`) computes its masks with this
function too (K = 1): a member and its single run prune the same entries, ties included.
Without ties the masks are those of `L1Unstructured` / `global_unstructured`.

The masks are applied after each optimizer step (`apply_masks_`) to the gradients and the
weights: a pruned entry has gradient 0 and, with its optimizer state zeroed when it is
pruned, stays exactly 0.

Reference:
    Han, Pool, Tran & Dally (2015). Learning both Weights and Connections for Efficient
    Neural Networks. arXiv:1506.02626.
"""

from __future__ import annotations

from typing import Any, Literal, Mapping, Sequence

import torch

# At most this many entries are sorted at once (members × entries): 2^24 int64 indices, 128 MiB.
_RANKED_ENTRIES = 1 << 24

__all__ = ["magnitude_masks", "apply_masks_", "zero_pruned_", "rewind_", "zero_counts"]


def _rank_and_mask(
    scores: torch.Tensor, alive: torch.Tensor, amounts: torch.Tensor, fractions: torch.Tensor | None
) -> torch.Tensor:
    """(K, n) keep-mask (bool): of each row's alive entries, round(a_k · r_k) of the lowest scores
    pruned; with `fractions`, the lowest pruned until round(f_k · n) entries are left."""
    members, entries = scores.shape
    remaining = alive.sum(dim=1)
    if fractions is None:
        cut = (entries - remaining) + torch.round(amounts * remaining.to(torch.float64)).to(torch.long)
    else:
        kept = torch.round(fractions * float(entries)).to(torch.long)
        cut = torch.maximum(entries - kept, entries - remaining)
    order = torch.sort(scores.masked_fill(~alive, -1.0), dim=1, stable=True).indices
    kept_in_order = torch.arange(entries, device=scores.device).expand(members, entries) >= cut.unsqueeze(1)
    return torch.empty_like(kept_in_order).scatter_(1, order, kept_in_order)


@torch.no_grad()
def magnitude_masks(
    weights: Sequence[torch.Tensor],
    masks: Sequence[torch.Tensor | None],
    amounts: Sequence[float] | torch.Tensor,
    scope: Literal["global", "layer"] = "global",
    remaining: Sequence[float] | torch.Tensor | None = None,
) -> list[torch.Tensor]:
    """New masks (1 kept, 0 pruned) of stacked tensors after one more round of magnitude pruning.

    Args:
        weights: the tensors to prune, each (K, *shape) (member k in row k); entries
            already pruned are ignored (their mask is 0).
        masks: each tensor's current mask, (K, *shape), or None (nothing pruned yet).
        amounts: (K,) fraction of each member's unpruned entries to prune, in [0, 1): Python
            floats or float64 (a·r is rounded in float64 as torch does; float32 0.35 · 10
            would round to 3, not 4).
        scope: "global" (one ranking over all of a member's tensors) or "layer" (each tensor alone).
        remaining: (K,) fraction of the entries ranked together that each member keeps after
            this round (round(f · n) entries, half to even); replaces `amounts` when given.

    Returns:
        One mask per tensor, (K, *shape), in the tensor's dtype; an entry pruned before
        stays pruned.

    Example:
        >>> weights = [torch.tensor([[0.3, -0.1, 0.2, 0.4], [1.0, 2.0, -3.0, 0.5]])]
        >>> magnitude_masks(weights, [None], [0.5, 0.25])[0]
        tensor([[1., 0., 0., 1.],
                [1., 1., 1., 0.]])
    """
    members = weights[0].shape[0]
    amounts = torch.as_tensor(amounts, dtype=torch.float64).to(weights[0].device)
    fractions = None if remaining is None else torch.as_tensor(remaining, dtype=torch.float64).to(weights[0].device)
    groups = [list(range(len(weights)))] if scope == "global" else [[index] for index in range(len(weights))]
    result: list[torch.Tensor] = [torch.empty(0)] * len(weights)
    for group in groups:
        scores = torch.cat([weights[index].detach().abs().reshape(members, -1) for index in group], dim=1)
        alive = torch.cat(
            [
                (masks[index] != 0).reshape(members, -1)
                if masks[index] is not None
                else torch.ones(members, weights[index][0].numel(), dtype=torch.bool, device=scores.device)
                for index in group
            ],
            dim=1,
        )
        # rows are independent: rank a few members at a time, so the (rows, n) sort indices stay small
        rows = max(1, _RANKED_ENTRIES // scores.shape[1])
        kept = torch.cat(
            [
                _rank_and_mask(
                    scores[start : start + rows],
                    alive[start : start + rows],
                    amounts[start : start + rows],
                    None if fractions is None else fractions[start : start + rows],
                )
                for start in range(0, members, rows)
            ]
        )
        for index, part in zip(group, kept.split([weights[index][0].numel() for index in group], dim=1)):
            result[index] = part.reshape(weights[index].shape).to(weights[index].dtype)
    return result


@torch.no_grad()
def apply_masks_(tensors: Sequence[torch.Tensor], masks: Sequence[torch.Tensor]) -> None:
    """tensor ← tensor · mask, in place, for each pair (weights, gradients or optimizer state)."""
    for tensor, mask in zip(tensors, masks):
        tensor.mul_(mask)


@torch.no_grad()
def zero_pruned_(
    params: Mapping[str, torch.Tensor],
    masks: Mapping[str, torch.Tensor],
    optimizer_state: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """At a round: each masked parameter and its per-entry optimizer state (momentum, Adam
    moments: the values shaped like it) · mask, so pruned entries stay exactly 0 afterwards.

    Args:
        params: name -> parameter (stacked (K, *shape), or one run's tensor).
        masks: name -> its mask, of the same shape.
        optimizer_state: name -> that parameter's optimizer state (a dict of tensors), if any.
    """
    for name, mask in masks.items():
        params[name].mul_(mask)
        state = optimizer_state.get(name, {}) if optimizer_state is not None else {}
        for value in state.values():
            if isinstance(value, torch.Tensor) and value.shape == mask.shape:
                value.mul_(mask)


@torch.no_grad()
def rewind_(tensors: Mapping[str, torch.Tensor], target: Mapping[str, torch.Tensor], masks: Mapping[str, torch.Tensor]) -> None:
    """Lottery rewind: a masked tensor ← target · mask (survivors take the target's values,
    pruned entries 0); every other tensor (biases, batch-norm statistics) ← target."""
    for name, tensor in tensors.items():
        tensor.copy_(target[name])
        if name in masks:
            tensor.mul_(masks[name])


@torch.no_grad()
def zero_counts(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """(T, K) exact zeros of each stacked tensor (K, *shape), per member, on the device."""
    return torch.stack([(tensor == 0).reshape(tensor.shape[0], -1).sum(dim=1) for tensor in tensors])
