"""Datasets as tensors: one loader per dataset family, seeded splits, normalization, corruption.

Importing this package registers every dataset family (the imports below), so
`dataset_catalog()` and `load_data()` see them all.
"""

# Imported for their @register_dataset side effect.
from reglab.data import (  # noqa: F401
    cifar,
    digits,
    image_folder,
    mnist_1d,
    mnist_family,
    planar,
    symmetry,
    toy_regression,
)
from reglab.data.bundle import DataSplits, SourceData, Task
from reglab.data.corrupt import (
    add_label_noise,
    gaussian_inputs,
    permute_pixels_per_sample,
    pixel_permutation,
    randomize_labels,
    shuffle_pixels,
)
from reglab.data.load import load_data
from reglab.data.user import USER_DATASET, user_source
from reglab.data.normalize import Normalization, fit_normalization
from reglab.data.registry import DatasetInfo, dataset_catalog, register_dataset
from reglab.data.splits import SplitIndices, split_indices

__all__ = [
    "DataSplits",
    "DatasetInfo",
    "Normalization",
    "SourceData",
    "SplitIndices",
    "Task",
    "add_label_noise",
    "dataset_catalog",
    "fit_normalization",
    "gaussian_inputs",
    "load_data",
    "user_source",
    "USER_DATASET",
    "permute_pixels_per_sample",
    "pixel_permutation",
    "randomize_labels",
    "register_dataset",
    "shuffle_pixels",
    "split_indices",
]
