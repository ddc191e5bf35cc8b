"""Flips against torch.flip: flipped where drawn, identity elsewhere, rate ≈ p."""

from __future__ import annotations

import torch

from reglab.augment import draw_flips, flip_where


def test_zero_probability_draws_nothing_and_one_flips_all_without_a_draw() -> None:
    torch.manual_seed(0)
    before = torch.get_rng_state()
    assert draw_flips(5, 0.0, "cpu") is None
    assert draw_flips(5, 1.0, "cpu").all()
    assert torch.equal(torch.get_rng_state(), before)


def test_horizontal_flip_matches_torch_flip_on_selected_samples() -> None:
    torch.manual_seed(0)
    images = torch.randn(400, 2, 5, 7)
    selected = draw_flips(400, 0.3, "cpu")
    out = flip_where(images, selected, -1)
    torch.testing.assert_close(out[selected], torch.flip(images[selected], dims=[-1]), rtol=0, atol=0)
    torch.testing.assert_close(out[~selected], images[~selected], rtol=0, atol=0)
    # 400 Bernoulli(0.3) draws: standard deviation of the rate ≈ 0.023.
    assert abs(selected.float().mean().item() - 0.3) < 0.08
    # Asymmetric images, so a flipped sample really differs from the original.
    assert not torch.equal(out[selected], images[selected])


def test_vertical_flip_matches_torch_flip_on_selected_samples() -> None:
    torch.manual_seed(1)
    images = torch.randn(400, 1, 6, 4)
    selected = draw_flips(400, 0.7, "cpu")
    out = flip_where(images, selected, -2)
    torch.testing.assert_close(out[selected], torch.flip(images[selected], dims=[-2]), rtol=0, atol=0)
    torch.testing.assert_close(out[~selected], images[~selected], rtol=0, atol=0)
    assert abs(selected.float().mean().item() - 0.7) < 0.08


def test_draws_come_from_the_given_generator() -> None:
    generator = torch.Generator().manual_seed(7)
    torch.manual_seed(7)
    expected = draw_flips(300, 0.5, "cpu")
    torch.manual_seed(8)
    got = draw_flips(300, 0.5, "cpu", generator)
    assert torch.equal(got, expected)
    # Decisions are per sample, not per batch.
    assert 0 < int(got.sum()) < 300
