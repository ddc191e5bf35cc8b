"""The augmentation of a single run's training batch: `MemberAugment` with K = 1."""

from __future__ import annotations

import torch

from reglab.augment.members import MemberAugment, augments
from reglab.config import ConfigError
from reglab.config.augment import AugmentConfig

__all__ = ["AugmentPipeline", "build_pipeline", "background_fill", "IMAGE_ONLY_KEYS"]

# Keys that only make sense for (C, H, W) images; noise and mixup also work on vectors.
IMAGE_ONLY_KEYS: tuple[str, ...] = (
    "hflip",
    "vflip",
    "affine_degrees",
    "affine_translate",
    "affine_scale",
    "crop_padding",
    "erasing",
    "cutmix_alpha",
)
IMAGE_DATASETS = "digits, mnist, fashion_mnist, kmnist, cifar10, imagefolder"


class AugmentPipeline:
    """`augment(inputs, labels) -> (inputs, targets)` for the training loop.

    Order: flips → affine → padded crop → erasing → noise → mixup | cutmix. Every
    transform draws per-sample parameters on the batch's device from torch's global
    RNG, so `torch.manual_seed` makes a CPU run repeat bit for bit; the batch is
    processed at once, with no Python loop over samples. This is one member of
    `MemberAugment` (K = 1, the global generator): a population member draws the same
    parameters from its own stream and goes through the same functions.

    Targets are the labels unchanged, or (N, K) float class probabilities when a
    mixer is set; the losses of `reglab.objective.losses` take both. Only training
    batches pass through here: evaluation never sees augmented data.

    Metric keys: the pipeline emits none of its own; it changes what two engine keys measure.

    | key          | with augmentation                                                      |
    |--------------|------------------------------------------------------------------------|
    | `train/loss` | data loss on the augmented batch, against the soft targets when mixing |
    | `train/acc`  | argmax of outputs on augmented inputs vs the ORIGINAL labels (a mixed  |
    |              | sample counts as correct when it predicts its own label)               |
    | `val/*`, `test/*` | unchanged: evaluation uses the plain val/test tensors             |

    Args:
        config: the `augment` section.
        input_shape: one sample's shape, (C, H, W) for images.
        num_classes: K (for soft targets).
        fill: per-channel background (C,) for affine and crop padding; see `background_fill`.

    Example:
        >>> pipeline = AugmentPipeline(AugmentConfig(noise_std=0.1, mixup_alpha=0.2), (40,), num_classes=10)
        >>> inputs, targets = pipeline(torch.rand(8, 40), torch.randint(0, 10, (8,)))
        >>> targets.shape
        torch.Size([8, 10])
    """

    def __init__(
        self, config: AugmentConfig, input_shape: tuple[int, ...], num_classes: int, fill: torch.Tensor | None = None
    ) -> None:
        self.config = config
        self.member = MemberAugment([config], input_shape, num_classes, [fill])

    def __call__(self, inputs: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        augmented, targets = self.member(inputs.unsqueeze(0), labels.unsqueeze(0), [0], [None])
        return augmented[0], labels if self.member.mixing == "none" else targets[0]

    def __repr__(self) -> str:
        changed = {key: value for key, value in self.config.model_dump().items() if value != AugmentConfig.model_fields[key].default}
        return f"AugmentPipeline({', '.join(f'{key}={value}' for key, value in changed.items())})"


def background_fill(images: torch.Tensor) -> torch.Tensor:
    """Per-channel darkest value of the training images, shape (C,).

    Inputs are normalized before augmentation, so "black" is not 0: for MNIST-like
    data the darkest value is the normalized background, and for natural images it is
    what the usual pad-with-zeros-then-normalize recipe yields.
    """
    return images.amin(dim=(0, 2, 3))


def _check(config: AugmentConfig, input_shape: tuple[int, ...], task: str, dataset: str) -> None:
    is_image = len(input_shape) == 3
    if not is_image:
        for key in IMAGE_ONLY_KEYS:
            value = getattr(config, key)
            if value:
                raise ConfigError(
                    f"augment.{key}",
                    value,
                    f"image datasets only ({IMAGE_DATASETS}); {dataset or 'this dataset'} has vector inputs "
                    f"of shape {tuple(input_shape)}",
                )
    for key in ("mixup_alpha", "cutmix_alpha"):
        value = getattr(config, key)
        if value and task != "classification":
            where = f"the {task} dataset {dataset}" if dataset else f"a {task} dataset"
            raise ConfigError(f"augment.{key}", value, f"0 for {where}; mixing needs class labels")
    if is_image and config.crop_padding:
        largest = min(input_shape[1:]) - 1
        if config.crop_padding > largest:
            raise ConfigError(
                "augment.crop_padding",
                config.crop_padding,
                f"an integer in [0, {largest}] for {input_shape[1]}×{input_shape[2]} images",
            )


def build_pipeline(
    config: AugmentConfig,
    *,
    input_shape: tuple[int, ...],
    task: str,
    num_classes: int,
    dataset: str = "",
    fill: torch.Tensor | None = None,
) -> AugmentPipeline | None:
    """The pipeline `augment.*` asks for, or None when every augmentation is off.

    Args:
        config: the `augment` section.
        input_shape: one sample's shape, (C, H, W) for images.
        task: classification | binary | regression.
        num_classes: K (for soft targets).
        dataset: the dataset name, for error messages.
        fill: per-channel background (C,) for affine and crop padding; see `background_fill`.

    Raises:
        ConfigError: image-only keys on vector data, mixing without class labels,
            crop padding as large as the image.
    """
    _check(config, input_shape, task, dataset)
    if not augments(config):
        return None
    return AugmentPipeline(config, tuple(input_shape), num_classes, fill)
