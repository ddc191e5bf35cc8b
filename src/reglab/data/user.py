"""A user's own data: tensors or a map-style `Dataset`, loaded once into tensors.

`reglab.train(config, data=...)` takes

| form                              | becomes                                          |
|-----------------------------------|--------------------------------------------------|
| `(inputs, targets)` tensors/arrays | a pool split by `data.val_size/test_size/train_size` |
| a map-style `torch.utils.data.Dataset` | its items `(input, target)` stacked, then as above |
| a `DataSplits`                    | used as is (moved to the device)                 |

Targets that are integers are class labels (classes = max + 1); floating targets are
regression targets (N, 1). The pool then goes through the same split, corruption
(`data.label_noise`, `data.corruption`) and normalization as a built-in dataset, so
every data key of the config keeps its meaning.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor

from reglab.config.errors import ConfigError
from reglab.data.bundle import DataSplits, SourceData

__all__ = ["USER_DATASET", "user_source"]

USER_DATASET = "user"


def _tensor(value: Any, what: str) -> Tensor:
    if isinstance(value, Tensor):
        return value.detach().cpu()
    if isinstance(value, (np.ndarray, list, tuple, int, float)):
        return torch.as_tensor(np.asarray(value))
    raise ConfigError("data", type(value).__name__, f"{what} as tensors, arrays or numbers")


def _stack_dataset(dataset: Any) -> tuple[Tensor, Tensor]:
    """Every `(input, target)` item of a map-style dataset, stacked (read once)."""
    count = len(dataset)
    if count == 0:
        raise ConfigError("data", "an empty Dataset", "a Dataset with at least one item")
    items = [dataset[index] for index in range(count)]
    if not all(isinstance(item, (tuple, list)) and len(item) == 2 for item in items[:1]):
        raise ConfigError("data", type(items[0]).__name__, "Dataset items (input, target)")
    inputs = torch.stack([_tensor(item[0], "inputs") for item in items])
    targets = torch.stack([_tensor(item[1], "targets") for item in items])
    return inputs, targets


def user_source(data: Any) -> SourceData | DataSplits:
    """The user's data as the loaders' `SourceData` (or a `DataSplits` given whole).

    Example:
        >>> source = user_source((torch.randn(100, 5), torch.randint(0, 3, (100,))))
        >>> source.task, source.num_classes
        ('classification', 3)
    """
    if isinstance(data, DataSplits):
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2:
        inputs, targets = _tensor(data[0], "inputs"), _tensor(data[1], "targets")
    elif hasattr(data, "__getitem__") and hasattr(data, "__len__"):
        inputs, targets = _stack_dataset(data)
    else:
        raise ConfigError("data", type(data).__name__, "(inputs, targets), a map-style Dataset or a DataSplits")
    if len(inputs) != len(targets):
        raise ConfigError("data", f"{len(inputs)} inputs and {len(targets)} targets", "as many targets as inputs")
    inputs = inputs.to(torch.float32)
    if targets.dtype in (torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64):
        targets = targets.to(torch.int64).reshape(-1)
        if targets.min() < 0:
            raise ConfigError("data", f"label {int(targets.min())}", "class labels from 0")
        task, classes = "classification", int(targets.max()) + 1
    else:
        task, classes, targets = "regression", 0, targets.to(torch.float32).reshape(len(targets), -1)
    return SourceData(task=task, num_classes=classes, train_x=inputs, train_y=targets, info={"source": "user data"})
