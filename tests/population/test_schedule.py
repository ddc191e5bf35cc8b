"""Per-member schedules: each member's lr and momentum tables are its single run's scheduler's,
the stacked optimizer follows a per-step momentum / β₁ as torch.optim does, and members with
different schedule settings train in one population as their single runs."""

from __future__ import annotations

import pytest
import torch

import reglab
from reglab.config import validate_config
from reglab.engine.optim import build_optimizer, build_schedule
from reglab.models import build_model
from reglab.population import train_population
from reglab.population.grouping import population_key
from reglab.population.members import MemberHyperparameters
from reglab.population.optim import StackedOptimizer
from reglab.population.schedule import MemberSchedule
from tests.conftest import tiny_digits
from tests.population.test_train import assert_same_history

EPOCHS, STEPS = 3, 4


def _single_run_tables(config) -> tuple[list[float], list[float]]:
    """lr and momentum (or β₁) of every step of a single run's own optimizer and scheduler."""
    optimizer, _ = build_optimizer(build_model(config.model, (4,), 2), config.optimizer)
    scheduler, per_step = build_schedule(optimizer, config.schedule, config.optimizer.lr, EPOCHS, STEPS)
    optimizer.step()
    key = "momentum" if config.optimizer.name == "sgd" else "betas"
    lrs, momenta = [], []
    for _ in range(EPOCHS):
        for _ in range(STEPS):
            group = optimizer.param_groups[0]
            lrs.append(group["lr"])
            momenta.append(group[key] if key == "momentum" else group[key][0])
            if scheduler is not None and per_step:
                scheduler.step()
        if scheduler is not None and not per_step:
            scheduler.step()
    return lrs, momenta


def _configs(*members: dict) -> list:
    return [validate_config(tiny_digits(seed=seed, **overrides)) for seed, overrides in enumerate(members)]


