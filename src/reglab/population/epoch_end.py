"""The end of a population epoch, member by member: the single run's metric keys, divergence,
early stopping (the single run's own `EarlyStopping` object, fed this member's metrics)
and, for members that are done, recording and removal from the stacked tensors.

Host-side bookkeeping on fetched floats (see `reglab.population.loop._fetch`); it runs
on the calling thread, shard after shard.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy

from reglab.contract.events import EpochRecord, Stop, frozen
from reglab.contract.units import MemberEpochEnd
from reglab.population.stacked import unstack_state
from reglab.population.state import PopulationState

__all__ = ["EpochSink", "MemberEnd", "member_metrics", "record_epoch"]

# (original member index, epoch metrics) -> None, a Stop that ends this member, or a function
# returning one, called once every member of the shard has reported the epoch (Optuna pruning)
EpochSink = Callable[[int, dict[str, float]], "Stop | Callable[[], Stop | None] | None"]
# (original member index, history, stop or None, state dict, row of the member) -> None
MemberEnd = Callable[[int, list[dict[str, float]], Stop | None, PopulationState, int], None]


def member_metrics(state: PopulationState, fetched, position: int, lr: float, seconds: float, epoch: int) -> dict[str, float]:
    """The keys a single run records for this member (see `reglab.engine.accumulate.EpochTotals`)."""
    train_count = state.data.train_x.count
    data_loss = fetched["train/loss"][position][0] / train_count
    metrics = {"train/loss": data_loss, "loss/data": data_loss}
    if state.objective.correct is not None:
        metrics["train/acc"] = fetched["train/correct"][position][0] / train_count
    penalty_total = 0.0
    for name in sorted(state.units.emitted(position)):
        value = fetched[f"loss/{name}"][position][0]
        metrics[f"loss/{name}"] = value
        penalty_total += value
    metrics["loss/total"] = data_loss + penalty_total
    metrics["train/loss_sum"] = fetched["train/loss"][position][0]
    for split in ("val", "test"):
        count = getattr(state.data, f"{split}_x").count
        if count:
            metrics[f"{split}/loss"] = fetched[f"{split}/loss"][position][0] / count
            if state.objective.correct is not None:
                metrics[f"{split}/acc"] = fetched[f"{split}/correct"][position][0] / count
    metrics["lr"] = lr
    metrics["time/epoch"] = seconds
    metrics["epoch"] = epoch
    return metrics


def float32_value(value: float) -> float:
    """A float32 quantity (the step's learning rate) as the shortest decimal float32 reads back
    as the same number: `lr: 0.005` is recorded as 0.005, not 0.004999999888241291."""
    return float(str(numpy.float32(value)))


def record_epoch(
    state: PopulationState,
    fetched: dict[str, list[list[float]]],
    seconds: float,
    epoch: int,
    histories: dict[int, list[dict[str, float]]],
    on_epoch: EpochSink,
    on_member_end: MemberEnd,
) -> bool:
    """Each member's metrics, stopping and end of training; False once every member of `state` finished."""
    finished: list[tuple[int, Stop | None]] = []
    deferred: list[tuple[int, Stop | None, Callable[[], Stop | None]]] = []
    for position, member in enumerate(state.members):
        config = state.configs[member]
        metrics = member_metrics(state, fetched, position, float32_value(fetched["lr"][position][0]), seconds, epoch)
        stop = None
        if config.early_stopping.stop_on_divergence and not math.isfinite(metrics["loss/total"]):
            stop = Stop("the training loss became non-finite", status="diverged", criterion="divergence")
        # EMA / SWA, L1's zeros, pruning and the trajectory add their keys before the stopper reads them
        state.units.epoch_metrics(MemberEpochEnd(state, fetched, position, member, epoch, histories[member], metrics))
        stopper = state.techniques[member].stopper
        if stopper is not None:
            # The single run's EarlyStopping object itself, fed this member's metrics.
            weights = unstack_state(state.params, state.buffers, position) if stopper.keep_best else None
            record = EpochRecord(epoch, 0, None, None, frozen(metrics), histories[member], member=member, weights=weights)
            result = stopper.on_epoch_end(record)
            if isinstance(result, Stop):
                stop = stop or result
                metrics.update(result.metrics)
            elif result:
                metrics.update(result)
        if state.callbacks:
            asked = state.callbacks.epoch_end(state, position, epoch, metrics, histories[member])
            stop = stop or asked
        histories[member].append(metrics)
        asked = on_epoch(member, metrics)
        if callable(asked):  # decided once every member has reported this epoch (Optuna pruning)
            deferred.append((position, stop, asked))
            continue
        stop = stop or (asked if isinstance(asked, Stop) else None)
        if stop is not None or epoch == state.epochs:
            finished.append((position, stop))
    for position, stop, decide in deferred:
        asked = decide()
        stop = stop or (asked if isinstance(asked, Stop) else None)
        if stop is not None or epoch == state.epochs:
            finished.append((position, stop))
    finished.sort(key=lambda item: item[0])
    for position, stop in finished:
        on_member_end(state.members[position], histories[state.members[position]], stop, state, position)
    if len(finished) == state.size:
        return False
    if finished:
        done = {position for position, _ in finished}
        state.keep([position for position in range(state.size) if position not in done])
    return True
