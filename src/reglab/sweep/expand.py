"""A sweep file -> the validated Configs it names, each with its `config_hash` (the resume key)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reglab.config import Config, load_config
from reglab.store import config_hash
from reglab.sweep.grid import grid_points
from reglab.sweep.random_search import random_points
from reglab.sweep.spec import SweepSpec

__all__ = ["SweepPoint", "expand_sweep"]


@dataclass(frozen=True)
class SweepPoint:
    """One configuration of a sweep: its swept values, the full config and its hash."""

    values: dict[str, Any]
    config: Config
    hash: str


def expand_sweep(spec: SweepSpec) -> list[SweepPoint]:
    """Every config of the sweep, validated before anything runs; duplicates (same hash) kept once.

    Runs are named after the sweep unless the base config names them.

    Raises:
        ConfigError: a swept key or value that is not a valid config (one line naming it).
    """
    parameters = spec.parsed_parameters()
    if spec.method == "grid":
        points = grid_points(parameters)
    else:
        points = random_points(parameters, spec.samples or 0, spec.seed)
    base = {"name": spec.name, **spec.base}
    expanded: list[SweepPoint] = []
    seen: set[str] = set()
    for values in points:
        config = load_config(base=base, overrides=list(values.items()))
        key = config_hash(config.to_dict())
        if key not in seen:
            seen.add(key)
            expanded.append(SweepPoint(values, config, key))
    return expanded
