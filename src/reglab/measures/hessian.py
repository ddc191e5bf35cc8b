"""The loss Hessian's top eigenvalue (power iteration) and trace (Hutchinson), from
Hessian-vector products with `torch.func` (as PyHessian, Yao et al. 2020).

The products are reverse-over-reverse: `torch.func.vjp` of the gradient, linearized once
at the weights and then applied to every vector (H is symmetric, so vᵀH = (Hv)ᵀ). The
forward-over-reverse form (`jvp` of `grad`) fails on `F.mse_loss` in PyTorch 2.x
("ZeroTensors are immutable") and would redo the forward and backward pass per product.
"""

from __future__ import annotations

import math
from typing import Callable

import torch
from torch.func import grad, vjp

from reglab.measures.network import Params, dot

__all__ = ["hessian_vector_product", "hessian_vector_products", "hessian_top_eigenvalue", "hessian_trace"]


def hessian_vector_product(loss_at: Callable[[Params], torch.Tensor], params: Params, vector: Params) -> Params:
    """H v, the Hessian of `loss_at` at `params` times `vector`."""
    return hessian_vector_products(loss_at, params)(vector)


def hessian_vector_products(loss_at: Callable[[Params], torch.Tensor], params: Params) -> Callable[[Params], Params]:
    """v ↦ H v at `params`: the gradient's pullback, built once (one forward and backward
    pass kept), each product then one more backward pass."""
    _, pullback = vjp(grad(loss_at), params)
    return lambda vector: pullback(vector)[0]


def hessian_top_eigenvalue(
    loss_at: Callable[[Params], torch.Tensor],
    params: Params,
    *,
    iterations: int = 20,
    tolerance: float = 1e-3,
    generator: torch.Generator | None = None,
) -> float:
    """λ_max of ∇²L(w): the eigenvalue of largest magnitude, by power iteration.

    v ← H v / ‖H v‖, λ ← vᵀ H v (the Rayleigh quotient), from a random unit v, until λ
    changes by less than `tolerance`·|λ| or after `iterations` products. It converges
    at the rate |λ₂/λ₁| per step; at a minimum the top eigenvalue is the largest
    positive one.

    Example (L = w₁² + 3w₂²: H = diag(2, 6)):
        >>> round(hessian_top_eigenvalue(lambda p: (p["w"] ** 2 * torch.tensor([1.0, 3.0])).sum(), {"w": torch.ones(2)}), 3)
        6.0

    Reference:
        Yao et al. 2020, "PyHessian: neural networks through the lens of the Hessian"
        (arXiv:1912.07145).
    """
    multiply = hessian_vector_products(loss_at, params)
    vector = _unit(_random(params, generator, rademacher=False))
    eigenvalue = math.nan
    for _ in range(iterations):
        product = multiply(vector)
        estimate = float(dot(vector, product))
        norm = float(dot(product, product).sqrt())
        if norm == 0.0:
            return 0.0
        vector = {name: tensor / norm for name, tensor in product.items()}
        converged = abs(estimate - eigenvalue) <= tolerance * abs(estimate)
        eigenvalue = estimate
        if converged:
            break
    return eigenvalue


def hessian_trace(
    loss_at: Callable[[Params], torch.Tensor],
    params: Params,
    *,
    samples: int = 10,
    generator: torch.Generator | None = None,
) -> float:
    """tr ∇²L(w) ≈ (1/S) Σ_s v_sᵀ H v_s with Rademacher v_s (Hutchinson 1989).

    Unbiased; its variance is 2 Σ_{i≠j} H_ij², so it is exact for a diagonal Hessian.

    Reference:
        Hutchinson 1989, "A stochastic estimator of the trace of the influence matrix";
        Yao et al. 2020 (arXiv:1912.07145).
    """
    multiply = hessian_vector_products(loss_at, params)
    total = 0.0
    for _ in range(samples):
        vector = _random(params, generator, rademacher=True)
        total += float(dot(vector, multiply(vector)))
    return total / samples


def _random(params: Params, generator: torch.Generator | None, rademacher: bool) -> Params:
    vectors = {}
    for name, tensor in params.items():
        if rademacher:
            values = torch.randint(0, 2, tensor.shape, generator=generator).float() * 2 - 1
        else:
            values = torch.randn(tensor.shape, generator=generator)
        vectors[name] = values.to(tensor.device, tensor.dtype)
    return vectors


def _unit(vector: Params) -> Params:
    norm = float(dot(vector, vector).sqrt())
    return {name: tensor / norm for name, tensor in vector.items()}
