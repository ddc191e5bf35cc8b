"""The contract every dataset meets, run over all offline datasets."""

import pytest
import torch

from reglab.config import DataConfig
from reglab.data import DataSplits, load_data

OFFLINE = ["digits", "symmetry", "toy_regression", "moons", "circles"]  # mnist1d: see test_mnist_1d.py


@pytest.mark.parametrize("name", OFFLINE)
def test_contract(name):
    data = load_data(DataConfig(dataset=name, n_samples=100), seed=0)
    assert isinstance(data, DataSplits) and data.name == name
    for split in ("train", "val", "test"):
        inputs, targets = getattr(data, f"{split}_x"), getattr(data, f"{split}_y")
        assert inputs.dtype == torch.float32 and tuple(inputs.shape[1:]) == data.input_shape
        assert len(inputs) == len(targets) == data.info["sizes"][split]
        assert inputs.is_contiguous() and torch.isfinite(inputs).all()
        if data.task == "classification":
            assert targets.dtype == torch.int64 and targets.dim() == 1
            assert targets.max() < data.num_classes
        else:
            assert targets.dtype == torch.float32 and targets.shape == (len(targets), 1)
    expected_output = data.num_classes if data.task == "classification" else 1
    assert data.output_dim == expected_output
    assert {"dataset", "sizes", "split", "normalization", "corruption"} <= set(data.info)


@pytest.mark.parametrize("name", OFFLINE)
def test_same_seed_is_bit_for_bit(name):
    config = DataConfig(dataset=name, n_samples=100, label_noise=0.3 if name != "toy_regression" else 0.0)
    first, again = load_data(config, seed=9), load_data(config, seed=9)
    for field in ("train_x", "train_y", "val_x", "val_y", "test_x", "test_y"):
        assert torch.equal(getattr(first, field), getattr(again, field))


def test_different_seed_changes_the_split():
    first = load_data(DataConfig(dataset="digits"), seed=0)
    other = load_data(DataConfig(dataset="digits"), seed=1)
    assert not torch.equal(first.test_y, other.test_y)


def test_tensors_land_on_the_requested_device():
    device = "cuda" if torch.cuda.is_available() else "cpu"
    data = load_data(DataConfig(dataset="moons", n_samples=50), seed=0, device=device)
    assert data.train_x.device.type == device and data.test_y.device.type == device


def test_dataclass_is_frozen():
    data = load_data(DataConfig(dataset="symmetry"), seed=0)
    with pytest.raises(AttributeError):
        data.name = "other"
    assert "train=64" in repr(data)
