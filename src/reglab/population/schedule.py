"""Each member's learning rate at every step, from PyTorch's own schedulers.

A single run steps a `torch.optim.lr_scheduler` (`reglab.engine.optim.build_schedule`)
on its optimizer. Here one stand-in optimizer holds one parameter group per member
(its lr), and the same scheduler is built on it; at each epoch start the lrs of the
epoch's steps are read into a (steps + 1, K) device tensor, so a step only indexes
it. The values are PyTorch's, bit for bit, for `none`, `step` and `cosine`
(`onecycle` also cycles momentum and is left to the sequential backend).
"""

from __future__ import annotations

from typing import Sequence

import torch

from reglab.config import ScheduleConfig
from reglab.engine.optim import build_schedule

__all__ = ["MemberSchedule"]


class MemberSchedule:
    """Per-step (K,) learning rates of a population.

    Args:
        base_lrs: each member's `optimizer.lr`.
        config: the shared `schedule` section.
        epochs: epochs of the run (cosine spans epochs × steps_per_epoch steps).
        steps_per_epoch: optimizer steps per epoch.
        device: where the lrs are used.

    Example:
        >>> schedule = MemberSchedule([0.1, 0.01], ScheduleConfig(name="step", step_size=2), 4, 10, cpu)
        >>> table = schedule.epoch_table()      # (11, 2): lr of each step, then the epoch's `lr` metric
    """

    def __init__(self, base_lrs: Sequence[float], config: ScheduleConfig, epochs: int, steps_per_epoch: int, device: torch.device) -> None:
        if config.name == "onecycle":
            raise ValueError("schedule onecycle is not supported by the population engine")
        self.arguments = (list(base_lrs), config, epochs, steps_per_epoch, device)
        self.device = device
        self.steps_per_epoch = steps_per_epoch
        holders = [torch.zeros(0, requires_grad=True) for _ in base_lrs]
        self.optimizer = torch.optim.SGD([{"params": [holder], "lr": lr} for holder, lr in zip(holders, base_lrs)], lr=base_lrs[0])
        self.scheduler, self.per_step = build_schedule(self.optimizer, config, base_lrs[0], epochs, steps_per_epoch)
        # The stand-in has no gradients, so this step changes nothing; it tells the scheduler the
        # optimizer has stepped (else PyTorch warns that the order of the two calls is wrong).
        self.optimizer.step()
        self.keep: list[int] = list(range(len(base_lrs)))

    def _current(self) -> list[float]:
        return [self.optimizer.param_groups[member]["lr"] for member in self.keep]

    def epoch_table(self) -> torch.Tensor:
        """(steps + 1, K): row s is the lr of step s; the last row is the epoch's `lr` metric.

        Advances the scheduler through the epoch (as the single-run loop does).
        """
        rows = []
        if self.scheduler is not None and self.per_step:
            for _ in range(self.steps_per_epoch):
                rows.append(self._current())
                self.scheduler.step()
            rows.append(self._current())
        else:
            rows = [self._current()] * (self.steps_per_epoch + 1)
            if self.scheduler is not None:
                self.scheduler.step()
        return torch.tensor(rows, dtype=torch.float32, device=self.device)

    def __deepcopy__(self, memo: dict) -> "MemberSchedule":
        """An independent copy at the same point of the schedule (a population's shard gets one).

        Built anew and loaded from the state dicts: a deep-copied scheduler would hold a
        copy of the optimizer whose `step` PyTorch no longer recognises as wrapped.
        """
        copy = MemberSchedule(*self.arguments)
        copy.optimizer.load_state_dict(self.optimizer.state_dict())
        if self.scheduler is not None:
            copy.scheduler.load_state_dict(self.scheduler.state_dict())
        copy.keep = list(self.keep)
        return copy

    def absorb(self, others: Sequence["MemberSchedule"]) -> None:
        """Take over the members of `others` (copies of this schedule at the same step)."""
        self.keep = self.keep + [member for other in others for member in other.keep]

    def select(self, keep: Sequence[int]) -> None:
        """Follow only the members at positions `keep` (of the current members)."""
        self.keep = [self.keep[position] for position in keep]
