"""Additive Gaussian input noise, for images and vectors alike."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["add_gaussian_noise", "GaussianNoise"]


def add_gaussian_noise(inputs: torch.Tensor, std: float, noise: torch.Tensor | None = None) -> torch.Tensor:
    """x̃ = x + σ·ε with ε ~ N(0, I) drawn per element (or the given `noise`).

    Args:
        inputs: any shape, e.g. (N, C, H, W) images or (N, F) vectors.
        std: σ, in the units of the (normalized) inputs.
        noise: ε to use instead of a fresh draw (for tests and replays).

    Example:
        >>> add_gaussian_noise(torch.zeros(2, 3), 0.1).shape
        torch.Size([2, 3])

    Reference:
        Bishop 1995, "Training with noise is equivalent to Tikhonov regularization".
    """
    if noise is None:
        noise = torch.randn_like(inputs)
    return inputs + std * noise


class GaussianNoise(nn.Module):
    """Module form of `add_gaussian_noise`.

    Written by hand rather than with kornia's RandomGaussianNoise: that one only
    takes (N, C, H, W) images, while noise is also the augmentation for vector
    data (mnist1d, moons); the math is one line.
    """

    def __init__(self, std: float) -> None:
        super().__init__()
        self.std = std

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return add_gaussian_noise(inputs, self.std)

    def extra_repr(self) -> str:
        return f"std={self.std}"
