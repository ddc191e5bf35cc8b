"""A preset that is a whole sweep: a grid trained as populations, then a ranking of its measures.

`reglab compare --preset NAME` runs an ordinary `ComparePreset` as a handful of labelled
runs; a `SweepPreset` names a grid of hundreds or thousands of configs instead, which
`reglab.compare.sweep_ranking.run_sweep_preset` trains with the population backend
(`reglab.sweep.run_sweep`) and ranks with `reglab.ranking`.

`--set KEY=VALUE` and `--vary KEY=V1,V2` shape the grid (`sweep_spec`): `--set` fixes a key
for every run (a grid axis of that key is dropped), `--vary` replaces an axis's values
(or adds an axis). Changed grids get their own sweep name, so their runs never mix
with the preset's own in a store.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from reglab.compare.vary import parse_vary
from reglab.config import parse_override
from reglab.config.loading import apply_overrides
from reglab.sweep.spec import SweepSpec, load_sweep

__all__ = ["SweepPreset", "sweep_spec"]


@dataclass(frozen=True)
class SweepPreset:
    """A named sweep whose report is the ranking of the runs' `measure/*` metrics.

    Attributes:
        name: the `--preset` name, and the sweep name its runs are stored under.
        title: the report's title.
        source: the paper it reproduces.
        base: nested config keys shared by every run.
        grid: dotted config key -> the values it takes (crossed: one run per combination).
        population: the sweep file's `population` options.
        expectation: what the ranking should show, in one paragraph.
        fit_target: also rank the runs whose last epoch's train accuracy reached this
            (Jiang et al. compare networks trained to the same training loss); None: no.
    """

    name: str
    title: str
    source: str
    base: Mapping[str, Any]
    grid: Mapping[str, Sequence[Any]]
    population: Mapping[str, Any]
    expectation: str
    fit_target: float | None = None

    @property
    def size(self) -> int:
        """How many configs the grid names."""
        count = 1
        for values in self.grid.values():
            count *= len(values)
        return count


def _sweep_name(preset: SweepPreset, sets: Sequence[tuple[str, Any]], varies: Sequence[tuple[str, list[Any]]]) -> str:
    """The preset's name, with a short digest of the changes when the grid is changed."""
    if not sets and not varies:
        return preset.name
    text = json.dumps([list(sets), list(varies)], sort_keys=True, default=str)
    return f"{preset.name}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def sweep_spec(preset: SweepPreset, sets: Sequence[str | tuple] = (), varies: Sequence[str] = ()) -> SweepSpec:
    """The validated sweep of `preset` with `--set` and `--vary` applied.

    Example:
        >>> spec = sweep_spec(FANTASTIC_MEASURES, sets=["epochs=1"], varies=["optimizer.lr=0.01"])
        >>> spec.name, spec.config_count()

    Raises:
        ConfigError: a malformed `--set`/`--vary`, or a grid whose configs are invalid
            (checked when the sweep expands).
    """
    pairs = [parse_override(item) if isinstance(item, str) else tuple(item) for item in sets]
    axes = [parse_vary(text) for text in varies]
    grid = {key: list(values) for key, values in preset.grid.items()}
    for key, _ in pairs:
        grid.pop(key, None)  # a fixed value replaces the axis
    for key, values in axes:
        grid[key] = values
    tree = {
        "name": _sweep_name(preset, pairs, axes),
        "method": "grid",
        "backend": "population",
        "base": apply_overrides(dict(preset.base), pairs),
        "parameters": grid,
        "population": dict(preset.population),
    }
    return load_sweep(tree)
