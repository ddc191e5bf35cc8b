"""Additive Gaussian input noise, for images and vectors alike."""

from __future__ import annotations

import torch

__all__ = ["add_gaussian_noise", "draw_noise"]


def draw_noise(
    shape: tuple[int, ...],
    device: torch.device | str,
    dtype: torch.dtype = torch.float32,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """ε ~ N(0, I) of `shape`, from `generator` (None: the global one, as `torch.randn_like`)."""
    return torch.randn(shape, dtype=dtype, device=device, generator=generator)


def add_gaussian_noise(inputs: torch.Tensor, std: float | torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
    """x̃ = x + σ·ε with ε ~ N(0, I) drawn per element (or the given `noise`).

    Written by hand rather than with kornia's RandomGaussianNoise: that one only
    takes (N, C, H, W) images, while noise is also the augmentation for vector
    data (mnist1d, moons); the math is one line.

    Args:
        inputs: (N, ...) any shape, e.g. (N, C, H, W) images or (N, F) vectors.
        std: σ, in the units of the (normalized) inputs: one number, or one per sample (N,).
        noise: ε to use instead of a fresh draw from the global generator.

    Example:
        >>> add_gaussian_noise(torch.zeros(2, 3), 0.1).shape
        torch.Size([2, 3])

    Reference:
        Bishop 1995, "Training with noise is equivalent to Tikhonov regularization".
    """
    if noise is None:
        noise = draw_noise(tuple(inputs.shape), inputs.device, inputs.dtype)
    if isinstance(std, torch.Tensor):
        std = std.to(device=inputs.device, dtype=inputs.dtype).view(-1, *([1] * (inputs.dim() - 1)))
        return torch.addcmul(inputs, std, noise)  # one pass, no σ·ε temporary the size of the batch
    return inputs + std * noise
