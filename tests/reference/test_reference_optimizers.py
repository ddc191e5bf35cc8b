"""Whole runs of reglab's optimizers and schedules against torch.optim and torch.optim.lr_scheduler."""

from __future__ import annotations

import pytest
import torch

from tests.reference.harness import assert_same_weights, param_groups, tiny_model, train_reference, train_reglab

SGD = torch.optim.SGD


@pytest.mark.parametrize(("momentum", "nesterov", "decay"), [(0.9, False, 5e-3), (0.9, True, 1e-2), (0.5, False, 0.0)])
def test_sgd_with_momentum_nesterov_and_weight_decay_equals_torch_sgd(momentum, nesterov, decay):
    run = train_reglab({"optimizer.momentum": momentum, "optimizer.nesterov": nesterov, "optimizer.weight_decay": decay})
    reference = train_reference(tiny_model(), lambda m: SGD(param_groups(m, decay), lr=0.1, momentum=momentum, nesterov=nesterov))
    assert_same_weights(run.model, reference, moved_from=tiny_model())


@pytest.mark.parametrize(("name", "kind", "decay"), [("adam", torch.optim.Adam, 1e-2), ("adamw", torch.optim.AdamW, 5e-2)])
def test_adam_and_adamw_with_weight_decay_equal_torch(name, kind, decay):
    overrides = {"optimizer.name": name, "optimizer.weight_decay": decay, "optimizer.betas": (0.8, 0.99), "optimizer.eps": 1e-6}
    run = train_reglab(overrides, lr=0.02)
    reference = train_reference(tiny_model(), lambda m: kind(param_groups(m, decay), lr=0.02, betas=(0.8, 0.99), eps=1e-6))
    assert_same_weights(run.model, reference, moved_from=tiny_model())


def test_step_schedule_equals_steplr():
    run = train_reglab({"optimizer.momentum": 0.9, "schedule.name": "step", "schedule.step_size": 1, "schedule.gamma": 0.5}, epochs=4)
    reference = train_reference(
        tiny_model(), lambda m: SGD(m.parameters(), lr=0.1, momentum=0.9), epochs=4,
        epoch_schedule=lambda optimizer: torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5),
    )
    assert_same_weights(run.model, reference, moved_from=tiny_model())
    assert [row["lr"] for row in run.history] == pytest.approx([0.1, 0.05, 0.025, 0.0125])


def test_cosine_schedule_anneals_per_step_as_cosineannealinglr():
    run = train_reglab({"optimizer.momentum": 0.9, "schedule.name": "cosine", "schedule.min_lr": 0.01}, epochs=4)
    reference = train_reference(
        tiny_model(), lambda m: SGD(m.parameters(), lr=0.1, momentum=0.9), epochs=4,
        step_schedule=lambda optimizer, total: torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total, eta_min=0.01),
    )
    assert_same_weights(run.model, reference, moved_from=tiny_model())


@pytest.mark.parametrize(("momentum", "max_lr", "warmup"), [(0.9, None, 0.3), (0.9, 0.3, 0.4), (0.0, 0.2, 0.25)])
def test_onecycle_schedule_equals_onecyclelr_with_cycled_momentum(momentum, max_lr, warmup):
    overrides = {"optimizer.momentum": momentum, "schedule.name": "onecycle", "schedule.max_lr": max_lr, "schedule.warmup_fraction": warmup}
    run = train_reglab(overrides, epochs=4)
    reference = train_reference(
        tiny_model(), lambda m: SGD(m.parameters(), lr=0.1, momentum=momentum), epochs=4,
        step_schedule=lambda optimizer, total: torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=max_lr or 0.1, total_steps=total, pct_start=warmup, cycle_momentum=momentum > 0
        ),
    )
    assert_same_weights(run.model, reference, moved_from=tiny_model())


def test_onecycle_with_adam_equals_onecyclelr_without_cycled_betas():
    overrides = {"optimizer.name": "adam", "schedule.name": "onecycle", "schedule.max_lr": 0.05}
    run = train_reglab(overrides, epochs=3, lr=0.01)
    reference = train_reference(
        tiny_model(), lambda m: torch.optim.Adam(m.parameters(), lr=0.01), epochs=3,
        step_schedule=lambda optimizer, total: torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.05, total_steps=total, cycle_momentum=False),
    )
    assert_same_weights(run.model, reference, moved_from=tiny_model())
