"""Grid and random expansion: counts, order, distributions, seeding, validation of every config."""

from __future__ import annotations

import math
import statistics

import pytest

from reglab.config import ConfigError
from reglab.store import config_hash
from reglab.sweep import expand_sweep, grid_points, load_sweep, parse_parameter, random_points


def test_grid_is_the_cartesian_product_last_key_fastest():
    points = grid_points([parse_parameter("a", [1, 2, 3]), parse_parameter("b", {"range": [0, 1, 1]})])
    assert points == [{"a": a, "b": b} for a in (1, 2, 3) for b in (0, 1)]


def test_grid_refuses_continuous_distributions():
    with pytest.raises(ConfigError, match="method: random"):
        grid_points([parse_parameter("optimizer.lr", {"loguniform": [1e-3, 1e-1]})])


def test_random_search_is_seeded_and_log_uniform():
    parameters = [parse_parameter("lr", {"loguniform": [1e-4, 1e-0]}), parse_parameter("seed", [0, 1, 2])]
    points = random_points(parameters, 2000, seed=7)
    assert points == random_points(parameters, 2000, seed=7)
    assert points != random_points(parameters, 2000, seed=8)
    logs = [math.log10(point["lr"]) for point in points]
    assert -4 <= min(logs) and max(logs) <= 0
    # log-uniform: each decade holds a quarter of the draws; the median is the geometric mid-point
    assert statistics.median(logs) == pytest.approx(-2.0, abs=0.1)
    assert sum(-4 <= value < -3 for value in logs) / len(logs) == pytest.approx(0.25, abs=0.04)
    assert {point["seed"] for point in points} == {0, 1, 2}


def test_expand_validates_names_and_hashes_every_config():
    spec = load_sweep(
        {
            "name": "g",
            "base": {"epochs": 2, "data": {"dataset": "digits"}},
            "parameters": {"optimizer.lr": [0.1, 0.01], "model.dropout": [0.0, 0.5], "seed": [0, 1, 2]},
        }
    )
    points = expand_sweep(spec)
    assert len(points) == 12
    assert {point.config.name for point in points} == {"g"}
    assert points[1].config.seed == 1 and points[1].config.optimizer.lr == 0.1
    assert all(point.hash == config_hash(point.config.to_dict()) for point in points)
    assert len({point.hash for point in points}) == 12


def test_random_duplicates_are_trained_once():
    spec = load_sweep({"name": "r", "method": "random", "samples": 30, "parameters": {"seed": [0, 1]}})
    assert sorted(point.config.seed for point in expand_sweep(spec)) == [0, 1]


def test_a_bad_swept_value_names_the_config_key():
    spec = load_sweep({"name": "g", "parameters": {"optimizer.lr": [0.1, -1.0]}})
    with pytest.raises(ConfigError) as error:
        expand_sweep(spec)
    assert error.value.key == "optimizer.lr"
