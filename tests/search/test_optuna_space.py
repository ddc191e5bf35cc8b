"""A sweep file's parameter forms as Optuna distributions, and trial params back as config values."""

from __future__ import annotations

import pytest

pytest.importorskip("optuna")

from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from reglab.search.space import search_space
from reglab.sweep import load_sweep


def test_every_parameter_form_maps_onto_a_distribution():
    spec = load_sweep({
        "name": "space", "method": "tpe", "samples": 4,
        "parameters": {
            "optimizer.lr": {"loguniform": [1.0e-3, 0.3]},
            "model.dropout": {"uniform": [0.0, 0.5]},
            "regularization.l2": {"range": [0.0, 0.002, 0.001]},
            "epochs": {"range": [2, 6, 2]},
            "optimizer.name": {"choice": ["sgd", "adam"]},
            "model.hidden": [[16], [32, 32]],
            "seed": [0, 1],
            "data.batch_size": 64,
        },
    })
    space = search_space(spec)
    assert space.distributions["optimizer.lr"] == FloatDistribution(1.0e-3, 0.3, log=True)
    assert space.distributions["model.dropout"] == FloatDistribution(0.0, 0.5)
    assert space.distributions["regularization.l2"] == FloatDistribution(0.0, 0.002, step=0.001)
    assert space.distributions["epochs"] == IntDistribution(2, 6, step=2)
    assert space.distributions["optimizer.name"] == CategoricalDistribution(("sgd", "adam"))
    assert space.distributions["seed"] == CategoricalDistribution((0, 1))
    assert space.distributions["model.hidden"] == CategoricalDistribution(("[16]", "[32, 32]"))
    assert "data.batch_size" not in space.distributions and space.fixed == {"data.batch_size": 64}
    params = {"optimizer.lr": 0.01, "model.dropout": 0.1, "regularization.l2": 0.001, "epochs": 4, "optimizer.name": "adam", "model.hidden": "[32, 32]", "seed": 1}
    values = space.values(params)
    assert values["model.hidden"] == [32, 32] and values["data.batch_size"] == 64
    assert space.params(values) == params
