"""Sweep configs that fail before their run starts: found among a population's members,
and stored as failed runs.

`train_population` builds a whole population (every member's data, model and units)
before it stores anything, and a sweep's pre-flight builds only the first config of
each group. So a config whose data cannot be loaded when its turn comes (its files gone,
or missing on the Ray node that trains it; a label corruption that a regression dataset
refuses, in a member behind one that passed the pre-flight) failed without a row in the
store: `reglab runs list`, the dashboard and a rerun knew nothing of it, and one such
member failed its whole population.

    population fails, no member stored ──▶ `failing_members`: each member built alone
        some fail, not all ──▶ they fail with their own errors; the others train
        none or all fail  ──▶ the population's error is every member's
    a config failed, no run of it in the sweep ──▶ `store_unstarted`: a `failed` run

A failed run is trained again by the sweep's rerun (`reglab.sweep.resume`), as a run
that failed while it trained.
"""

from __future__ import annotations

import traceback
from typing import Any, Mapping, Sequence

from reglab.config import ConfigError
from reglab.store import RunStore, config_hash, write_config

__all__ = ["error_line", "failing_members", "store_unstarted"]


def error_line(error: BaseException) -> str:
    """`ConfigError: data.root: got '/gone'; allowed: ...`: what a sweep reports and a failed run keeps."""
    return f"{type(error).__name__}: {error}"


def failing_members(configs: Sequence[Any], data_order: str, engine: str) -> dict[int, Exception]:
    """Each member of a population that cannot be built alone (its data, model, units) -> its error.

    Called only once the population failed before storing anything, so the K builds cost
    nothing to a population that trains."""
    from reglab.population.build import build_population

    failing: dict[int, Exception] = {}
    for index, config in enumerate(configs):
        try:
            build_population([config], data_order, engine)
        except Exception as error:
            failing[index] = error
    return failing


def store_unstarted(store: RunStore, sweep: str, configs: Sequence[Mapping[str, Any]], error: BaseException) -> list[str]:
    """Record each of `configs` that the sweep holds no run of as a failed run with `error`;
    return the new run ids. A config whose run started (failed, interrupted, or an
    interrupted run kept to continue) keeps that run."""
    held = store.runs_of_configs(sweep, [config_hash(config) for config in configs])
    line = error_line(error)
    trace = None
    if not isinstance(error, ConfigError) and error.__traceback__ is not None:  # our bug, not the user's input
        trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    added = []
    for config in configs:
        if config_hash(config) in held:
            continue
        run_id = store.record_failed_run(config.get("name", "run"), config, line, sweep=sweep, trace=trace)
        write_config(store.run_dir(run_id), config)
        held[config_hash(config)] = [run_id]
        added.append(run_id)
    return added