CASES = {
    "onecycle": _configs(
        {"schedule.name": "onecycle"},
        {"schedule.name": "onecycle", "schedule.max_lr": 0.3, "schedule.warmup_fraction": 0.5},
        {"schedule.name": "onecycle", "optimizer.momentum": 0.0, "optimizer.lr": 0.05},
    ),
    "onecycle-adam": _configs(
        {"schedule.name": "onecycle", "optimizer.name": "adam", "optimizer.lr": 1e-3},
        {"schedule.name": "onecycle", "optimizer.name": "adam", "optimizer.lr": 1e-3, "schedule.max_lr": 3e-3},
    ),
    "step": _configs(
        {"schedule.name": "step", "schedule.step_size": 1, "schedule.gamma": 0.5},
        {"schedule.name": "step", "schedule.step_size": 2, "schedule.gamma": 0.1},
    ),
    "cosine": _configs({"schedule.name": "cosine"}, {"schedule.name": "cosine", "schedule.min_lr": 0.02}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_member_tables_are_the_single_runs_scheduler_values(name):
    configs = CASES[name]
    schedule = MemberSchedule(configs, EPOCHS, STEPS, torch.device("cpu"))
    lrs, momenta = [], []
    for _ in range(EPOCHS):
        table = schedule.epoch_table()
        lrs.append(table[:-1])
        momenta.append(schedule.momenta[:-1] if schedule.momenta is not None else None)
    for member, config in enumerate(configs):
        expected_lrs, expected_momenta = _single_run_tables(config)
        got = torch.cat([epoch[:, member] for epoch in lrs]).tolist()
        assert got == pytest.approx(expected_lrs, rel=1e-6)
        if schedule.momenta is not None:
            got = torch.cat([epoch[:, member] for epoch in momenta]).tolist()
            assert got == pytest.approx(expected_momenta, rel=1e-6)
        else:  # no member's momentum is scheduled: it stays the configured one
            assert len(set(expected_momenta)) == 1
    # the settings differ, so the members' schedules do
    assert not torch.equal(lrs[-1][:, 0], lrs[-1][:, 1])


def test_onecycle_cycles_sgd_momentum_only_where_the_single_run_does():
    schedule = MemberSchedule(CASES["onecycle"], EPOCHS, STEPS, torch.device("cpu"))
    schedule.epoch_table()
    momenta = schedule.momenta
    assert momenta is not None
    assert momenta[0, 0].item() == pytest.approx(0.95)  # onecycle starts at max_momentum
    assert momenta[:, 0].min().item() < 0.95
    assert momenta[:, 2].tolist() == [0.0] * (STEPS + 1)  # momentum 0: not cycled
    adam = MemberSchedule(CASES["onecycle-adam"], EPOCHS, STEPS, torch.device("cpu"))
    adam.epoch_table()
    assert adam.momenta is None  # the single run cycles momentum for SGD only


def test_schedule_settings_are_member_keys():
    assert len({population_key(config) for config in CASES["onecycle"]}) == 1
    assert len({population_key(config) for config in CASES["step"]}) == 1


@pytest.mark.parametrize("name", ["sgd"])
def test_stacked_optimizer_follows_a_per_step_momentum_as_torch_optim(name):
    """Member k with momentum row k of each step equals torch.optim whose group is set to it
    (onecycle cycles SGD's momentum; Adam's β₁ is never scheduled, see the next test)."""
    generator = torch.Generator().manual_seed(0)
    configs = _configs(*({"optimizer.name": name, "optimizer.lr": lr} for lr in (0.1, 0.03)))
    hyper = MemberHyperparameters.from_configs(configs, torch.device("cpu"))
    start = torch.randn(2, 3, 4, generator=generator)
    stacked = {"w": start.clone().requires_grad_(True)}
    optimizer = StackedOptimizer(stacked, decayed=set(), hyper=hyper, name=name, betas=(0.9, 0.999))
    singles = [torch.nn.Parameter(start[k].clone()) for k in range(2)]
    kind = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[name]
    extra = {"momentum": 0.9} if name == "sgd" else {}
    references = [kind([param], lr=config.optimizer.lr, weight_decay=0.0, **extra) for param, config in zip(singles, configs)]
    for step in range(12):
        momentum = torch.tensor([0.95 - 0.01 * step, 0.85 + 0.005 * step])
        grad = torch.randn(2, 3, 4, generator=generator)
        optimizer.step({"w": grad}, hyper.lr, hyper, momentum)
        for k, (param, reference) in enumerate(zip(singles, references)):
            group = reference.param_groups[0]
            if name == "sgd":
                group["momentum"] = momentum[k].item()
            else:
                group["betas"] = (momentum[k].item(), group["betas"][1])
            param.grad = grad[k].clone()
            reference.step()
    for k, param in enumerate(singles):
        torch.testing.assert_close(stacked["w"][k], param.detach(), rtol=1e-5, atol=1e-6)
    assert not torch.allclose(stacked["w"][0], stacked["w"][1])


@pytest.mark.parametrize("name", ["adam", "adamw"])
def test_adams_beta1_is_never_scheduled(name):
    configs = _configs({"optimizer.name": name})
    hyper = MemberHyperparameters.from_configs(configs, torch.device("cpu"))
    optimizer = StackedOptimizer({"w": torch.zeros(1, 2, requires_grad=True)}, decayed=set(), hyper=hyper, name=name)
    with pytest.raises(ValueError, match="not scheduled"):
        optimizer.step({"w": torch.ones(1, 2)}, hyper.lr, hyper, torch.tensor([0.9]))


@pytest.mark.parametrize("name", ["onecycle", "step"])
def test_members_with_different_schedules_equal_their_single_runs(store_dir, name):
    configs = CASES[name]
    members = train_population(configs, store=store_dir, data_order="independent")
    for config, member in zip(configs, members):
        single = reglab.train(config, store=store_dir)
        assert_same_history(member, single)
    assert members[0].history[-1]["lr"] != members[1].history[-1]["lr"]


def test_sharded_onecycle_population_equals_the_whole(store_dir):
    """Each shard carries a copy of the schedulers at the same step (`MemberSchedule.__deepcopy__`)."""
    configs = CASES["onecycle"]
    whole = train_population(configs, store=store_dir, data_order="independent", shards=1)
    sharded = train_population(configs, store=store_dir, data_order="independent", shards=2)
    for one, other in zip(whole, sharded):
        assert_same_history(one, other)
