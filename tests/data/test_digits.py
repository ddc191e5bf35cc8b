import torch

from reglab.config import DataConfig
from reglab.data import load_data


def test_digits_are_8x8_images_in_unit_range_with_ten_classes():
    data = load_data(DataConfig(dataset="digits", normalize="none"), seed=0)
    assert (data.task, data.num_classes, data.output_dim, data.input_shape) == ("classification", 10, 10, (1, 8, 8))
    total = len(data.train_x) + len(data.val_x) + len(data.test_x)
    assert total == 1797
    assert len(data.test_x) == 359  # default test_size 0.2: round(359.4)
    everything = torch.cat([data.train_x, data.val_x, data.test_x])
    assert everything.min().item() == 0.0 and everything.max().item() == 1.0
    assert torch.equal(everything * 16, (everything * 16).round())  # sixteenths of the original 0..16 values
    assert data.train_y.dtype == torch.int64 and set(data.train_y.tolist()) == set(range(10))


def test_digits_test_size_count():
    data = load_data(DataConfig(dataset="digits", test_size=97, val_size=0), seed=0)
    assert (len(data.train_x), len(data.val_x), len(data.test_x)) == (1700, 0, 97)
