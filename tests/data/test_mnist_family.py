import numpy as np
import pytest
import torch
import torchvision.datasets

from reglab.config import ConfigError, DataConfig
from reglab.data import load_data

from .conftest import write_mnist_layout

FAMILY = [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST"), ("kmnist", "KMNIST")]


@pytest.mark.parametrize(("name", "folder"), FAMILY)
def test_reads_torchvision_raw_layout(tmp_path, name, folder):
    arrays = write_mnist_layout(tmp_path, folder, train_count=40, test_count=12)
    data = load_data(DataConfig(dataset=name, root=str(tmp_path), normalize="none", val_size=0), seed=0)
    assert (data.task, data.num_classes, data.output_dim, data.input_shape) == ("classification", 10, 10, (1, 28, 28))
    images, labels = arrays["train"]
    torch.testing.assert_close(data.train_x, torch.from_numpy(images).float().unsqueeze(1) / 255)
    assert data.train_y.tolist() == labels.tolist() and data.train_y.dtype == torch.int64
    test_images, test_labels = arrays["t10k"]
    torch.testing.assert_close(data.test_x, torch.from_numpy(test_images).float().unsqueeze(1) / 255)
    assert data.test_y.tolist() == test_labels.tolist()
    assert data.info["source_files"][0].endswith(f"{folder}/raw/train-images-idx3-ubyte")


def test_validation_is_carved_from_train_and_test_is_published(mnist_root):
    root, _ = mnist_root
    data = load_data(DataConfig(dataset="mnist", root=str(root), val_size=0.25, test_size=0.5), seed=0)
    assert (len(data.train_x), len(data.val_x), len(data.test_x)) == (30, 10, 12)
    assert data.info["split"]["ignored"] == ["data.test_size (mnist has its own test split)"]


@pytest.mark.parametrize(("name", "folder"), FAMILY)
def test_missing_files_offline_name_the_expected_files(tmp_path, monkeypatch, name, folder):
    monkeypatch.chdir(tmp_path)  # a short root: a long value would be shortened in the line
    with pytest.raises(ConfigError) as caught:
        load_data(DataConfig(dataset=name, root="data"), seed=0)
    message = str(caught.value)
    assert message.startswith("data.root: got 'data'")
    assert f"{folder}/raw/" in message and "train-images-idx3-ubyte" in message and "t10k-labels-idx1-ubyte" in message
    assert "data.download=true" in message


def test_a_missing_single_file_is_caught(mnist_root):
    root, _ = mnist_root
    (root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(ConfigError, match="MNIST/raw/"):
        load_data(DataConfig(dataset="mnist", root=str(root)), seed=0)


def test_failed_download_is_one_line_about_the_network(tmp_path, monkeypatch):
    def offline(self):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz:\nTried https://..., got: <urlopen error>")

    monkeypatch.setattr(torchvision.datasets.MNIST, "download", offline)
    with pytest.raises(ConfigError) as caught:
        load_data(DataConfig(dataset="mnist", root=str(tmp_path), download=True), seed=0)
    message = str(caught.value)
    assert message.startswith("data.download: got True; allowed: a network connection to fetch mnist")
    assert "\n" not in message and "MNIST/raw/" in message


def test_download_is_used_when_files_are_missing(tmp_path, monkeypatch):
    def fake_download(self):  # stands in for the network: writes the files torchvision would fetch
        if not (tmp_path / "KMNIST").exists():
            write_mnist_layout(tmp_path, "KMNIST", train_count=20, test_count=5)

    monkeypatch.setattr(torchvision.datasets.KMNIST, "download", fake_download)
    data = load_data(DataConfig(dataset="kmnist", root=str(tmp_path), download=True, val_size=0), seed=0)
    assert (len(data.train_x), len(data.test_x)) == (20, 5)


def test_corrupt_idx_file_is_a_config_error(mnist_root):
    root, _ = mnist_root
    (root / "MNIST" / "raw" / "train-images-idx3-ubyte").write_bytes(np.zeros(10, np.uint8).tobytes())
    with pytest.raises(ConfigError, match="readable IDX files"):
        load_data(DataConfig(dataset="mnist", root=str(root)), seed=0)
