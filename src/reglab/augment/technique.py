"""`augment.*` as a technique family: the training-batch augmentation of a run."""

from __future__ import annotations

from typing import Any

import torch

from reglab.augment.members import MemberAugment, augments
from reglab.augment.pipeline import background_fill, build_pipeline
from reglab.config import ConfigError
from reglab.contract.technique import Technique, register_technique
from reglab.contract.units import MemberStart, MemberUnit, PopulationUnsupported

__all__ = ["build_technique", "member_units"]


def member_units(start: MemberStart) -> list[MemberUnit]:
    """The members' augmentation, or none when no member augments.

    Each member augments with its own `augment.*` strengths, its own background (the
    darkest training value per channel of ITS splits, as its single run) and its own
    random stream (`MemberStep.generators`, the one its dropout masks come from: per
    batch the augmentation draws first, then the masks).
    """
    configs, data = start.configs, start.data
    if not any(augments(config.augment) for config in configs):
        return []
    is_image = len(data.input_shape) == 3
    splits = data.member_splits or (data.reference,) * len(configs)
    fill_of: dict[int, torch.Tensor | None] = {}  # members sharing splits share one pass over the images
    for split in splits:
        if id(split) not in fill_of:
            fill_of[id(split)] = background_fill(split.train_x) if is_image and split.train_x.dim() == 4 and split.train_x.shape[0] else None
    fills = [fill_of[id(split)] for split in splits]
    try:
        return [MemberAugment([config.augment for config in configs], data.input_shape, data.num_classes, fills)]
    except ValueError as error:  # members that mix in different ways
        raise PopulationUnsupported(str(error)) from None


@register_technique(order=40, units=member_units)
def build_technique(config: Any, model: torch.nn.Module, data: Any) -> Technique | None:
    """Check one member's `augment.*` keys: an (empty) technique when a transform is on, else None.

    Also validates `augment.label_smoothing`, which `reglab.objective.losses` applies:
    it needs class labels. Runs in `build_setup`, so bad keys fail before the store
    is touched.

    Raises:
        ConfigError: see `build_pipeline`; label smoothing on a non-classification dataset.
    """
    augment = config.augment
    if augment.label_smoothing and data.task != "classification":
        raise ConfigError(
            "augment.label_smoothing",
            augment.label_smoothing,
            f"0 for the {data.task} dataset {data.name}; label smoothing needs class labels",
        )
    pipeline = build_pipeline(  # checks the keys; the members' units transform (with their backgrounds)
        augment,
        input_shape=tuple(data.input_shape),
        task=data.task,
        num_classes=data.num_classes,
        dataset=data.name,
    )
    return None if pipeline is None else Technique()
