"""The training loop of every run: K ≥ 1 members at once (a single run is K = 1).

    for each epoch:
        for each batch (index slices of tensors on the device; shared or per member):
            forward all members → each member's mean data loss, loss transforms, + loss terms
            → backward of the SUM over members → gradient transforms
            → stacked optimizer step → weight transforms
        evaluate val and test of every member → ONE host sync for all metrics
        per member: the single run's metric keys, divergence, early stopping
        finished members are recorded and dropped from the stacked tensors

No Python loop over members runs inside a step; the per-member work at epoch end
is bookkeeping on host floats. A population split into shards (see
`reglab.population.shards`) runs each phase of an epoch, training then evaluation,
on all shards at once; the bookkeeping and the sinks stay on the calling thread.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Callable, Sequence

import torch

from reglab.contract.batches import batch_starts
from reglab.population.cancel import stop_if_cancelled
from reglab.population.epoch_end import EpochSink, MemberEnd, record_epoch
from reglab.population.shards import ShardThreads, rebalance
from reglab.population.state import PopulationState
from reglab.contract.units import MemberStep

__all__ = ["fit_population", "MemberEnd"]

def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _forward_loss(state: PopulationState, step: MemberStep, inputs, labels, shared: bool):
    """(K, B, out) outputs, (K,) data losses, (K,) loss terms by name and the (K,) losses to differentiate.

    The data loss goes through the loss transforms (flooding), then the loss terms are added."""
    step.hidden = [] if state.units.reads_hidden else None  # the hidden outputs, for activity penalties
    outputs = state.forward(state.params, state.buffers, inputs, state.dropout, True, shared, state.generators, step.hidden)
    data_loss = state.objective.loss(outputs, labels)
    total = data_loss
    for unit in state.units.of("loss_transform"):
        total = unit.transform_loss(total, step)
    terms: dict[str, torch.Tensor] = {}
    for unit in state.units.of("loss_term"):
        terms.update(unit.loss_terms(step))
    step.hidden = None  # no graph outlives its step
    total = total + sum(terms.values()) if terms else total
    return outputs, data_loss, terms, total


def _gradients(state: PopulationState, step: MemberStep, total: torch.Tensor, transforms: int) -> dict[str, torch.Tensor]:
    """∇ Σ_k loss_k of every stacked parameter (each member's gradient is that of its own
    mean loss), through the first `transforms` gradient transforms of the step."""
    names = list(state.params)
    gradients = dict(zip(names, torch.autograd.grad(total.sum(), [state.params[name] for name in names])))
    for position, unit in enumerate(state.units.of("gradient_transform")[:transforms]):
        if unit.regradients:  # a second pass through the transforms before this one (SAM)
            step.regradient = partial(_regradient, state, step, position)
        gradients = unit.transform_gradients(gradients, step) or gradients
    return gradients


def _regradient(state: PopulationState, step: MemberStep, transforms: int) -> dict[str, torch.Tensor]:
    """The step's gradients again at the current weights (SAM's second pass)."""
    inputs, targets, shared = step.batch
    return _gradients(state, step, _forward_loss(state, step, inputs, targets, shared)[3], transforms)


def _evaluation_forward(state: PopulationState, inputs: torch.Tensor) -> torch.Tensor:
    """Every member's outputs for its own inputs (K, B, ...), in evaluation mode."""
    return state.forward(state.params, state.buffers, inputs, state.dropout, False, False)


def _train_epoch(state: PopulationState, lrs: torch.Tensor) -> dict[str, torch.Tensor]:
    """One pass over the training set; device sums per member."""
    count = state.data.train_x.count
    starts = batch_starts(count, state.batch_size)
    order = state.order.epoch()
    loss_sum = torch.zeros(state.size, device=state.device)
    correct = torch.zeros(state.size, device=state.device)
    term_sums: dict[str, torch.Tensor] = {}
    batch_transforms = state.units.of("batch_transform")
    shared = state.shared_inputs and not batch_transforms  # transformed batches differ per member
    momenta = state.schedule.momenta  # (steps + 1, K) under a momentum schedule (onecycle), else None
    transforms = len(state.units.of("gradient_transform"))
    evaluate = partial(_evaluation_forward, state)
    generators = state.generators or [None] * state.size
    for index, start in enumerate(starts):
        stop_if_cancelled()
        positions = order[..., start : start + state.batch_size]
        inputs, labels = state.data.train_x.rows(positions), state.data.train_y.rows(positions)
        step = MemberStep(
            state.params, state.buffers, state.hyper, positions.shape[-1], index, len(starts), state.members, lrs[index],
            shared=state.shared_inputs, generators=generators, evaluate=evaluate,
        )
        targets = labels
        for unit in batch_transforms:
            inputs, targets = unit.transform_batch(inputs, targets, step)
            step.shared = False
        step.batch = (inputs, targets, shared)
        outputs, data_loss, terms, total = _forward_loss(state, step, inputs, targets, shared)
        step.gradients = _gradients(state, step, total, transforms)
        state.optimizer.step(step.gradients, lrs[index], state.hyper, None if momenta is None else momenta[index])
        for unit in state.units.of("weight_transform"):
            unit.transform_weights(step)
        if state.callbacks.step_callbacks:
            state.callbacks.step_end(state, state.epoch, index, len(starts), total, step.gradients)
        with torch.no_grad():
            loss_sum += data_loss.detach() * step.batch_size
            if state.objective.correct is not None:
                correct += state.objective.correct(outputs.detach(), labels)
            for name, term in terms.items():
                term_sums[name] = term_sums[name] + term.detach() if name in term_sums else term.detach().clone()
    if state.callbacks:  # the epoch's last gradients, for the members' modules at epoch end (`.grad`)
        state.last_gradients = step.gradients
    sums = {"train/loss": loss_sum, "train/correct": correct}
    sums.update({f"loss/{name}": total / len(starts) for name, total in term_sums.items()})
    return sums


