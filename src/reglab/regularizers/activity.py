"""Activity regularization: L1/L2 penalties on the hidden activations (Keras ActivityRegularization).

For each hidden block with output a (batch × features):

    activity_l1 = λ·mean_batch Σ_features |a|        activity_l2 = λ·mean_batch Σ_features a²

summed over the hidden blocks. The outputs are captured by forward hooks on
`reglab.models.hidden_blocks(model)`. A hook keeps an output only while the block is
in training mode with gradients enabled, so evaluation passes and no-grad passes
(batch-norm refreshes) add nothing; `penalty` takes the captured outputs and clears
the list, so no graph outlives its step.

Reference:
    Keras `ActivityRegularization` / `activity_regularizer`; Glorot, Bordes & Bengio
    2011 (Deep Sparse Rectifier Neural Networks) use the L1 activation penalty for sparsity.
"""

from __future__ import annotations

from typing import Sequence

import torch

from reglab.contract.hooks import StepContext, StepHook

__all__ = ["ActivityPenaltyHook", "activity_l1", "activity_l2"]


def activity_l1(activations: torch.Tensor) -> torch.Tensor:
    """mean over the batch (dim 0) of Σ|a| over every other dimension.

    Example:
        >>> activity_l1(torch.tensor([[1.0, -2.0], [0.0, 3.0]]))
        tensor(3.)
    """
    return activations.abs().sum() / activations.shape[0]


def activity_l2(activations: torch.Tensor) -> torch.Tensor:
    """mean over the batch (dim 0) of Σa² over every other dimension.

    Example:
        >>> activity_l2(torch.tensor([[1.0, -2.0], [0.0, 3.0]]))
        tensor(7.)
    """
    return activations.pow(2).sum() / activations.shape[0]


class ActivityPenaltyHook(StepHook):
    """Penalise the outputs of the given modules (the model's hidden blocks).

    Args:
        modules: the modules whose outputs are penalised (`hidden_blocks(model)`).
        l1: λ of the L1 activity penalty (0 = off).
        l2: λ of the L2 activity penalty (0 = off).

    Metric keys (through the loop's loss breakdown; per epoch, means over the batches):

    | key                | meaning                        |
    |--------------------|--------------------------------|
    | `loss/activity_l1` | λ·Σ_blocks mean_batch Σ|a|      |
    | `loss/activity_l2` | λ·Σ_blocks mean_batch Σa²       |

    Example:
        >>> hook = ActivityPenaltyHook(hidden_blocks(model), l1=1e-4)
        >>> outputs = model(x)
        >>> hook.penalty(model, context)
        {'activity_l1': tensor(...)}
    """

    name = "activity"

    def __init__(self, modules: Sequence[torch.nn.Module], l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = l1
        self.l2 = l2
        self.captured: list[torch.Tensor] = []
        captured = self.captured

        # A closure, not a bound method: deep copies of the model (weight averaging)
        # then share this function instead of copying the whole hook object.
        def capture(module: torch.nn.Module, inputs: object, output: torch.Tensor) -> None:
            if module.training and torch.is_grad_enabled():
                captured.append(output)

        self.handles = [module.register_forward_hook(capture) for module in modules]

    def penalty(self, model: torch.nn.Module, context: StepContext) -> dict[str, torch.Tensor]:
        outputs = list(self.captured)
        self.captured.clear()
        if not outputs:
            return {}
        terms: dict[str, torch.Tensor] = {}
        if self.l1 > 0:
            terms["activity_l1"] = self.l1 * torch.stack([activity_l1(output) for output in outputs]).sum()
        if self.l2 > 0:
            terms["activity_l2"] = self.l2 * torch.stack([activity_l2(output) for output in outputs]).sum()
        return terms

    def remove(self) -> None:
        """Unregister the forward hooks and drop any captured outputs."""
        for handle in self.handles:
            handle.remove()
        self.captured.clear()
