"""The IDX reader against torchvision's, on generated files of every element type."""

import struct
import subprocess
import sys

import numpy as np
import pytest
import torch
import torchvision.datasets
from torchvision.datasets.mnist import read_sn3_pascalvincent_tensor

from reglab.config import ConfigError, DataConfig
from reglab.data import load_data
from reglab.data.idx import IdxError, read_idx

from .conftest import write_mnist_layout

TYPES = [(0x08, np.uint8), (0x09, np.int8), (0x0B, np.int16), (0x0C, np.int32), (0x0D, np.float32), (0x0E, np.float64)]


def write_idx(path, code: int, array: np.ndarray) -> None:
    header = struct.pack(">HBB", 0, code, array.ndim) + struct.pack(f">{array.ndim}i", *array.shape)
    path.write_bytes(header + array.astype(array.dtype.newbyteorder(">")).tobytes())


@pytest.mark.parametrize(("code", "dtype"), TYPES)
def test_read_idx_equals_torchvision(tmp_path, code, dtype):
    array = (np.random.default_rng(code).standard_normal((5, 3, 4)) * 100).astype(dtype)
    write_idx(tmp_path / "f", code, array)
    ours = read_idx(tmp_path / "f")
    torch.testing.assert_close(ours, read_sn3_pascalvincent_tensor(str(tmp_path / "f"), strict=False), rtol=0, atol=0)
    assert ours.dtype == torch.from_numpy(array).dtype and ours.tolist() == array.tolist()


@pytest.mark.parametrize(
    ("contents", "says"),
    [
        (b"\x01\x00\x08\x01" + struct.pack(">i", 2) + b"ab", "does not start with an IDX header"),
        (b"\x00\x00\x07\x01" + struct.pack(">i", 2) + b"ab", "element type 0x07"),
        (b"\x00\x00\x08\x03\x00\x00", "ends inside its header"),
        (b"\x00\x00\x08\x01" + struct.pack(">i", 3) + b"ab", "holds 10 bytes; its header (3,) says 11"),
    ],
)
def test_damaged_files_say_what_is_wrong(tmp_path, contents, says):
    (tmp_path / "f").write_bytes(contents)
    with pytest.raises(IdxError) as caught:
        read_idx(tmp_path / "f")
    assert str(caught.value).startswith("f ") and says in str(caught.value)


@pytest.mark.parametrize(("name", "folder"), [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST"), ("kmnist", "KMNIST")])
def test_class_names_are_the_datasets_own(tmp_path, name, folder):
    write_mnist_layout(tmp_path, folder, train_count=10, test_count=4)
    data = load_data(DataConfig(dataset=name, root=str(tmp_path), val_size=0), seed=0)
    assert data.info["classes"] == list(getattr(torchvision.datasets, folder).classes)


def test_labels_that_do_not_match_the_images_are_a_config_error(mnist_root):
    root, _ = mnist_root
    write_idx(root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte", 0x08, np.zeros(5, np.uint8))  # 12 images
    with pytest.raises(ConfigError, match=r"readable IDX files .*images \(12, 28, 28\) with labels \(5,\)"):
        load_data(DataConfig(dataset="mnist", root=str(root)), seed=0)


def test_reading_mnist_does_not_import_torchvision(mnist_root):
    root, _ = mnist_root
    program = (
        "import sys; from reglab.config import DataConfig; from reglab.data import load_data; "
        f"load_data(DataConfig(dataset='mnist', root={str(root)!r}), seed=0); print('torchvision' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout.strip() == "False"
