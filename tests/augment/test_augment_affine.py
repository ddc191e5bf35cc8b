"""Affine warps: identity when off, rotation by the sampled angle, mean roughly kept, fill."""

from __future__ import annotations

import math

import torch

from reglab.augment import draw_affine, warp_affine_rows

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


def test_all_ranges_zero_draws_nothing() -> None:
    torch.manual_seed(0)
    before = torch.get_rng_state()
    assert draw_affine(4, SIZE, SIZE, 0.0, 0.0, 0.0, "cpu") is None
    assert torch.equal(torch.get_rng_state(), before)


def test_rotation_moves_content_by_the_sampled_angle_and_keeps_the_mean() -> None:
    torch.manual_seed(0)
    images = _bump_above_centre(16)
    draw = draw_affine(16, SIZE, SIZE, 90.0, 0.0, 0.0, "cpu")
    out = warp_affine_rows(images, draw)
    angles = draw["angle"] * math.pi / 180
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
    out = warp_affine_rows(images, draw_affine(64, SIZE, SIZE, 0.0, 0.2, 0.0, "cpu"))
    x, y = _centre_of_mass(out)
    limit = 0.2 * SIZE
    assert x.abs().max() <= limit + 0.05 and y.abs().max() <= limit + 0.05
    assert x.abs().max() > 0.5 * limit  # and it does shift


def test_pixels_from_outside_take_the_fill_value_per_channel() -> None:
    torch.manual_seed(2)
    images = torch.ones(16, 2, 16, 16)
    fill = torch.tensor([-3.0, -7.0])
    draw = draw_affine(16, 16, 16, 45.0, 0.0, 0.0, "cpu")
    out = warp_affine_rows(images, draw, fill)
    # Turned by 10° or more, the corner pixel's source lies over a pixel outside the image
    # (its x = −7.5·(cos θ + sin |θ|) < −8.5 from the centre: beyond pixel 0), so it is pure fill.
    turned = draw["angle"].abs() >= 10
    assert turned.sum() >= 4
    torch.testing.assert_close(out[turned, :, 0, 0], fill.expand(int(turned.sum()), 2), atol=1e-4, rtol=0)
    # The centre stays inside and keeps its value.
    torch.testing.assert_close(out[:, :, 8, 8], torch.ones(16, 2))


def test_a_fill_per_image_equals_each_images_own_fill() -> None:
    torch.manual_seed(3)
    images = torch.randn(6, 2, 9, 9)
    draw = draw_affine(6, 9, 9, 30.0, 0.2, 0.2, "cpu")
    fills = torch.randn(6, 2)
    together = warp_affine_rows(images, draw, fills)
    for row in range(6):
        alone = warp_affine_rows(images[row : row + 1], {key: value[row : row + 1] for key, value in draw.items()}, fills[row])
        assert torch.equal(together[row : row + 1], alone)
