"""Random erasing (cutout): blank one random rectangle in a random subset of images."""

from __future__ import annotations

import torch

__all__ = ["draw_erasing", "erase_boxes", "ERASED_AREA", "ERASED_ASPECT_RATIO"]

# The ranges of Zhong et al. (and torchvision's RandomErasing defaults).
ERASED_AREA = (0.02, 0.33)
ERASED_ASPECT_RATIO = (0.3, 3.3)


def _uniform(count: int, low: float, high: float, device, generator) -> torch.Tensor:
    """U(low, high) as torch's `Uniform.rsample` computes it, in float32."""
    low_tensor = torch.tensor(low, dtype=torch.float32, device=device)
    high_tensor = torch.tensor(high, dtype=torch.float32, device=device)
    return low_tensor + torch.rand(count, device=device, generator=generator) * (high_tensor - low_tensor)


def draw_erasing(
    count: int,
    height: int,
    width: int,
    probability: float,
    device: torch.device | str,
    generator: torch.Generator | None = None,
) -> torch.Tensor | None:
    """(N, 5) float rows (erased, x, y, w, h); None when `probability` is 0.

    With probability p an image gets one rectangle of area a·H·W, a ~ U(0.02, 0.33),
    and aspect ratio r = h/w drawn from U(0.3, 1) or U(1, 3.3) with equal chance,
    so h = round(√(a·H·W·r)), w = round(√(a·H·W/r)), clipped to [1, side], at a
    uniform position inside the image. The draws and their arithmetic are those of
    kornia's `RandomErasing(scale=(0.02, 0.33), ratio=(0.3, 3.3), p)` (torchvision
    draws log r uniformly instead), so a single run's draws are kornia's (tests pin this).

    Args:
        count: N. height, width: the image size. probability: p.
        device: where the draws are made. generator: the random stream (None: the global one).
    """
    if probability <= 0:
        return None
    if probability >= 1:
        erased = torch.ones(count, device=device)
    else:
        erased = (torch.rand(count, device=device, generator=generator) < probability).float()
    areas = _uniform(count, *ERASED_AREA, device, generator) * (height * width)
    low, high = ERASED_ASPECT_RATIO
    narrow = _uniform(count, low, 1.0, device, generator)
    wide = _uniform(count, 1.0, high, device, generator)
    pick_narrow = torch.round(_uniform(count, 0.0, 1.0, device, generator)).bool()
    ratios = torch.where(pick_narrow, narrow, wide)
    heights = torch.round((areas * ratios) ** (1 / 2)).clamp(1.0, height)
    widths = torch.round((areas / ratios) ** (1 / 2)).clamp(1.0, width)
    xs = (_uniform(count, 0.0, 1.0, device, generator) * (width - widths + 1)).floor()
    ys = (_uniform(count, 0.0, 1.0, device, generator) * (height - heights + 1)).floor()
    return torch.stack([erased, xs, ys, widths.floor(), heights.floor()], dim=1)


def erase_boxes(images: torch.Tensor, boxes: torch.Tensor, value: float = 0.0) -> torch.Tensor:
    """Set the pixels of each erased image's rectangle to `value` in every channel.

    Pixel (r, c) of image i is erased when erasedᵢ and xᵢ ≤ c < xᵢ + wᵢ, yᵢ ≤ r < yᵢ + hᵢ.

    Args:
        images: (N, C, H, W).
        boxes: (N, 5) rows (erased, x, y, w, h) from `draw_erasing`.
        value: the fill. reglab keeps 0: under the default `data.normalize=standardize`
            that is the training mean, as torchvision's RandomErasing placed after Normalize.

    Example:
        >>> erased = erase_boxes(torch.ones(1, 1, 3, 3), torch.tensor([[1.0, 1, 0, 2, 1]]))
        >>> erased[0, 0].tolist()
        [[1.0, 0.0, 0.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]

    Reference:
        Zhong et al. 2020, "Random Erasing Data Augmentation", arXiv:1708.04896;
        DeVries & Taylor 2017, "Cutout", arXiv:1708.04552.
    """
    height, width = images.shape[-2:]
    boxes = boxes.to(device=images.device)
    erased, xs, ys, widths, heights = (boxes[:, column, None] for column in range(5))
    rows = torch.arange(height, device=images.device, dtype=boxes.dtype)
    columns = torch.arange(width, device=images.device, dtype=boxes.dtype)
    inside_rows = (rows >= ys) & (rows < ys + heights) & (erased > 0.5)  # (N, H)
    inside_columns = (columns >= xs) & (columns < xs + widths)  # (N, W)
    mask = (inside_rows[:, :, None] & inside_columns[:, None, :]).unsqueeze(1)
    return torch.where(mask, torch.tensor(value, dtype=images.dtype, device=images.device), images)
