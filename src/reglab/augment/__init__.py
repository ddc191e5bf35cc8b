"""Data augmentation of training batches, on the device, with per-sample random parameters."""

from reglab.augment.affine import random_affine
from reglab.augment.crop import RandomPaddedCrop, crop_at_offsets, sample_crop_offsets
from reglab.augment.erasing import random_erasing
from reglab.augment.flips import random_flips
from reglab.augment.mixing import (
    CutMix,
    Mixup,
    as_probabilities,
    cutmix,
    cutmix_box_mask,
    mixup,
    sample_mix_weights,
)
from reglab.augment.noise import GaussianNoise, add_gaussian_noise
from reglab.augment.pipeline import IMAGE_ONLY_KEYS, AugmentPipeline, background_fill, build_pipeline

__all__ = [
    "AugmentPipeline",
    "build_pipeline",
    "background_fill",
    "IMAGE_ONLY_KEYS",
    "random_flips",
    "random_affine",
    "RandomPaddedCrop",
    "crop_at_offsets",
    "sample_crop_offsets",
    "random_erasing",
    "GaussianNoise",
    "add_gaussian_noise",
    "Mixup",
    "CutMix",
    "mixup",
    "cutmix",
    "cutmix_box_mask",
    "sample_mix_weights",
    "as_probabilities",
]
