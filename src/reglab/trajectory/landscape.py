"""The loss surface in a plane around a point of weight space (Li et al. 2018).

    f(a, b) = L(θ* + a·δ + b·η)

θ* is the centre (the final weights); δ, η are two directions over the
parameters, either

- random and filter-normalised: each entry drawn from N(0, 1), then every filter
  (row of a Linear weight, output channel of a convolution) rescaled to the norm
  of the same filter of θ*: δᵢ ← δᵢ / ‖δᵢ‖ · ‖θ*ᵢ‖. Directions are zero on biases
  and normalisation parameters ("ignore biasbn"), as in the paper's code; or
- the top two principal components of the snapshot trajectory (`pca_path`), so
  that the training path itself can be drawn on the surface.

Buffers (batch-norm running statistics) stay those of θ*. The grid is symmetric
and holds the origin exactly, so f(0, 0) is the loss of θ*.

Reference:
    Li, Xu, Taylor, Studer & Goldstein 2018, Visualizing the Loss Landscape of
    Neural Nets (arXiv:1712.09913).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import torch
from torch import Tensor

from reglab.objective.evaluate import evaluate
from reglab.objective.losses import Objective
from reglab.regularizers.scope import parameter_roles
from reglab.trajectory.projection import PCAPath

__all__ = [
    "Directions",
    "LossSurface",
    "symmetric_grid",
    "filter_normalized_direction",
    "random_directions",
    "pca_directions",
    "loss_surface",
]

Directions = tuple[dict[str, Tensor], dict[str, Tensor]]


def symmetric_grid(count: int, extent: float) -> list[float]:
    """`count` evenly spaced points in [−extent, extent]; the middle one is exactly 0 for odd count."""
    if count < 2:
        return [0.0]
    half = (count - 1) / 2
    return [extent * (index - half) / half for index in range(count)]


def filter_normalized_direction(
    model: torch.nn.Module, center: Mapping[str, Tensor], generator: torch.Generator
) -> dict[str, Tensor]:
    """A random direction with each filter's norm matched to the centre's (Li et al. 2018, Sec. 4).

    Weights (per `reglab.regularizers.scope.parameter_roles`) get N(0, 1) entries,
    rescaled row by row (dim 0 = output unit / channel); biases and normalisation
    parameters get zeros. Drawn on the CPU so a seed gives the same direction on any device.
    """
    roles = parameter_roles(model)
    direction: dict[str, Tensor] = {}
    for name, parameter in model.named_parameters():
        weights = center[name].detach()
        if roles[name] != "weight" or weights.dim() < 2:
            direction[name] = torch.zeros_like(weights)
            continue
        noise = torch.randn(weights.shape, generator=generator, dtype=torch.float32).to(weights.device, weights.dtype)
        filter_norms = weights.reshape(weights.shape[0], -1).norm(dim=1)
        noise_norms = noise.reshape(noise.shape[0], -1).norm(dim=1)
        scale = filter_norms / (noise_norms + 1e-10)
        direction[name] = noise * scale.reshape(-1, *([1] * (weights.dim() - 1)))
    return direction


def random_directions(model: torch.nn.Module, center: Mapping[str, Tensor], seed: int = 0) -> Directions:
    """Two filter-normalised random directions, reproducible from `seed`."""
    generator = torch.Generator().manual_seed(seed)
    return (
        filter_normalized_direction(model, center, generator),
        filter_normalized_direction(model, center, generator),
    )


def pca_directions(path: PCAPath, center: Mapping[str, Tensor]) -> Directions:
    """The two principal directions of a trajectory, reshaped like the parameters."""
    directions = []
    for component in path.components[:2]:
        direction, offset = {}, 0
        for name in path.parameter_names:
            like = center[name]
            size = like.numel()
            direction[name] = component[offset : offset + size].reshape(like.shape).to(like.device, like.dtype)
            offset += size
        directions.append(direction)
    return directions[0], directions[1]


@dataclass(frozen=True)
class LossSurface:
    """f(a, b) on a grid: `loss[i][j]` at (a = xs[j], b = ys[i]); accuracy None for regression."""

    xs: list[float]
    ys: list[float]
    loss: list[list[float]]
    accuracy: list[list[float]] | None

    def to_json(self) -> dict:
        return {"xs": self.xs, "ys": self.ys, "loss": self.loss, "accuracy": self.accuracy}


@torch.no_grad()
def loss_surface(
    model: torch.nn.Module,
    center: Mapping[str, Tensor],
    directions: Directions,
    data: tuple[Tensor, Tensor],
    objective: Objective,
    xs: Sequence[float] | None = None,
    ys: Sequence[float] | None = None,
    batch_size: int = 1024,
) -> LossSurface:
    """Evaluate L(θ* + a·δ + b·η) for every (a, b) of the grid.

    Args:
        model: a module of the right architecture (its weights are restored afterwards).
        center: θ*, a state dict (parameters and buffers).
        directions: (δ, η), dicts over the parameter names.
        data: (inputs, targets) on the model's device.
        objective: the run's loss and accuracy.
        xs, ys: grid coordinates along δ and η (default 21 points in [−1, 1]).

    Example:
        >>> surface = loss_surface(model, final, random_directions(model, final), (x, y), objective)
        >>> surface.loss[10][10]  # the loss of the final weights
    """
    xs = list(xs) if xs is not None else symmetric_grid(21, 1.0)
    ys = list(ys) if ys is not None else symmetric_grid(21, 1.0)
    original = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}
    model.load_state_dict(dict(center))
    named = list(model.named_parameters())
    parameters = [parameter for _, parameter in named]
    origin = [parameter.detach().clone() for parameter in parameters]
    first = [directions[0][name].to(parameter.device, parameter.dtype) for name, parameter in named]
    second = [directions[1][name].to(parameter.device, parameter.dtype) for name, parameter in named]
    losses, accuracies = [], []
    try:
        for b in ys:
            loss_row, accuracy_row = [], []
            for a in xs:
                torch._foreach_copy_(parameters, origin)
                if a:
                    torch._foreach_add_(parameters, first, alpha=a)
                if b:
                    torch._foreach_add_(parameters, second, alpha=b)
                metrics = evaluate(model, data[0], data[1], objective, batch_size, "eval")
                loss_row.append(metrics["eval/loss"])
                if "eval/acc" in metrics:
                    accuracy_row.append(metrics["eval/acc"])
            losses.append(loss_row)
            accuracies.append(accuracy_row)
    finally:
        model.load_state_dict(original)
    return LossSurface(xs, ys, losses, accuracies if objective.correct is not None else None)
