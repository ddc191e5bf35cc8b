"""Random horizontal and vertical flips, each sample decided on its own."""

from __future__ import annotations

import torch

__all__ = ["draw_flips", "flip_where"]


def draw_flips(
    count: int, probability: float, device: torch.device | str, generator: torch.Generator | None = None
) -> torch.Tensor | None:
    """(N,) bool, True for the images to mirror, each with probability p; None when p = 0.

    The draw is kornia's per-sample gate (`RandomHorizontalFlip(p)`): u ~ U(0, 1) per
    image, flipped when u < p; p = 1 draws nothing and flips every image.

    Args:
        count: N, the images of the batch.
        probability: p.
        device: where the draw is made (the batch's device).
        generator: the random stream (None: PyTorch's global one, as a single run).
    """
    if probability <= 0:
        return None
    if probability >= 1:
        return torch.ones(count, dtype=torch.bool, device=device)
    return torch.rand(count, device=device, generator=generator) < probability


def flip_where(images: torch.Tensor, flipped: torch.Tensor, dim: int) -> torch.Tensor:
    """x̃ᵢ = flip(xᵢ) along `dim` where `flipped[i]`, else xᵢ (an exact copy either way).

    Args:
        images: (N, C, H, W).
        flipped: (N,) bool.
        dim: -1 mirrors left ↔ right, -2 top ↔ bottom.

    Example:
        >>> x = torch.arange(4.0).view(2, 1, 1, 2)
        >>> flip_where(x, torch.tensor([True, False]), -1).flatten().tolist()
        [1.0, 0.0, 2.0, 3.0]

    Reference:
        Simard, Steinkraus & Platt 2003, "Best practices for convolutional neural
        networks applied to visual document analysis" (label-preserving distortions).
    """
    return torch.where(flipped.view(-1, 1, 1, 1), images.flip(dim), images)
