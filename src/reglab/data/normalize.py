"""Input scaling fitted on the training split only and applied to every split.

Statistics are per channel for images (N, C, H, W) — reduced over N, H, W — and
per feature for vectors (N, F), reduced over N. Fitting on train alone keeps
validation and test honest: they never leak into the scaling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor

__all__ = ["Normalization", "statistic_dims", "fit_normalization"]

Method = Literal["standardize", "minmax", "none"]


@dataclass(frozen=True)
class Normalization:
    """An affine map x ↦ (x − shift) / scale with shift, scale broadcastable to a batch.

    Attributes:
        method: standardize | minmax | none.
        shift: the train mean (standardize) or minimum (minmax), shape (1, C, 1, 1) or (1, F).
        scale: the train standard deviation or range; 1 where that is 0.
    """

    method: Method
    shift: Tensor
    scale: Tensor

    def apply(self, inputs: Tensor) -> Tensor:
        """Scale a split (any number of rows) with the statistics of the train split.

        `inputs` is left as it is (it may be a user's tensor); the division runs in place
        on the subtraction's fresh result, so a split costs one new tensor, not two."""
        return (inputs - self.shift).div_(self.scale)

    def describe(self) -> dict[str, object]:
        """Plain values for `DataSplits.info`: the method and per-channel/feature statistics."""
        names = {"standardize": ("mean", "std"), "minmax": ("min", "range"), "none": ("shift", "scale")}
        shift_name, scale_name = names[self.method]
        return {
            "method": self.method,
            shift_name: self.shift.flatten().tolist(),
            scale_name: self.scale.flatten().tolist(),
        }


def statistic_dims(inputs: Tensor) -> tuple[int, ...]:
    """Dims reduced to get one statistic per channel (images) or per feature (vectors)."""
    if inputs.dim() == 4:
        return (0, 2, 3)
    if inputs.dim() == 3:  # (N, C, L) sequences: per channel
        return (0, 2)
    return (0,)


def fit_normalization(train_inputs: Tensor, method: Method) -> Normalization:
    """Fit `method` on the training inputs.

    standardize: shift = mean, scale = population std (so train std is exactly 1);
    minmax: shift = min, scale = max − min (train lands in [0, 1]);
    none: shift 0, scale 1. A zero scale (a constant channel) is replaced by 1
    so the map stays finite.

    Example:
        >>> x = torch.tensor([[0.0, 2.0], [2.0, 2.0]])
        >>> fit_normalization(x, "standardize").apply(x)
        tensor([[-1.,  0.],
                [ 1.,  0.]])
    """
    dims = statistic_dims(train_inputs)
    shape = [1 if dim in dims else size for dim, size in enumerate(train_inputs.shape)]
    if method == "standardize":
        shift = train_inputs.mean(dim=dims).reshape(shape)
        scale = train_inputs.std(dim=dims, correction=0).reshape(shape)
    elif method == "minmax":
        shift = train_inputs.amin(dim=dims).reshape(shape)
        scale = train_inputs.amax(dim=dims).reshape(shape) - shift
    elif method == "none":
        shift = torch.zeros(shape, dtype=train_inputs.dtype)
        scale = torch.ones(shape, dtype=train_inputs.dtype)
    else:
        raise ValueError(f"unknown normalization {method!r}")
    scale = torch.where(scale > 0, scale, torch.ones_like(scale))
    return Normalization(method, shift, scale)
