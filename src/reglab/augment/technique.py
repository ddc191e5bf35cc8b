"""`augment.*` as a technique family: the training-batch augmentation of a run."""

from __future__ import annotations

from typing import Any

import torch

from reglab.augment.pipeline import background_fill, build_pipeline
from reglab.config import ConfigError
from reglab.contract.technique import Technique, register_technique

__all__ = ["build_technique"]


@register_technique(order=40)
def build_technique(config: Any, model: torch.nn.Module, data: Any) -> Technique | None:
    """Technique(augment=pipeline) when an `augment.*` transform is on, else None.

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
    is_image = len(data.input_shape) == 3 and data.train_x.dim() == 4
    fill = background_fill(data.train_x) if is_image and data.train_x.shape[0] else None
    pipeline = build_pipeline(
        augment,
        input_shape=tuple(data.input_shape),
        task=data.task,
        num_classes=data.num_classes,
        dataset=data.name,
        fill=fill,
    )
    if pipeline is None:
        return None
    return Technique(augment=pipeline)
