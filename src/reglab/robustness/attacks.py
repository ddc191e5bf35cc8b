"""FGSM and PGD on stacked inputs: K members (or K radii), each with its own ε, in one pass.

Inputs are stacked as (K, B, ...) with ε of shape (K,); `loss` maps such a stack to
any scalar whose gradient with respect to row k of the stack is that of member k's
loss (a sum of per-member losses). Norms run over each example's own entries
(every dimension after the first two).

    FGSM, L∞:  x' = x + ε · sign(∇ₓL)
    FGSM, L2:  x' = x + ε · ∇ₓL / ‖∇ₓL‖₂            (the fast gradient method)
    PGD:       δ₀ = random point of the ball (or 0),
               δ_{t+1} = Π_ε(δ_t + α · d(∇ₓL(x + δ_t))),  α = step_fraction · ε,
               d = sign (L∞) or g/‖g‖₂ (L2), Π_ε the projection onto the ε-ball:
               L∞: clamp every entry to [-ε, ε]; L2: δ · min(1, ε/‖δ‖₂).

ε is in the model's input space, i.e. after the dataset's normalization; no clipping
to a pixel range is applied.

References:
    Goodfellow, Shlens & Szegedy 2015, Explaining and Harnessing Adversarial
    Examples, ICLR, arXiv:1412.6572 (FGSM).
    Madry, Makelov, Schmidt, Tsipras & Vladu 2018, Towards Deep Learning Models
    Resistant to Adversarial Attacks, ICLR, arXiv:1706.06083 (PGD).
"""

from __future__ import annotations

from typing import Callable, Literal

import torch

__all__ = ["Norm", "fgsm", "pgd", "project", "ascent_direction", "input_gradient", "draw_random_start"]

Norm = Literal["linf", "l2"]
StackedLoss = Callable[[torch.Tensor], torch.Tensor]
_TINY = 1e-12


def _per_example(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """(K,) or (K, B) values shaped to broadcast over a (K, B, ...) stack."""
    return values.reshape(*values.shape, *([1] * (like.dim() - values.dim())))


def _example_norms(values: torch.Tensor) -> torch.Tensor:
    """(K, B) L2 norms of each example of a (K, B, ...) stack."""
    return values.flatten(2).norm(dim=2)


def input_gradient(loss: StackedLoss, inputs: torch.Tensor) -> torch.Tensor:
    """∇ₓ of `loss` at the stacked `inputs` (the model's parameters get no gradient)."""
    point = inputs.detach().requires_grad_(True)
    with torch.enable_grad():
        (gradient,) = torch.autograd.grad(loss(point), point)
    return gradient


def ascent_direction(gradient: torch.Tensor, norm: Norm) -> torch.Tensor:
    """The steepest-ascent step of unit size in `norm`: sign(g) (L∞) or g/‖g‖₂ per example (L2)."""
    if norm == "linf":
        return gradient.sign()
    return gradient / (_per_example(_example_norms(gradient), gradient) + _TINY)


def project(delta: torch.Tensor, eps: torch.Tensor, norm: Norm) -> torch.Tensor:
    """Π_ε(δ): the nearest point of each member's ε-ball (ε of shape (K,)) to δ, per example.

    Example:
        >>> project(torch.tensor([[[3.0, -0.5]]]), torch.tensor([1.0]), "linf")
        tensor([[[ 1.0000, -0.5000]]])
        >>> project(torch.tensor([[[3.0, 4.0]]]), torch.tensor([1.0]), "l2")
        tensor([[[0.6000, 0.8000]]])
    """
    radius = _per_example(eps.to(delta.dtype), delta)
    if norm == "linf":
        return torch.maximum(torch.minimum(delta, radius), -radius)
    lengths = _per_example(_example_norms(delta), delta)
    return delta * torch.clamp(radius / (lengths + _TINY), max=1.0)


def draw_random_start(inputs: torch.Tensor, eps: torch.Tensor, norm: Norm, generator: torch.Generator | None = None) -> torch.Tensor:
    """δ₀, a random point of each ball: uniform in the L∞ cube; for L2 a uniform direction at a uniform radius."""
    radius = _per_example(eps.to(inputs.dtype), inputs)
    if norm == "linf":
        uniform = torch.rand(inputs.shape, generator=generator, device=inputs.device, dtype=inputs.dtype)
        return (2 * uniform - 1) * radius
    direction = torch.randn(inputs.shape, generator=generator, device=inputs.device, dtype=inputs.dtype)
    direction = direction / (_per_example(_example_norms(direction), inputs) + _TINY)
    scale = torch.rand(inputs.shape[:2], generator=generator, device=inputs.device, dtype=inputs.dtype)
    return direction * _per_example(scale, inputs) * radius


def fgsm(loss: StackedLoss, inputs: torch.Tensor, eps: torch.Tensor, norm: Norm = "linf") -> torch.Tensor:
    """x + ε_k · d(∇ₓL) for every member k (one gradient for all members).

    Args:
        loss: stacked inputs (K, B, ...) -> a scalar, the sum of the members' losses.
        inputs: (K, B, ...) clean inputs.
        eps: (K,) radii (0 leaves a member's inputs as they are).
        norm: linf (sign of the gradient) or l2 (the gradient scaled to length ε).

    Example:
        >>> w = torch.tensor([2.0, -3.0])
        >>> fgsm(lambda x: (x * w).sum(), torch.zeros(1, 1, 2), torch.tensor([0.1]))
        tensor([[[ 0.1000, -0.1000]]])
    """
    step = ascent_direction(input_gradient(loss, inputs), norm)
    return (inputs + _per_example(eps.to(inputs.dtype), inputs) * step).detach()


def pgd(
    loss: StackedLoss,
    inputs: torch.Tensor,
    eps: torch.Tensor,
    norm: Norm = "linf",
    steps: int = 10,
    step_fraction: float = 0.25,
    random_start: bool = True,
    generator: torch.Generator | None = None,
    start: torch.Tensor | None = None,
) -> torch.Tensor:
    """Projected gradient ascent in each member's ε-ball; returns x + δ_T.

    Args:
        loss, inputs, eps, norm: as in `fgsm`.
        steps: T, the ascent steps.
        step_fraction: α/ε, the step size as a fraction of the radius (Madry et al.
            use α = 2.5·ε/T, i.e. 0.25 with 10 steps).
        random_start: start from a random point of the ball (else from x).
        generator: draws the random start (seeded by the caller for repeatable attacks).
        start: δ₀ given by the caller (e.g. drawn per member from the members' own
            generators with `draw_random_start`); overrides `random_start` and `generator`.

    Example:
        >>> w = torch.tensor([2.0, -3.0])
        >>> pgd(lambda x: (x * w).sum(), torch.zeros(1, 1, 2), torch.tensor([0.1]), steps=5, random_start=False)
        tensor([[[ 0.1000, -0.1000]]])
    """
    inputs = inputs.detach()
    if start is not None:
        delta = start
    else:
        delta = draw_random_start(inputs, eps, norm, generator) if random_start else torch.zeros_like(inputs)
    alpha = _per_example(eps.to(inputs.dtype) * step_fraction, inputs)
    for _ in range(steps):
        gradient = input_gradient(loss, inputs + delta)
        delta = project(delta + alpha * ascent_direction(gradient, norm), eps, norm)
    return (inputs + delta).detach()
