"""Flips against torch.flip: flipped where kornia says so, identity elsewhere, rate ≈ p."""

from __future__ import annotations

import torch

from reglab.augment import random_flips


def test_no_flip_modules_when_probabilities_are_zero() -> None:
    assert random_flips(0.0, 0.0) == []


def test_horizontal_flip_matches_torch_flip_on_selected_samples() -> None:
    torch.manual_seed(0)
    images = torch.randn(400, 2, 5, 7)
    (flip,) = random_flips(0.3, 0.0)
    out = flip(images)
    selected = flip._params["batch_prob"].bool()
    torch.testing.assert_close(out[selected], torch.flip(images[selected], dims=[-1]), rtol=0, atol=0)
    torch.testing.assert_close(out[~selected], images[~selected], rtol=0, atol=0)
    # 400 Bernoulli(0.3) draws: standard deviation of the rate ≈ 0.023.
    assert abs(selected.float().mean().item() - 0.3) < 0.08
    # Asymmetric images, so a flipped sample really differs from the original.
    assert not torch.equal(out[selected], images[selected])


def test_vertical_flip_matches_torch_flip_on_selected_samples() -> None:
    torch.manual_seed(1)
    images = torch.randn(400, 1, 6, 4)
    (flip,) = random_flips(0.0, 0.7)
    out = flip(images)
    selected = flip._params["batch_prob"].bool()
    torch.testing.assert_close(out[selected], torch.flip(images[selected], dims=[-2]), rtol=0, atol=0)
    torch.testing.assert_close(out[~selected], images[~selected], rtol=0, atol=0)
    assert abs(selected.float().mean().item() - 0.7) < 0.08


def test_both_flips_compose_per_sample() -> None:
    torch.manual_seed(2)
    images = torch.randn(300, 1, 4, 4)
    horizontal, vertical = random_flips(0.5, 0.5)
    out = vertical(horizontal(images))
    h = horizontal._params["batch_prob"].bool()
    v = vertical._params["batch_prob"].bool()
    expected = torch.where(h.view(-1, 1, 1, 1), images.flip(-1), images)
    expected = torch.where(v.view(-1, 1, 1, 1), expected.flip(-2), expected)
    torch.testing.assert_close(out, expected, rtol=0, atol=0)
    # Decisions are per sample, not per batch: all four combinations occur.
    combos = {(bool(a), bool(b)) for a, b in zip(h, v)}
    assert len(combos) == 4
