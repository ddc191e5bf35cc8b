"""Augmentation in populations: each member's own strengths and draws, equal to its single run."""

from __future__ import annotations

import pytest
import torch

import reglab
from reglab.config import validate_config
from reglab.objective.losses import make_objective
from reglab.population import train_population
from reglab.population.build import build_population
from reglab.objective.members import make_member_objective
from tests.conftest import tiny_digits
from tests.population.test_train import assert_same_history

# Every member its own strengths, one without augmentation, and dropout drawing from
# the same stream as the augmentation (per batch: augmentation first, then the masks).
MEMBERS = [
    {"augment.hflip": 0.5, "augment.affine_degrees": 10.0, "augment.crop_padding": 1, "augment.noise_std": 0.1},
    {"augment.vflip": 0.3, "augment.affine_scale": 0.2, "augment.crop_padding": 2, "augment.erasing": 0.5},
    {},
]


@pytest.mark.parametrize("shards", [1, 2])
def test_members_with_different_augmentations_equal_their_single_runs(store_dir, shards):
    """Sharded too: two threads draw at once, each member from its own stream."""
    configs = [validate_config(tiny_digits(seed=seed, **{"model.dropout": 0.2}, **keys)) for seed, keys in enumerate(MEMBERS)]
    members = train_population(configs, store=store_dir, data_order="independent", shards=shards)
    assert members[0].summary["population"]["size"] == 3
    assert members[0].summary["population"]["shards"] == shards
    for config, member in zip(configs, members):
        assert_same_history(member, reglab.train(config, store=store_dir))


@pytest.mark.parametrize("kind", ["mixup_alpha", "cutmix_alpha"])
def test_a_shared_batch_is_augmented_per_member(store_dir, kind):
    """`data_order: shared`: one batch for all; the first member's order is its single run's."""
    configs = [validate_config(tiny_digits(seed=seed, **{f"augment.{kind}": alpha, "augment.hflip": 0.5})) for seed, alpha in ((0, 0.4), (1, 1.0))]
    members = train_population(configs, store=store_dir, data_order="shared")
    assert_same_history(members[0], reglab.train(configs[0], store=store_dir))
    assert members[0].history[-1]["train/loss"] != members[1].history[-1]["train/loss"]


def test_a_population_without_augmentation_has_none_to_run():
    plain = build_population([validate_config(tiny_digits(seed=seed)) for seed in (0, 1)], "independent", "stacked")[0]
    assert plain.units.of("batch_transform") == []
    smoothed = build_population([validate_config(tiny_digits(**{"augment.label_smoothing": 0.1}))], "independent", "stacked")[0]
    assert smoothed.units.of("batch_transform") == []  # label smoothing is the loss's


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("loss", ["cross_entropy", "nll", "mse", "bce"])
def test_the_member_objective_takes_each_members_mixed_targets_as_the_single_run_loss(loss, smoothing):
    generator = torch.Generator().manual_seed(0)
    outputs = torch.randn(3, 16, 10, generator=generator)
    targets = torch.softmax(torch.randn(3, 16, 10, generator=generator) * 3, dim=2)  # mixed: rows sum to 1
    member = make_member_objective(loss, "classification", 10, label_smoothing=smoothing).loss(outputs, targets)
    single = make_objective(loss, "classification", 10, label_smoothing=smoothing).loss
    expected = torch.stack([single(outputs[k], targets[k]) for k in range(3)])
    torch.testing.assert_close(member, expected, rtol=1e-6, atol=1e-7)
