import pytest
import torch

from reglab.config import DataConfig
from reglab.data import load_data


def test_shapes_and_sizes():
    data = load_data(DataConfig(dataset="toy_regression", normalize="none"), seed=0)
    assert (data.task, data.num_classes, data.output_dim, data.input_shape) == ("regression", 0, 1, (1,))
    assert data.train_x.shape == (10, 1) and data.train_y.shape == (10, 1)
    assert data.val_x.shape == (0, 1) and data.test_x.shape == (40, 1)
    assert data.train_y.dtype == torch.float32


def test_test_set_is_the_noise_free_line_on_a_grid():
    data = load_data(DataConfig(dataset="toy_regression", normalize="none"), seed=0)
    grid = data.test_x.flatten()
    assert grid[0].item() == 0.0 and grid[-1].item() == 1.0
    torch.testing.assert_close(grid.diff(), torch.full((39,), 1 / 39))
    torch.testing.assert_close(data.test_y, 2 * data.test_x)


def test_training_points_follow_the_labs_recipe_for_the_same_seed():
    data = load_data(DataConfig(dataset="toy_regression", normalize="none"), seed=2021)
    state = torch.random.get_rng_state()
    try:
        torch.manual_seed(2021)  # the lab: set_seed(SEED); X = torch.rand((10, 1)); Y = 2X + 2N(0, 1)
        x = torch.rand((10, 1))
        y = 2 * x + 2 * torch.empty((10, 1)).normal_(mean=0, std=1)
    finally:
        torch.random.set_rng_state(state)
    assert torch.equal(data.train_x, x)
    torch.testing.assert_close(data.train_y, y)
    assert ((data.train_x >= 0) & (data.train_x < 1)).all()


def test_the_seed_changes_the_points():
    first = load_data(DataConfig(dataset="toy_regression"), seed=0)
    other = load_data(DataConfig(dataset="toy_regression"), seed=1)
    assert not torch.equal(first.train_y, other.train_y)


def test_residuals_have_the_stated_noise_scale_over_many_seeds():
    residuals = torch.cat(
        [
            (lambda d: d.train_y - 2 * d.train_x)(load_data(DataConfig(dataset="toy_regression", normalize="none"), s))
            for s in range(40)
        ]
    )
    assert residuals.std().item() == pytest.approx(2.0, rel=0.15)
