"""The layers the measures read: each weight tensor of two or more dimensions, as a matrix."""

from __future__ import annotations

from typing import Mapping

import torch

__all__ = ["layer_matrices", "layer_name"]


def layer_name(parameter: str) -> str:
    """`"hidden.0.linear.weight"` -> `"hidden.0.linear"` (the module that owns the weight)."""
    return parameter[: -len(".weight")] if parameter.endswith(".weight") else parameter


def layer_matrices(weights: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Every layer's weight as a float64 matrix, by layer name, in state-dict order.

    A layer is a floating-point tensor named `*weight` with at least two dimensions
    (linear and convolution weights; biases and normalization scales are not layers).
    A convolution's (out, in, k...) kernel is reshaped to (out, in·k...), as Jiang et
    al. 2019 and WeightWatcher do.
    """
    matrices: dict[str, torch.Tensor] = {}
    for name, tensor in weights.items():
        if name.endswith("weight") and tensor.dim() >= 2 and tensor.is_floating_point():
            matrices[layer_name(name)] = tensor.detach().reshape(tensor.shape[0], -1).double()
    return matrices