def _fetch(quantities: dict[str, torch.Tensor]) -> dict[str, list[list[float]]]:
    """ONE host sync: each (K,) or (rows, K) tensor -> per member, its list of rows."""
    names = list(quantities)
    matrices = [quantities[name].detach().float().reshape(-1, quantities[name].shape[-1]) for name in names]
    values = torch.cat(matrices).T.tolist() if matrices else []
    result: dict[str, list[list[float]]] = {}
    offset = 0
    for name, matrix in zip(names, matrices):
        rows = matrix.shape[0]
        result[name] = [member[offset : offset + rows] for member in values]
        offset += rows
    return result


def _epoch_quantities(state: PopulationState, sums: dict[str, torch.Tensor], lrs: torch.Tensor) -> dict[str, list[list[float]]]:
    """The epoch's training sums, evaluation and the units' quantities of every member, fetched."""
    quantities = {**sums, **state.evaluate("val"), **state.evaluate("test"), "lr": lrs[-1]}
    quantities.update(state.units.epoch_quantities(state))  # EMA evaluation, pruning round, zero counts, trajectory
    return _fetch(quantities)


def _train_phase(state: PopulationState) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """One training epoch of `state`: its (K,) sums and the epoch's learning-rate table."""
    state.epoch += 1
    lrs = state.units.start_epoch(state, state.schedule.epoch_table())  # SWA holds its members' rates
    sums = _train_epoch(state, lrs)
    state.units.end_training(state)  # SWA: the epoch-end weights enter the average
    _synchronize(state.device)
    return sums, lrs


def fit_population(
    shards: Sequence[PopulationState],
    on_epoch: EpochSink,
    on_member_end: MemberEnd,
    min_shard_members: int = 1,
    training: list[PopulationState] | None = None,
    histories: dict[int, list[dict[str, float]]] | None = None,
    checkpoint: Callable[[PopulationState, int, dict[int, list]], None] | None = None,
    max_shard_members: int | None = None,
) -> None:
    """Train every member for its epochs (or until it stops); report through the sinks.

    `shards` are the population's parts (`reglab.population.shards.split_population`);
    more than one step concurrently (`ShardThreads`), and are rebalanced as members
    finish (at least `min_shard_members` per shard, or at most `max_shard_members` for
    CNN shards). The sinks run on the calling thread.
    `training`, when given, is kept equal to the states still training, so a caller can
    save the members' last weights when an error or Ctrl-C ends the loop.
    `histories` holds the epoch rows of members resumed from a checkpoint (training
    continues after them); `checkpoint` is called after every epoch with each state
    still training.
    """
    if histories is None:
        histories = {member: [] for shard in shards for member in shard.members}
    start = len(histories[shards[0].members[0]]) + 1
    active = list(shards)
    training = [] if training is None else training
    training[:] = active
    # CNN shards queue over at most one worker per torch thread; other shards run side by side
    workers = None if max_shard_members is None else torch.get_num_threads()
    with ShardThreads(len(shards), workers) as threads:
        for epoch in range(start, active[0].epochs + 1):
            for state in active:
                if state.callbacks:
                    state.callbacks.epoch_start(state, epoch, histories)
                _synchronize(state.device)
            started = time.perf_counter()
            trained = threads.map(_train_phase, active)
            seconds = (time.perf_counter() - started) / sum(state.size for state in active)
            fetched = threads.map(_epoch_quantities, active, *zip(*trained))
            active = [
                state
                for state, quantities in zip(active, fetched)
                if record_epoch(state, quantities, seconds, epoch, histories, on_epoch, on_member_end)
            ]
            if not active:
                training.clear()
                return
            for state in active if checkpoint is not None else ():
                checkpoint(state, epoch, histories)
            if len(active) > 1:
                active = rebalance(active, min_shard_members, max_shard_members)
            training[:] = active
            if len(active) == 1:
                threads.close()  # the last shard steps on the calling thread, with all its threads
