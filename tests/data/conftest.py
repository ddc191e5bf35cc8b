"""Tiny dataset files in the layouts reglab reads, written into `tmp_path`.

Nothing here touches the network: the files are generated with numpy, struct,
pickle and Pillow, small enough to write in milliseconds.
"""

from __future__ import annotations

import pickle
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

IDX_IMAGE_MAGIC = 0x00000803  # unsigned byte (0x08), 3 dimensions
IDX_LABEL_MAGIC = 0x00000801  # unsigned byte (0x08), 1 dimension


def write_idx_images(path: Path, images: np.ndarray) -> None:
    """IDX3: big-endian magic, count, rows, columns, then uint8 pixels row-major."""
    count, rows, columns = images.shape
    path.write_bytes(struct.pack(">IIII", IDX_IMAGE_MAGIC, count, rows, columns) + images.astype(np.uint8).tobytes())


def write_idx_labels(path: Path, labels: np.ndarray) -> None:
    """IDX1: big-endian magic, count, then uint8 labels."""
    path.write_bytes(struct.pack(">II", IDX_LABEL_MAGIC, len(labels)) + labels.astype(np.uint8).tobytes())


def write_mnist_layout(root: Path, folder: str, train_count: int = 40, test_count: int = 12, seed: int = 0) -> dict:
    """root/<folder>/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte with random 28×28 images."""
    rng = np.random.default_rng(seed)
    raw = root / folder / "raw"
    raw.mkdir(parents=True)
    arrays = {}
    for prefix, count in (("train", train_count), ("t10k", test_count)):
        images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
        labels = np.arange(count, dtype=np.uint8) % 10
        write_idx_images(raw / f"{prefix}-images-idx3-ubyte", images)
        write_idx_labels(raw / f"{prefix}-labels-idx1-ubyte", labels)
        arrays[prefix] = (images, labels)
    return arrays


def _official_style_pickle(entry: dict) -> bytes:
    """Protocol 2 with numpy's pre-2.0 module name, as in the Python-2 era CIFAR files."""
    return pickle.dumps(entry, protocol=2).replace(b"numpy._core.multiarray", b"numpy.core.multiarray")


def write_cifar_layout(root: Path, per_batch: int = 4, test_count: int = 6, seed: int = 0) -> dict:
    """root/cifar-10-batches-py/ with data_batch_1..5, test_batch and batches.meta."""
    rng = np.random.default_rng(seed)
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    arrays = {}
    names = [f"data_batch_{index}" for index in range(1, 6)] + ["test_batch"]
    for name in names:
        count = test_count if name == "test_batch" else per_batch
        data = rng.integers(0, 256, size=(count, 3072), dtype=np.uint8)
        labels = [int(value) for value in rng.integers(0, 10, size=count)]
        filenames = [f"{name}_{index}.png" for index in range(count)]
        entry = {"batch_label": name, "labels": labels, "data": data, "filenames": filenames}
        (folder / name).write_bytes(_official_style_pickle(entry))
        arrays[name] = (data, labels)
    meta = {"label_names": [f"class_{index}" for index in range(10)], "num_vis": 3072, "num_cases_per_batch": per_batch}
    (folder / "batches.meta").write_bytes(_official_style_pickle(meta))
    return arrays


def write_image_folder(root: Path, split: str, counts: dict[str, int], size: tuple[int, int] = (10, 7)) -> None:
    """root/<split>/<class>/<i>.png: solid-colour RGB images, colour = class index · 60 in red."""
    for class_index, (name, count) in enumerate(sorted(counts.items())):
        folder = root / split / name
        folder.mkdir(parents=True)
        for index in range(count):
            colour = (class_index * 60, index * 10 % 256, 200)
            Image.new("RGB", size, colour).save(folder / f"{index}.png")


@pytest.fixture
def mnist_root(tmp_path: Path) -> tuple[Path, dict]:
    return tmp_path, write_mnist_layout(tmp_path, "MNIST")
