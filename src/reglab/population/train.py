"""`train_population(configs)`: K configurations trained as one vectorized model, stored as K runs.

Example:
    >>> configs = [reglab.load_config(overrides=[f"optimizer.lr={lr}", "epochs=5"]) for lr in (0.3, 0.1, 0.03)]
    >>> runs = train_population(configs)
    >>> [run.history[-1]["val/acc"] for run in runs]
"""

from __future__ import annotations

import traceback
from typing import Any, Callable, Iterable, Literal, Mapping, Sequence

from reglab.config import Config, ConfigError
from reglab.data.user import USER_DATASET
from reglab.contract.events import Callback, FitRecord, Stop
from reglab.contract.units import MemberFinish
from reglab.engine.run import Run, as_config, final_evaluation
from reglab.engine.denormals import flushing_denormals
from reglab.engine.memory import reuse_freed_memory
from reglab.population.build import ENGINES, build_population
from reglab.population.callbacks import MemberCallbacks
from reglab.population.checkpoint import (
    load_member_units,
    load_members,
    read_member_checkpoint,
    save_member_checkpoints,
)
from reglab.population.loop import fit_population
from reglab.population.record import MemberRecorder
from reglab.population.shards import CONV_SHARD_MEMBERS, MIN_SHARD_MEMBERS, shard_count, split_population
from reglab.population.stacked import unstack_state
from reglab.population.state import PopulationState
from reglab.population.techniques import PopulationUnsupported
from reglab.regularizers.decay import decay_groups
from reglab.store import RunStore

__all__ = ["train_population", "PopulationUnsupported", "ENGINES"]


def _load_checkpoints(state: PopulationState, store: RunStore, run_ids: Sequence[str]) -> tuple[dict[int, list], list]:
    """Load every member's row from its run's checkpoint; the members' epoch rows so far and
    the checkpoints (their units' states are loaded after `fit_start`: `load_member_units`).

    Raises:
        ConfigError: a run that is not an interrupted member with a checkpoint that fits.
    """
    if len(run_ids) != state.size:
        raise ConfigError("resume", len(run_ids), f"one run id per config ({state.size})")
    checkpoints = []
    for run_id in run_ids:
        checkpoint = read_member_checkpoint(store.run_dir(run_id))
        if checkpoint is None:
            raise ConfigError("--resume", run_id, "a population member with a finished epoch (this one has no member checkpoint)")
        checkpoints.append(checkpoint)
    try:
        _, histories = load_members(state, checkpoints)
    except (ValueError, KeyError, RuntimeError) as error:
        wanted = "the model and data the run was trained with" if len(run_ids) == 1 else "members whose checkpoints continue together"
        raise ConfigError("--resume", ", ".join(run_ids), f"{wanted} ({error})") from None
    return histories, checkpoints


def last_weights(states: list[PopulationState]) -> dict[int, dict[str, Any]]:
    """Each member still training -> its weights now (CPU copies), for a run cut short."""
    weights = {}
    for state in states:
        for row, member in enumerate(state.members):
            try:
                weights[member] = unstack_state(state.params, state.buffers, row)
            except Exception:  # a state broken mid-step: the member keeps its epochs only
                continue
    return weights


