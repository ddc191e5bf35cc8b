"""Random rotation, translation and zoom as one affine warp per sample."""

from __future__ import annotations

import torch

__all__ = ["AffineDraw", "draw_affine", "warp_affine_rows"]

AffineDraw = dict[str, torch.Tensor]  # angle (N,), scale (N, 2), translations (N, 2), center (N, 2)


def _uniform(count: int, low: float, high: float, device, generator) -> torch.Tensor:
    """U(low, high) as torch's `Uniform.rsample` computes it: low + u·(high − low), in float32."""
    low_tensor = torch.tensor(low, dtype=torch.float32, device=device)
    high_tensor = torch.tensor(high, dtype=torch.float32, device=device)
    draw = torch.rand(count, dtype=torch.float32, device=device, generator=generator)
    return low_tensor + draw * (high_tensor - low_tensor)


def draw_affine(
    count: int,
    height: int,
    width: int,
    degrees: float,
    translate: float,
    scale: float,
    device: torch.device | str,
    generator: torch.Generator | None = None,
) -> AffineDraw | None:
    """Each sample's angle, zoom and shift; None when all three ranges are 0.

    θ ~ U(−degrees, degrees), s ~ U(1 − scale, 1 + scale) (the same zoom on both axes),
    (tₓ, t_y) ~ U(−translate·W, translate·W) × U(−translate·H, translate·H), drawn in
    that order and in the arithmetic of kornia's `RandomAffine(degrees, translate,
    scale)` sampler, so a single run's draws are kornia's (tests pin this); a range
    that is 0 draws nothing, except θ, which kornia always draws.

    Args:
        count: N. height, width: the image size.
        device: where the draws are made. generator: the random stream (None: the global one).
    """
    if degrees == 0 and translate == 0 and scale == 0:
        return None
    angle = _uniform(count, -float(degrees), float(degrees), device, generator)
    if scale > 0:
        zoom = _uniform(count, 1.0 - scale, 1.0 + scale, device, generator).unsqueeze(1).repeat(1, 2)
    else:
        zoom = torch.ones(count, 2, device=device)
    if translate > 0:
        shift_x = _uniform(count, -float(translate), float(translate), device, generator) * width
        shift_y = _uniform(count, -float(translate), float(translate), device, generator) * height
        translations = torch.stack([shift_x, shift_y], dim=-1)
    else:
        translations = torch.zeros(count, 2, device=device)
    center = (torch.tensor([width, height], dtype=torch.float32, device=device).view(1, 2) / 2.0 - 0.5).expand(count, -1)
    return {"angle": angle, "scale": zoom, "translations": translations, "center": center}


def warp_affine_rows(images: torch.Tensor, draw: AffineDraw, fill: torch.Tensor | None = None) -> torch.Tensor:
    """Resample every image at x ↦ A⁻¹(x), A = T(t) · C · R(θ) · S(s) · C⁻¹ (C: centre to origin).

    Bilinear, as kornia's `RandomAffine` applies its draw (`get_affine_matrix2d` and
    `warp_affine`); pixels that come from outside the image take `fill`.

    Args:
        images: (N, C, H, W).
        draw: from `draw_affine` (or several draws concatenated row by row).
        fill: per-channel value of pixels shifted in from outside, (C,) or per image
            (N, C); None = 0. reglab passes the darkest training value of each channel,
            because inputs are normalized before augmentation and 0 would be mid-gray.

    Example:
        >>> x = torch.rand(4, 1, 28, 28)
        >>> warp_affine_rows(x, draw_affine(4, 28, 28, 10.0, 0.1, 0.1, "cpu")).shape
        torch.Size([4, 1, 28, 28])

    Reference:
        Simard, Steinkraus & Platt 2003 (affine distortions of digits); the range
        convention matches torchvision's RandomAffine.
    """
    from kornia.geometry.transform import get_affine_matrix2d, warp_affine  # imported on use: ~1 s of start-up

    count, channels, height, width = images.shape
    as_images = dict(device=images.device, dtype=images.dtype)
    no_shear = torch.zeros(count, **as_images)
    matrix = get_affine_matrix2d(
        draw["translations"].to(**as_images),
        draw["center"].to(**as_images),
        draw["scale"].to(**as_images),
        draw["angle"].to(**as_images),
        no_shear * (torch.pi / 180.0),
        no_shear * (torch.pi / 180.0),
    )
    if fill is None:
        return warp_affine(images, matrix[:, :2, :], (height, width), "bilinear", align_corners=False, padding_mode="zeros")
    fill = fill.to(**as_images)
    fill = fill.view(1, channels, 1, 1) if fill.dim() == 1 else fill.view(count, channels, 1, 1)
    return warp_affine(
        images, matrix[:, :2, :], (height, width), "bilinear", align_corners=False, padding_mode="fill", fill_value=fill
    )
