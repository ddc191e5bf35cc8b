"""Each member of the stacked noise functions draws exactly its single-run module's noise from its own stream."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from reglab.models import DropPath, GaussianDropout, GaussianNoise
from reglab.models.member_noise import channel_dropout_members, drop_path_members, dropout_members

SEEDS = (4, 5, 6)


def _generators() -> list[torch.Generator]:
    return [torch.Generator().manual_seed(seed) for seed in SEEDS]


def _single_run(module: nn.Module, x: torch.Tensor, seed: int) -> torch.Tensor:
    torch.manual_seed(seed)
    return module.train()(x.clone())


@pytest.mark.parametrize(
    ("kind", "module"),
    [("standard", nn.Dropout), ("alpha", nn.AlphaDropout), ("gaussian", GaussianDropout), ("gaussian_noise", GaussianNoise)],
)
def test_every_dropout_kind_equals_its_module_per_member(kind, module):
    h = torch.randn(3, 40, 7)
    rates = (0.3, 0.0, 0.6)
    out = dropout_members(h, kind, rates, _generators())
    for member, (seed, rate) in enumerate(zip(SEEDS, rates)):
        expected = _single_run(module(rate), h[member], seed)
        assert torch.equal(out[member], expected), member
    assert torch.equal(out[1], h[1])  # rate 0: the identity
    assert not torch.equal(out[0], h[0])


def test_members_do_not_depend_on_their_neighbours():
    h = torch.randn(3, 40, 7)
    together = dropout_members(h, "gaussian", (0.2, 0.4, 0.1), _generators())
    alone = dropout_members(h[2:], "gaussian", (0.1,), [torch.Generator().manual_seed(SEEDS[2])])
    assert torch.equal(together[2], alone[0])


@pytest.mark.parametrize(("spatial", "module"), [((9,), nn.Dropout1d), ((4, 4), nn.Dropout2d)])
def test_channel_dropout_equals_dropout1d_and_2d_per_member(spatial, module):
    h = torch.randn(3, 5, 6, *spatial)
    rates = (0.4, 0.0, 0.2)
    out = channel_dropout_members(h, rates, _generators())
    for member, (seed, rate) in enumerate(zip(SEEDS, rates)):
        assert torch.equal(out[member], _single_run(module(rate), h[member], seed)), member


def test_drop_path_equals_the_single_run_module_per_member():
    h = torch.randn(3, 64, 5)
    rates = (0.5, 0.0, 0.25)
    out = drop_path_members(h, rates, _generators())
    for member, (seed, rate) in enumerate(zip(SEEDS, rates)):
        assert torch.equal(out[member], _single_run(DropPath(rate), h[member], seed)), member
    dropped = (out[0] == 0).all(dim=1)
    assert 0 < dropped.sum() < 64  # whole samples dropped, the rest scaled by 1 / (1 - p)
    torch.testing.assert_close(out[0][~dropped], h[0][~dropped] / 0.5)


def test_vmap_of_the_single_run_functions_draws_per_member():
    from torch.func import vmap

    x = torch.ones(3, 8, 4)
    noisy = vmap(lambda h: GaussianNoise(0.5).train()(h), randomness="different")(x)
    dropped = vmap(lambda h: DropPath(0.5).train()(h), randomness="different")(x)
    assert not torch.equal(noisy[0], noisy[1])
    assert dropped.shape == x.shape
