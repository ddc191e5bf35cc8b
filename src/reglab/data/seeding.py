"""Independent random streams for each use of the run seed (splits, subsets, noise)."""

from __future__ import annotations

import zlib

import numpy as np
import torch

__all__ = ["derived_seed", "derived_generator"]


def derived_seed(seed: int, purpose: str) -> int:
    """A 63-bit seed for one purpose, independent of the seeds of other purposes.

    numpy's `SeedSequence` mixes the run seed with a stable id of `purpose`, so
    changing e.g. `data.val_size` never changes which labels get noise.

    Example:
        >>> derived_seed(0, "split/val") == derived_seed(0, "split/val")
        True
    """
    stream = zlib.crc32(purpose.encode("utf-8"))
    state = np.random.SeedSequence(seed % 2**64, spawn_key=(stream,)).generate_state(2, dtype=np.uint32)
    return (int(state[0]) << 31) ^ int(state[1])


def derived_generator(seed: int, purpose: str) -> torch.Generator:
    """A CPU `torch.Generator` seeded with `derived_seed(seed, purpose)`."""
    return torch.Generator().manual_seed(derived_seed(seed, purpose))
