"""Padded random crop: exact integer shifts of at most p pixels, checked on one-pixel images."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from reglab.augment import crop_at_offsets, sample_crop_offsets


def test_crop_equals_slicing_the_zero_padded_image() -> None:
    torch.manual_seed(0)
    images = torch.randn(6, 3, 5, 7)
    offsets = sample_crop_offsets(6, 2)
    out = crop_at_offsets(images, offsets, padding=2)
    padded = F.pad(images, (2, 2, 2, 2))
    expected = torch.stack([padded[i, :, r : r + 5, c : c + 7] for i, (r, c) in enumerate(offsets.tolist())])
    torch.testing.assert_close(out, expected, rtol=0, atol=0)


def test_centre_offset_is_identity_and_fill_is_per_channel() -> None:
    images = torch.randn(2, 2, 4, 4)
    torch.testing.assert_close(crop_at_offsets(images, torch.tensor([[3, 3], [3, 3]]), 3), images, rtol=0, atol=0)
    out = crop_at_offsets(images, torch.tensor([[0, 0], [0, 0]]), 1, fill=torch.tensor([-1.0, -2.0]))
    assert torch.equal(out[:, 0, 0, :], torch.full((2, 4), -1.0))
    assert torch.equal(out[:, 1, :, 0], torch.full((2, 4), -2.0))
    torch.testing.assert_close(out[:, :, 1:, 1:], images[:, :, :3, :3], rtol=0, atol=0)


def test_one_hot_pixel_moves_by_at_most_padding_and_every_shift_occurs() -> None:
    torch.manual_seed(1)
    padding, size = 2, 9
    images = torch.zeros(500, 1, size, size)
    images[:, 0, 4, 4] = 1.0
    out = crop_at_offsets(images, sample_crop_offsets(500, padding), padding)
    assert torch.equal(out.sum(dim=(1, 2, 3)), torch.ones(500))  # the pixel stays in the image, unblurred
    position = out.view(500, -1).argmax(dim=1)
    shift_rows, shift_columns = position // size - 4, position % size - 4
    assert shift_rows.abs().max() <= padding and shift_columns.abs().max() <= padding
    shifts = set(zip(shift_rows.tolist(), shift_columns.tolist()))
    assert len(shifts) == (2 * padding + 1) ** 2  # uniform over all 25 offsets: each seen in 500 draws


def test_fill_per_image_and_dtype() -> None:
    images = torch.zeros(2, 1, 3, 3, dtype=torch.float64)
    out = crop_at_offsets(images, torch.tensor([[0, 0], [0, 0]]), 1, fill=torch.tensor([[0.5], [-2.0]]))
    assert out.dtype == torch.float64
    assert out[0, 0, 0].tolist() == [0.5] * 3 and out[1, 0, :, 0].tolist() == [-2.0] * 3
    assert out[:, :, 1:, 1:].abs().sum() == 0


def test_offsets_come_from_the_given_generator() -> None:
    torch.manual_seed(0)
    expected = sample_crop_offsets(50, 3)
    generator = torch.Generator().manual_seed(0)
    torch.manual_seed(1)
    assert torch.equal(sample_crop_offsets(50, 3, generator=generator), expected)
