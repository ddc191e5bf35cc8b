"""scikit-learn's bundled handwritten digits: 1,797 images of 8×8 pixels, 10 classes.

Pixel values 0..16 are divided by 16 into [0, 1]. There is no published test
split, so test is carved from the data (`data.test_size`, default 0.2).

Reference:
    E. Alpaydin, C. Kaynak. "Optical Recognition of Handwritten Digits." UCI
    Machine Learning Repository, 1998. Loaded with `sklearn.datasets.load_digits`.
"""

from __future__ import annotations

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
    from sklearn.datasets import load_digits as sklearn_load_digits

    bunch = sklearn_load_digits()
    images = torch.as_tensor(bunch.images, dtype=torch.float32).unsqueeze(1) / 16.0
    labels = torch.as_tensor(bunch.target, dtype=torch.int64)
    return SourceData(
        task="classification",
        num_classes=10,
        train_x=images,
        train_y=labels,
        default_test_size=0.2,
        info={"source": "sklearn.datasets.load_digits", "pixel_scale": "value / 16"},
    )