def train_population(
    configs: Iterable[Config | Mapping[str, Any]],
    *,
    store: RunStore | str | None = None,
    sweep: str | None = None,
    data_order: Literal["shared", "independent"] = "shared",
    engine: Literal["stacked", "vmap"] = "stacked",
    data: Any = None,
    on_member_end: Callable[[Run], None] | None = None,
    shards: int | None = None,
    model: Any = None,
    on_member_epoch: Callable[[int, Mapping[str, float]], Stop | None] | None = None,
    callbacks: Sequence[Callback] = (),
    resume: Sequence[str] | None = None,
) -> list[Run]:
    """Train K configurations as one population; record each as an ordinary run.

    Args:
        configs: Configs (or nested dicts) that may differ only in `MEMBER_KEYS`.
        store: a RunStore or its folder (default `$REGLAB_STORE` or `./reglab-runs`).
        sweep: the sweep the runs belong to.
        data_order: shared (one order per epoch for all members) | independent (each
            member's own seed, as its single run).
        engine: stacked (batched matmuls, the default: faster here) | vmap (torch.func).
        data: a DataSplits to use for every member instead of loading (benchmarks), or
            a user's data (`reglab.data.user`), split per member as its single run splits it.
        on_member_end: called with each member's Run as it finishes.
        shards: how many sub-populations step concurrently, one thread each (default:
            `reglab.population.shards.shard_count`, which shards only large CPU populations).
        model: a user's `nn.Module` (every member starts from a copy) or a function
            config -> module, as `reglab.train(model=...)`; trains through `torch.func`.
        on_member_epoch: called with (member index, epoch metrics) after each member's
            epoch is stored; a returned `Stop` ends that member (Optuna pruning), as does a
            returned function's `Stop`, called once every member has reported the epoch.
        callbacks: `Callback` objects, as `reglab.train(callbacks=...)`: every event fires
            once per member, its record naming the member (`reglab.population.callbacks`).
            With a `step_every` callback the population trains as one shard.
        resume: the ids of interrupted runs to continue, one per config (its run): each
            continues from the checkpoint its member left in its folder
            (`reglab.population.checkpoint`), under the same run id.

    Returns:
        The K runs, in the order of `configs`.

    Raises:
        ConfigError: bad input, before anything is stored.
        PopulationUnsupported: configs that cannot share one population (they differ in a
            population key, `reglab.population.grouping`): train them in separate populations.
    """
    configs = [as_config(config) for config in configs]
    state, models = build_population(configs, data_order, engine, data, model)
    engine = state.engine  # a user's own module trains through torch.func
    state.callbacks = MemberCallbacks(callbacks, {member: units.callbacks for member, units in enumerate(state.techniques)}, models)
    histories = None
    if resume is not None:  # the store exists: it holds the runs to continue
        run_store = store if isinstance(store, RunStore) else RunStore(store)
        histories, checkpoints = _load_checkpoints(state, run_store, resume)
    automatic = shards is None
    convolutional = configs[0].model.kind == "cnn"  # CPU CNN shards hold at most CONV_SHARD_MEMBERS
    if shards is None:
        # step callbacks run on the training thread: one shard, so they are never called concurrently
        shards = 1 if state.callbacks.step_callbacks else shard_count(len(configs), state.device, engine, convolutional=convolutional)
    elif not 1 <= shards <= len(configs):
        raise ConfigError("population.shards", shards, f"an integer from 1 to the number of members ({len(configs)})")
    elif shards > 1 and engine != "stacked":
        raise ConfigError("population.shards", shards, "1 with engine vmap (its members share one module)")
    parts = split_population(state, shards)
    if resume is None:  # created only once the input is known to be good
        run_store = store if isinstance(store, RunStore) else RunStore(store)
    population = {
        "size": len(configs),
        "engine": engine,
        "data_order": data_order,
        "order_seed": state.order.order_seed,
        "distinct_datasets": state.data.distinct,
        "shards": len(parts),
    }
    recorder = MemberRecorder(run_store, configs, sweep, population)
    if resume is not None:
        recorder.reopen(resume)
    else:
        recorder.start()
    folders = {member: run_store.run_dir(run_id) for member, run_id in enumerate(recorder.run_ids)}
    for part in parts:  # files the units write as they train (the trajectory's step rows and snapshots)
        part.units.open_folders(folders, part, resume is not None)
    for row, member in enumerate(state.members if state.callbacks else ()):
        run_id = recorder.run_ids[member]
        splits = state.data.member_splits[member] if state.data.member_splits else None
        state.callbacks.fit_start(state, row, configs[member], splits, run_id, run_store.run_dir(run_id))
    if resume is not None:
        load_member_units(state, checkpoints)
    runs: dict[int, Run] = {}
    own_model = model is not None
    decay = decay_groups(models[0], 1.0, configs[0].optimizer.decay_exclude)

    def finish(member: int, history, stop: Stop | None, current: PopulationState, row: int) -> None:
        config, techniques = configs[member], current.techniques[member]
        member_state = unstack_state(current.params, current.buffers, row)
        stopper = techniques.stopper
        restored = stopper is not None and stopper.keep_best and stopper.best_state is not None
        if restored:  # early_stopping.restore_best: the member ends with its best epoch's weights
            member_state = {name: tensor.clone() for name, tensor in stopper.best_state.items()}
            stopper.restored_epoch = stopper.best_epoch
        ending = MemberFinish(current, row, member, member_state, history, folders[member])
        extra: dict[str, Any] = current.units.final_summary(ending)  # on the weights the member ends with
        if techniques.stopper is not None:
            record = FitRecord(None, None, config, None, len(history), history, stop, recorder.run_ids[member])
            extra.update(techniques.stopper.on_fit_end(record) or {})
        if stop:
            extra.update(stop_reason=stop.reason, stop_criterion=stop.criterion)
        extra["decayed"], extra["not_decayed"] = decay.decayed, decay.not_decayed
        model = models[member]
        if own_model:
            extra["model_source"] = f"user module {type(model).__name__}"
        if current.data.reference is not None and current.data.reference.name == USER_DATASET:
            extra["data_source"] = "user data"
        model.load_state_dict(member_state)
        splits = current.data.member_splits[member] if current.data.member_splits else None
        if splits is not None:  # EMA / SWA: the member ends with its average
            ending.model, ending.splits = model, splits
            chosen = current.units.final_weights(ending)
            if chosen:
                extra.update(chosen)
                member_state = {name: tensor.detach().to("cpu").clone() for name, tensor in model.state_dict().items()}
        if current.callbacks:
            run_id = recorder.run_ids[member]
            extra.update(current.callbacks.fit_end(member, model, config, splits, history, stop, member_state, run_id, run_store.run_dir(run_id)))
        changed = restored or "final_weights" in extra or current.units.changed_after_evaluation(len(history))
        if changed and splits is not None:
            extra["final_eval"] = final_evaluation(model, splits, config)
        else:  # the last epoch's evaluation is of the weights the member ends with
            extra["final_eval"] = {key: value for key, value in history[-1].items() if key.split("/")[0] in ("val", "test")}
        summary = recorder.finish(member, history, stop, member_state, extra)
        run = Run(recorder.run_ids[member], config.name, summary["status"], config, model, history, summary, run_store.directory, splits)
        runs[member] = run
        if on_member_end is not None:
            on_member_end(run)

    def epoch(member: int, metrics: dict[str, float]) -> Stop | None:
        recorder.epoch(member, metrics)
        return on_member_epoch(member, metrics) if on_member_epoch is not None else None

    training: list[PopulationState] = []
    try:
        if any(state.device.type == "cpu" for state in parts):
            reuse_freed_memory()
        with flushing_denormals():
            fit_population(
                parts, epoch, finish, MIN_SHARD_MEMBERS if automatic else 1, training, histories,
                max_shard_members=CONV_SHARD_MEMBERS if automatic and convolutional and len(parts) > 1 else None,
                checkpoint=lambda current, done, rows: save_member_checkpoints(current, done, rows, folders),
            )
    except KeyboardInterrupt:
        recorder.keep_partial(last_weights(training))
        recorder.abort("interrupted", "interrupted by the user")
        raise
    except Exception as error:
        recorder.keep_partial(last_weights(training))
        recorder.abort("failed", f"{type(error).__name__}: {error}", traceback.format_exc())
        raise
    return [runs[member] for member in range(len(configs))]
