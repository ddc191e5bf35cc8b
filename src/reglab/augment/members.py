"""The augmentation of K members' training batches at once: each member its own strengths and draws.

    for each member k (its own random stream, in the order its single run draws):
        flips → affine → crop offsets → erasing boxes → noise ε → mixing (λ, π, boxes)
    then, once for all K·B images: flips → affine → padded crop → erasing → noise → mixup | cutmix

A single run is K = 1 with PyTorch's global generator (`AugmentPipeline`), so every
transform exists once and a member of a population draws exactly what its single
run draws: its history depends on its own config, never on K or its neighbours.
Members may differ in every strength (probabilities, ranges, padding, σ, α,
mix_prob); a member whose strength is 0 draws nothing for that transform and its
images pass through it untouched. The mixing kind (none, mixup, cutmix) is shared:
it decides whether targets are labels or class probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import torch

from reglab.contract.units import MemberStep, MemberUnit

from reglab.augment.affine import AffineDraw, draw_affine, warp_affine_rows
from reglab.augment.crop import crop_at_offsets, sample_crop_offsets
from reglab.augment.erasing import draw_erasing, erase_boxes
from reglab.augment.flips import draw_flips, flip_where
from reglab.augment.mixing import as_probabilities, cutmix, cutmix_box_mask, draw_mixing, mixup
from reglab.augment.noise import add_gaussian_noise, draw_noise
from reglab.config.augment import AugmentConfig

__all__ = ["MemberAugment", "MemberDraws", "augments", "mixing_kind"]


def mixing_kind(config: AugmentConfig) -> str:
    """none | mixup | cutmix: what `config` mixes (mixup wins; validation forbids both)."""
    if config.mixup_alpha > 0:
        return "mixup"
    return "cutmix" if config.cutmix_alpha > 0 else "none"


def augments(config: AugmentConfig) -> bool:
    """True when `config` transforms training batches (label smoothing alone is the loss's)."""
    return config.any_image_transform() or mixing_kind(config) != "none"


@dataclass
class MemberDraws:
    """What one member drew for one batch of B samples (None: that transform is off)."""

    hflip: torch.Tensor | None = None  # (B,) bool
    vflip: torch.Tensor | None = None  # (B,) bool
    affine: AffineDraw | None = None
    crop: torch.Tensor | None = None  # (B, 2) window corners in the member's own padding
    erasing: torch.Tensor | None = None  # (B, 5) (erased, x, y, w, h)
    noise: torch.Tensor | None = None  # (B, ...) ε
    mix_weights: torch.Tensor | None = None  # (B,) λ
    partners: torch.Tensor | None = None  # (B,) π within the member's batch
    centers: torch.Tensor | None = None  # (B, 2) cutmix box centres


def draw_member(
    config: AugmentConfig,
    sample_shape: tuple[int, ...],
    count: int,
    device: torch.device,
    generator: torch.Generator | None,
    dtype: torch.dtype = torch.float32,
) -> MemberDraws:
    """Every random parameter one member's batch needs, from its stream, in the single run's order."""
    height, width = (sample_shape[-2], sample_shape[-1]) if len(sample_shape) == 3 else (1, 1)
    draws = MemberDraws(
        hflip=draw_flips(count, config.hflip, device, generator),
        vflip=draw_flips(count, config.vflip, device, generator),
    )
    draws.affine = draw_affine(
        count, height, width, config.affine_degrees, config.affine_translate, config.affine_scale, device, generator
    )
    if config.crop_padding:
        draws.crop = sample_crop_offsets(count, config.crop_padding, device, generator)
    draws.erasing = draw_erasing(count, height, width, config.erasing, device, generator)
    if config.noise_std:
        draws.noise = draw_noise((count, *sample_shape), device, dtype, generator)
    kind = mixing_kind(config)
    if kind != "none":
        alpha = config.mixup_alpha if kind == "mixup" else config.cutmix_alpha
        draws.mix_weights, draws.partners, draws.centers = draw_mixing(
            kind, count, alpha, config.mix_prob, device, generator, height, width
        )
    return draws


def _on_rows(
    inputs: torch.Tensor, batch: int, on: Sequence[int], transform: Callable[[torch.Tensor], torch.Tensor]
) -> torch.Tensor:
    """`transform` of the rows of the members at positions `on`; the other rows are kept as they are."""
    if len(on) * batch == inputs.shape[0]:
        return transform(inputs)
    rows = torch.cat([torch.arange(position * batch, (position + 1) * batch, device=inputs.device) for position in on])
    return inputs.index_copy(0, rows, transform(inputs.index_select(0, rows)))


class MemberAugment(MemberUnit):
    """`augment(inputs, labels, members, generators) -> (inputs, targets)` for K members' batches.

    Args:
        configs: each member's `augment` section, by original member index.
        input_shape: one sample's shape, (C, H, W) for images.
        num_classes: K classes (soft targets when mixing).
        fills: each member's per-channel background (C,) for affine and crop padding
            (`background_fill` of its training images), or None (0).

    Raises:
        ValueError: members that differ in the mixing kind (none, mixup, cutmix).

    Example:
        >>> augment = MemberAugment([AugmentConfig(noise_std=0.1), AugmentConfig(noise_std=0.2)], (40,), 10, [None, None])
        >>> inputs, labels = augment(torch.zeros(2, 8, 40), torch.zeros(2, 8, dtype=torch.long), [0, 1], [None, None])
        >>> inputs.shape
        torch.Size([2, 8, 40])
    """

    name = "augment"
    slots = ("batch_transform",)

    def transform_batch(self, inputs: torch.Tensor, labels: torch.Tensor, step: MemberStep) -> tuple[torch.Tensor, torch.Tensor]:
        return self(inputs, labels, step.members, step.generators)

    def __init__(
        self,
        configs: Sequence[AugmentConfig],
        input_shape: tuple[int, ...],
        num_classes: int,
        fills: Sequence[torch.Tensor | None],
    ) -> None:
        kinds = {mixing_kind(config) for config in configs}
        if len(kinds) > 1:
            raise ValueError(f"members mix in different ways ({', '.join(sorted(kinds))}); they cannot share a population")
        self.configs = list(configs)
        self.input_shape = tuple(input_shape)
        self.num_classes = num_classes
        self.fills = list(fills)
        self.mixing = kinds.pop()

    @torch.no_grad()
    def __call__(
        self,
        inputs: torch.Tensor,
        labels: torch.Tensor,
        members: Sequence[int],
        generators: Sequence[torch.Generator | None],
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Augmented (K, B, ...) inputs, and the labels (unchanged) or (K, B, classes) soft targets.

        Args:
            inputs: (K, B, ...) per member, or (B, ...) shared by all members.
            labels: (K, B) or (B,).
            members: the original member index of each of the K rows.
            generators: each row's random stream (None: PyTorch's global one).
        """
        count = len(members)
        if inputs.dim() == len(self.input_shape) + 1:
            inputs = inputs.unsqueeze(0).expand(count, *inputs.shape)
        batch = inputs.shape[1]
        configs = [self.configs[member] for member in members]
        draws = [
            draw_member(config, self.input_shape, batch, inputs.device, generator, inputs.dtype)
            for config, generator in zip(configs, generators)
        ]
        images = inputs.reshape(count * batch, *self.input_shape)
        images = self._transform(images, configs, draws, members, batch)
        if self.mixing == "none":
            return images.view(count, batch, *self.input_shape), labels
        if labels.dim() == 1:
            labels = labels.unsqueeze(0).expand(count, batch)
        targets = as_probabilities(labels.reshape(-1), self.num_classes, images.dtype)
        weights = torch.cat([draw.mix_weights for draw in draws])
        partners = torch.cat([draw.partners + position * batch for position, draw in enumerate(draws)])
        if self.mixing == "mixup":
            images, targets = mixup(images, targets, weights, partners)
        else:
            centers = torch.cat([draw.centers for draw in draws])
            mask, _ = cutmix_box_mask(images.shape[-2], images.shape[-1], weights, centers)
            images, targets = cutmix(images, targets, mask, partners)
        return images.view(count, batch, *self.input_shape), targets.view(count, batch, self.num_classes)

    def _fill_rows(self, members: Sequence[int], on: Sequence[int], batch: int, device: torch.device) -> torch.Tensor | None:
        """(rows, C) background of the images at member positions `on`, or None when every fill is 0."""
        fills = [self.fills[members[position]] for position in on]
        if all(fill is None for fill in fills):
            return None
        channels = self.input_shape[0]
        stacked = torch.stack([torch.zeros(channels, device=device) if fill is None else fill.to(device) for fill in fills])
        return stacked.repeat_interleave(batch, dim=0)

    def _transform(
        self, images: torch.Tensor, configs: Sequence[AugmentConfig], draws: Sequence[MemberDraws], members: Sequence[int], batch: int
    ) -> torch.Tensor:
        """flips → affine → padded crop → erasing → noise, each on the rows of the members that use it."""
        for name, dim in (("hflip", -1), ("vflip", -2)):
            on = [position for position, draw in enumerate(draws) if getattr(draw, name) is not None]
            if on:
                flipped = torch.cat([getattr(draws[position], name) for position in on])
                images = _on_rows(images, batch, on, lambda rows: flip_where(rows, flipped, dim))
        on = [position for position, draw in enumerate(draws) if draw.affine is not None]
        if on:
            affine = {key: torch.cat([draws[position].affine[key] for position in on]) for key in draws[on[0]].affine}
            fill = self._fill_rows(members, on, batch, images.device)
            images = _on_rows(images, batch, on, lambda rows: warp_affine_rows(rows, affine, fill))
        on = [position for position, draw in enumerate(draws) if draw.crop is not None]
        if on:
            # One canvas padded by the largest p; a member with p' ≤ p moves its window by p − p'.
            padding = max(configs[position].crop_padding for position in on)
            offsets = torch.cat([draws[position].crop + (padding - configs[position].crop_padding) for position in on])
            fill = self._fill_rows(members, on, batch, images.device)
            images = _on_rows(images, batch, on, lambda rows: crop_at_offsets(rows, offsets, padding, fill))
        on = [position for position, draw in enumerate(draws) if draw.erasing is not None]
        if on:
            boxes = torch.cat([draws[position].erasing for position in on])
            images = _on_rows(images, batch, on, lambda rows: erase_boxes(rows, boxes))
        on = [position for position, draw in enumerate(draws) if draw.noise is not None]
        if on:
            noise = torch.cat([draws[position].noise for position in on])
            std = torch.tensor([configs[position].noise_std for position in on], device=images.device).repeat_interleave(batch)
            images = _on_rows(images, batch, on, lambda rows: add_gaussian_noise(rows, std, noise))
        return images
