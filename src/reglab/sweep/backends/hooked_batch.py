"""Train a batch of configs into a store, grouped into populations, with a per-member epoch hook.

The configs of a batch that share an architecture shape train as one population
(`reglab.train_population`); the others, and everything the population engine cannot
train, train one by one (`reglab.train`). `hook(index, metrics)` runs after each
member's epoch, with the member's index in the batch, and may return a `Stop`, or a
function returning one that is called once every member has reported the epoch (Optuna
pruning). Used by Optuna searches and by Ray tasks.

A population that fails before it stores any member is probed member by member
(`reglab.sweep.backends.unstarted`): the members that cannot be built alone (their data
cannot load) fail with their own errors, and the others train as one population.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from reglab.store import RunStore, config_hash
from reglab.sweep.backends.unstarted import failing_members
from reglab.sweep.member_epochs import EpochHook

__all__ = ["train_batch", "EpochHook"]


def _shifted(hook: EpochHook | None, indices: Sequence[int]) -> EpochHook | None:
    if hook is None:
        return None
    return lambda member, metrics: hook(indices[member], metrics)


def train_batch(
    configs: Sequence[Any],
    store: RunStore,
    sweep: str | None,
    population: Mapping[str, Any] | None,
    hook: EpochHook | None = None,
    on_run: Callable[[int, Any], None] | None = None,
) -> list[Any]:
    """Train `configs`; return, in their order, each one's Run or the exception it raised.

    Args:
        configs: Configs (or mappings).
        store: where the runs are recorded.
        sweep: the sweep the runs belong to.
        population: the sweep file's `population.*` options, or None to train one by one.
        hook: the per-member epoch hook (see the module docstring).
        on_run: called with (index, Run or exception) as each config finishes.
    """
    from reglab.engine.run import as_config, train
    from reglab.population import PopulationUnsupported, group_configs, train_population
    from reglab.sweep.member_epochs import single_run_callback
    from reglab.tracking.sinks import track_recorded, wants_tracking

    configs = [as_config(config) for config in configs]
    outcomes: dict[int, Any] = {}

    def done(index: int, outcome: Any) -> None:
        outcomes[index] = outcome
        if on_run is not None:
            on_run(index, outcome)

    alone = [index for index in range(len(configs)) if population is None]
    together = [index for index in range(len(configs)) if index not in alone]
    max_size = int((population or {}).get("max_size", 64))
    data_order, engine = (population or {}).get("data_order", "shared"), (population or {}).get("engine", "stacked")

    def train_group(indices: list[int]) -> None:
        if len(indices) == 1:
            alone.append(indices[0])
            return
        shards = (population or {}).get("shards")
        hashes = [config_hash(configs[index].to_dict()) for index in indices]
        before = store.runs_of_configs(sweep, hashes)
        try:
            runs = train_population(
                [configs[index] for index in indices], store=store, sweep=sweep,
                data_order=data_order, engine=engine,
                shards=None if shards is None else min(shards, len(indices)),
                on_member_epoch=_shifted(hook, indices),
                on_member_end=lambda run: track_recorded(store, run.id) if wants_tracking(run.config) else None,
            )
        except PopulationUnsupported:
            alone.extend(indices)
            return
        except Exception as error:  # the members are stored as failed by train_population
            if store.runs_of_configs(sweep, hashes) == before:  # it failed before storing any member
                failing = failing_members([configs[index] for index in indices], data_order, engine)
                if 0 < len(failing) < len(indices):  # those fail alone, the others train
                    for position, reason in sorted(failing.items()):
                        done(indices[position], reason)
                    train_group([index for position, index in enumerate(indices) if position not in failing])
                    return
            for index in indices:
                done(index, error)
            return
        for index, run in zip(indices, runs):
            done(index, run)

    for group in group_configs([configs[index] for index in together], max_size):
        train_group([together[position] for position in group])
    for index in sorted(alone):
        callbacks = [single_run_callback(hook, index)] if hook is not None else []
        try:
            done(index, train(configs[index], store=store, sweep=sweep, callbacks=callbacks))
        except Exception as error:  # stored as failed by train(); the batch goes on
            done(index, error)
    return [outcomes[index] for index in range(len(configs))]
