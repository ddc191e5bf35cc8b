"""Loss and accuracy along the straight line between two sets of weights.

    θ(α) = (1 − α)·θ₀ + α·θ₁,   α ∈ [−0.5, 1.5] by default

With θ₀ the initial and θ₁ the final weights this is the experiment of Goodfellow
et al.: if the loss falls monotonically along the line, training met no barrier.

Every floating-point tensor of the state dict is interpolated (parameters and
batch-norm running statistics), so α = 0 and α = 1 reproduce θ₀ and θ₁ exactly;
integer buffers (`num_batches_tracked`) come from θ₁, and an extrapolated running
variance (α outside [0, 1]) is clamped at 0.

Reference:
    Goodfellow, Vinyals & Saxe 2015, Qualitatively characterizing neural network
    optimization problems (arXiv:1412.6544).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import torch
from torch import Tensor

from reglab.objective.evaluate import evaluate
from reglab.objective.losses import Objective

__all__ = ["Interpolation", "blend_states", "default_alphas", "interpolate", "evaluate_state"]


def default_alphas(count: int = 41, low: float = -0.5, high: float = 1.5) -> list[float]:
    """`count` evenly spaced α in [low, high] (the default grid holds 0 and 1 exactly)."""
    return [low + (high - low) * index / (count - 1) for index in range(count)]


def blend_states(start: Mapping[str, Tensor], end: Mapping[str, Tensor], alpha: float) -> dict[str, Tensor]:
    """(1 − α)·start + α·end for floating tensors; other tensors from `end`.

    Example:
        >>> blend_states({"w": torch.zeros(2)}, {"w": torch.ones(2)}, 0.25)["w"].tolist()
        [0.25, 0.25]
    """
    blended: dict[str, Tensor] = {}
    for name, last in end.items():
        first = start[name]
        if not last.dtype.is_floating_point:
            blended[name] = last
            continue
        first = first.to(last.device, last.dtype)
        if alpha == 0.0:
            value = first.clone()
        elif alpha == 1.0:
            value = last.clone()
        else:
            value = torch.lerp(first, last, alpha)
        if name.endswith("running_var"):
            value = value.clamp_min(0.0)
        blended[name] = value
    return blended


@dataclass(frozen=True)
class Interpolation:
    """Loss (and accuracy, None for regression) at each α."""

    alphas: list[float]
    loss: list[float]
    accuracy: list[float] | None

    def to_json(self) -> dict:
        return {"alphas": self.alphas, "loss": self.loss, "accuracy": self.accuracy}


def evaluate_state(
    model: torch.nn.Module,
    state: Mapping[str, Tensor],
    data: tuple[Tensor, Tensor],
    objective: Objective,
    batch_size: int = 1024,
) -> dict[str, float]:
    """Load `state` into `model` and evaluate it on `data` (keys `loss`, `acc`)."""
    model.load_state_dict(dict(state))
    metrics = evaluate(model, data[0], data[1], objective, batch_size, "eval")
    return {key.removeprefix("eval/"): value for key, value in metrics.items()}


def interpolate(
    model: torch.nn.Module,
    w0: Mapping[str, Tensor],
    w1: Mapping[str, Tensor],
    data: tuple[Tensor, Tensor],
    objective: Objective,
    alphas: Sequence[float] | None = None,
    batch_size: int = 1024,
) -> Interpolation:
    """Evaluate the model at θ(α) = (1 − α)·w0 + α·w1 for each α.

    Args:
        model: a module with the architecture of the state dicts (its weights are
            restored afterwards).
        w0, w1: state dicts (e.g. the initial and the final weights).
        data: (inputs, targets) on the model's device (a fixed evaluation subset).
        objective: the run's loss and accuracy.
        alphas: where to evaluate (default 41 points in [−0.5, 1.5]).

    Example:
        >>> curve = interpolate(model, initial, final, (x, y), objective)
        >>> curve.loss[curve.alphas.index(1.0)]  # the final loss
    """
    alphas = list(alphas) if alphas is not None else default_alphas()
    original = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}
    losses, accuracies = [], []
    try:
        for alpha in alphas:
            metrics = evaluate_state(model, blend_states(w0, w1, alpha), data, objective, batch_size)
            losses.append(metrics["loss"])
            if "acc" in metrics:
                accuracies.append(metrics["acc"])
    finally:
        model.load_state_dict(original)
    return Interpolation(alphas, losses, accuracies if objective.correct is not None else None)
