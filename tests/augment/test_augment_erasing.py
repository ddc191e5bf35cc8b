"""Random erasing: exactly the sampled rectangle is filled, in ≈ p of the images."""

from __future__ import annotations

import torch

from reglab.augment import random_erasing


def test_zero_probability_is_no_transform() -> None:
    assert random_erasing(0.0) is None


def test_erased_pixels_are_the_sampled_rectangle_in_about_p_of_samples() -> None:
    torch.manual_seed(0)
    count, height, width = 600, 12, 10
    images = torch.rand(count, 3, height, width) + 1.0  # never 0 before erasing
    erase = random_erasing(0.4)
    out = erase(images)
    params = erase._params
    selected = params["batch_prob"].bool()
    assert abs(selected.float().mean().item() - 0.4) < 0.07
    rows = torch.arange(height).view(1, -1, 1)
    columns = torch.arange(width).view(1, 1, -1)
    xs, ys = params["xs"].long().view(-1, 1, 1), params["ys"].long().view(-1, 1, 1)
    ws, hs = params["widths"].long().view(-1, 1, 1), params["heights"].long().view(-1, 1, 1)
    box = (rows >= ys) & (rows < ys + hs) & (columns >= xs) & (columns < xs + ws)  # (N, H, W)
    expected_mask = (box & selected.view(-1, 1, 1)).unsqueeze(1).expand_as(images)
    assert torch.equal(out == 0, expected_mask)
    torch.testing.assert_close(out[~expected_mask], images[~expected_mask], rtol=0, atol=0)
    # Areas follow the Zhong et al. range (rounding to whole pixels widens it a little).
    area = (ws * hs).view(-1).float()[selected] / (height * width)
    assert area.min() >= 0.005 and area.max() <= 0.45
