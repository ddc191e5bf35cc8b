"""Mixup and CutMix: train on convex combinations of sample pairs, with soft targets.

Written by hand rather than with kornia's RandomMixUpV2 / RandomCutMixV2: kornia's
mixup draws λ uniformly (not from Beta(α, α)), both take images only (mixup also
serves vector data), and both return (label, partner label, λ) triples instead of
the (N, K) probabilities reglab's losses take. The math is a few lines each.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = [
    "as_probabilities",
    "mixup",
    "cutmix_box_mask",
    "cutmix",
    "sample_mix_weights",
    "draw_mixing",
]


def as_probabilities(labels: torch.Tensor, num_classes: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Class indices (N,) → one-hot (N, K); (N, K) probabilities pass through."""
    if labels.dim() == 2 and labels.dtype.is_floating_point:
        return labels.to(dtype)
    return F.one_hot(labels.long(), num_classes).to(dtype)


def mixup(
    inputs: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor, partners: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """x̃ᵢ = λᵢ·xᵢ + (1 − λᵢ)·x_πᵢ and ỹᵢ = λᵢ·yᵢ + (1 − λᵢ)·y_πᵢ.

    Args:
        inputs: (N, ...) any shape.
        targets: (N, K) class probabilities (rows sum to 1, so mixed rows do too).
        weights: (N,) λ ∈ [0, 1].
        partners: (N,) indices π, usually a permutation of 0..N-1.

    Example:
        >>> x, y = torch.tensor([[0.0], [1.0]]), torch.eye(2)
        >>> mixup(x, y, torch.tensor([0.75, 0.75]), torch.tensor([1, 0]))[0]
        tensor([[0.2500], [0.7500]])

    Reference:
        Zhang et al. 2018, "mixup: Beyond Empirical Risk Minimization", arXiv:1710.09412.
    """
    input_weights = weights.to(inputs.dtype).view(-1, *([1] * (inputs.dim() - 1)))
    target_weights = weights.to(targets.dtype).view(-1, 1)
    mixed_inputs = input_weights * inputs + (1 - input_weights) * inputs[partners]
    mixed_targets = target_weights * targets + (1 - target_weights) * targets[partners]
    return mixed_inputs, mixed_targets


def cutmix_box_mask(
    height: int, width: int, weights: torch.Tensor, centers: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Boxes of area ≈ (1 − λ)·H·W around `centers`, clipped to the image.

    As in the paper's code: side = ⌊H·√(1 − λ)⌋ (and W), box = centre ± ⌊side/2⌋,
    clipped; clipping shrinks the box, so λ is recomputed as 1 − box area / (H·W).

    Args:
        weights: (N,) sampled λ.
        centers: (N, 2) integer (row, column) box centres.

    Returns:
        mask: (N, 1, H, W) bool, True where the partner's pixels are pasted.
        adjusted: (N,) λ' = 1 − (pasted pixels)/(H·W), the exact share of the own image.
    """
    device = centers.device
    cut_fraction = torch.sqrt(1.0 - weights.to(device=device, dtype=torch.float32))
    half_height = torch.floor(height * cut_fraction).long() // 2
    half_width = torch.floor(width * cut_fraction).long() // 2
    top = (centers[:, 0] - half_height).clamp(0, height)
    bottom = (centers[:, 0] + half_height).clamp(0, height)
    left = (centers[:, 1] - half_width).clamp(0, width)
    right = (centers[:, 1] + half_width).clamp(0, width)
    rows = torch.arange(height, device=device)
    columns = torch.arange(width, device=device)
    inside_rows = (rows >= top[:, None]) & (rows < bottom[:, None])  # (N, H)
    inside_columns = (columns >= left[:, None]) & (columns < right[:, None])  # (N, W)
    mask = (inside_rows[:, :, None] & inside_columns[:, None, :]).unsqueeze(1)
    adjusted = 1.0 - ((bottom - top) * (right - left)).to(weights.dtype) / (height * width)
    return mask, adjusted


def cutmix(
    images: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor, partners: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """x̃ᵢ = (1 − Mᵢ)⊙xᵢ + Mᵢ⊙x_πᵢ and ỹᵢ = λ'ᵢ·yᵢ + (1 − λ'ᵢ)·y_πᵢ with λ'ᵢ = 1 − mean(Mᵢ).

    Args:
        images: (N, C, H, W).
        targets: (N, K) class probabilities.
        mask: (N, 1, H, W) bool from `cutmix_box_mask`.
        partners: (N,) indices π.

    Reference:
        Yun et al. 2019, "CutMix: Regularization Strategy to Train Strong Classifiers
        with Localizable Features", arXiv:1905.04899.
    """
    mixed_images = torch.where(mask, images[partners], images)
    own_share = 1.0 - mask.flatten(1).to(targets.dtype).mean(dim=1, keepdim=True)
    mixed_targets = own_share * targets + (1 - own_share) * targets[partners]
    return mixed_images, mixed_targets


def sample_mix_weights(
    count: int, alpha: float, mix_prob: float, device: torch.device | str, generator: torch.Generator | None = None
) -> torch.Tensor:
    """λ ~ Beta(α, α) per sample; the whole batch gets λ = 1 (no mixing) with probability 1 − mix_prob.

    The draw is torch's `Beta(α, α).sample((count,))` (the first component of a
    Dirichlet(α, α) draw), taken from `generator` (None: the global one). The batch
    gate is a tensor, not a Python branch, so no host↔device sync is needed.
    """
    concentration = torch.tensor(float(alpha), device=device)
    pairs = torch.stack([concentration, concentration]).expand(count, 2)
    weights = torch._sample_dirichlet(pairs, generator=generator).select(-1, 0)
    if mix_prob < 1.0:
        mixed = torch.rand((), device=device, generator=generator) < mix_prob
        weights = torch.where(mixed, weights, torch.ones_like(weights))
    return weights


def draw_mixing(
    kind: str,
    count: int,
    alpha: float,
    mix_prob: float,
    device: torch.device | str,
    generator: torch.Generator | None = None,
    height: int = 1,
    width: int = 1,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """(λ (N,), partners π (N,), box centres (N, 2) for cutmix else None), drawn in that order.

    λ per sample (timm's "elem" mode; the mixup paper draws one λ per batch, which
    samples the same vicinal distribution with more correlation), π a random
    permutation, and for CutMix the integer (row, column) box centres.

    Args:
        kind: mixup | cutmix.
        count: N. alpha: α of Beta(α, α). mix_prob: probability that the batch is mixed at all.
        generator: the random stream (None: the global one). height, width: the image size (cutmix).
    """
    weights = sample_mix_weights(count, alpha, mix_prob, device, generator)
    partners = torch.randperm(count, device=device, generator=generator)
    if kind != "cutmix":
        return weights, partners, None
    centers = torch.stack(
        [
            torch.randint(0, height, (count,), device=device, generator=generator),
            torch.randint(0, width, (count,), device=device, generator=generator),
        ],
        dim=1,
    )
    return weights, partners, centers
