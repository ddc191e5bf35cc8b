"""Sharpness: the worst loss increase within an L2 ball around the weights
(Keskar et al. 2017; Foret et al. 2021's ρ-ball; Jiang et al. 2019, App. C.4)."""

from __future__ import annotations

from typing import Callable

import torch
from torch.func import grad

from reglab.measures.network import Params, added, dot

__all__ = ["sharpness"]

START_FRACTION = 1e-3  # the random start's radius, as a fraction of ρ (a minimum has no gradient)


def sharpness(
    loss_at: Callable[[Params], torch.Tensor],
    params: Params,
    *,
    radius: float = 0.05,
    steps: int = 5,
    generator: torch.Generator | None = None,
) -> float:
    """max_{‖δ‖₂ ≤ ρ} L(w + δ) − L(w), estimated by projected gradient ascent.

    δ starts at a random point of radius 10⁻³·ρ, then takes `steps` normalized steps

        δ ← Π_ρ(δ + α · ∇L(w + δ) / ‖∇L(w + δ)‖),   α = 2.5ρ / steps

    (Madry et al. 2018's step size; Π_ρ projects onto the ball) and the largest increase
    seen is returned, so the value is a lower bound of the true maximum that reaches it
    when L is convex in the ball. The first step is Foret et al.'s SAM perturbation.

    Example (L = ½·3·w² at w = 0.5, ρ = 0.1: the worst point is w = 0.6):
        >>> round(sharpness(lambda p: 1.5 * (p["w"] ** 2).sum(), {"w": torch.tensor([0.5])}, radius=0.1), 4)
        0.165

    Reference:
        Keskar et al. 2017 (arXiv:1609.04836); Foret et al. 2021 (arXiv:2010.01412);
        Madry et al. 2018 (arXiv:1706.06083) for the projected ascent.
    """
    base = loss_at(params).detach()
    direction = {
        name: torch.randn(tensor.shape, generator=generator, dtype=torch.float32).to(tensor.device, tensor.dtype)
        for name, tensor in params.items()
    }
    delta = _project({n: t * (START_FRACTION * radius / float(dot(direction, direction).sqrt())) for n, t in direction.items()}, radius)
    step_size = 2.5 * radius / steps
    gradient_at = grad(loss_at)
    worst = 0.0
    for _ in range(steps):
        gradient = gradient_at(added(params, delta))
        norm = float(dot(gradient, gradient).sqrt())
        if norm == 0.0:
            break
        delta = _project(added(delta, gradient, step_size / norm), radius)
        with torch.no_grad():
            worst = max(worst, float(loss_at(added(params, delta)) - base))
    return worst


def _project(delta: Params, radius: float) -> Params:
    norm = float(dot(delta, delta).sqrt())
    return delta if norm <= radius else {name: tensor * (radius / norm) for name, tensor in delta.items()}
