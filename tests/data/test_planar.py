import pytest
import torch
from sklearn.datasets import make_circles, make_moons

from reglab.config import DataConfig
from reglab.data import load_data


@pytest.mark.parametrize(("name", "reference"), [("moons", make_moons), ("circles", make_circles)])
def test_points_are_sklearns_for_the_run_seed(name, reference):
    config = DataConfig(dataset=name, n_samples=120, noise=0.2, val_size=0, test_size=0, normalize="none")
    data = load_data(config, seed=11)
    points, labels = reference(n_samples=120, noise=0.2, random_state=11)
    torch.testing.assert_close(data.train_x, torch.as_tensor(points, dtype=torch.float32))
    assert data.train_y.tolist() == labels.tolist()
    assert (data.task, data.num_classes, data.output_dim, data.input_shape) == ("classification", 2, 2, (2,))


@pytest.mark.parametrize("name", ["moons", "circles"])
def test_default_splits(name):
    data = load_data(DataConfig(dataset=name, n_samples=200), seed=0)
    assert (len(data.train_x), len(data.val_x), len(data.test_x)) == (144, 16, 40)
