"""The tensors a run trains on: `SourceData` from a loader, `DataSplits` for the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from torch import Tensor

__all__ = ["Task", "SourceData", "DataSplits"]

Task = Literal["classification", "binary", "regression"]


@dataclass(frozen=True)
class SourceData:
    """What a dataset family's loader returns, before splitting, corruption and scaling.

    Inputs are float32 on the CPU, images as (N, C, H, W), vectors as (N, F).
    Targets are class indices (int64, shape (N,)) for classification and binary
    tasks, float32 (N, 1) for regression; `load_data` gives binary targets their
    final float (N, 1) form at the very end.

    Attributes:
        task: classification | binary | regression.
        num_classes: K for classification, 2 for binary, 0 for regression.
        train_x, train_y: the pool that train (and any carved val/test) come from.
        test_x, test_y: a published test split, or None when it must be carved.
        val_x, val_y: a published validation split (imagefolder's val/ beside test/), or None.
        default_val_size: val size used when `data.val_size` is null.
        default_test_size: test size carved when `data.test_size` is null and
            there is no published test split.
        info: provenance (source files, generator arguments, class names).
    """

    task: Task
    num_classes: int
    train_x: Tensor
    train_y: Tensor
    test_x: Tensor | None = None
    test_y: Tensor | None = None
    val_x: Tensor | None = None
    val_y: Tensor | None = None
    default_val_size: int | float = 0.1
    default_test_size: int | float = 0.2
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DataSplits:
    """Train, validation and test tensors of one run, already on the training device.

    Loaded once; the engine makes a batch by index slicing (`train_x[indices]`).

    Attributes:
        name: the dataset name (`data.dataset`).
        task: classification | binary | regression.
        num_classes: K for classification, 2 for binary, 0 for regression.
        input_shape: shape of one sample, e.g. (1, 28, 28), (40,) for mnist1d.
        output_dim: model outputs needed: K for classification, 1 for binary and regression.
        train_x, train_y: training inputs (float32) and targets.
        val_x, val_y: validation split; may have 0 rows.
        test_x, test_y: test split.
        info: sizes, normalization statistics, source files, corruption applied.

    Targets are int64 (N,) for classification and float32 (N, 1) for binary
    (0. or 1.) and regression.
    """

    name: str
    task: Task
    num_classes: int
    input_shape: tuple[int, ...]
    output_dim: int
    train_x: Tensor
    train_y: Tensor
    val_x: Tensor
    val_y: Tensor
    test_x: Tensor
    test_y: Tensor
    info: dict[str, Any]

    def __repr__(self) -> str:
        return (
            f"DataSplits(name={self.name!r}, task={self.task!r}, input_shape={self.input_shape}, "
            f"train={len(self.train_x)}, val={len(self.val_x)}, test={len(self.test_x)}, "
            f"device={self.train_x.device})"
        )
