"""Data augmentation of training batches, on the device, with per-sample random parameters.

Each transform is a draw (the random parameters of B samples, from a given random
stream) and an application (to N images at once, from their parameters);
`MemberAugment` runs them for the K members of a population, and a single run is
K = 1 (`AugmentPipeline`).
"""

from reglab.augment.affine import draw_affine, warp_affine_rows
from reglab.augment.crop import crop_at_offsets, sample_crop_offsets
from reglab.augment.erasing import draw_erasing, erase_boxes
from reglab.augment.flips import draw_flips, flip_where
from reglab.augment.members import MemberAugment, MemberDraws, augments, mixing_kind
from reglab.augment.mixing import (
    as_probabilities,
    cutmix,
    cutmix_box_mask,
    draw_mixing,
    mixup,
    sample_mix_weights,
)
from reglab.augment.noise import add_gaussian_noise, draw_noise
from reglab.augment.pipeline import IMAGE_ONLY_KEYS, AugmentPipeline, background_fill, build_pipeline

__all__ = [
    "AugmentPipeline",
    "MemberAugment",
    "MemberDraws",
    "augments",
    "mixing_kind",
    "build_pipeline",
    "background_fill",
    "IMAGE_ONLY_KEYS",
    "draw_flips",
    "flip_where",
    "draw_affine",
    "warp_affine_rows",
    "crop_at_offsets",
    "sample_crop_offsets",
    "draw_erasing",
    "erase_boxes",
    "draw_noise",
    "add_gaussian_noise",
    "draw_mixing",
    "mixup",
    "cutmix",
    "cutmix_box_mask",
    "sample_mix_weights",
    "as_probabilities",
]
