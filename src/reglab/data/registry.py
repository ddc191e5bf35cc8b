"""Dataset names → loaders, and the static catalog behind `reglab datasets`.

A dataset family registers its loader with a one-line decorator (as timm's
`@register_model`); `dataset_catalog()` lists static facts only and never reads
a file, so it is instant and works offline.

Example:
    >>> @register_dataset(DatasetInfo("tiny", 4, (2,), 2, True, "four points"))
    ... def load_tiny(config, seed): ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from reglab.config.data import DATASET_NAMES, DataConfig
from reglab.config.errors import ConfigError
from reglab.data.bundle import SourceData

__all__ = ["DatasetInfo", "Loader", "register_dataset", "dataset_catalog", "loader_for"]

Loader = Callable[[DataConfig, int], SourceData]


@dataclass(frozen=True)
class DatasetInfo:
    """Static facts about a dataset, shown by `reglab datasets`.

    Attributes:
        name: the `data.dataset` value.
        samples: total samples (train + test) with default settings; None when it
            depends on the files (imagefolder).
        shape: shape of one input with default settings, e.g. (1, 28, 28).
        classes: number of classes; 2 for binary tasks, 0 for regression, None when
            it depends on the files.
        offline: True when it needs no files (bundled or generated).
        description: one line: what it is, its splits, where files go.
    """

    name: str
    samples: int | None
    shape: tuple[int, ...] | None
    classes: int | None
    offline: bool
    description: str


_REGISTRY: dict[str, tuple[DatasetInfo, Loader]] = {}


def register_dataset(info: DatasetInfo) -> Callable[[Loader], Loader]:
    """Decorator: register `loader` under `info.name` (which must be in DATASET_NAMES)."""

    def decorate(loader: Loader) -> Loader:
        if info.name in _REGISTRY:
            raise ValueError(f"dataset {info.name!r} is registered twice")
        _REGISTRY[info.name] = (info, loader)
        return loader

    return decorate


def dataset_catalog() -> list[DatasetInfo]:
    """Every registered dataset, in the order of `DATASET_NAMES` (config order)."""
    order = {name: position for position, name in enumerate(DATASET_NAMES)}
    infos = [info for info, _ in _REGISTRY.values()]
    return sorted(infos, key=lambda info: (order.get(info.name, len(order)), info.name))


def loader_for(name: str) -> Loader:
    """The loader registered for `name`.

    Raises:
        ConfigError: an unknown dataset name.
    """
    if name not in _REGISTRY:
        raise ConfigError("data.dataset", name, "one of " + ", ".join(info.name for info in dataset_catalog()))
    return _REGISTRY[name][1]
