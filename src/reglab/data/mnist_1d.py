"""MNIST-1D: 10 classes of 1-D signals of length 40, generated locally.

Built with the `mnist1d` package's own generator (`mnist1d.data.make_dataset`
with `get_dataset_args()`: 5,000 samples, seed 42, 4,000 train / 1,000 test), so
every run sees the canonical dataset of the paper, like a file-based set; the run
seed only drives splits and corruption. The package's `get_dataset` is never
called: it downloads from a URL and unpickles files. Generation takes about a
second; the arrays are kept in memory for later loads in the same process, and
nothing is written to disk.

Reference:
    S. Greydanus, D. Kobak. "Scaling down deep learning with MNIST-1D."
    ICML 2024, arXiv:2011.14439.
"""

from __future__ import annotations

import random
from functools import lru_cache

import numpy as np
import torch

from reglab.config.data import DataConfig
from reglab.data.bundle import SourceData
from reglab.data.registry import DatasetInfo, register_dataset

__all__ = ["generate_mnist1d", "load_mnist1d"]


@lru_cache(maxsize=1)
def generate_mnist1d() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test) from mnist1d's generator with its default arguments.

    The generator reseeds numpy's and Python's global RNGs; their states are put
    back afterwards so a caller's random streams are not disturbed.
    """
    from mnist1d.data import get_dataset_args, make_dataset

    numpy_state, python_state = np.random.get_state(), random.getstate()
    try:
        dataset = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(numpy_state)
        random.setstate(python_state)
    arrays = (dataset["x"], dataset["y"], dataset["x_test"], dataset["y_test"])
    for array in arrays:
        array.setflags(write=False)  # cached: callers must copy, never mutate
    return arrays


@register_dataset(
    DatasetInfo("mnist1d", 5000, (40,), 10, True, "MNIST-1D signals generated locally (seed 42); 4000/1000")
)
def load_mnist1d(config: DataConfig, seed: int) -> SourceData:
    """The generated signals as float32 (N, 40) with int64 labels and the package's test split."""
    x_train, y_train, x_test, y_test = generate_mnist1d()
    return SourceData(
        task="classification",
        num_classes=10,
        train_x=torch.tensor(x_train, dtype=torch.float32),
        train_y=torch.tensor(y_train, dtype=torch.int64),
        test_x=torch.tensor(x_test, dtype=torch.float32),
        test_y=torch.tensor(y_test, dtype=torch.int64),
        info={"source": "mnist1d.data.make_dataset(get_dataset_args())", "generator_seed": 42},
    )
