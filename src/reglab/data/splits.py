"""Seeded train / validation / test index splits and training subsets.

Sizes follow one rule everywhere: a float in [0, 1) is a fraction of the pool
it is taken from (rounded half up), an int is a count. Each carve draws from its
own generator derived from the run seed (`reglab.data.seeding`), so the same
seed gives the same split bit for bit, and changing `data.train_size` never
changes the validation set.

The order is fixed: test is carved from the whole pool (only for datasets
without a published test split), validation from what remains, and
`data.train_size` keeps a subset of the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from reglab.config.errors import ConfigError
from reglab.data.seeding import derived_generator

__all__ = ["SplitIndices", "resolve_count", "carve", "split_indices"]


@dataclass(frozen=True)
class SplitIndices:
    """Row indices into the source pool; sorted and pairwise disjoint.

    `test` is None when the dataset has a published test split.
    """

    train: Tensor
    val: Tensor
    test: Tensor | None


def resolve_count(size: int | float, available: int, key: str) -> int:
    """Turn a size (fraction or count) into a count of rows out of `available`.

    Example:
        >>> resolve_count(0.25, 10, "data.val_size"), resolve_count(3, 10, "data.val_size")
        (3, 3)

    Raises:
        ConfigError: a count larger than `available`.
    """
    if isinstance(size, float):
        return int(math.floor(size * available + 0.5))
    if size > available:
        raise ConfigError(key, size, f"a count <= {available} (samples available) or a fraction in [0, 1)")
    return int(size)


def carve(pool: Tensor, count: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """Split `pool` (1-D indices) into (rest, carved) with `count` carved at random.

    Both parts come back sorted, so the result depends only on the sets chosen.
    """
    order = torch.randperm(len(pool), generator=generator)
    carved = pool[order[:count]].sort().values
    rest = pool[order[count:]].sort().values
    return rest, carved


def split_indices(
    pool_size: int,
    seed: int,
    val_size: int | float,
    test_size: int | float | None,
    train_size: int | float | None = None,
) -> SplitIndices:
    """Carve test (when `test_size` is not None), validation and a training subset.

    Args:
        pool_size: rows in the source pool (the published training set).
        seed: the run seed.
        val_size: validation rows taken from what test leaves (fraction or count).
        test_size: test rows taken from the pool, or None for a published test split.
        train_size: training rows kept from what validation leaves, or None for all.

    Raises:
        ConfigError: a count larger than the rows left, or no training row left.
    """
    pool = torch.arange(pool_size)
    test = None
    if test_size is not None:
        count = resolve_count(test_size, len(pool), "data.test_size")
        pool, test = carve(pool, count, derived_generator(seed, "split/test"))
    count = resolve_count(val_size, len(pool), "data.val_size")
    pool, val = carve(pool, count, derived_generator(seed, "split/val"))
    if len(pool) == 0:
        key, value = ("data.val_size", val_size) if len(val) else ("data.test_size", test_size)
        raise ConfigError(key, value, f"a size that leaves training samples (the pool has {pool_size})")
    if train_size is not None:
        count = resolve_count(train_size, len(pool), "data.train_size")
        if count == 0:
            raise ConfigError("data.train_size", train_size, f"a size that keeps at least one of {len(pool)} samples")
        _, pool = carve(pool, count, derived_generator(seed, "split/train_subset"))
    return SplitIndices(train=pool, val=val, test=test)
