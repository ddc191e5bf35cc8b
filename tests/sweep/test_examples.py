"""The example sweep files parse and expand (grouping as their comments say)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reglab.population import group_configs
from reglab.sweep import expand_sweep, load_sweep

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "sweeps"


@pytest.mark.parametrize(
    "name,configs,groups",
    [("mnist1d_grid", 96, [48, 48]), ("seed004_slice", 32, [8, 8, 8, 8]), ("mnist1d_random", 32, [32])],
)
def test_example_sweeps_expand(name, configs, groups):
    spec = load_sweep(EXAMPLES / f"{name}.yaml")
    points = expand_sweep(spec)
    assert len(points) == configs
    assert [len(group) for group in group_configs([point.config for point in points], spec.population.max_size)] == groups
