"""`MemberAugment`: K members at once, each exactly as if it augmented its batch alone from its own stream."""

from __future__ import annotations

import pytest
import torch

from reglab.augment import AugmentPipeline, MemberAugment
from reglab.config.augment import AugmentConfig

SHAPE = (2, 7, 9)
BATCH = 24
IMAGE_MEMBERS = [
    dict(hflip=0.5, affine_degrees=10.0, affine_translate=0.1, crop_padding=1, erasing=0.5, noise_std=0.1),
    dict(hflip=0.25, vflip=0.5, affine_degrees=5.0, affine_scale=0.2, crop_padding=3, noise_std=0.05),
    dict(),  # no augmentation among members that augment: passes through untouched
    dict(hflip=1.0, erasing=1.0, crop_padding=2),
]


def _streams(seeds):
    return [torch.Generator().manual_seed(seed) for seed in seeds]


def _fills(count: int) -> list[torch.Tensor]:
    return [torch.tensor([-1.0 - member, 0.5 * member]) for member in range(count)]


def _each_alone(configs, inputs, labels, fills, seeds, input_shape):
    """Member k through a population of one, with its stream in the same starting state."""
    outputs, targets, states = [], [], []
    for member, (config, seed) in enumerate(zip(configs, seeds)):
        alone = MemberAugment([config], input_shape, 10, [fills[member]])
        generator = torch.Generator().manual_seed(seed)
        row_inputs = inputs[member : member + 1] if inputs.dim() == len(input_shape) + 2 else inputs
        row_labels = labels[member : member + 1] if labels.dim() == 2 else labels
        out, target = alone(row_inputs, row_labels, [0], [generator])
        outputs.append(out[0])
        targets.append(target[0] if target.dim() >= 2 else target)
        states.append(generator.get_state())
    return torch.stack(outputs), targets, states


@pytest.mark.parametrize("shared_inputs", [False, True])
def test_each_member_augments_as_it_would_alone(shared_inputs: bool) -> None:
    configs = [AugmentConfig(**keys) for keys in IMAGE_MEMBERS]
    count, seeds = len(configs), [11, 12, 13, 14]
    source = torch.Generator().manual_seed(0)
    inputs = torch.randn(BATCH, *SHAPE, generator=source) if shared_inputs else torch.randn(count, BATCH, *SHAPE, generator=source)
    labels = torch.randint(0, 10, (BATCH,)) if shared_inputs else torch.randint(0, 10, (count, BATCH))
    population = MemberAugment(configs, SHAPE, 10, _fills(count))
    streams = _streams(seeds)
    out, targets = population(inputs, labels, [0, 1, 2, 3], streams)
    assert out.shape == (count, BATCH, *SHAPE) and targets is labels
    alone, _, states = _each_alone(configs, inputs, labels, _fills(count), seeds, SHAPE)
    assert torch.equal(out, alone)
    assert all(torch.equal(stream.get_state(), state) for stream, state in zip(streams, states))
    plain = inputs if shared_inputs else inputs[2]
    assert torch.equal(out[2], plain)  # the member without augmentation drew nothing and changed nothing
    assert torch.equal(streams[2].get_state(), torch.Generator().manual_seed(13).get_state())
    assert not torch.equal(out[0], out[1])


@pytest.mark.parametrize("kind", ["mixup", "cutmix"])
def test_mixing_members_mix_within_their_own_batch_with_their_own_alpha(kind: str) -> None:
    configs = [AugmentConfig(**{f"{kind}_alpha": alpha, "mix_prob": prob}) for alpha, prob in ((0.4, 1.0), (2.0, 0.5), (1.0, 1.0))]
    inputs = torch.randn(3, BATCH, *SHAPE, generator=torch.Generator().manual_seed(1))
    labels = torch.randint(0, 10, (3, BATCH), generator=torch.Generator().manual_seed(2))
    seeds = [5, 6, 7]
    population = MemberAugment(configs, SHAPE, 10, [None] * 3)
    out, targets = population(inputs, labels, [0, 1, 2], _streams(seeds))
    assert targets.shape == (3, BATCH, 10)
    alone, alone_targets, _ = _each_alone(configs, inputs, labels, [None] * 3, seeds, SHAPE)
    assert torch.equal(out, alone)
    assert torch.equal(targets, torch.stack(alone_targets))
    torch.testing.assert_close(targets.sum(dim=2), torch.ones(3, BATCH))
    # A member mixes only its own samples: every target's mass is on its own labels.
    own_classes = torch.nn.functional.one_hot(labels, 10).amax(dim=1).bool()  # (3, 10)
    assert (targets * ~own_classes[:, None, :]).abs().max() == 0


def test_rows_are_the_original_members_and_vectors_take_noise_and_mixup() -> None:
    configs = [AugmentConfig(noise_std=0.1 * (member + 1), mixup_alpha=0.5) for member in range(4)]
    population = MemberAugment(configs, (40,), 10, [None] * 4)
    inputs, labels = torch.randn(2, BATCH, 40), torch.randint(0, 10, (2, BATCH))
    out, _ = population(inputs, labels, [3, 1], _streams([9, 8]))  # members 0 and 2 have finished
    alone_3, _ = MemberAugment([configs[3]], (40,), 10, [None])(inputs[:1], labels[:1], [0], _streams([9]))
    alone_1, _ = MemberAugment([configs[1]], (40,), 10, [None])(inputs[1:], labels[1:], [0], _streams([8]))
    assert torch.equal(out, torch.cat([alone_3, alone_1]))


def test_the_single_run_pipeline_is_one_member_drawing_from_the_global_generator() -> None:
    config = AugmentConfig(**IMAGE_MEMBERS[0], mixup_alpha=0.3)
    inputs, labels = torch.randn(BATCH, *SHAPE), torch.randint(0, 10, (BATCH,))
    fill = torch.tensor([-1.0, 0.0])
    torch.manual_seed(4)
    single = AugmentPipeline(config, SHAPE, 10, fill)(inputs, labels)
    member = MemberAugment([config], SHAPE, 10, [fill])(inputs, labels, [0], [torch.Generator().manual_seed(4)])
    assert torch.equal(single[0], member[0][0]) and torch.equal(single[1], member[1][0])


def test_members_that_mix_differently_cannot_share() -> None:
    with pytest.raises(ValueError, match="mix in different ways"):
        MemberAugment([AugmentConfig(mixup_alpha=0.2), AugmentConfig()], SHAPE, 10, [None, None])
