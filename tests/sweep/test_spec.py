"""The sweep file: parameter forms, base configs, one-line errors."""

from __future__ import annotations

import pytest

from reglab.config import ConfigError
from reglab.sweep import load_sweep, parse_parameter


def test_parameter_forms():
    assert parse_parameter("a", [1, 2]).values == (1, 2)
    assert parse_parameter("a", {"choice": ["x", "y"]}).values == ("x", "y")
    assert parse_parameter("a", 5).values == (5,)
    assert parse_parameter("a", {"range": [0.0, 0.5, 0.1]}).values == (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
    assert parse_parameter("a", {"range": [16, 64, 16]}).values == (16, 32, 48, 64)
    log = parse_parameter("a", {"loguniform": [1e-4, 1e-1]})
    assert (log.distribution, log.low, log.high, log.values) == ("loguniform", 1e-4, 1e-1, None)


@pytest.mark.parametrize(
    "value,key",
    [
        ({"range": [1, 0, 1]}, "parameters.lr.range"),
        ({"loguniform": [0.0, 1.0]}, "parameters.lr.loguniform"),
        ({"uniform": [1.0]}, "parameters.lr.uniform"),
        ({"normal": [0, 1]}, "parameters.lr"),
        ([], "parameters.lr"),
    ],
)
def test_malformed_parameters_name_their_key(value, key):
    with pytest.raises(ConfigError) as error:
        parse_parameter("lr", value)
    assert error.value.key == key
    assert "\n" not in str(error.value)


def test_base_file_is_read_relative_to_the_sweep_file(tmp_path):
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "base.yaml").write_text("epochs: 3\ndata: {dataset: digits}\n")
    (tmp_path / "sweep.yaml").write_text("name: s\nbase: configs/base.yaml\nparameters: {optimizer.lr: [0.1]}\n")
    spec = load_sweep(tmp_path / "sweep.yaml", overrides=["epochs=5"])
    assert spec.base == {"epochs": 5, "data": {"dataset": "digits"}}
    assert (spec.method, spec.backend, spec.population.data_order) == ("grid", "population", "shared")


@pytest.mark.parametrize(
    "tree,key",
    [
        ({"name": "s", "methd": "grid"}, "methd"),
        ({"name": "s", "method": "bayes"}, "method"),
        ({"name": "s", "method": "random"}, "samples"),
        ({"name": "a/b"}, "name"),
        ({"name": "s", "population": {"max_size": 0}}, "population.max_size"),
        ({"name": "s", "population": {"shards": 0}}, "population.shards"),
        ({"name": "s", "population": {"engine": "vmap", "shards": 2}}, "population.shards"),
        ({"name": "s", "base": "missing.yaml"}, "base"),
    ],
)
def test_bad_sweep_files_fail_in_one_line(tree, key):
    with pytest.raises(ConfigError) as error:
        load_sweep(tree)
    assert error.value.key == key
