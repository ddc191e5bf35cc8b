"""Per-layer gradient norms of a module's attached gradients (`TrajectoryRecorder`)."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor

from reglab.trajectory.metrics import tensor_norms

__all__ = ["gradient_norms"]


def gradient_norms(parameters: Sequence[torch.nn.Parameter]) -> Tensor:
    """Per-parameter ‖∇w‖₂ followed by the global norm ‖∇θ‖₂, stacked (length n + 1).

    A parameter without a gradient (unused in the forward pass, frozen) counts as 0.

    Example:
        >>> layer = torch.nn.Linear(3, 2); layer(torch.ones(1, 3)).sum().backward()
        >>> gradient_norms(list(layer.parameters()))[-1]  # = torch.nn.utils.get_total_norm
    """
    grads = [p.grad if p.grad is not None else torch.zeros((), device=p.device) for p in parameters]
    norms = tensor_norms(grads)
    return torch.cat([norms, torch.linalg.vector_norm(norms).reshape(1)])
