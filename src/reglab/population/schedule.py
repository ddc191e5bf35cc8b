"""Each member's learning rate and momentum at every step, from PyTorch's own schedulers.

A single run steps a `torch.optim.lr_scheduler` (`reglab.engine.optim.build_schedule`)
on its optimizer. Here a stand-in of the members' optimizer class (`_ScheduledGroups`) holds one
parameter group per member (its lr, momentum or betas), and the same scheduler is
built on it. Members whose schedule settings differ (`schedule.step_size`, `gamma`,
`min_lr`, `max_lr`, `warmup_fraction` are member keys) get a stand-in each, shared by
every member with the same settings. At each epoch start the values of the epoch's
steps are read into (steps + 1, K) device tensors, so a step only indexes them:

| table      | row s                                         | last row                |
|------------|-----------------------------------------------|-------------------------|
| `lrs`      | the lr of step s                              | the epoch's `lr` metric |
| `momenta`  | the SGD momentum of step s                    | the same after the epoch |

`momenta` exists only when a scheduler cycles momentum (`onecycle` with
`cycle_momentum`, as the single run builds it: SGD with momentum > 0); otherwise it
is None and the stacked optimizer uses the members' fixed momentum, so a population
without a momentum schedule does no extra work per step. The values are PyTorch's,
bit for bit, for `none`, `step`, `cosine` and `onecycle` (Smith & Topin 2019,
arXiv:1708.07120: lr up from max_lr/25 to max_lr over `warmup_fraction` of the steps
and down to max_lr/10⁴ by cosine annealing, momentum 0.95 → 0.85 → 0.95).
"""

from __future__ import annotations

import copy
import json
from typing import Sequence

import torch

from reglab.config import Config
from reglab.engine.optim import build_schedule

__all__ = ["MemberSchedule"]


class _ScheduledGroups:
    """What a scheduler drives: one parameter group per member (its lr, momentum or betas),
    with no parameters and nothing to step.

    Mixed in before the members' `torch.optim` class, so the schedulers accept it (they
    check `isinstance`) and `OneCycleLR` finds momentum or betas in `defaults`. The class's
    own `__init__` and `step` are not run: the first call of either imports
    `torch._dynamo`, about a second of every run's start-up, for nothing a schedule uses.
    """

    def __init__(self, groups: list[dict], defaults: dict) -> None:
        self.defaults = defaults
        self.param_groups = groups
        self.state: dict = {}

    def step(self, closure: object = None) -> None:
        """Nothing to move (it tells the scheduler that the optimizer stepped)."""

    def state_dict(self) -> dict:
        """The groups' settings (a shard's copy of the schedule loads them)."""
        return {"param_groups": copy.deepcopy(self.param_groups)}

    def load_state_dict(self, state: dict) -> None:
        """Settings from `state_dict`, written into the group dicts the scheduler holds."""
        for group, saved in zip(self.param_groups, state["param_groups"]):
            group.clear()
            group.update(copy.deepcopy(saved))


class _SGDGroups(_ScheduledGroups, torch.optim.SGD):
    pass


class _AdamGroups(_ScheduledGroups, torch.optim.Adam):  # AdamW's members too: the schedules treat both alike
    pass


def _stand_in(configs: Sequence[Config]) -> torch.optim.Optimizer:
    """Groups of the members' optimizer class, one per member with its settings."""
    optimizer = configs[0].optimizer
    if optimizer.name == "sgd":
        groups = [{"lr": config.optimizer.lr, "momentum": config.optimizer.momentum} for config in configs]
        return _SGDGroups(groups, {"lr": optimizer.lr, "momentum": optimizer.momentum})
    groups = [{"lr": config.optimizer.lr, "betas": tuple(optimizer.betas)} for config in configs]
    return _AdamGroups(groups, {"lr": optimizer.lr, "betas": tuple(optimizer.betas), "eps": optimizer.eps})


def _scheduler_key(config: Config) -> str:
    """Members with equal keys share one scheduler: the schedule section, and for onecycle
    whether momentum cycles (the single run cycles it for SGD with momentum > 0)."""
    cycles = config.optimizer.name == "sgd" and config.optimizer.momentum > 0
    return json.dumps([config.schedule.model_dump(), cycles if config.schedule.name == "onecycle" else None], sort_keys=True, default=str)


class _Scheduler:
    """One stand-in optimizer and its scheduler, for the members that share schedule settings."""

    def __init__(self, configs: Sequence[Config], epochs: int, steps_per_epoch: int) -> None:
        self.optimizer = _stand_in(configs)
        lrs = [config.optimizer.lr for config in configs]
        # onecycle's max_lr defaults to each member's own lr (a list: one per parameter group)
        self.scheduler, self.per_step = build_schedule(self.optimizer, configs[0].schedule, lrs, epochs, steps_per_epoch)  # type: ignore[arg-type]
        # The stand-in's step moves nothing; it tells the scheduler the optimizer has stepped
        # (else PyTorch warns that the order of the two calls is wrong).
        self.optimizer.step()
        self.cycles_momentum = bool(getattr(self.scheduler, "cycle_momentum", False))

    def step(self) -> None:
        if self.scheduler is not None:
            self.scheduler.step()


