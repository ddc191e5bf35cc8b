"""CIFAR-10: 32×32 RGB images, 50,000 train / 10,000 test, 10 classes.

Files: torchvision's layout, `root/cifar-10-batches-py/` with `data_batch_1` …
`data_batch_5`, `test_batch` and `batches.meta` (the official python version).

Read here rather than with `torchvision.datasets.CIFAR10`, for two reasons:
torchvision insists on the md5 of every batch file (so any other copy, such as a
subset or a test fixture, is refused), and it unpickles with the full pickle
machinery. This reader accepts only the few globals a batch needs (numpy array
reconstruction), so a tampered file cannot run code. Downloading still goes
through torchvision (`download_and_extract_archive`, which checks the archive's md5).

Reference:
    A. Krizhevsky. "Learning Multiple Layers of Features from Tiny Images." 2009.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import torch

from reglab.config.data import DataConfig
from reglab.config.errors import ConfigError
from reglab.data.bundle import SourceData
from reglab.data.files import download_failed_error, missing_files, missing_files_error
from reglab.data.registry import DatasetInfo, register_dataset

__all__ = ["CIFAR10_FOLDER", "CIFAR10_FILES", "read_cifar_batch", "load_cifar10"]

CIFAR10_FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{index}" for index in range(1, 6))
CIFAR10_FILES = (*TRAIN_BATCHES, "test_batch")
_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
_ARCHIVE_MD5 = "c58f30108f718f92721af3b95e74349a"

_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),
}


class _BatchUnpickler(pickle.Unpickler):
    """Unpickles plain containers and numpy arrays; refuses every other global."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a CIFAR batch")
        return super().find_class(module, name)


def read_cifar_batch(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """One batch file → (images uint8 (N, 3, 32, 32), labels int64 (N,)).

    Example:
        >>> images, labels = read_cifar_batch("data/cifar-10-batches-py/test_batch")  # doctest: +SKIP
    """
    with open(path, "rb") as handle:
        entry = _BatchUnpickler(handle, encoding="latin1").load()
    entry = {key.decode("latin1") if isinstance(key, bytes) else key: value for key, value in entry.items()}
    images = np.asarray(entry["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
    labels = np.asarray(entry["labels"], dtype=np.int64)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    return images, labels


def _read_batches(folder: Path, names: tuple[str, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    parts = [read_cifar_batch(folder / name) for name in names]
    images = np.concatenate([images for images, _ in parts])
    labels = np.concatenate([labels for _, labels in parts])
    return torch.from_numpy(images).to(torch.float32).div_(255.0), torch.from_numpy(labels)


def _class_names(folder: Path) -> list[str] | None:
    meta = folder / "batches.meta"
    if not meta.is_file():
        return None
    with open(meta, "rb") as handle:
        entry = _BatchUnpickler(handle, encoding="latin1").load()
    return list(entry.get("label_names", entry.get(b"label_names", []))) or None


@register_dataset(
    DatasetInfo("cifar10", 60000, (3, 32, 32), 10, False, "CIFAR-10 RGB; root/cifar-10-batches-py; 50000/10000")
)
def load_cifar10(config: DataConfig, seed: int) -> SourceData:
    """Read the python batches from `data.root` (downloading if asked) as float32 in [0, 1].

    Raises:
        ConfigError: files missing and `data.download` off, download failed, or unreadable.
    """
    folder = Path(config.root) / CIFAR10_FOLDER
    layout = f"{CIFAR10_FOLDER}/ with {', '.join(CIFAR10_FILES)}"
    expected = [f"{CIFAR10_FOLDER}/{name}" for name in CIFAR10_FILES]
    if missing_files(config.root, expected):
        if not config.download:
            raise missing_files_error(config.root, layout)
        from torchvision.datasets.utils import download_and_extract_archive

        try:
            download_and_extract_archive(_URL, str(config.root), filename=Path(_URL).name, md5=_ARCHIVE_MD5)
        except (RuntimeError, OSError, ValueError) as error:
            raise download_failed_error(config.root, "cifar10", layout, error) from None
    try:
        train_x, train_y = _read_batches(folder, TRAIN_BATCHES)
        test_x, test_y = _read_batches(folder, ("test_batch",))
        classes = _class_names(folder)
    except (pickle.UnpicklingError, KeyError, ValueError, EOFError, OSError) as error:
        allowed = f"readable CIFAR-10 python batches in {layout} ({error})"
        raise ConfigError("data.root", str(config.root), allowed) from None
    return SourceData(
        task="classification",
        num_classes=10,
        train_x=train_x,
        train_y=train_y,
        test_x=test_x,
        test_y=test_y,
        info={"source_files": [f"{config.root}/{path}" for path in expected], "classes": classes},
    )
