"""The training loop: one readable function, top to bottom.

    for each epoch:
        for each batch (an index slice of tensors already on the device):
            augment → forward → transformed data loss + Σ penalties → backward
            → [extra pass at perturbed weights] → gradient hooks → optimizer step
            → weight hooks → lr schedule
        evaluate val and test → epoch metrics (one host sync) → eval_end → epoch_end callbacks
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch

from reglab.contract.batches import batch_starts
from reglab.engine.checkpoint import units_of
from reglab.engine.accumulate import EpochTotals
from reglab.objective.evaluate import evaluate
from reglab.contract.events import KIND_ORDER, Callback, EpochRecord, FitRecord, StepRecord, Stop, frozen
from reglab.contract.hooks import StepContext, StepHook
from reglab.objective.losses import Objective

__all__ = ["FitPlan", "FitResult", "fit"]

Augment = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


@dataclass
class FitPlan:
    """Everything the loop needs, built once by `reglab.engine.setup`."""

    model: torch.nn.Module
    data: Any  # reglab.data.DataSplits
    objective: Objective
    optimizer: torch.optim.Optimizer
    epochs: int
    batch_size: int
    eval_batch_size: int
    generator: torch.Generator
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None
    schedule_per_step: bool = False
    # Restart the schedule every `schedule_period` epochs: `restart_schedule()` resets the
    # learning rates and returns a fresh scheduler (see `Technique.schedule_period`).
    schedule_period: int | None = None
    restart_schedule: Callable[[], torch.optim.lr_scheduler.LRScheduler | None] | None = None
    hooks: list[StepHook] = field(default_factory=list)
    augment: Augment | None = None
    callbacks: list[Callback] = field(default_factory=list)
    config: Any = None
    run_id: str | None = None
    run_dir: Path | None = None
    stop_on_divergence: bool = True
    # Evaluation measures the plain loss (no label smoothing); defaults to `objective`.
    eval_objective: Objective | None = None
    # Resuming: the epochs already done (their rows), the step count after them, and a
    # function that gives every unit back its saved state once `on_fit_start` has run.
    history: list[dict[str, float]] = field(default_factory=list)
    start_step: int = 0
    restore_units: Callable[[list[Any]], None] | None = None
    # Called after every finished epoch with (epoch, step, scheduler, units, history):
    # `reglab.engine.checkpoint` saves the run's whole state there.
    checkpoint: Callable[..., None] | None = None


@dataclass
class FitResult:
    history: list[dict[str, float]]
    stop: Stop | None
    summary: dict[str, Any]


def _forward_loss(model, objective, hooks, inputs, targets, context):
    """outputs, data loss, penalty terms and the loss to differentiate, for one batch.

    The data loss goes through every hook's `transform_loss` (flooding) before the
    penalty terms are added; the returned `data_loss` is the plain one (recorded)."""
    outputs = model(inputs)
    data_loss = objective.loss(outputs, targets)
    if not hooks:
        return outputs, data_loss, {}, data_loss
    transformed = data_loss
    for hook in hooks:
        transformed = hook.transform_loss(transformed, context)
    penalties = {name: term for hook in hooks for name, term in hook.penalty(model, context).items()}
    loss = transformed + sum(penalties.values()) if penalties else transformed
    return outputs, data_loss, penalties, loss


def _gradient_at(offsets, model, objective, hooks, inputs, targets, context, optimizer) -> None:
    """Replace the gradients by those at θ + offsets (an extra forward/backward), then undo the offsets."""
    with torch.no_grad():
        for param, offset in offsets:
            param.add_(offset)
    optimizer.zero_grad(set_to_none=True)
    _forward_loss(model, objective, hooks, inputs, targets, context)[3].backward()
    with torch.no_grad():
        for param, offset in offsets:
            param.sub_(offset)


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def fit(plan: FitPlan) -> FitResult:
    """Train `plan.model` for `plan.epochs` epochs; return the per-epoch history."""
    model, data, objective, optimizer = plan.model, plan.data, plan.objective, plan.optimizer
    callbacks = sorted(plan.callbacks, key=lambda callback: KIND_ORDER[callback.kind])
    step_callbacks = [callback for callback in callbacks if callback.step_every]
    device = data.train_x.device
    count = data.train_x.shape[0]
    starts = batch_starts(count, plan.batch_size)
    history: list[dict[str, float]] = list(plan.history)
    stop: Stop | None = None
    step = plan.start_step
    scheduler = plan.scheduler
    units = units_of(plan.hooks, callbacks)

    for callback in callbacks:
        callback.on_fit_start(FitRecord(model, optimizer, plan.config, data, run_id=plan.run_id, run_dir=plan.run_dir))
    if plan.restore_units is not None:
        plan.restore_units(units)

    for epoch in range(len(history) + 1, plan.epochs + 1):
        if plan.schedule_period and plan.restart_schedule and epoch > 1 and (epoch - 1) % plan.schedule_period == 0:
            scheduler = plan.restart_schedule()
        for callback in callbacks:
            callback.on_epoch_start(EpochRecord(epoch, step, model, optimizer, history=history, data=data))
        model.train()
        totals = EpochTotals(device)
        _synchronize(device)
        epoch_started = time.perf_counter()
        order = torch.randperm(count, generator=plan.generator).to(device)
        for batch_index, start in enumerate(starts):
            indices = order[start : start + plan.batch_size]
            # index_select, not x[indices]: the same rows, gathered about 2x faster on a CPU
            inputs, labels = data.train_x.index_select(0, indices), data.train_y.index_select(0, indices)
            targets = labels
            if plan.augment is not None:
                inputs, targets = plan.augment(inputs, labels)
            context = StepContext(inputs.shape[0], step, optimizer.param_groups[0]["lr"]) if plan.hooks else None
            outputs, data_loss, penalties, loss = _forward_loss(model, objective, plan.hooks, inputs, targets, context)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            for hook in plan.hooks:
                offsets = hook.perturbation(model)
                if offsets:
                    _gradient_at(offsets, model, objective, plan.hooks, inputs, targets, context, optimizer)
            for hook in plan.hooks:
                hook.before_step(model, optimizer)
            optimizer.step()
            for hook in plan.hooks:
                hook.after_step(model, optimizer)
            if scheduler is not None and plan.schedule_per_step:
                scheduler.step()
            correct = objective.correct(outputs.detach(), labels) if objective.correct else None
            totals.add(data_loss, penalties, correct, inputs.shape[0])
            step += 1
            for callback in step_callbacks:
                if step % callback.step_every == 0:
                    callback.on_step_end(
                        StepRecord(epoch, step, batch_index + 1, len(starts), model, optimizer, loss.detach())
                    )
        lr = optimizer.param_groups[0]["lr"]
        if scheduler is not None and not plan.schedule_per_step:
            scheduler.step()
        _synchronize(device)
        train_seconds = time.perf_counter() - epoch_started

        metrics = totals.compute(with_accuracy=objective.correct is not None)
        measure = plan.eval_objective or objective
        metrics.update(evaluate(model, data.val_x, data.val_y, measure, plan.eval_batch_size, "val"))
        metrics.update(evaluate(model, data.test_x, data.test_y, measure, plan.eval_batch_size, "test"))
        metrics["lr"] = lr
        metrics["time/epoch"] = train_seconds
        metrics["epoch"] = epoch
        for callback in callbacks:
            extra = callback.on_eval_end(EpochRecord(epoch, step, model, optimizer, frozen(metrics), history, data))
            if extra:
                metrics.update(extra)
        if plan.stop_on_divergence and not math.isfinite(metrics["loss/total"]):
            stop = Stop("the training loss became non-finite", status="diverged", criterion="divergence")

        for callback in callbacks:
            record = EpochRecord(epoch, step, model, optimizer, frozen(metrics), history, data)
            result = callback.on_epoch_end(record)
            if isinstance(result, Stop):
                stop = stop or result
                metrics.update(result.metrics)
            elif result:
                metrics.update(result)
        history.append(metrics)
        if plan.checkpoint is not None:
            plan.checkpoint(epoch, step, scheduler, units, history)
        if stop is not None:
            break

    summary: dict[str, Any] = {}
    for callback in callbacks:
        extra = callback.on_fit_end(
            FitRecord(model, optimizer, plan.config, data, len(history), history, stop, plan.run_id, plan.run_dir)
        )
        if extra:
            summary.update(extra)
    return FitResult(history, stop, summary)
