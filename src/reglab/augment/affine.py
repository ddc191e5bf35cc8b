"""Random rotation, translation and zoom as one affine warp per sample."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import kornia.augmentation as K
import torch

__all__ = ["random_affine"]


def random_affine(
    degrees: float,
    translate: float,
    scale: float,
    fill: torch.Tensor | None = None,
) -> K.RandomAffine | None:
    """A kornia RandomAffine applied to every image, or None when all ranges are 0.

    Each sample draws its own angle θ ~ U(-degrees, degrees), shift
    (tₓ, t_y) ~ U(-translate·W, translate·W) × U(-translate·H, translate·H) and zoom
    s ~ U(1 - scale, 1 + scale); the image is resampled bilinearly at
    x ↦ A⁻¹(x) with A = T(t) · C · R(θ) · S(s) · C⁻¹ (C: move the centre to the origin).
    Pixels that come from outside the image take the value `fill`.

    The sampled parameters are in `module._params` (`angle`, `translations`, `scale`).

    Args:
        degrees: rotation range in degrees, in [0, 180].
        translate: largest shift as a fraction of width/height, in [0, 1).
        scale: zoom range half-width, in [0, 1).
        fill: per-channel value of pixels shifted in from outside, shape (C,);
            None = 0. reglab passes the darkest training value of each channel,
            because inputs are normalized before augmentation and 0 would be mid-gray.

    Example:
        >>> warp = random_affine(10.0, 0.1, 0.1)
        >>> warp(torch.rand(4, 1, 28, 28)).shape
        torch.Size([4, 1, 28, 28])

    Reference:
        Simard, Steinkraus & Platt 2003 (affine distortions of digits); the range
        convention matches torchvision's RandomAffine.
    """
    import kornia.augmentation as K  # imported on use: kornia adds about a second to start-up
    if degrees == 0 and translate == 0 and scale == 0:
        return None
    return K.RandomAffine(
        degrees=degrees,
        translate=(translate, translate) if translate > 0 else None,
        scale=(1.0 - scale, 1.0 + scale) if scale > 0 else None,
        padding_mode="fill" if fill is not None else "zeros",
        fill_value=fill,
        p=1.0,  # kornia's default p=0.5 would leave half the batch untouched
    )
