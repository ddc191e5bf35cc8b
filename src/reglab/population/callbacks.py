"""A user's callbacks in a population: every event of a single run, fired once per member.

The same `Callback` objects a single run takes (`reglab.train(callbacks=...)`) take a
population (`train_population(callbacks=...)`). Each record names its member
(`record.member`, its index among the population's configs) and carries what a
callback of a single run reads from the model and optimizer:

| event        | record                                                              |
|--------------|---------------------------------------------------------------------|
| fit_start    | FitRecord: member, config, run_id, run_dir, weights (the initial)   |
| epoch_start  | EpochRecord: member, epoch, weights                                 |
| step_end     | StepRecord: member, the member's loss of the step, weights, optimizer_state |
| eval_end     | EpochRecord: member, the epoch's metrics, history, weights, optimizer_state |
| epoch_end    | the same; a returned `Stop` ends this member only                   |
| fit_end      | FitRecord: member, history, stop, weights (what the member ends with) |

`weights` and `optimizer_state` are views of the member's row of the stacked tensors,
named as the single-run model's state dict (and `<param>.<state>` for the optimizer,
e.g. `head.weight.momentum_buffer`), valid during the call: copy what you keep.
`model` is the member as an ordinary `nn.Module` whose parameters and buffers are those
same views (`MemberModules`): call it, read `named_parameters()`, or change a weight in
place and the member trains on with the change. At `fit_end` it is the module the member
ends with (`Run.model`). `optimizer` is None: the optimizer is one stacked update for all
members (its state is `optimizer_state`).
Metrics a callback returns join the member's epoch row, and `fit_end` entries its
summary, as in a single run. A population without callbacks does none of this work.

A callback that holds one run's state (`Callback.one_run`: early stopping, restore-best,
measures, robustness, tracking sinks) is copied for every member after the first, so
members never share it; the object you pass follows the first member, as in its single
run, and each member's results are in its summary.

Units a member's own config builds run here too when they read only records
(`Callback.record_only`): each member's units get that member's records only, after
the config's units and before the user's, ordered by `kind`, exactly as in its single run.
"""

from __future__ import annotations

import copy
from typing import Any, Iterable, Mapping, Sequence

import torch

from reglab.contract.batches import batch_starts
from reglab.contract.events import KIND_ORDER, Callback, EpochRecord, FitRecord, StepRecord, Stop, frozen

__all__ = ["MemberCallbacks", "MemberModules", "member_data", "member_weights", "member_optimizer_state"]


def member_weights(params: Mapping[str, torch.Tensor], buffers: Mapping[str, torch.Tensor], row: int) -> dict[str, torch.Tensor]:
    """Row `row` of every stacked parameter and buffer: views, under the single-run names."""
    weights = {name: tensor[row].detach() for name, tensor in params.items()}
    weights.update({name: tensor[row] for name, tensor in buffers.items()})
    return weights


def member_data(state: Any, member: int) -> Any:
    """Member `member`'s data splits (its single run's `record.data`), or None when the
    population was given one shared DataSplits."""
    return state.data.member_splits[member] if state.data.member_splits else None


def steps_per_epoch(state: Any) -> int:
    """Optimizer steps in one epoch of the population (every epoch has the same batches)."""
    return len(batch_starts(state.data.train_x.count, state.batch_size))


def member_optimizer_state(optimizer: Any, row: int, hyper: Any = None) -> dict[str, torch.Tensor]:
    """Row `row` of the stacked optimizer's state (`<param>.<key>` -> view), its step count and
    the learning rate (`lr`) and momentum (`momentum`, SGD's or a scheduled β₁) of its last step."""
    state = {f"{name}.{key}": tensor[row] for name, entries in optimizer.state.items() for key, tensor in entries.items()}
    state["step"] = torch.tensor(float(optimizer.steps))
    if optimizer.last_lr is not None and optimizer.last_lr.shape[0] > row:
        state["lr"] = optimizer.last_lr[row]
    momentum = optimizer.last_momentum if optimizer.last_momentum is not None else getattr(hyper, "momentum", None)
    if momentum is not None and momentum.shape[0] > row:
        state["momentum"] = momentum[row]
    return state


