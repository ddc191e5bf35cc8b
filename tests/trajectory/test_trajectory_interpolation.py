"""Linear interpolation between weights (Goodfellow et al. 2015)."""

from __future__ import annotations

import pytest
import torch

from reglab.objective.evaluate import evaluate
from reglab.objective.losses import make_objective
from reglab.trajectory.interpolation import blend_states, default_alphas, interpolate
from tests.trajectory.trajectory_helpers import tiny_data, tiny_model

OBJECTIVE = make_objective("auto", "classification", 3)


def two_states():
    start = tiny_model(batchnorm=True, seed=0)
    end = tiny_model(batchnorm=True, seed=1)
    end[1].running_mean.fill_(0.5)
    end[1].running_var.fill_(2.0)
    return start.state_dict(), end.state_dict()


def loss_of(state, data):
    model = tiny_model(batchnorm=True)
    model.load_state_dict(state)
    return evaluate(model, data.train_x, data.train_y, OBJECTIVE, 64, "x")


def test_default_alphas_hold_the_end_points():
    alphas = default_alphas()
    assert alphas[0] == -0.5 and alphas[-1] == 1.5 and 0.0 in alphas and 1.0 in alphas and len(alphas) == 41


def test_alpha_zero_and_one_equal_evaluation_of_w0_and_w1():
    w0, w1 = two_states()
    data = tiny_data()
    model = tiny_model(batchnorm=True, seed=5)
    before = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    curve = interpolate(model, w0, w1, (data.train_x, data.train_y), OBJECTIVE, [0.0, 0.5, 1.0])
    assert curve.loss[0] == loss_of(w0, data)["x/loss"]
    assert curve.loss[2] == loss_of(w1, data)["x/loss"]
    assert curve.accuracy[0] == loss_of(w0, data)["x/acc"]
    assert curve.accuracy[2] == loss_of(w1, data)["x/acc"]
    midpoint = {name: (w0[name] + w1[name]) / 2 if w0[name].is_floating_point() else w1[name] for name in w0}
    assert curve.loss[1] == pytest.approx(loss_of(midpoint, data)["x/loss"], rel=1e-6)
    assert all(torch.equal(model.state_dict()[name], tensor) for name, tensor in before.items())  # restored


def test_extrapolated_running_variance_is_clamped_at_zero():
    w0, w1 = two_states()
    w0 = {**w0, "1.running_var": torch.full((4,), 10.0)}
    blended = blend_states(w0, w1, 1.5)  # 1.5 * 2 - 0.5 * 10 < 0
    assert torch.equal(blended["1.running_var"], torch.zeros(4))
    assert torch.allclose(blended["0.weight"], 1.5 * w1["0.weight"] - 0.5 * w0["0.weight"])
    assert torch.equal(blended["1.num_batches_tracked"], w1["1.num_batches_tracked"])
