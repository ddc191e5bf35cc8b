"""How a comparison trains its runs: one after another, or the compatible ones as populations.

`population` groups the configs by architecture shape (`reglab.population.group_configs`)
and trains every group of two or more as one population with each member's own data
order (`data_order: independent`), so every run reproduces its single run to float32
rounding (tested to 1e-5). A group the population engine refuses (a user's technique
that reads more than its records) runs one by one, as with `sequential`. Either way each run is stored as it finishes, and the runs come back in
the order of the configs.
"""

from __future__ import annotations

from typing import Callable, Sequence

from reglab.config import Config
from reglab.engine.run import Run, train
from reglab.population import PopulationUnsupported, group_configs, train_population
from reglab.store import RunStore

__all__ = ["COMPARE_BACKENDS", "train_runs"]

COMPARE_BACKENDS = ("sequential", "population")
MAX_POPULATION = 64


def _train_populations(configs: Sequence[Config], store: RunStore, runs: list[Run | None], on_run: Callable[[Run], None]) -> None:
    for group in group_configs(list(configs), MAX_POPULATION):
        indices = list(group)
        if len(indices) < 2:
            continue
        try:
            members = train_population([configs[index] for index in indices], store=store, data_order="independent")
        except PopulationUnsupported:
            continue  # a technique the engine does not reproduce: these train one by one below
        for index, run in zip(indices, members):
            runs[index] = run
            on_run(run)


def train_runs(
    configs: Sequence[Config],
    store: RunStore,
    backend: str = "sequential",
    on_run: Callable[[Run], None] | None = None,
    verbose: bool = False,
) -> list[Run]:
    """Train every config (`backend`: sequential | population); the runs in the configs' order.

    `on_run` is called with each run as it finishes (a population's members together).
    """
    if backend not in COMPARE_BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; allowed: {', '.join(COMPARE_BACKENDS)}")
    notify = on_run or (lambda run: None)
    runs: list[Run | None] = [None] * len(configs)
    if backend == "population":
        _train_populations(configs, store, runs, notify)
    for index, config in enumerate(configs):
        if runs[index] is None:
            runs[index] = train(config, store=store, verbose=verbose)
            notify(runs[index])
    return [run for run in runs if run is not None]