class MemberModules:
    """Each member as an ordinary `nn.Module` whose tensors are views of its stacked rows.

    A member's module is a copy of its template (the model its single run builds), made
    the first time a record asks for it; its parameters and buffers are re-pointed at
    the member's row only when that row or the stacked tensors changed (a member left
    the population, shards split or merged), so a record costs nothing per step otherwise.
    Re-pointing keeps the module's `Parameter` objects (their `.data` moves), so a callback
    that kept `model.parameters()` at fit start reads the member's current weights.

    Args:
        templates: member index -> the member's model (architecture and names).
    """

    def __init__(self, templates: Sequence[torch.nn.Module]) -> None:
        self.templates = list(templates)
        self.modules: dict[int, torch.nn.Module] = {}
        self.bound: dict[int, tuple[Any, ...]] = {}

    def of(self, member: int, params: Mapping[str, torch.Tensor], buffers: Mapping[str, torch.Tensor], row: int) -> torch.nn.Module:
        """Member `member`'s module, viewing row `row` of `params` and `buffers`."""
        module = self.modules.get(member)
        if module is None:
            module = self.modules[member] = copy.deepcopy(self.templates[member])
        key = (row, *params.values(), *buffers.values())
        last = self.bound.get(member)
        if last is None or last[0] != row or len(last) != len(key) or any(a is not b for a, b in zip(last[1:], key[1:])):
            with torch.no_grad():
                for name, view in member_weights(params, buffers, row).items():
                    target = module.get_parameter(name) if name in params else module.get_buffer(name)
                    target.data = view
            self.bound[member] = key
        return module

    @staticmethod
    def attach_gradients(module: torch.nn.Module, gradients: Mapping[str, torch.Tensor] | None, row: int) -> None:
        """`.grad` of each parameter: row `row` of the step's stacked gradients (None: cleared)."""
        for name, parameter in module.named_parameters():
            parameter.grad = gradients[name][row] if gradients is not None and name in gradients else None

    def release(self, member: int) -> None:
        """Forget a finished member's module, so its views no longer hold the stacked tensors."""
        self.modules.pop(member, None)
        self.bound.pop(member, None)


def _member_copies(callbacks: Sequence[Callback], first: bool) -> list[Callback]:
    """`callbacks` for one member: the objects themselves, except that a member after the first
    gets its own copy of each `one_run` callback (copied together, so that links between them
    hold, as `RestoreBest` → its `EarlyStopping`; the others are never copied)."""
    one_run = [callback for callback in callbacks if callback.one_run]
    if first or not one_run:
        return list(callbacks)
    memo = {id(callback): callback for callback in callbacks if not callback.one_run}
    copies = dict(zip(map(id, one_run), copy.deepcopy(one_run, memo)))
    return [copies.get(id(callback), callback) for callback in callbacks]


