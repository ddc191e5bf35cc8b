"""Random erasing (cutout): blank one random rectangle in a random subset of images."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import kornia.augmentation as K

__all__ = ["random_erasing", "ERASED_AREA", "ERASED_ASPECT_RATIO"]

# The ranges of Zhong et al. (and torchvision's RandomErasing defaults).
ERASED_AREA = (0.02, 0.33)
ERASED_ASPECT_RATIO = (0.3, 3.3)


def random_erasing(probability: float, value: float = 0.0) -> K.RandomErasing | None:
    """A kornia RandomErasing, or None when `probability` is 0.

    With probability p an image gets one rectangle of area a·H·W,
    a ~ U(0.02, 0.33), and aspect ratio r = h/w drawn from U(0.3, 1) or U(1, 3.3)
    with equal chance (kornia's sampler; torchvision draws log r uniformly), so
    h = round(√(a·H·W·r)), w = round(√(a·H·W/r)), clipped to the image, at a uniform
    position inside the image; its pixels become `value` in every channel. The
    rectangles are in `module._params` (`xs`, `ys`, `widths`, `heights`, `batch_prob`).

    Args:
        probability: p that an image is erased.
        value: fill of the rectangle. reglab keeps 0: under the default
            `data.normalize=standardize` that is the training mean, as torchvision's
            RandomErasing placed after Normalize.

    Example:
        >>> erase = random_erasing(0.5)
        >>> erase(torch.rand(4, 1, 28, 28)).shape
        torch.Size([4, 1, 28, 28])

    Reference:
        Zhong et al. 2020, "Random Erasing Data Augmentation", arXiv:1708.04896;
        DeVries & Taylor 2017, "Cutout", arXiv:1708.04552.
    """
    import kornia.augmentation as K  # imported on use: kornia adds about a second to start-up
    if probability == 0:
        return None
    return K.RandomErasing(scale=ERASED_AREA, ratio=ERASED_ASPECT_RATIO, value=value, p=probability)
