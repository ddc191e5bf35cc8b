"""`reglab.train(config) -> Run`: one run, trained as a population of one and stored.

A single run goes through the same loop as thousands (`reglab.population`): its
config is the population's only member, with its own data order (`independent`), so
its random draws, checkpoints and records are those of any member.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import torch
from rich.console import Console

from reglab.config import Config, ConfigError, load_config, validate_config
from reglab.contract.events import Callback
from reglab.engine.sinks import ConsoleSink, RunHeader
from reglab.objective.evaluate import evaluate
from reglab.objective.losses import make_objective
from reglab.store import RunStore
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
    from reglab.population.train import train_population  # the population engine imports this module

    config = as_config(config)
    runs = train_population(
        [config], store=store, sweep=sweep, data_order="independent", model=model, data=data,
        # tracking.* builds here: a missing extra fails before the store is touched
        callbacks=[*callbacks, *_console(verbose, console), *tracking_sinks(config, sweep)],
    )
    return runs[0]


def _console(verbose: bool, console: Console | None) -> list[Callback]:
    """With `verbose`: the run's header line, a progress bar and seed 000's epoch line."""
    if not verbose:
        return []
    output = console or Console(highlight=False)
    return [RunHeader(output), ConsoleSink(output)]


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
    (`reglab.population.checkpoint`), as a population of one; it ends exactly as if it had never stopped (bit for
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
    from reglab.population.checkpoint import read_member_checkpoint
    from reglab.population.train import train_population  # the population engine imports this module

    config = validate_config(stored.config)
    checkpoint = read_member_checkpoint(run_store.run_dir(full_id))
    if checkpoint is None:
        raise ConfigError("--resume", run_id, "a run with a finished epoch (this one has no checkpoint: train it again)")
    # a population member continues alone: a population of one, from its checkpoint
    runs = train_population(
        [config], store=run_store, sweep=stored.sweep, data_order=checkpoint[1]["data_order"], data=data, model=model,
        callbacks=[*callbacks, *_console(verbose, console), *tracking_sinks(config, stored.sweep)], resume=[full_id],
    )
    return runs[0]


def final_evaluation(model: torch.nn.Module, data: Any, config: Config) -> dict[str, float]:
    """Validation and test metrics of the weights a run ends with (after restores,
    averaging or pruning at fit end), with the plain loss of its task."""
    objective = make_objective(config.loss, data.task, data.num_classes, config.model.output_activation)
    size = config.data.eval_batch_size
    metrics = evaluate(model, data.val_x, data.val_y, objective, size, "val")
    metrics.update(evaluate(model, data.test_x, data.test_y, objective, size, "test"))
    return metrics
