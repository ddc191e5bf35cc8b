"""The dropout family, channel dropout and stochastic depth against their definitions."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from reglab.models import (
    DROPOUT_KINDS,
    DropPath,
    drop_path,
    drop_path_rates,
    gaussian_dropout,
    gaussian_noise,
    make_channel_dropout,
    make_dropout,
)

P = 0.3


def big_positive_tensor() -> torch.Tensor:
    torch.manual_seed(0)
    return torch.rand(400, 500) + 0.5  # no zeros, so a zero in the output means "dropped"


@pytest.mark.parametrize("kind", DROPOUT_KINDS)
def test_every_kind_is_the_identity_in_eval_mode(kind: str) -> None:
    x = big_positive_tensor()
    module = make_dropout(kind, P).eval()
    torch.testing.assert_close(module(x), x, rtol=0, atol=0)
    assert not torch.equal(module.train()(x), x)  # and it does act in training mode


def test_standard_dropout_drops_at_rate_p_and_scales_kept_units() -> None:
    x = big_positive_tensor()
    y = make_dropout("standard", P)(x)
    kept = y != 0
    assert 1 - kept.float().mean().item() == pytest.approx(P, abs=0.005)
    torch.testing.assert_close(y[kept], x[kept] / (1 - P))


def test_gaussian_dropout_preserves_the_mean_with_variance_p_over_1_minus_p() -> None:
    ones = torch.ones(1000, 1000)
    torch.manual_seed(0)
    y = gaussian_dropout(ones, P)
    assert y.mean().item() == pytest.approx(1.0, abs=0.005)
    assert y.var().item() == pytest.approx(P / (1 - P), rel=0.01)
    assert make_dropout("gaussian", P)(ones).var().item() == pytest.approx(P / (1 - P), rel=0.01)


def test_gaussian_dropout_matches_bernoulli_dropout_moments() -> None:
    ones = torch.ones(1000, 1000)
    torch.manual_seed(0)
    bernoulli = nn.functional.dropout(ones, P)
    gaussian = gaussian_dropout(ones, P)
    assert gaussian.mean().item() == pytest.approx(bernoulli.mean().item(), abs=0.01)
    assert gaussian.var().item() == pytest.approx(bernoulli.var().item(), rel=0.02)


def test_gaussian_noise_adds_noise_of_std_rate() -> None:
    x = big_positive_tensor()
    torch.manual_seed(1)
    noise = gaussian_noise(x, 0.2) - x
    assert noise.mean().item() == pytest.approx(0.0, abs=0.002)
    assert noise.std().item() == pytest.approx(0.2, rel=0.01)
    noise = make_dropout("gaussian_noise", 0.2)(x) - x
    assert noise.std().item() == pytest.approx(0.2, rel=0.01)


def test_alpha_dropout_keeps_standardized_activations_standardized() -> None:
    """Klambauer et al. 2017, section 3: dropped units are set to alpha' = -lambda * alpha, then y = a x + b."""
    torch.manual_seed(0)
    x = torch.randn(1000, 1000)
    y = make_dropout("alpha", P)(x)
    assert y.mean().item() == pytest.approx(0.0, abs=0.01)
    assert y.var().item() == pytest.approx(1.0, abs=0.02)
    alpha_prime = -1.7580993408473766
    q = 1 - P
    a = (q + alpha_prime**2 * q * P) ** -0.5
    dropped_value = a * alpha_prime + (-a * alpha_prime * P)
    dropped = (y - dropped_value).abs() < 1e-5
    assert dropped.float().mean().item() == pytest.approx(P, abs=0.005)


def test_zero_rate_is_the_identity_in_training_mode() -> None:
    x = big_positive_tensor()
    for kind in DROPOUT_KINDS:
        torch.testing.assert_close(make_dropout(kind, 0.0)(x), x, rtol=0, atol=0)


def test_channel_dropout_zeroes_whole_channels() -> None:
    torch.manual_seed(0)
    images = torch.rand(50, 40, 4, 4) + 0.5
    y = make_channel_dropout(P, spatial_dims=2)(images)
    dropped = (y == 0).all(dim=(2, 3))
    kept = (y != 0).all(dim=(2, 3))
    assert (dropped | kept).all()  # every channel is either zeroed entirely or kept entirely
    assert dropped.float().mean().item() == pytest.approx(P, abs=0.03)
    torch.testing.assert_close(y[kept], images[kept] / (1 - P))
    sequences = torch.rand(50, 40, 9) + 0.5
    y = make_channel_dropout(P, spatial_dims=1)(sequences)
    assert ((y == 0).all(dim=2) | (y != 0).all(dim=2)).all()


def test_drop_path_drops_whole_samples_and_scales_survivors() -> None:
    torch.manual_seed(0)
    x = torch.rand(20_000, 3, 2) + 0.5
    y = drop_path(x, P)
    dropped = (y == 0).flatten(1).all(dim=1)
    kept = (y != 0).flatten(1).all(dim=1)
    assert (dropped | kept).all()
    assert dropped.float().mean().item() == pytest.approx(P, abs=0.01)
    torch.testing.assert_close(y[kept], x[kept] / (1 - P))
    torch.testing.assert_close(drop_path(x, P, training=False), x, rtol=0, atol=0)
    module = DropPath(P)
    torch.testing.assert_close(module.eval()(x), x, rtol=0, atol=0)


def test_drop_path_rates_grow_linearly_to_the_configured_rate() -> None:
    """Huang et al. 2016: p_l = (l / L) p_L for residual block l of L."""
    rates = drop_path_rates(0.5, 4)
    assert rates == pytest.approx([0.125, 0.25, 0.375, 0.5])
    assert math.isclose(rates[-1], 0.5)
    assert drop_path_rates(0.5, 0) == []


@pytest.mark.parametrize("noise", [lambda x: drop_path(x, 0.5), lambda x: gaussian_dropout(x, 0.5)])
def test_noise_differs_between_members_under_vmap(noise) -> None:
    """Population training runs K members with torch.func.vmap(randomness="different")."""
    torch.manual_seed(0)
    members = torch.ones(4, 64, 3)
    y = torch.func.vmap(noise, randomness="different")(members)
    assert y.shape == members.shape
    assert len({tuple(member.flatten().tolist()) for member in y}) == 4
