"""Gaussian noise: x + σ·ε, with the empirical σ of the added noise ≈ σ."""

from __future__ import annotations

import torch

from reglab.augment import GaussianNoise, add_gaussian_noise


def test_noise_is_added_exactly() -> None:
    inputs, noise = torch.randn(5, 3), torch.randn(5, 3)
    torch.testing.assert_close(add_gaussian_noise(inputs, 0.3, noise), inputs + 0.3 * noise, rtol=0, atol=0)


def test_noise_std_and_mean_match_on_vectors_and_images() -> None:
    torch.manual_seed(0)
    for shape in [(2000, 40), (200, 1, 8, 8)]:
        inputs = torch.randn(shape)
        added = GaussianNoise(0.25)(inputs) - inputs
        assert abs(added.std().item() - 0.25) < 0.01
        assert abs(added.mean().item()) < 0.01
        assert added.shape == inputs.shape
