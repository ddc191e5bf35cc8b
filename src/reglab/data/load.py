"""`load_data`: config → tensors on the device, in one fixed order.

    load source → split (test, val, train subset) → corrupt → normalize (train
    statistics) → targets in final form → move to device

Everything is loaded once into tensors; the engine batches by index slicing.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from reglab.config.data import DataConfig
from reglab.data.bundle import DataSplits, SourceData
from reglab.data.corrupt_splits import corrupt_splits
from reglab.data.normalize import fit_normalization
from reglab.data.registry import loader_for
from reglab.data.splits import split_indices
from reglab.data.user import USER_DATASET

__all__ = ["load_data"]


def load_data(
    config: DataConfig, seed: int, device: torch.device | str = "cpu", source: SourceData | None = None
) -> DataSplits:
    """Load `config.dataset`, split, corrupt and normalize it, and put it on `device`.

    Args:
        config: the `data` section of a run config.
        seed: the run seed; splits, subsets and corruptions derive their own streams from it.
        device: where the tensors live for the whole run.
        source: a user's data (`reglab.data.user_source`) instead of `config.dataset`.

    Returns:
        DataSplits with float32 inputs, int64 (N,) class labels or float32 (N, 1)
        binary/regression targets, and `info` describing sizes, normalization,
        source and corruption.

    Raises:
        ConfigError: missing files, impossible sizes, or a corruption the task cannot take.

    Example:
        >>> from reglab.config import DataConfig
        >>> data = load_data(DataConfig(dataset="digits"), seed=0)
        >>> data.train_x.shape, data.num_classes
        (torch.Size([1294, 1, 8, 8]), 10)
    """
    dataset_name = config.dataset if source is None else USER_DATASET
    source = loader_for(config.dataset)(config, seed) if source is None else source
    splits, split_record = _split(source, config, seed)
    splits, corruption_record = corrupt_splits(splits, config, source.task, source.num_classes, seed)
    normalization = fit_normalization(splits["train"][0], config.normalize)

    target = torch.device(device)
    final: dict[str, tuple[Tensor, Tensor]] = {}
    for name, (inputs, labels) in splits.items():
        if source.task == "binary":
            labels = labels.to(torch.float32).reshape(-1, 1)
        final[name] = (normalization.apply(inputs).contiguous().to(target), labels.contiguous().to(target))

    info: dict[str, Any] = {
        "dataset": dataset_name,
        "sizes": {name: len(inputs) for name, (inputs, _) in final.items()},
        "split": split_record,
        "normalization": normalization.describe(),
        "corruption": corruption_record,
        **source.info,
    }
    return DataSplits(
        name=dataset_name,
        task=source.task,
        num_classes=source.num_classes,
        input_shape=tuple(source.train_x.shape[1:]),
        output_dim=source.num_classes if source.task == "classification" else 1,
        train_x=final["train"][0],
        train_y=final["train"][1],
        val_x=final["val"][0],
        val_y=final["val"][1],
        test_x=final["test"][0],
        test_y=final["test"][1],
        info=info,
    )


def _split(
    source: SourceData, config: DataConfig, seed: int
) -> tuple[dict[str, tuple[Tensor, Tensor]], dict[str, Any]]:
    """Carve what the dataset does not publish; published splits win over sizes."""
    published_test = source.test_x is not None
    published_val = source.val_x is not None
    val_size = config.val_size if config.val_size is not None else source.default_val_size
    test_size = config.test_size if config.test_size is not None else source.default_test_size
    indices = split_indices(
        len(source.train_x),
        seed,
        val_size=0 if published_val else val_size,
        test_size=None if published_test else test_size,
        train_size=config.train_size,
    )
    ignored = []
    if published_test and config.test_size is not None:
        ignored.append(f"data.test_size ({config.dataset} has its own test split)")
    if published_val and config.val_size is not None:
        ignored.append(f"data.val_size ({config.dataset} has its own validation folder)")

    def rows(index: Tensor) -> tuple[Tensor, Tensor]:
        return source.train_x[index], source.train_y[index]

    splits = {
        "train": rows(indices.train),
        "val": (source.val_x, source.val_y) if published_val else rows(indices.val),
        "test": (source.test_x, source.test_y) if published_test else rows(indices.test),
    }
    record = {
        "val_size": "published" if published_val else val_size,
        "test_size": "published" if published_test else test_size,
        "train_size": config.train_size,
        "pool": len(source.train_x),
        "ignored": ignored,
    }
    return splits, record