class MemberSchedule:
    """Per-step (K,) learning rates (and momenta, when scheduled) of a population.

    Args:
        configs: the members' configs (`optimizer.*` and `schedule.*` are read).
        epochs: epochs of the run (cosine and onecycle span epochs × steps_per_epoch steps).
        steps_per_epoch: optimizer steps per epoch.
        device: where the tables are used.

    Attributes:
        momenta: after `epoch_table`, the epoch's (steps + 1, K) SGD momentum table, or
            None when no member's momentum is scheduled.

    Example:
        >>> schedule = MemberSchedule(configs, epochs=4, steps_per_epoch=10, device=cpu)
        >>> lrs = schedule.epoch_table()      # (11, K): lr of each step, then the epoch's `lr` metric
        >>> schedule.momenta                  # (11, K) with onecycle and SGD momentum, else None
    """

    def __init__(self, configs: Sequence[Config], epochs: int, steps_per_epoch: int, device: torch.device) -> None:
        self.arguments = (list(configs), epochs, steps_per_epoch, device)
        self.device = device
        self.steps_per_epoch = steps_per_epoch
        self.sgd = configs[0].optimizer.name == "sgd"
        by_key: dict[str, list[int]] = {}
        for member, config in enumerate(configs):
            by_key.setdefault(_scheduler_key(config), []).append(member)
        self.schedulers: list[_Scheduler] = []
        self.slots: list[tuple[int, int]] = [(0, 0)] * len(configs)  # member -> (scheduler, parameter group)
        for members in by_key.values():
            for group, member in enumerate(members):
                self.slots[member] = (len(self.schedulers), group)
            self.schedulers.append(_Scheduler([configs[member] for member in members], epochs, steps_per_epoch))
        self.cycles_momentum = any(scheduler.cycles_momentum for scheduler in self.schedulers)
        self.per_step = self.schedulers[0].per_step
        self.keep: list[int] = list(range(len(configs)))
        self.momenta: torch.Tensor | None = None

    def _group(self, member: int) -> dict:
        scheduler, group = self.slots[member]
        return self.schedulers[scheduler].optimizer.param_groups[group]

    def _current(self, groups: list[dict]) -> tuple[list[float], list[float]]:
        momenta = [group["momentum"] if self.sgd else group["betas"][0] for group in groups] if self.cycles_momentum else []
        return [group["lr"] for group in groups], momenta

    def _step(self) -> None:
        for scheduler in self.schedulers:
            scheduler.step()

    def epoch_table(self) -> torch.Tensor:
        """(steps + 1, K): row s is the lr of step s; the last row is the epoch's `lr` metric.

        Advances PyTorch's schedulers through the epoch, step by step or once, and
        sets `momenta` alike.
        """
        rows: list[list[float]] = []
        momenta: list[list[float]] = []
        groups = [self._group(member) for member in self.keep]  # the schedulers update these dicts in place
        if self.per_step:
            for _ in range(self.steps_per_epoch + 1):
                lrs, betas = self._current(groups)
                rows.append(lrs)
                momenta.append(betas)
                if len(rows) <= self.steps_per_epoch:
                    self._step()
        else:
            lrs, betas = self._current(groups)
            rows, momenta = [lrs] * (self.steps_per_epoch + 1), [betas] * (self.steps_per_epoch + 1)
            self._step()
        self.momenta = torch.tensor(momenta, dtype=torch.float32, device=self.device) if self.cycles_momentum else None
        return torch.tensor(rows, dtype=torch.float32, device=self.device)

    def __deepcopy__(self, memo: dict) -> "MemberSchedule":
        """An independent copy at the same point of the schedule (a population's shard gets one).

        Built anew and loaded from the state dicts: a deep-copied scheduler would hold a
        copy of the optimizer whose `step` PyTorch no longer recognises as wrapped.
        """
        copy = MemberSchedule(*self.arguments)
        for mine, theirs in zip(self.schedulers, copy.schedulers):
            theirs.optimizer.load_state_dict(mine.optimizer.state_dict())
            if mine.scheduler is not None:
                theirs.scheduler.load_state_dict(mine.scheduler.state_dict())
        copy.keep = list(self.keep)
        copy.momenta = self.momenta
        return copy

    def absorb(self, others: Sequence["MemberSchedule"]) -> None:
        """Take over the members of `others` (copies of this schedule at the same step)."""
        self.keep = self.keep + [member for other in others for member in other.keep]

    def select(self, keep: Sequence[int]) -> None:
        """Follow only the members at positions `keep` (of the current members)."""
        self.keep = [self.keep[position] for position in keep]