class MemberCallbacks:
    """Fires the single run's events for each member of a population.

    Args:
        callbacks: the user's `Callback` objects, fired for every member.
        own: each member's own `record_only` units (member index -> units), fired for it only.
        templates: each member's model, for `record.model` (`MemberModules`).
    """

    def __init__(
        self,
        callbacks: Iterable[Callback] = (),
        own: Mapping[int, Sequence[Callback]] | None = None,
        templates: Sequence[torch.nn.Module] = (),
    ) -> None:
        shared = list(callbacks)
        self.modules = MemberModules(templates)
        own = own or {}
        self.own = {member: list(units) for member, units in own.items()}
        # per member: its config's units, then the user's, in the order of their kind (stable)
        self.by_member = {
            member: sorted([*units, *_member_copies(shared, member == min(own))], key=lambda callback: KIND_ORDER[callback.kind])
            for member, units in own.items()
        }
        self.shared = sorted(shared, key=lambda callback: KIND_ORDER[callback.kind])
        self.step_callbacks = any(callback.step_every for callback in [*shared, *(unit for units in own.values() for unit in units)])
        self.active = bool(shared) or any(own.values())

    def __bool__(self) -> bool:
        return self.active

    def of(self, member: int) -> list[Callback]:
        """The callbacks member `member` fires, in order."""
        return self.by_member.get(member, self.shared)

    def module(self, state: Any, row: int) -> torch.nn.Module | None:
        """The member at `row` as a module viewing its rows (None without templates)."""
        if not self.modules.templates:
            return None
        return self.modules.of(state.members[row], state.params, state.buffers, row)

    def fit_start(self, state: Any, row: int, config: Any, data: Any, run_id: str | None, run_dir) -> None:
        member = state.members[row]
        weights = member_weights(state.params, state.buffers, row)
        record = FitRecord(self.module(state, row), None, config, data, run_id=run_id, run_dir=run_dir, member=member, weights=weights)
        for callback in self.of(member):
            callback.on_fit_start(record)

    def epoch_start(self, state: Any, epoch: int, history: Mapping[int, list]) -> None:
        step = (epoch - 1) * steps_per_epoch(state)
        for row, member in enumerate(state.members):
            record = EpochRecord(epoch, step, self.module(state, row), None, history=history[member], data=member_data(state, member),
                                 member=member, weights=member_weights(state.params, state.buffers, row))
            for callback in self.of(member):
                callback.on_epoch_start(record)

    def step_end(
        self, state: Any, epoch: int, batch_index: int, batches: int, losses: torch.Tensor, gradients: Mapping[str, torch.Tensor]
    ) -> None:
        """After the optimizer step: each `step_every` callback, for each member, at its steps;
        the member's module carries the step's gradients (what the optimizer used) as `.grad`."""
        step = (epoch - 1) * batches + batch_index + 1  # the run's steps (a lottery round restarts the optimizer's)
        for row, member in enumerate(state.members):
            due = [callback for callback in self.of(member) if callback.step_every and step % callback.step_every == 0]
            if not due:
                continue
            module = self.module(state, row)
            if module is not None:
                self.modules.attach_gradients(module, gradients, row)
            record = StepRecord(epoch, step, batch_index + 1, batches, module, None, losses[row].detach(), member,
                                member_weights(state.params, state.buffers, row), member_optimizer_state(state.optimizer, row, state.hyper))
            for callback in due:
                callback.on_step_end(record)
            if module is not None:
                self.modules.attach_gradients(module, None, row)

    def epoch_end(self, state: Any, row: int, epoch: int, metrics: dict[str, float], history: list) -> Stop | None:
        """eval_end then epoch_end for the member at `row`; their metrics join `metrics`. Its
        module carries the epoch's last step's gradients as `.grad` during the calls."""
        member = state.members[row]
        data = member_data(state, member)
        weights = member_weights(state.params, state.buffers, row)
        optimizer_state = member_optimizer_state(state.optimizer, row, state.hyper)
        step = epoch * steps_per_epoch(state)
        module = self.module(state, row)
        if module is not None:
            self.modules.attach_gradients(module, state.last_gradients, row)
        try:
            return self._epoch_end(member, module, epoch, step, metrics, history, data, weights, optimizer_state)
        finally:
            if module is not None:
                self.modules.attach_gradients(module, None, row)

    def _epoch_end(self, member: int, module, epoch: int, step: int, metrics: dict[str, float], history: list, data, weights,
                   optimizer_state) -> Stop | None:
        def record() -> EpochRecord:
            return EpochRecord(epoch, step, module, None, frozen(metrics), history, data, member, weights, optimizer_state)

        callbacks = self.of(member)
        for callback in callbacks:
            extra = callback.on_eval_end(record())
            if extra:
                metrics.update(extra)
        stop: Stop | None = None
        for callback in callbacks:
            result = callback.on_epoch_end(record())
            if isinstance(result, Stop):
                stop = stop or result
                metrics.update(result.metrics)
            elif result:
                metrics.update(result)
        return stop

    def fit_end(
        self, member: int, model: torch.nn.Module, config: Any, data: Any, history: list, stop: Stop | None, weights, run_id, run_dir
    ) -> dict[str, Any]:
        """The entries the callbacks add to the member's summary; `model` holds what it ends with."""
        self.modules.release(member)  # its record holds `model`, the module it ends with
        record = FitRecord(model, None, config, data, len(history), history, stop, run_id, run_dir, member, weights)
        summary: dict[str, Any] = {}
        for callback in self.of(member):
            extra = callback.on_fit_end(record)
            if extra:
                summary.update(extra)
        return summary
