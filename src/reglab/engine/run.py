"""`reglab.train(config) -> Run`: one run, built, trained, evaluated and stored."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import torch
from rich.console import Console

from reglab.config import Config, load_config, validate_config
from reglab.engine.denormals import flushing_denormals
from reglab.engine.evaluate import evaluate
from reglab.engine.events import Callback
from reglab.engine.loop import fit
from reglab.engine.setup import build_setup
from reglab.engine.sinks import ConsoleSink, StoreSink
from reglab.engine.summary import summarize
from reglab.store import RunStore, save_weights, write_config, write_metrics_csv, write_summary
from reglab.tracking.sinks import tracking_sinks

__all__ = ["Run", "train", "as_config"]


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
) -> Run:
    """Train one configuration and record it in the store.

    Args:
        config: a Config, a nested dict of config keys, a YAML path, or None.
        store: a RunStore or its folder (default `$REGLAB_STORE` or `./reglab-runs`).
        callbacks: extra callbacks (they run after the config's own, by kind).
        verbose: print a progress bar and seed 000's epoch line.
        sweep: the sweep this run belongs to (for resuming).

    Example:
        >>> run = reglab.train({"data": {"dataset": "digits"}, "epochs": 3})
        >>> run.history[-1]["test/acc"]
    """
    config = as_config(config)
    setup = build_setup(config)  # bad input fails here, before the store is touched
    sinks = tracking_sinks(config, sweep)  # tracking.* (a missing extra fails here too)
    run_store = _open_store(store)
    run_id = run_store.start_run(config.name, config.to_dict(), sweep=sweep)
    folder = run_store.run_dir(run_id)
    write_config(folder, config.to_dict())
    plan = setup.plan
    plan.run_id = run_id
    plan.run_dir = folder
    plan.callbacks.extend(callbacks)
    plan.callbacks.extend(sinks)
    plan.callbacks.append(StoreSink(run_store, run_id))
    if verbose:
        output = console or Console(highlight=False)
        output.print(f"run {run_id}: {setup.decay.describe()}", markup=False)
        plan.callbacks.append(ConsoleSink(output))
    try:
        with flushing_denormals():
            result = fit(plan)
    except KeyboardInterrupt:
        run_store.finish_run(run_id, "interrupted", {"error": "interrupted by the user"})
        raise
    except Exception as error:
        message = f"{type(error).__name__}: {error}"
        run_store.finish_run(run_id, "failed", {"error": message}, error=traceback.format_exc())
        raise
    status = result.stop.status if result.stop else "completed"
    extra: dict[str, Any] = dict(result.summary)
    if result.stop:
        extra.update(stop_reason=result.stop.reason, stop_criterion=result.stop.criterion)
    extra["decayed"] = setup.decay.decayed
    extra["not_decayed"] = setup.decay.not_decayed
    extra["final_eval"] = _final_evaluation(setup)
    summary = summarize(result.history, status, extra)
    run_store.finish_run(run_id, status, summary)
    write_metrics_csv(folder, result.history)
    write_summary(folder, summary)
    save_weights(folder / "model.safetensors", setup.model)
    return Run(run_id, config.name, status, config, setup.model, result.history, summary, run_store.directory, setup.data)


def _final_evaluation(setup: Any) -> dict[str, float]:
    """Validation and test metrics of the weights the run ends with (after restores,
    averaging or pruning at fit end)."""
    data, objective, size = setup.data, setup.objective, setup.config.data.eval_batch_size
    metrics = evaluate(setup.model, data.val_x, data.val_y, objective, size, "val")
    metrics.update(evaluate(setup.model, data.test_x, data.test_y, objective, size, "test"))
    return metrics
