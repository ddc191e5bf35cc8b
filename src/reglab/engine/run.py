"""`reglab.train(config) -> Run`: one run, built, trained, evaluated and stored."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import torch
from rich.console import Console

from reglab.config import Config, ConfigError, load_config, validate_config
from reglab.data.user import USER_DATASET
from reglab.engine.checkpoint import load_checkpoint, restore_checkpoint, restore_units, save_checkpoint, units_of
from reglab.engine.denormals import flushing_denormals
from reglab.objective.evaluate import evaluate
from reglab.objective.losses import make_objective
from reglab.contract.events import Callback
from reglab.engine.loop import fit
from reglab.engine.setup import build_setup
from reglab.engine.sinks import ConsoleSink, StoreSink
from reglab.engine.summary import summarize
from reglab.store import RunStore, save_weights, write_config, write_metrics_csv, write_summary
from reglab.tracking.sinks import tracking_sinks

__all__ = ["Run", "train", "resume", "as_config", "final_evaluation"]


@dataclass
class Run:
    """A finished run.

    Attributes:
        id: the run's id in the store (None when not stored).
        name: the config's name.
        status: completed | stopped_early | diverged | failed | interrupted.
        config: the validated config.
        model: the trained model (final weights).
        history: per-epoch metric dicts, each with its `epoch`.
        summary: best epoch, final metrics, stop information, technique summaries.
        store: the store folder.
    """

    id: str | None
    name: str
    status: str
    config: Config
    model: torch.nn.Module
    history: list[dict[str, float]]
    summary: dict[str, Any]
    store: Path | None = None
    data: Any = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The `--json` summary object."""
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "epochs": len(self.history),
            "best_epoch": self.summary.get("best_epoch"),
            "metrics": {key: value for key, value in (self.history[-1] if self.history else {}).items()},
            "store": str(self.store) if self.store else None,
        }


def as_config(config: Config | Mapping[str, Any] | str | Path | None) -> Config:
    """Accept a Config, a nested dict, a YAML path or None (defaults)."""
    if isinstance(config, Config):
        return config
    if config is None:
        return load_config()
    if isinstance(config, (str, Path)):
        return load_config(config)
    return validate_config(config)


def _open_store(store: RunStore | str | Path | None) -> RunStore:
    return store if isinstance(store, RunStore) else RunStore(store)


def train(
    config: Config | Mapping[str, Any] | str | Path | None = None,
    *,
    store: RunStore | str | Path | None = None,
    callbacks: Iterable[Callback] = (),
    verbose: bool = False,
    console: Console | None = None,
    sweep: str | None = None,
    model: Any = None,
    data: Any = None,
) -> Run:
    """Train one configuration and record it in the store.

    Args:
        config: a Config, a nested dict of config keys, a YAML path, or None.
        model: your own `nn.Module` (trained as given), or a function config -> module
            called after the run's seed is set; replaces the `model.*` architecture keys.
        data: your own data: `(inputs, targets)`, a map-style `Dataset` (read once into
            tensors on the device) or a `DataSplits`; split, corrupted and normalized by
            the `data.*` keys as a built-in dataset is (`reglab.data.user`).
        store: a RunStore or its folder (default `$REGLAB_STORE` or `./reglab-runs`).
        callbacks: extra callbacks (they run after the config's own, by kind).
        verbose: print a progress bar and seed 000's epoch line.
        sweep: the sweep this run belongs to (for resuming).

    Example:
        >>> run = reglab.train({"data": {"dataset": "digits"}, "epochs": 3})
        >>> run.history[-1]["test/acc"]
    """
    config = as_config(config)
    setup = build_setup(config, model, data)  # bad input fails here, before the store is touched
    sinks = tracking_sinks(config, sweep)  # tracking.* (a missing extra fails here too)
    run_store = _open_store(store)
    run_id = run_store.start_run(config.name, config.to_dict(), sweep=sweep)
    write_config(run_store.run_dir(run_id), config.to_dict())
    return _fit_stored(setup, run_store, run_id, [*callbacks, *sinks], verbose, console, own_model=model is not None)


