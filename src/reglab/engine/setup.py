"""Build everything a run needs from its config, before any work starts.

Bad input (a missing data file, an impossible combination) surfaces here as a
ConfigError, before the store is touched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import torch

from reglab.config import Config, ConfigError
from reglab.engine.device import resolve_device
from reglab.contract.batches import batch_starts
from reglab.engine.loop import FitPlan
from reglab.objective.losses import Objective, make_objective, resolve_loss_name
from reglab.engine.optim import build_optimizer, build_schedule
from reglab.contract.technique import Technique
from reglab.techniques import build_techniques
from reglab.regularizers.decay import DecayGroups

__all__ = ["RunSetup", "build_setup"]


@dataclass
class RunSetup:
    config: Config
    device: torch.device
    data: Any
    model: torch.nn.Module
    objective: Objective  # the plain loss, used for evaluation and analysis
    optimizer: torch.optim.Optimizer
    decay: DecayGroups
    technique: Technique
    plan: FitPlan


def _check_loss(config: Config, task: str) -> None:
    name = resolve_loss_name(config.loss, task)
    if task == "regression" and name in ("cross_entropy", "nll"):
        raise ConfigError("loss", config.loss, f"mse or bce for the regression dataset {config.data.dataset}")


def user_data_splits(config: Config, data: Any, device: torch.device) -> Any:
    """A user's data (`reglab.data.user_source` forms) as the run's `DataSplits` on `device`."""
    from reglab.data import DataSplits, load_data, user_source

    source = user_source(data)
    if isinstance(source, DataSplits):
        moved = {name: getattr(source, name).to(device) for name in ("train_x", "train_y", "val_x", "val_y", "test_x", "test_y")}
        return replace(source, **moved)
    return load_data(config.data, config.seed, device, source=source)


def user_model(model: Any, config: Config, device: torch.device) -> torch.nn.Module:
    """A user's module (trained as given) or factory (called with the config, after the seed is set)."""
    built = model if isinstance(model, torch.nn.Module) else model(config)
    if not isinstance(built, torch.nn.Module):
        raise ConfigError("model", type(built).__name__, "an nn.Module or a function config -> nn.Module")
    return built.to(device)


def build_setup(config: Config, model: Any = None, data: Any = None) -> RunSetup:
    """Data on the device, a seeded model, optimizer, schedule and techniques.

    `model` (an `nn.Module`, or a function of the config returning one) and `data` (see
    `reglab.data.user`) replace the config's `model.*` architecture and `data.dataset`.
    """
    from reglab.data import load_data
    from reglab.models import build_model

    device = resolve_device(config.device)
    data = load_data(config.data, config.seed, device) if data is None else user_data_splits(config, data, device)
    _check_loss(config, data.task)
    torch.manual_seed(config.seed)
    if model is None:
        model = build_model(config.model, data.input_shape, data.output_dim).to(device)
    else:
        model = user_model(model, config, device)
    objective = make_objective(config.loss, data.task, data.num_classes, config.model.output_activation)
    train_objective = make_objective(
        config.loss,
        data.task,
        data.num_classes,
        config.model.output_activation,
        config.augment.label_smoothing,
    )
    optimizer, decay = build_optimizer(model, config.optimizer)
    steps_per_epoch = len(batch_starts(data.train_x.shape[0], config.data.batch_size))
    technique = build_techniques(config, model, data)
    epochs = technique.total_epochs or config.epochs
    schedule_epochs = technique.schedule_period or epochs

    def make_schedule():
        return build_schedule(optimizer, config.schedule, config.optimizer.lr, schedule_epochs, steps_per_epoch)

    def restart_schedule() -> torch.optim.lr_scheduler.LRScheduler | None:
        for group in optimizer.param_groups:
            group["lr"] = group.get("initial_lr", config.optimizer.lr)
        return make_schedule()[0]

    scheduler, per_step = make_schedule()
    plan = FitPlan(
        model=model,
        data=data,
        objective=train_objective,
        eval_objective=objective,
        optimizer=optimizer,
        epochs=epochs,
        batch_size=config.data.batch_size,
        eval_batch_size=config.data.eval_batch_size,
        generator=torch.Generator().manual_seed(config.seed),
        scheduler=scheduler,
        schedule_per_step=per_step,
        schedule_period=technique.schedule_period,
        restart_schedule=restart_schedule if scheduler is not None else None,
        hooks=technique.hooks,
        augment=technique.augment,
        callbacks=list(technique.callbacks),
        config=config,
        stop_on_divergence=config.early_stopping.stop_on_divergence,
    )
    return RunSetup(config, device, data, model, objective, optimizer, decay, technique, plan)
