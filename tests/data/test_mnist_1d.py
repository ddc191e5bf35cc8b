import random

import numpy as np
import pytest
import torch

from reglab.config import DataConfig
from reglab.data import load_data
from reglab.data.mnist_1d import generate_mnist1d


@pytest.fixture(scope="module")
def mnist1d_data():
    return load_data(DataConfig(dataset="mnist1d"), seed=0)


def test_shapes_and_published_split(mnist1d_data):
    data = mnist1d_data
    assert (data.task, data.num_classes, data.output_dim, data.input_shape) == ("classification", 10, 10, (40,))
    assert (len(data.train_x), len(data.val_x), len(data.test_x)) == (3600, 400, 1000)  # 4000/1000, val 0.1
    assert data.train_x.dtype == torch.float32 and data.train_y.dtype == torch.int64
    assert set(data.test_y.tolist()) == set(range(10))


def test_matches_the_packages_generator_and_never_downloads(monkeypatch, tmp_path):
    import mnist1d.data

    def refuse(*args, **kwargs):
        raise AssertionError("get_dataset downloads or unpickles; reglab must not call it")

    monkeypatch.setattr(mnist1d.data, "get_dataset", refuse)
    monkeypatch.chdir(tmp_path)
    generate_mnist1d.cache_clear()
    np.random.seed(123)
    random.seed(123)
    numpy_state, python_before = np.random.get_state(), random.getstate()
    numpy_before = numpy_state[1].copy()
    x_train, y_train, x_test, y_test = generate_mnist1d()
    assert np.array_equal(np.random.get_state()[1], numpy_before)  # global RNGs given back
    assert random.getstate() == python_before
    assert list(tmp_path.iterdir()) == []  # nothing written
    try:
        reference = mnist1d.data.make_dataset(mnist1d.data.get_dataset_args())
    finally:
        np.random.set_state(numpy_state)
    assert np.array_equal(x_test, reference["x_test"]) and np.array_equal(y_train, reference["y"])
    assert x_train.shape == (4000, 40)


def test_same_seed_same_split_bit_for_bit(mnist1d_data):
    again = load_data(DataConfig(dataset="mnist1d"), seed=0)
    assert torch.equal(again.train_x, mnist1d_data.train_x) and torch.equal(again.val_y, mnist1d_data.val_y)
