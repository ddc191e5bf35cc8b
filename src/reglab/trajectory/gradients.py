"""Per-layer gradient norms, captured inside the training step without a host sync."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor

from reglab.contract.hooks import StepHook
from reglab.trajectory.metrics import tensor_norms

__all__ = ["gradient_norms", "GradientNormHook"]


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


class GradientNormHook(StepHook):
    """Measures gradient norms in `before_step`, after every other hook has acted.

    It sees the gradient the optimizer applies: after clipping and pruning masks
    (the trajectory family runs last), before the optimizer adds weight decay.

    Modes:
        last_step: only the epoch's last step is measured (one batched norm per
            epoch: free). The counter is reset by the recorder at each epoch start.
        epoch_mean: every step is measured and the per-step norms are averaged over
            the epoch (one batched norm per step, still no host sync).

    Args:
        parameters: the parameters, in the recorder's order.
        steps_per_epoch: optimizer steps in one epoch (to spot the last one).
        mode: last_step | epoch_mean.
    """

    name = "trajectory"

    def __init__(self, parameters: Sequence[torch.nn.Parameter], steps_per_epoch: int, mode: str = "last_step") -> None:
        if mode not in ("last_step", "epoch_mean"):
            raise ValueError(f"unknown gradient mode {mode!r}")
        self.parameters = list(parameters)
        self.steps_per_epoch = steps_per_epoch
        self.mode = mode
        self._steps = 0
        self._captured: Tensor | None = None
        self._sum: Tensor | None = None

    def start_epoch(self) -> None:
        """Forget the previous epoch's measurement."""
        self._steps = 0
        self._captured = None
        self._sum = None

    def before_step(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> None:
        self._steps += 1
        if self.mode == "epoch_mean":
            norms = gradient_norms(self.parameters)
            self._sum = norms if self._sum is None else self._sum.add_(norms)
        elif self._steps == self.steps_per_epoch:
            self._captured = gradient_norms(self.parameters)

    def epoch_norms(self) -> Tensor | None:
        """The epoch's gradient norms (device tensor, n + 1 entries), or None if none was seen."""
        if self.mode == "epoch_mean":
            return None if self._sum is None else self._sum / self._steps
        return self._captured
