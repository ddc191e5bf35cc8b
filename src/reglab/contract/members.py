"""Per-member values broadcast against stacked tensors (K, ...): the shape every unit works in."""

from __future__ import annotations

import torch

__all__ = ["per_member", "unstack_state"]


def per_member(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """View a (K,) tensor as (K, 1, ..., 1) to broadcast against `like` (K, ...).

    Example:
        >>> per_member(torch.tensor([0.1, 0.2]), torch.zeros(2, 3, 4)).shape
        torch.Size([2, 1, 1])
    """
    return values.view(-1, *([1] * (like.dim() - 1)))


def unstack_state(params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor], member: int) -> dict[str, torch.Tensor]:
    """Member `member`'s state dict, with the member model's names (CPU copies)."""
    state = {name: tensor[member].detach().to("cpu").clone() for name, tensor in params.items()}
    state.update({name: tensor[member].detach().to("cpu").clone() for name, tensor in buffers.items()})
    return state
