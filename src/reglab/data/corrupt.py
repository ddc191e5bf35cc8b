"""Label and input corruptions of Zhang et al. (2017), one pure function each.

All take an explicit `torch.Generator`, return new tensors and never modify
their inputs. "Pixels" are positions: H·W for images (the C values of a pixel
move together), F for vectors (N, F), L for sequences (N, C, L).

Reference:
    C. Zhang, S. Bengio, M. Hardt, B. Recht, O. Vinyals. "Understanding deep
    learning requires rethinking generalization." ICLR 2017, arXiv:1611.03530.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = [
    "add_label_noise",
    "randomize_labels",
    "pixel_permutation",
    "shuffle_pixels",
    "permute_pixels_per_sample",
    "gaussian_inputs",
]

_ROWS_PER_CHUNK = 4096  # bounds the (rows, pixels) random keys of per-sample permutations


def add_label_noise(labels: Tensor, num_classes: int, probability: float, generator: torch.Generator) -> Tensor:
    """Replace each label, with probability p, by a class drawn uniformly from all K.

    The draw may return the true class, as in the paper's "partially corrupted
    labels", so the expected fraction actually changed is p·(K − 1)/K.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> add_label_noise(torch.zeros(4, dtype=torch.long), 10, 0.0, g)
        tensor([0, 0, 0, 0])
    """
    replace = torch.rand(labels.shape, generator=generator) < probability
    drawn = torch.randint(num_classes, labels.shape, generator=generator, dtype=labels.dtype)
    return torch.where(replace, drawn, labels)


def randomize_labels(labels: Tensor, num_classes: int, generator: torch.Generator) -> Tensor:
    """"Random labels": every label replaced by a uniformly random class (p = 1).

    Agreement with the true labels is then ≈ 1/K (chance).
    """
    return add_label_noise(labels, num_classes, 1.0, generator)


def _as_positions(inputs: Tensor) -> Tensor:
    """View (N, ...) as (N, C, P): C values per position, P positions."""
    if inputs.dim() == 2:
        return inputs.unsqueeze(1)
    return inputs.flatten(2)


def pixel_permutation(sample_shape: tuple[int, ...], generator: torch.Generator) -> Tensor:
    """One random permutation of the positions of a sample of shape `sample_shape`."""
    positions = sample_shape[0] if len(sample_shape) == 1 else int(torch.tensor(sample_shape[1:]).prod())
    return torch.randperm(positions, generator=generator)


def shuffle_pixels(inputs: Tensor, permutation: Tensor) -> Tensor:
    """"Shuffled pixels": the same permutation of positions applied to every sample.

    Use one `pixel_permutation` for train and test alike.

    Example:
        >>> shuffle_pixels(torch.tensor([[10.0, 20.0, 30.0]]), torch.tensor([2, 0, 1]))
        tensor([[30., 10., 20.]])
    """
    return _as_positions(inputs)[:, :, permutation].reshape(inputs.shape)


def permute_pixels_per_sample(inputs: Tensor, generator: torch.Generator) -> Tensor:
    """"Random pixels": an independent random permutation of positions for each sample.

    Each sample keeps its multiset of pixel values; only the arrangement changes.
    """
    flat = _as_positions(inputs)
    rows, channels, positions = flat.shape
    result = torch.empty_like(flat)
    for start in range(0, rows, _ROWS_PER_CHUNK):
        chunk = flat[start : start + _ROWS_PER_CHUNK]
        keys = torch.rand(len(chunk), positions, generator=generator)
        order = keys.argsort(dim=1).unsqueeze(1).expand(-1, channels, -1)
        result[start : start + len(chunk)] = chunk.gather(2, order)
    return result.reshape(inputs.shape)


def gaussian_inputs(shape: tuple[int, ...], mean: Tensor, std: Tensor, generator: torch.Generator) -> Tensor:
    """"Gaussian": inputs drawn from N(mean, std²) instead of the data.

    Args:
        shape: (N, ...) of the inputs replaced.
        mean, std: statistics of the original data, broadcastable to `shape`
            (per channel for images, per feature for vectors).
    """
    return torch.randn(shape, generator=generator) * std + mean
