"""Optimizer and learning-rate schedule from the config."""

from __future__ import annotations

import torch

from reglab.config import OptimizerConfig, ScheduleConfig
from reglab.regularizers.decay import DecayGroups, decay_groups

__all__ = ["build_optimizer", "build_schedule"]


def build_optimizer(model: torch.nn.Module, config: OptimizerConfig) -> tuple[torch.optim.Optimizer, DecayGroups]:
    """SGD (momentum, Nesterov), Adam (coupled decay) or AdamW (decoupled decay)."""
    groups = decay_groups(model, config.weight_decay, config.decay_exclude)
    if config.name == "sgd":
        optimizer = torch.optim.SGD(
            groups.groups, lr=config.lr, momentum=config.momentum, nesterov=config.nesterov and config.momentum > 0
        )
    elif config.name == "adam":
        optimizer = torch.optim.Adam(groups.groups, lr=config.lr, betas=config.betas, eps=config.eps)
    else:
        optimizer = torch.optim.AdamW(groups.groups, lr=config.lr, betas=config.betas, eps=config.eps)
    return optimizer, groups


def build_schedule(
    optimizer: torch.optim.Optimizer, config: ScheduleConfig, lr: float, epochs: int, steps_per_epoch: int
) -> tuple[torch.optim.lr_scheduler.LRScheduler | None, bool]:
    """The scheduler and whether it steps per batch (True) or per epoch (False).

    step: lr·γ^⌊epoch/step_size⌋; cosine: per step from lr to min_lr
    (Loshchilov & Hutter 2017); onecycle: per step up to max_lr and down (Smith 2018).
    """
    if config.name == "none":
        return None, False
    if config.name == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=config.step_size, gamma=config.gamma), False
    total_steps = max(1, epochs * steps_per_epoch)
    if config.name == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps, eta_min=config.min_lr), True
    return (
        torch.optim.lr_scheduler.OneCycleLR(
            optimizer,
            max_lr=config.max_lr or lr,
            total_steps=total_steps,
            pct_start=config.warmup_fraction,
            cycle_momentum=isinstance(optimizer, torch.optim.SGD) and optimizer.defaults.get("momentum", 0) > 0,
        ),
        True,
    )
