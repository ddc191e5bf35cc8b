"""A network as a function of its weights: the module, its buffers and a loss on fixed data.

The measures that perturb weights or differentiate twice (flatness, sharpness, the
Hessian) call the module with `torch.func.functional_call`, so the member's weights are
plain tensors: no module is loaded, copied or trained.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import torch
from torch.func import functional_call

__all__ = ["Network", "Params", "added", "dot", "scaled"]

Params = dict[str, torch.Tensor]


@dataclass
class Network:
    """A module (in eval mode) evaluated at given parameters on fixed inputs.

    Attributes:
        module: the architecture; its own parameters are never read.
        buffers: the member's buffers (batch-norm running statistics), fixed.
        inputs, targets: the data the loss and error are measured on.
        loss_fn: (outputs, targets) -> mean loss.
        correct_fn: (outputs, targets) -> the number of correct predictions (the run's
            objective's: argmax for classes, a threshold for one output), or None.
    """

    module: torch.nn.Module
    buffers: Params
    inputs: torch.Tensor
    targets: torch.Tensor
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    correct_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None

    @classmethod
    def of(cls, module: torch.nn.Module, weights: Mapping[str, torch.Tensor], inputs: torch.Tensor,
           targets: torch.Tensor, loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
           correct_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None) -> tuple["Network", Params]:
        """The network of `module`'s architecture at `weights` (a state dict), and its parameters."""
        module.eval()
        names = {name for name, _ in module.named_parameters()}
        params = {name: tensor.detach().clone() for name, tensor in weights.items() if name in names}
        buffers = {name: tensor.detach() for name, tensor in weights.items() if name not in names}
        return cls(module, buffers, inputs, targets, loss_fn, correct_fn), params

    def outputs(self, params: Params, inputs: torch.Tensor | None = None) -> torch.Tensor:
        return functional_call(self.module, {**self.buffers, **params}, (self.inputs if inputs is None else inputs,))

    def loss(self, params: Params) -> torch.Tensor:
        """The mean loss on the network's data at `params` (differentiable in `params`)."""
        return self.loss_fn(self.outputs(params), self.targets)

    def error(self, params: Params) -> torch.Tensor:
        """The 0-1 error on the network's data at `params` (needs `correct_fn`)."""
        if self.correct_fn is None:
            raise ValueError("the 0-1 error needs a correct_fn (a classification or binary task)")
        return 1 - self.correct_fn(self.outputs(params), self.targets) / self.targets.shape[0]

def dot(left: Params, right: Params) -> torch.Tensor:
    """Σ over every tensor of the elementwise product: ⟨left, right⟩."""
    return sum((left[name] * right[name]).sum() for name in left)  # type: ignore[return-value]


def scaled(params: Params, factor: torch.Tensor | float) -> Params:
    return {name: tensor * factor for name, tensor in params.items()}


def added(left: Params, right: Params, factor: torch.Tensor | float = 1.0) -> Params:
    """left + factor · right."""
    return {name: left[name] + factor * right[name] for name in left}
