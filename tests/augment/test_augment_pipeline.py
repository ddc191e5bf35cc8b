"""The pipeline: what each key builds, the bad-input errors, determinism, untouched labels."""

from __future__ import annotations

import pytest
import torch

from reglab.augment import IMAGE_ONLY_KEYS, AugmentPipeline, background_fill, build_pipeline
from reglab.config import ConfigError
from reglab.config.augment import AugmentConfig

IMAGE = (1, 8, 8)
EVERYTHING = dict(
    hflip=0.5, vflip=0.2, affine_degrees=10, affine_translate=0.1, affine_scale=0.1,
    crop_padding=1, erasing=0.3, noise_std=0.05, mixup_alpha=0.2,
)


def _build(shape=IMAGE, task="classification", **keys):
    return build_pipeline(AugmentConfig(**keys), input_shape=shape, task=task, num_classes=10, dataset="test")


def test_everything_off_builds_nothing() -> None:
    assert _build() is None
    assert _build(mix_prob=0.5, label_smoothing=0.1) is None  # no transform; the loss smooths


@pytest.mark.parametrize("key", sorted(EVERYTHING))
def test_each_key_alone_builds_a_pipeline_that_changes_the_batch(key: str) -> None:
    pipeline = _build(**{key: EVERYTHING[key]})
    assert pipeline is not None
    images, labels = torch.randn(64, 1, 8, 8), torch.randint(0, 10, (64,))
    torch.manual_seed(0)
    out, targets = pipeline(images, labels)
    assert out.shape == images.shape and not torch.equal(out, images)
    assert pipeline.member.mixing == ("mixup" if key == "mixup_alpha" else "none")
    assert _build(cutmix_alpha=1.0, mix_prob=0.5).member.mixing == "cutmix"


@pytest.mark.parametrize("key", IMAGE_ONLY_KEYS)
def test_image_only_keys_on_vector_data_name_the_key(key: str) -> None:
    value = 2 if key == "crop_padding" else 0.5
    with pytest.raises(ConfigError) as caught:
        _build(shape=(40,), **{key: value})
    assert caught.value.key == f"augment.{key}"
    assert "image datasets only" in str(caught.value) and "vector inputs" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_noise_and_mixup_work_on_vectors() -> None:
    torch.manual_seed(0)
    pipeline = _build(shape=(40,), noise_std=0.1, mixup_alpha=0.4)
    inputs, targets = pipeline(torch.randn(16, 40), torch.randint(0, 10, (16,)))
    assert inputs.shape == (16, 40) and targets.shape == (16, 10)


@pytest.mark.parametrize("task", ["regression", "binary"])
@pytest.mark.parametrize("key", ["mixup_alpha", "cutmix_alpha"])
def test_mixing_needs_class_labels(task: str, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _build(task=task, **{key: 0.2})
    assert caught.value.key == f"augment.{key}" and task in caught.value.allowed


def test_crop_padding_must_leave_content_in_the_image() -> None:
    assert _build(crop_padding=7) is not None
    with pytest.raises(ConfigError) as caught:
        _build(crop_padding=8)
    assert caught.value.key == "augment.crop_padding" and "[0, 7]" in caught.value.allowed


def test_same_seed_repeats_bit_for_bit_and_another_seed_differs() -> None:
    pipeline = _build(**EVERYTHING)
    images, labels = torch.randn(64, 1, 8, 8), torch.randint(0, 10, (64,))
    outputs = []
    for seed in (11, 11, 12):
        torch.manual_seed(seed)
        outputs.append(pipeline(images, labels))
    assert torch.equal(outputs[0][0], outputs[1][0]) and torch.equal(outputs[0][1], outputs[1][1])
    assert not torch.equal(outputs[0][0], outputs[2][0])


def test_without_mixing_labels_pass_through_and_no_graph_is_built() -> None:
    pipeline = _build(hflip=1.0, noise_std=0.1)
    images = torch.randn(4, 1, 8, 8, requires_grad=True)
    labels = torch.tensor([1, 2, 3, 4])
    out, targets = pipeline(images, labels)
    assert targets is labels
    assert not out.requires_grad


def test_background_fill_is_the_darkest_value_per_channel() -> None:
    images = torch.zeros(3, 2, 4, 4)
    images[1, 0, 2, 2], images[2, 1, 0, 0] = -4.0, -9.0
    assert background_fill(images).tolist() == [-4.0, -9.0]


def test_pipeline_example_from_the_docstring() -> None:
    pipeline = AugmentPipeline(AugmentConfig(noise_std=0.1, mixup_alpha=0.2), (40,), num_classes=10)
    _, targets = pipeline(torch.rand(8, 40), torch.randint(0, 10, (8,)))
    assert targets.shape == (8, 10)
