"""Gaussian noise: x + σ·ε, with the empirical σ of the added noise ≈ σ."""

from __future__ import annotations

import torch

from reglab.augment import add_gaussian_noise


def test_noise_is_added_exactly() -> None:
    inputs, noise = torch.randn(5, 3), torch.randn(5, 3)
    torch.testing.assert_close(add_gaussian_noise(inputs, 0.3, noise), inputs + 0.3 * noise, rtol=0, atol=0)


def test_noise_std_and_mean_match_on_vectors_and_images() -> None:
    torch.manual_seed(0)
    for shape in [(2000, 40), (200, 1, 8, 8)]:
        inputs = torch.randn(shape)
        added = add_gaussian_noise(inputs, 0.25) - inputs
        assert abs(added.std().item() - 0.25) < 0.01
        assert abs(added.mean().item()) < 0.01
        assert added.shape == inputs.shape


def test_a_std_per_sample() -> None:
    inputs, noise = torch.zeros(3, 1, 2, 2), torch.ones(3, 1, 2, 2)
    out = add_gaussian_noise(inputs, torch.tensor([0.0, 0.5, 2.0]), noise)
    assert out[:, 0, 0, 0].tolist() == [0.0, 0.5, 2.0]