def resume(
    run_id: str,
    *,
    store: RunStore | str | Path | None = None,
    callbacks: Iterable[Callback] = (),
    verbose: bool = False,
    console: Console | None = None,
    model: Any = None,
    data: Any = None,
) -> Run:
    """Continue an interrupted run from its last finished epoch, under the same run id.

    A run trained on your own module or data needs them again (`model=`, `data=`).

    The run is rebuilt from its stored config and its `checkpoint.safetensors`
    (`reglab.engine.checkpoint`); it ends exactly as if it had never stopped (bit for
    bit on the same machine and torch thread count).

    Example:
        >>> run = reglab.resume("3f2a")         # a unique id prefix is enough
    """
    run_store = _open_store(store)
    full_id = run_store.resolve_id(run_id)
    stored = run_store.get_run(full_id) if full_id else None
    if stored is None:
        raise ConfigError("--resume", run_id, "the id (or a unique prefix) of a run in this store")
    if stored.status != "interrupted":
        raise ConfigError("--resume", run_id, f"an interrupted run (this one is {stored.status})")
    checkpoint = load_checkpoint(run_store.run_dir(full_id))
    if checkpoint is not None and checkpoint.meta.get("kind") == "population-member":
        return _resume_member(run_store, full_id, stored, checkpoint.meta["data_order"], callbacks, model, data)
    if checkpoint is None:
        raise ConfigError("--resume", run_id, "a run with a finished epoch (this one has no checkpoint: train it again)")
    config = validate_config(stored.config)
    setup = build_setup(config, model, data)
    plan = setup.plan
    blocking = sorted({type(unit).__name__ for unit in units_of(plan.hooks, plan.callbacks) if not unit.resumable})
    if blocking:
        raise ConfigError("--resume", run_id, f"a run whose units all keep their state ({', '.join(blocking)} do not yet)")
    try:
        restore_checkpoint(checkpoint, model=plan.model, optimizer=plan.optimizer, scheduler=plan.scheduler, generator=plan.generator)
    except (RuntimeError, ValueError, KeyError) as error:
        raise ConfigError("--resume", run_id, f"the model and data the run was trained with ({error.__class__.__name__})") from None
    plan.history = [dict(row) for row in checkpoint.meta["history"]]
    plan.start_step = checkpoint.step
    plan.restore_units = lambda units: restore_units(checkpoint, units)
    run_store.reopen_run(full_id)
    sinks = tracking_sinks(config, stored.sweep)
    return _fit_stored(setup, run_store, full_id, [*callbacks, *sinks], verbose, console, own_model=model is not None)


def _resume_member(run_store: RunStore, run_id: str, stored: Any, order: str, callbacks, model: Any, data: Any) -> Run:
    """A population member continues alone: a population of one, from its member checkpoint
    (`reglab.population.checkpoint`)."""
    from reglab.population.train import train_population  # the population engine imports this module

    config = validate_config(stored.config)
    runs = train_population(
        [config], store=run_store, sweep=stored.sweep, data_order=order, data=data, model=model,
        callbacks=list(callbacks), resume=[run_id],
    )
    return runs[0]


def _fit_stored(
    setup: Any,
    run_store: RunStore,
    run_id: str,
    callbacks: Iterable[Callback],
    verbose: bool,
    console: Console | None,
    own_model: bool = False,
) -> Run:
    """Train a built setup as the stored run `run_id`: checkpoints, sinks, final status."""
    config = setup.config
    folder = run_store.run_dir(run_id)
    plan = setup.plan
    plan.run_id = run_id
    plan.run_dir = folder
    plan.callbacks.extend(callbacks)
    plan.callbacks.append(StoreSink(run_store, run_id))
    plan.checkpoint = lambda epoch, step, scheduler, units, history: save_checkpoint(
        folder, epoch=epoch, step=step, model=plan.model, optimizer=plan.optimizer, scheduler=scheduler,
        generator=plan.generator, units=units, history=history,
    )
    if verbose:
        output = console or Console(highlight=False)
        output.print(f"run {run_id}: {setup.decay.describe()}", markup=False)
        plan.callbacks.append(ConsoleSink(output))
    try:
        with flushing_denormals():
            result = fit(plan)
    except KeyboardInterrupt:
        _keep_partial(run_store, run_id, folder, setup)
        run_store.finish_run(run_id, "interrupted", {"error": "interrupted by the user"})
        raise
    except Exception as error:
        _keep_partial(run_store, run_id, folder, setup)
        message = f"{type(error).__name__}: {error}"
        run_store.finish_run(run_id, "failed", {"error": message}, error=traceback.format_exc())
        raise
    status = result.stop.status if result.stop else "completed"
    extra: dict[str, Any] = dict(result.summary)
    if result.stop:
        extra.update(stop_reason=result.stop.reason, stop_criterion=result.stop.criterion)
    extra["decayed"] = setup.decay.decayed
    extra["not_decayed"] = setup.decay.not_decayed
    extra["final_eval"] = final_evaluation(setup.model, setup.data, setup.config)
    if own_model:
        extra["model_source"] = f"user module {type(setup.model).__name__}"
    if setup.data.name == USER_DATASET:
        extra["data_source"] = "user data"
    summary = summarize(result.history, status, extra)
    run_store.finish_run(run_id, status, summary)
    write_metrics_csv(folder, result.history)
    write_summary(folder, summary)
    save_weights(folder / "model.safetensors", setup.model)
    return Run(run_id, config.name, status, config, setup.model, result.history, summary, run_store.directory, setup.data)


def _keep_partial(run_store: RunStore, run_id: str, folder: Path, setup: Any) -> None:
    """An interrupted or failed run keeps `metrics.csv` of its recorded epochs and its last weights."""
    try:
        write_metrics_csv(folder, run_store.history(run_id))
        save_weights(folder / "model.safetensors", setup.model)
    except Exception:  # the run's own error is the one to report
        pass


def final_evaluation(model: torch.nn.Module, data: Any, config: Config) -> dict[str, float]:
    """Validation and test metrics of the weights a run ends with (after restores,
    averaging or pruning at fit end), with the plain loss of its task."""
    objective = make_objective(config.loss, data.task, data.num_classes, config.model.output_activation)
    size = config.data.eval_batch_size
    metrics = evaluate(model, data.val_x, data.val_y, objective, size, "val")
    metrics.update(evaluate(model, data.test_x, data.test_y, objective, size, "test"))
    return metrics
