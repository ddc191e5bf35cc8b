"""Sweep files: numbers as configs read them (`1e-3`), grids counted before expanding."""

from __future__ import annotations

import time

import pytest

from reglab.config import ConfigError
from reglab.sweep import expand_sweep, load_sweep
from reglab.sweep.spec import MAX_CONFIGS


def test_yaml_exponents_without_a_dot_are_numbers(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\nmethod: random\nsamples: 4\nparameters:\n"
        "  optimizer.lr: {loguniform: [1e-3, 1e-1]}\n  optimizer.weight_decay: [0, 1e-4]\n"
    )
    points = expand_sweep(load_sweep(path))
    assert len(points) == 4
    assert all(1e-3 <= point.config.optimizer.lr <= 1e-1 for point in points)
    assert {point.config.optimizer.weight_decay for point in points} <= {0.0, 1e-4}


def test_huge_grids_are_refused_before_expanding():
    started = time.perf_counter()
    with pytest.raises(ConfigError, match=f"at most {MAX_CONFIGS} values \\(this range has 1000000000001\\)"):
        load_sweep({"name": "s", "parameters": {"seed": {"range": [0, 1000000000000, 1]}}})
    product = {f"k{index}": list(range(10)) for index in range(6)}
    with pytest.raises(ConfigError, match="parameters: got 'a grid of 1000000 configs'; allowed: at most 100000 configs"):
        load_sweep({"name": "s", "parameters": product})
    assert time.perf_counter() - started < 5  # counted, not expanded (no hang)
    assert load_sweep({"name": "s", "parameters": {"seed": {"range": [0, 99, 1]}}}).config_count() == 100
