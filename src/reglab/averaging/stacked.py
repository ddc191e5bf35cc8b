"""One weight-averaging update for K members at once, on stacked (K, ...) tensors.

Both averages are the same running update with a per-member weight w_k:

    θ̄_k ← θ̄_k + w_k·(θ_k − θ̄_k)

- EMA with decay d_k: w_k = 1 − d_k, that is θ̄ ← d·θ̄ + (1 − d)·θ; the first update
  has w = 1, so the average starts as the weights after the first step.
- SWA after n_k averaged weights: w_k = 1/(n_k + 1), so θ̄ stays the equal-weight mean
  (1/k)·Σ θ_{e_i} of the k collected weights; the first update has w = 1 (a copy) and
  w = 0 leaves the average of a member that is not averaging yet as it is.

`WeightEMA` and `StochasticWeightAveraging` keep their averages as stacked (K, ...)
tensors beside the stacked weights (a single run is K = 1).

Floating-point tensors use `torch.lerp` (the update of `torch.optim.swa_utils`' EMA);
integer buffers (batch norm's `num_batches_tracked`) take the same mean, truncated, as
`torch.optim.swa_utils.get_ema_multi_avg_fn` does. Written here rather than through
`AveragedModel`, which averages one module with one decay and one count: a population
needs K members, each with its own weight, in one tensor operation per parameter
(`tests/averaging/test_averaging_stacked.py` checks every row against `AveragedModel`).

Reference:
    Polyak & Juditsky 1992; Izmailov et al. 2018 (arXiv:1803.05407).
"""

from __future__ import annotations

from typing import Sequence

import torch

from reglab.contract.members import per_member

__all__ = ["average_members_", "averaging_weights", "clone_tensors", "concat_rows", "mask_averages_", "select_rows"]


def averaging_weights(values: Sequence[float], device: torch.device) -> torch.Tensor:
    """A (K,) float32 tensor of per-member weights w_k, each computed on the host in double
    precision first (1 − d is rounded once, as a scalar weight would be).

    Example:
        >>> averaging_weights([1 - 0.9, 1 - 0.99], torch.device("cpu"))
        tensor([0.1000, 0.0100])
    """
    return torch.tensor([float(value) for value in values], dtype=torch.float32, device=device)


@torch.no_grad()
def average_members_(averages: Sequence[torch.Tensor], current: Sequence[torch.Tensor], weights: torch.Tensor) -> None:
    """θ̄_k ← θ̄_k + w_k·(θ_k − θ̄_k) in place, for every pair of stacked (K, ...) tensors.

    Args:
        averages: the stacked averages θ̄, updated in place.
        current: the stacked weights θ, the same shapes as `averages`.
        weights: (K,) per-member weights w_k in [0, 1] (`averaging_weights`).

    Example:
        >>> average = torch.zeros(2, 3); weights = torch.ones(2, 3)
        >>> average_members_([average], [weights], torch.tensor([1.0, 0.5]))
        >>> average[:, 0]
        tensor([1.0000, 0.5000])
    """
    for average, value in zip(averages, current, strict=True):
        rate = per_member(weights, average)
        if average.is_floating_point():
            average.lerp_(value.detach(), rate.to(average.dtype))
        else:
            average.copy_(average * (1 - rate) + value.detach() * rate)


def clone_tensors(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Detached copies of stacked tensors: an average's starting point."""
    return {name: tensor.detach().clone() for name, tensor in tensors.items()}


def select_rows(tensors: dict[str, torch.Tensor], index: torch.Tensor) -> dict[str, torch.Tensor]:
    """The members at rows `index` of every stacked tensor (members that keep training)."""
    return {name: tensor.index_select(0, index) for name, tensor in tensors.items()}


def concat_rows(parts: Sequence[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """The members of `parts` (shards of one population), one after another."""
    return {name: torch.cat([part[name] for part in parts]) for name in parts[0]}


@torch.no_grad()
def mask_averages_(averages: dict[str, torch.Tensor], masks: dict[str, torch.Tensor]) -> None:
    """θ̄ · mask for every masked parameter: a pruned entry is then exactly 0 in the average
    too, and stays 0, since the average of zeros is zero (θ̄ ← d·0 + (1 − d)·0)."""
    for name, mask in masks.items():
        averages[name].mul_(mask)
