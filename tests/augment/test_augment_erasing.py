"""Random erasing: exactly the sampled rectangle is filled, in ≈ p of the images."""

from __future__ import annotations

import torch

from reglab.augment import draw_erasing, erase_boxes


def test_zero_probability_draws_nothing() -> None:
    torch.manual_seed(0)
    before = torch.get_rng_state()
    assert draw_erasing(8, 5, 5, 0.0, "cpu") is None
    assert torch.equal(torch.get_rng_state(), before)


def test_erased_pixels_are_the_sampled_rectangle_in_about_p_of_samples() -> None:
    torch.manual_seed(0)
    count, height, width = 600, 12, 10
    images = torch.rand(count, 3, height, width) + 1.0  # never 0 before erasing
    boxes = draw_erasing(count, height, width, 0.4, "cpu")
    out = erase_boxes(images, boxes)
    selected = boxes[:, 0].bool()
    assert abs(selected.float().mean().item() - 0.4) < 0.07
    rows = torch.arange(height).view(1, -1, 1)
    columns = torch.arange(width).view(1, 1, -1)
    xs, ys = boxes[:, 1].long().view(-1, 1, 1), boxes[:, 2].long().view(-1, 1, 1)
    ws, hs = boxes[:, 3].long().view(-1, 1, 1), boxes[:, 4].long().view(-1, 1, 1)
    box = (rows >= ys) & (rows < ys + hs) & (columns >= xs) & (columns < xs + ws)  # (N, H, W)
    expected_mask = (box & selected.view(-1, 1, 1)).unsqueeze(1).expand_as(images)
    assert torch.equal(out == 0, expected_mask)
    torch.testing.assert_close(out[~expected_mask], images[~expected_mask], rtol=0, atol=0)
    # Areas follow the Zhong et al. range (rounding to whole pixels widens it a little).
    area = (ws * hs).view(-1).float()[selected] / (height * width)
    assert area.min() >= 0.005 and area.max() <= 0.45
