"""The population's training-batch augmentation: `MemberAugment` over the members' configs and data.

Each member augments with its own `augment.*` strengths and its own background
(the darkest training value per channel of ITS splits, as its single run), and
draws from its own random stream (`reglab.population.streams`), the one its dropout
masks come from: per batch its single run draws the augmentation first, then the
masks, and so does the member. A population without augmentation gets None and
does no per-step work for it.
"""

from __future__ import annotations

from typing import Sequence

from reglab.augment.members import MemberAugment, augments
from reglab.augment.pipeline import background_fill
from reglab.config import Config
from reglab.population.data import PopulationData

__all__ = ["build_member_augment"]


def build_member_augment(configs: Sequence[Config], data: PopulationData) -> MemberAugment | None:
    """The members' augmentation, or None when no member augments.

    Bad `augment.*` keys were refused before (each member's techniques are built as
    its single run builds them, `inspect_techniques`).
    """
    if not any(augments(config.augment) for config in configs):
        return None
    is_image = len(data.input_shape) == 3
    splits = data.member_splits or (data.reference,) * len(configs)
    fills = [
        background_fill(split.train_x) if is_image and split.train_x.dim() == 4 and split.train_x.shape[0] else None
        for split in splits
    ]
    return MemberAugment([config.augment for config in configs], data.input_shape, data.num_classes, fills)
