"""Write MNIST-shaped IDX files (torchvision's raw layout) for benchmarks: no download needed."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

__all__ = ["write_mnist_idx"]


def _write_idx(path: Path, array: np.ndarray) -> None:
    # IDX header: two zero bytes, dtype code 0x08 (uint8), number of dimensions, then sizes.
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def write_mnist_idx(root: Path, train: int = 60_000, test: int = 10_000, seed: int = 0) -> Path:
    """Create root/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte with learnable data:
    each class is a fixed random template plus noise."""
    raw = Path(root) / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    generator = np.random.default_rng(seed)
    templates = generator.integers(0, 256, size=(10, 28, 28))
    for prefix, count in (("train", train), ("t10k", test)):
        labels = generator.integers(0, 10, size=count)
        noise = generator.integers(-60, 60, size=(count, 28, 28))
        images = np.clip(templates[labels] + noise, 0, 255)
        _write_idx(raw / f"{prefix}-images-idx3-ubyte", images)
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
    return Path(root)
