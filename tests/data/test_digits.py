import subprocess
import sys

import torch

from reglab.config import DataConfig
from reglab.data import load_data
from reglab.data.registry import loader_for


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


def test_digits_equal_scikit_learns_load_digits():
    from sklearn.datasets import load_digits as sklearn_load_digits

    bunch = sklearn_load_digits()
    source = loader_for("digits")(DataConfig(dataset="digits"), 0)
    assert torch.equal(source.train_x, torch.as_tensor(bunch.images, dtype=torch.float32).unsqueeze(1) / 16)
    assert torch.equal(source.train_y, torch.as_tensor(bunch.target, dtype=torch.int64))


def test_without_the_bundled_file_scikit_learn_reads_it(monkeypatch):
    from reglab.data import digits

    expected = loader_for("digits")(DataConfig(dataset="digits"), 0)
    monkeypatch.setattr(digits, "bundled_digits_file", lambda: None)
    source = loader_for("digits")(DataConfig(dataset="digits"), 0)
    assert torch.equal(source.train_x, expected.train_x) and torch.equal(source.train_y, expected.train_y)


def test_loading_digits_does_not_import_scikit_learn():
    program = (
        "import sys; from reglab.config import DataConfig; from reglab.data import load_data; "
        "load_data(DataConfig(dataset='digits'), seed=0); print('sklearn' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout.strip() == "False"
