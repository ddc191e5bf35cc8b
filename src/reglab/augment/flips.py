"""Random horizontal and vertical flips, each sample decided on its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import kornia.augmentation as K
from torch import nn

__all__ = ["random_flips"]


def random_flips(horizontal_probability: float, vertical_probability: float) -> list[nn.Module]:
    """Kornia flip modules for the probabilities that are > 0.

    Each image of a batch is mirrored independently with probability p:
    x̃ᵢ = flip(xᵢ) with probability p, else xᵢ. The per-sample decision is kept
    by kornia in `module._params["batch_prob"]` (1 = flipped).

    Args:
        horizontal_probability: p of mirroring left ↔ right (the last axis).
        vertical_probability: p of mirroring top ↔ bottom (the second-to-last axis).

    Returns:
        Zero, one or two modules mapping (N, C, H, W) → (N, C, H, W).

    Example:
        >>> flips = random_flips(0.5, 0.0)
        >>> flips[0](torch.rand(4, 1, 8, 8)).shape
        torch.Size([4, 1, 8, 8])

    Reference:
        Simard, Steinkraus & Platt 2003, "Best practices for convolutional neural
        networks applied to visual document analysis" (label-preserving distortions).
    """
    import kornia.augmentation as K  # imported on use: kornia adds about a second to start-up
    modules: list[nn.Module] = []
    if horizontal_probability > 0:
        modules.append(K.RandomHorizontalFlip(p=horizontal_probability))
    if vertical_probability > 0:
        modules.append(K.RandomVerticalFlip(p=vertical_probability))
    return modules
