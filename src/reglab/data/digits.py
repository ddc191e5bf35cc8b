"""scikit-learn's bundled handwritten digits: 1,797 images of 8×8 pixels, 10 classes.

Pixel values 0..16 are divided by 16 into [0, 1]. There is no published test
split, so test is carved from the data (`data.test_size`, default 0.2).

The images are read from the file scikit-learn ships (`sklearn/datasets/data/digits.csv.gz`:
one row per image, 64 pixels then the label), found without importing scikit-learn, whose
import (scipy, pandas) takes longer than training a small network on the digits. Where the
file is not at that place, `sklearn.datasets.load_digits` reads it.

Reference:
    E. Alpaydin, C. Kaynak. "Optical Recognition of Handwritten Digits." UCI
    Machine Learning Repository, 1998. Bundled with scikit-learn (`load_digits`).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import torch

from reglab.config.data import DataConfig
from reglab.data.bundle import SourceData
from reglab.data.registry import DatasetInfo, register_dataset

__all__ = ["load_digits"]


@register_dataset(
    DatasetInfo("digits", 1797, (1, 8, 8), 10, True, "scikit-learn 8x8 digits, bundled; test carved (0.2)")
)
def load_digits(config: DataConfig, seed: int) -> SourceData:
    """Load the digits as (1797, 1, 8, 8) float32 in [0, 1] and int64 labels."""
    pixels, target = _read_digits()
    images = torch.as_tensor(pixels, dtype=torch.float32).reshape(-1, 1, 8, 8) / 16.0
    labels = torch.as_tensor(target, dtype=torch.int64)
    return SourceData(
        task="classification",
        num_classes=10,
        train_x=images,
        train_y=labels,
        default_test_size=0.2,
        info={"source": "sklearn.datasets.load_digits", "pixel_scale": "value / 16"},
    )


def bundled_digits_file() -> Path | None:
    """scikit-learn's digits.csv.gz, located without importing scikit-learn; None if absent."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
    return path if path.is_file() else None


def _read_digits() -> tuple[np.ndarray, np.ndarray]:
    """(1797, 64) pixel values and (1797,) labels, as `sklearn.datasets.load_digits` gives them."""
    path = bundled_digits_file()
    if path is None:
        from sklearn.datasets import load_digits as sklearn_load_digits

        bunch = sklearn_load_digits()
        return bunch.data, bunch.target
    rows = np.loadtxt(path, delimiter=",")
    return rows[:, :-1], rows[:, -1].astype(np.int64)
