"""Loss surface with filter-normalised directions (Li et al. 2018)."""

from __future__ import annotations

import pytest
import torch

from reglab.objective.evaluate import evaluate
from reglab.objective.losses import make_objective
from reglab.trajectory.landscape import loss_surface, random_directions, symmetric_grid
from tests.trajectory.trajectory_helpers import tiny_data, tiny_model

OBJECTIVE = make_objective("auto", "classification", 3)


def test_symmetric_grid_holds_the_origin_exactly():
    grid = symmetric_grid(21, 0.37)
    assert grid[10] == 0.0 and grid[0] == -0.37 and grid[-1] == 0.37
    assert symmetric_grid(4, 1.0) == pytest.approx([-1.0, -1 / 3, 1 / 3, 1.0])


def test_filter_normalised_directions_match_each_row_norm_and_skip_biases():
    model = tiny_model(batchnorm=True)
    center = model.state_dict()
    first, second = random_directions(model, center, seed=3)
    for name in ("0.weight", "3.weight"):
        assert torch.allclose(first[name].norm(dim=1), center[name].norm(dim=1), rtol=1e-5)
        assert not torch.allclose(first[name], second[name])
    for name in ("0.bias", "1.weight", "1.bias", "3.bias"):  # biases and batch-norm parameters
        assert torch.count_nonzero(first[name]) == 0
    again, _ = random_directions(model, center, seed=3)
    assert all(torch.equal(first[name], again[name]) for name in first)


def test_surface_at_the_origin_is_the_final_loss_and_off_origin_moves_along_directions():
    model = tiny_model(batchnorm=True)
    model[1].running_mean.fill_(0.2)
    center = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    data = tiny_data()
    batch = (data.train_x, data.train_y)
    directions = random_directions(model, center, seed=0)
    surface = loss_surface(model, center, directions, batch, OBJECTIVE, xs=[-1.0, 0.0, 1.0], ys=[0.0, 0.5])
    final = evaluate(model, data.train_x, data.train_y, OBJECTIVE, 64, "x")
    assert surface.loss[0][1] == final["x/loss"]
    assert surface.accuracy[0][1] == final["x/acc"]
    probe = tiny_model(batchnorm=True)
    shifted = dict(center)
    for name in directions[0]:
        shifted[name] = center[name] + 1.0 * directions[0][name] + 0.5 * directions[1][name]
    probe.load_state_dict(shifted)
    expected = evaluate(probe, data.train_x, data.train_y, OBJECTIVE, 64, "x")["x/loss"]
    assert surface.loss[1][2] == pytest.approx(expected, rel=1e-5)
    assert surface.loss[1][2] != final["x/loss"]
    assert all(torch.equal(model.state_dict()[name], tensor) for name, tensor in center.items())  # restored
