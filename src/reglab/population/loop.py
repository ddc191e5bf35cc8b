"""The training loop of every run: K ≥ 1 members at once (a single run is K = 1).

    for each epoch:
        for each batch (index slices of tensors on the device; shared or per member):
            forward all members → each member's mean data loss + its penalties
            → backward of the SUM over members → stacked optimizer step
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
from typing import Callable, Sequence

import torch

from reglab.contract.batches import batch_starts
from reglab.population.epoch_end import EpochSink, MemberEnd, record_epoch
from reglab.population.shards import ShardThreads, rebalance
from reglab.population.state import PopulationState
from reglab.regularizers.clipping import clip_member_gradients_
from reglab.regularizers.adversarial import attack_member_batches
from reglab.regularizers.flooding import flood
from reglab.regularizers.sharpness import sam_perturbation

__all__ = ["fit_population", "MemberEnd"]

def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@torch.no_grad()
def _evaluate(state: PopulationState, split: str, params=None, buffers=None) -> dict[str, torch.Tensor]:
    """(K,) loss and correct sums of one split, on the device (of `params`/`buffers`: default the state's)."""
    params = state.params if params is None else params
    buffers = state.buffers if buffers is None else buffers
    inputs, targets = getattr(state.data, f"{split}_x"), getattr(state.data, f"{split}_y")
    count = inputs.count
    loss_sum = torch.zeros(state.size, device=state.device)
    correct = torch.zeros(state.size, device=state.device)
    for start in range(0, count, state.eval_batch_size):
        end = min(start + state.eval_batch_size, count)
        x, y = inputs.chunk(start, end), targets.chunk(start, end)
        outputs = state.forward(params, buffers, x, state.dropout, False, inputs.shared)
        loss_sum += state.eval_objective.loss(outputs, y) * (end - start)
        if state.eval_objective.correct is not None:
            correct += state.eval_objective.correct(outputs, y)
    return {f"{split}/loss": loss_sum, f"{split}/correct": correct}


def _forward_loss(state: PopulationState, inputs, labels, batch: int, shared: bool):
    """(K, B, out) outputs, (K,) data losses, (K,) penalty terms and the (K,) losses to differentiate.

    As the single run: the data loss is flooded (`flood`, b = 0 is the identity for the
    members without flooding), then the penalties are added."""
    hidden = [] if state.activity is not None else None  # the hidden outputs, for activity penalties
    outputs = state.forward(state.params, state.buffers, inputs, state.dropout, True, shared, state.generators, hidden)
    data_loss = state.objective.loss(outputs, labels)
    transformed = flood(data_loss, state.hyper.flooding) if state.flooding else data_loss
    penalties = state.penalties(state.params, state.hyper, batch)
    if hidden is not None:
        penalties = {**penalties, **state.activity.penalty(hidden)}
    total = transformed + sum(penalties.values()) if penalties else transformed
    return outputs, data_loss, penalties, total


def _gradients_at_perturbed(state: PopulationState, names, grads, inputs, labels, batch: int, shared: bool):
    """SAM: every member's gradient again at θ_k + ρ_k·g_k/‖g_k‖ (`sam_perturbation`)."""
    params = [state.params[name] for name in names]
    offsets = sam_perturbation(grads, state.hyper.sam_rho)
    with torch.no_grad():
        for param, offset in zip(params, offsets):
            param.add_(offset)
    total = _forward_loss(state, inputs, labels, batch, shared)[3]
    grads = torch.autograd.grad(total.sum(), params)
    with torch.no_grad():
        for param, offset in zip(params, offsets):
            param.sub_(offset)
    return state.pruning.mask_gradients(names, grads) if state.pruning is not None else grads


def _train_epoch(state: PopulationState, lrs: torch.Tensor) -> dict[str, torch.Tensor]:
    """One pass over the training set; device sums per member."""
    count = state.data.train_x.count
    starts = batch_starts(count, state.batch_size)
    order = state.order.epoch()
    names = list(state.params)
    loss_sum = torch.zeros(state.size, device=state.device)
    correct = torch.zeros(state.size, device=state.device)
    penalty_sums: dict[str, torch.Tensor] = {}
    shared = state.shared_inputs and state.augment is None  # augmented batches differ per member
    momenta = state.schedule.momenta  # (steps + 1, K) under a momentum schedule (onecycle), else None
    # adversarial training is on for all members or none (a population key); each has its own ε
    adversarial = state.configs[state.members[0]].regularization.adversarial_eps > 0
    for index, start in enumerate(starts):
        positions = order[..., start : start + state.batch_size]
        inputs, labels = state.data.train_x.rows(positions), state.data.train_y.rows(positions)
        targets = labels
        if state.augment is not None:
            inputs, targets = state.augment(inputs, labels, state.members, state.generators or [None] * state.size)
        batch = positions.shape[-1]
        if adversarial:
            inputs, shared = attack_member_batches(state, inputs, labels, state.shared_inputs), False
        outputs, data_loss, penalties, total = _forward_loss(state, inputs, targets, batch, shared)
        # The sum over members: each member's gradient is that of its own mean loss.
        grads = torch.autograd.grad(total.sum(), [state.params[name] for name in names])
        if state.pruning is not None:
            grads = state.pruning.mask_gradients(names, grads)
        if state.sharpness_aware:
            grads = _gradients_at_perturbed(state, names, grads, inputs, targets, batch, shared)
        gradients = dict(zip(names, grads))
        state.penalties.gradient_rules(state.params, gradients, state.hyper)
        if state.clipping:
            clip_member_gradients_(list(gradients.values()), state.hyper.grad_clip_norm, state.hyper.grad_clip_value)
        if state.trajectory is not None:
            state.trajectory.observe_gradients(gradients, last_step=index == len(starts) - 1)
        state.optimizer.step(gradients, lrs[index], state.hyper, None if momenta is None else momenta[index])
        state.penalties.weight_rules(state.params, state.hyper, lrs[index])
        if state.pruning is not None:
            state.pruning.after_step(state)
        if state.averaging is not None:
            state.averaging.after_step(state.params, state.buffers)
        if state.trajectory is not None:  # step rows and step snapshots (trajectory.every_steps, snapshot_steps)
            state.trajectory.end_step(state.params, state.buffers, gradients, state.members)
        if state.callbacks.step_callbacks:
            state.callbacks.step_end(state, state.epoch, index, len(starts), total)
        with torch.no_grad():
            loss_sum += data_loss.detach() * batch
            if state.objective.correct is not None:
                correct += state.objective.correct(outputs.detach(), labels)
            for name, term in penalties.items():
                penalty_sums[name] = penalty_sums[name] + term.detach() if name in penalty_sums else term.detach().clone()
    sums = {"train/loss": loss_sum, "train/correct": correct}
    sums.update({f"loss/{name}": total / len(starts) for name, total in penalty_sums.items()})
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
    """The epoch's training sums, evaluation, zero counts and trajectory of every member, fetched."""
    quantities = {**sums, **_evaluate(state, "val"), **_evaluate(state, "test"), "lr": lrs[-1]}
    if state.pruning is not None:  # after evaluation, before the zero counts and the trajectory
        quantities.update(state.pruning.epoch_end(state))
    if state.averaging is not None and state.averaging.evaluated:  # EMA: the averages evaluated as the weights
        for split in ("val", "test"):
            averaged = _evaluate(state, split, state.averaging.params, state.averaging.buffers)
            quantities.update({f"{state.averaging.name}/{name}": value for name, value in averaged.items()})
    if any(state.techniques[member].zero_fraction for member in state.members):
        quantities["l1/zeros"] = state.penalties.zero_counts(state.params)
    if state.trajectory is not None:
        raw = state.trajectory.measure(state.params, state.buffers)
        quantities.update({f"trajectory/{name}": value for name, value in raw.items()})
    return _fetch(quantities)


def _train_phase(state: PopulationState) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """One training epoch of `state`: its (K,) sums and the epoch's learning-rate table."""
    state.epoch += 1
    lrs = state.schedule.epoch_table()
    if state.averaging is not None:
        lrs = state.averaging.hold_learning_rates(lrs)  # SWA: constant from each member's swa_start
    if state.trajectory is not None:
        state.trajectory.start_epoch(state.params)
    sums = _train_epoch(state, lrs)
    if state.averaging is not None:
        state.averaging.end_epoch(state.params)  # SWA: the epoch-end weights enter the average
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
) -> None:
    """Train every member for its epochs (or until it stops); report through the sinks.

    `shards` are the population's parts (`reglab.population.shards.split_population`);
    more than one step concurrently, one thread each, and are rebalanced as members
    finish (at least `min_shard_members` per shard). The sinks run on the calling thread.
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
    with ShardThreads(len(shards)) as threads:
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
                active = rebalance(active, min_shard_members)
            training[:] = active
            if len(active) == 1:
                threads.close()  # the last shard steps on the calling thread, with all its threads
