"""`augment.*` keys: batched, per-sample data augmentation of the training set."""

from __future__ import annotations

from pydantic import Field, model_validator

from reglab.config.base import Section

__all__ = ["AugmentConfig"]

Probability = Field(0.0, ge=0.0, le=1.0)


class AugmentConfig(Section):
    """Augmentations applied on the device to each training batch (never to val/test).

    Keys:
        hflip: probability of a horizontal flip.
        vflip: probability of a vertical flip.
        affine_degrees: random rotation in [-degrees, degrees].
        affine_translate: random shift up to this fraction of width/height.
        affine_scale: random zoom in [1 - s, 1 + s].
        crop_padding: pad by this many pixels, then crop back at a random offset.
        erasing: probability of random erasing (cutout) of one rectangle.
        noise_std: standard deviation of Gaussian noise added to inputs.
        mixup_alpha: Beta(α, α) mixing of pairs of samples and their labels (0 = off).
        cutmix_alpha: Beta(α, α) box mixing of pairs of images (0 = off).
        mix_prob: probability that a batch is mixed (mixup / cutmix).
        label_smoothing: ε of label smoothing, (1-ε)·onehot + ε/K.
    """

    hflip: float = Probability
    vflip: float = Probability
    affine_degrees: float = Field(0.0, ge=0.0, le=180.0)
    affine_translate: float = Field(0.0, ge=0.0, lt=1.0)
    affine_scale: float = Field(0.0, ge=0.0, lt=1.0)
    crop_padding: int = Field(0, ge=0)
    erasing: float = Probability
    noise_std: float = Field(0.0, ge=0.0)
    mixup_alpha: float = Field(0.0, ge=0.0)
    cutmix_alpha: float = Field(0.0, ge=0.0)
    mix_prob: float = Field(1.0, ge=0.0, le=1.0)
    label_smoothing: float = Field(0.0, ge=0.0, lt=1.0)

    @model_validator(mode="after")
    def _one_mixer(self) -> "AugmentConfig":
        if self.mixup_alpha > 0 and self.cutmix_alpha > 0:
            raise ValueError("choose mixup_alpha or cutmix_alpha, not both")
        return self

    def any_image_transform(self) -> bool:
        """True when a spatial or pixel augmentation is on."""
        return any(
            (self.hflip, self.vflip, self.affine_degrees, self.affine_translate, self.affine_scale,
             self.crop_padding, self.erasing, self.noise_std)
        )
