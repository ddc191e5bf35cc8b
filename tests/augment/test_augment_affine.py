"""Affine warps: identity when off, rotation by the sampled angle, mean roughly kept, fill."""

from __future__ import annotations

import math

import torch

from reglab.augment import random_affine

SIZE = 21


def _bump_above_centre(count: int, offset: float = 5.0) -> torch.Tensor:
    rows, columns = torch.meshgrid(torch.arange(SIZE).float(), torch.arange(SIZE).float(), indexing="ij")
    centre = (SIZE - 1) / 2
    bump = torch.exp(-((rows - (centre - offset)) ** 2 + (columns - centre) ** 2) / 2.0)
    return bump.expand(count, 1, SIZE, SIZE).clone()


def _centre_of_mass(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    rows, columns = torch.meshgrid(torch.arange(SIZE).float(), torch.arange(SIZE).float(), indexing="ij")
    weights = images[:, 0]
    total = weights.sum(dim=(1, 2))
    centre = (SIZE - 1) / 2
    x = (weights * columns).sum(dim=(1, 2)) / total - centre
    y = (weights * rows).sum(dim=(1, 2)) / total - centre
    return x, y


def test_all_ranges_zero_is_no_transform() -> None:
    assert random_affine(0.0, 0.0, 0.0) is None


def test_rotation_moves_content_by_the_sampled_angle_and_keeps_the_mean() -> None:
    torch.manual_seed(0)
    images = _bump_above_centre(16)
    warp = random_affine(90.0, 0.0, 0.0)
    out = warp(images)
    angles = warp._params["angle"] * math.pi / 180
    assert angles.unique().numel() == 16  # one angle per sample
    assert angles.abs().max() <= math.pi / 2
    # Rotating the point (0, -5) (x right, y down) by θ about the centre, by hand.
    expected_x = 5.0 * torch.sin(angles)
    expected_y = -5.0 * torch.cos(angles)
    x, y = _centre_of_mass(out)
    torch.testing.assert_close(x, expected_x, atol=0.05, rtol=0)
    torch.testing.assert_close(y, expected_y, atol=0.05, rtol=0)
    # A rotation moves mass, it does not create it (bilinear resampling: within 1%).
    torch.testing.assert_close(out.mean(dim=(1, 2, 3)), images.mean(dim=(1, 2, 3)), rtol=0.01, atol=0)


def test_translation_shifts_by_at_most_the_fraction() -> None:
    torch.manual_seed(1)
    images = _bump_above_centre(64, offset=0.0)
    out = random_affine(0.0, 0.2, 0.0)(images)
    x, y = _centre_of_mass(out)
    limit = 0.2 * SIZE
    assert x.abs().max() <= limit + 0.05 and y.abs().max() <= limit + 0.05
    assert x.abs().max() > 0.5 * limit  # and it does shift


def test_pixels_from_outside_take_the_fill_value_per_channel() -> None:
    torch.manual_seed(2)
    images = torch.ones(16, 2, 16, 16)
    fill = torch.tensor([-3.0, -7.0])
    warp = random_affine(45.0, 0.0, 0.0, fill=fill)
    out = warp(images)
    # Turned by 10° or more, the corner pixel's source lies over a pixel outside the image
    # (its x = −7.5·(cos θ + sin |θ|) < −8.5 from the centre: beyond pixel 0), so it is pure fill.
    turned = warp._params["angle"].abs() >= 10
    assert turned.sum() >= 4
    torch.testing.assert_close(out[turned, :, 0, 0], fill.expand(int(turned.sum()), 2), atol=1e-4, rtol=0)
    # The centre stays inside and keeps its value.
    torch.testing.assert_close(out[:, :, 8, 8], torch.ones(16, 2))
