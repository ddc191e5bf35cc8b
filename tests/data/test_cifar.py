import pickle

import numpy as np
import pytest
import torch
import torchvision.datasets.utils

from reglab.config import ConfigError, DataConfig
from reglab.data import load_data
from reglab.data.cifar import read_cifar_batch

from .conftest import write_cifar_layout


def test_reads_the_python_batches_without_md5_checks(tmp_path):
    arrays = write_cifar_layout(tmp_path, per_batch=4, test_count=6)
    data = load_data(DataConfig(dataset="cifar10", root=str(tmp_path), normalize="none", val_size=0), seed=0)
    assert (data.task, data.num_classes, data.output_dim, data.input_shape) == ("classification", 10, 10, (3, 32, 32))
    assert (len(data.train_x), len(data.test_x)) == (20, 6)
    expected = np.concatenate([arrays[f"data_batch_{i}"][0] for i in range(1, 6)]).reshape(-1, 3, 32, 32)
    torch.testing.assert_close(data.train_x, torch.from_numpy(expected).float() / 255)
    expected_labels = sum((arrays[f"data_batch_{i}"][1] for i in range(1, 6)), [])
    assert data.train_y.tolist() == expected_labels and data.train_y.dtype == torch.int64
    assert data.test_y.tolist() == arrays["test_batch"][1]
    assert data.info["classes"] == [f"class_{index}" for index in range(10)]


def test_first_row_is_red_plane_then_green_then_blue(tmp_path):
    write_cifar_layout(tmp_path)
    images, _ = read_cifar_batch(tmp_path / "cifar-10-batches-py" / "test_batch")
    with open(tmp_path / "cifar-10-batches-py" / "test_batch", "rb") as handle:
        flat = pickle.load(handle, encoding="latin1")["data"]
    assert np.array_equal(images[0, 0].flatten(), flat[0, :1024])  # channel 0 = first 1024 bytes
    assert np.array_equal(images[0, 2, 0], flat[0, 2048:2080])


def test_missing_files_offline_name_the_folder_and_batches(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_data(DataConfig(dataset="cifar10", root=str(tmp_path)), seed=0)
    message = str(caught.value)
    assert "cifar-10-batches-py/" in message and "data_batch_1" in message and "test_batch" in message
    assert "data.download=true" in message


def test_failed_download_becomes_a_config_error(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise OSError("<urlopen error [Errno -3] Temporary failure in name resolution>")

    monkeypatch.setattr(torchvision.datasets.utils, "download_and_extract_archive", offline)
    with pytest.raises(ConfigError, match=r"^data\.download: got True.*name resolution"):
        load_data(DataConfig(dataset="cifar10", root=str(tmp_path), download=True), seed=0)


def test_a_batch_that_would_run_code_is_refused(tmp_path):
    write_cifar_layout(tmp_path)

    class Exploit:
        def __reduce__(self):
            return (print, ("this must never run",))

    (tmp_path / "cifar-10-batches-py" / "data_batch_3").write_bytes(pickle.dumps({"data": Exploit(), "labels": []}))
    with pytest.raises(ConfigError, match=r"builtins\.print is not allowed"):
        load_data(DataConfig(dataset="cifar10", root=str(tmp_path)), seed=0)
