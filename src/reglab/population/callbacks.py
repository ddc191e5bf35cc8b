"""A user's callbacks in a population: every event of a single run, fired once per member.

The same `Callback` objects a single run takes (`reglab.train(callbacks=...)`) take a
population (`train_population(callbacks=...)`). Each record names its member
(`record.member`, its index among the population's configs) and carries what a
callback of a single run reads from the model and optimizer:

| event        | record                                                              |
|--------------|---------------------------------------------------------------------|
| fit_start    | FitRecord: member, config, run_id, run_dir, weights (the initial)   |
| epoch_start  | EpochRecord: member, epoch, weights                                 |
| step_end     | StepRecord: member, the member's loss of the step, weights          |
| eval_end     | EpochRecord: member, the epoch's metrics, history, weights, optimizer_state |
| epoch_end    | the same; a returned `Stop` ends this member only                   |
| fit_end      | FitRecord: member, history, stop, weights (what the member ends with) |

`weights` and `optimizer_state` are views of the member's row of the stacked tensors,
named as the single-run model's state dict (and `<param>.<state>` for the optimizer,
e.g. `head.weight.momentum_buffer`), valid during the call: copy what you keep.
Metrics a callback returns join the member's epoch row, and `fit_end` entries its
summary, as in a single run. A population without callbacks does none of this work.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import torch

from reglab.contract.events import KIND_ORDER, Callback, EpochRecord, FitRecord, StepRecord, Stop, frozen

__all__ = ["MemberCallbacks", "member_weights", "member_optimizer_state"]


def member_weights(params: Mapping[str, torch.Tensor], buffers: Mapping[str, torch.Tensor], row: int) -> dict[str, torch.Tensor]:
    """Row `row` of every stacked parameter and buffer: views, under the single-run names."""
    weights = {name: tensor[row].detach() for name, tensor in params.items()}
    weights.update({name: tensor[row] for name, tensor in buffers.items()})
    return weights


def member_optimizer_state(optimizer: Any, row: int) -> dict[str, torch.Tensor]:
    """Row `row` of the stacked optimizer's state (`<param>.<key>` -> view) and its step count."""
    state = {f"{name}.{key}": tensor[row] for name, entries in optimizer.state.items() for key, tensor in entries.items()}
    state["step"] = torch.tensor(float(optimizer.steps))
    return state


class MemberCallbacks:
    """Fires the single run's events for each member of a population.

    Args:
        callbacks: `Callback` objects, run in the order of their `kind` (as a single run).
    """

    def __init__(self, callbacks: Iterable[Callback] = ()) -> None:
        self.callbacks = sorted(callbacks, key=lambda callback: KIND_ORDER[callback.kind])
        self.step_callbacks = [callback for callback in self.callbacks if callback.step_every]

    def __bool__(self) -> bool:
        return bool(self.callbacks)

    def fit_start(self, member: int, config: Any, data: Any, weights, run_id: str | None, run_dir) -> None:
        record = FitRecord(None, None, config, data, run_id=run_id, run_dir=run_dir, member=member, weights=weights)
        for callback in self.callbacks:
            callback.on_fit_start(record)

    def epoch_start(self, state: Any, epoch: int, history: Mapping[int, list]) -> None:
        step = state.optimizer.steps
        for row, member in enumerate(state.members):
            record = EpochRecord(epoch, step, None, None, history=history[member], member=member,
                                 weights=member_weights(state.params, state.buffers, row))
            for callback in self.callbacks:
                callback.on_epoch_start(record)

    def step_end(self, state: Any, epoch: int, batch_index: int, batches: int, losses: torch.Tensor) -> None:
        """After the optimizer step: each `step_every` callback, for each member, at its steps."""
        step = state.optimizer.steps
        due = [callback for callback in self.step_callbacks if step % callback.step_every == 0]
        for row, member in enumerate(state.members if due else ()):
            record = StepRecord(epoch, step, batch_index + 1, batches, None, None, losses[row].detach(), member,
                                member_weights(state.params, state.buffers, row))
            for callback in due:
                callback.on_step_end(record)

    def epoch_end(self, state: Any, row: int, epoch: int, metrics: dict[str, float], history: list) -> Stop | None:
        """eval_end then epoch_end for the member at `row`; their metrics join `metrics`."""
        member = state.members[row]
        weights = member_weights(state.params, state.buffers, row)
        optimizer_state = member_optimizer_state(state.optimizer, row)
        step = state.optimizer.steps

        def record() -> EpochRecord:
            return EpochRecord(epoch, step, None, None, frozen(metrics), history, None, member, weights, optimizer_state)

        for callback in self.callbacks:
            extra = callback.on_eval_end(record())
            if extra:
                metrics.update(extra)
        stop: Stop | None = None
        for callback in self.callbacks:
            result = callback.on_epoch_end(record())
            if isinstance(result, Stop):
                stop = stop or result
                metrics.update(result.metrics)
            elif result:
                metrics.update(result)
        return stop

    def fit_end(self, member: int, config: Any, data: Any, history: list, stop: Stop | None, weights, run_id, run_dir) -> dict[str, Any]:
        """The entries the callbacks add to the member's summary."""
        record = FitRecord(None, None, config, data, len(history), history, stop, run_id, run_dir, member, weights)
        summary: dict[str, Any] = {}
        for callback in self.callbacks:
            extra = callback.on_fit_end(record)
            if extra:
                summary.update(extra)
        return summary
