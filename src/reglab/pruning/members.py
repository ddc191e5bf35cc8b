"""Pruning for K members: stacked masks (K, *shape), one magnitude ranking per member, lottery
rounds, and fixed masks (each member its own, from a lottery run's masks file).

Each member's settings object (`MagnitudePruning`, `LotteryTicket` or `FixedMask`, built by the
pruning family's `build_technique`) says when rounds happen and keeps the member's host-side
record (`rounds_done`, the `lottery` log, every round's mask in `LotteryTicket.masks`, written
to its run folder at the end); `MemberPruning`, the family's unit, does the tensor work for all
K members at once:

| what                                        | how, for K members                                        |
|---------------------------------------------|-----------------------------------------------------------|
| ranking (`prune_magnitude` for one module)   | `magnitude_masks` of the stacked weights, (K,) amounts    |
| gradients (`gradient_transform`, first)      | gradients · mask                                          |
| weights (`weight_transform`)                 | weights · mask after each step; the lottery's rewind point at step k |
| a round (`epoch_quantities`)                 | weights, optimizer state and weight averages · mask       |
| a lottery round                              | prune, rewind the stacked parameters and buffers to θ_k (or a fresh init), clear the optimizer's state and step count, restart the schedule |
| `pruning/*` metrics, summary keys            | (T, K) zero counts, fetched with the epoch's metrics      |
| `pruning.remaining`: keep round(f_r · n)     | `magnitude_masks(..., remaining=(K,) f_r)`                |
| `FixedMask`                                  | each member's mask stacked at the start (its fresh weights were masked when its technique was built) |

A population without pruning has no `MemberPruning` (no work at all); before the first
round the per-step calls return at once (no masks yet).
"""

from __future__ import annotations

import threading
from typing import Any, Mapping, Sequence

import torch

from reglab.contract.units import MemberEpochEnd, MemberFinish, MemberStep, MemberUnit, PopulationUnsupported
from reglab.pruning.magnitude_rounds import sparsity_metric_keys
from reglab.pruning.fixed_mask import FixedMask
from reglab.pruning.lottery import LotteryTicket, round_entry
from reglab.pruning.mask_file import RoundMasks, write_round_masks
from reglab.pruning.masks import sparsity_from_counts
from reglab.pruning.member_masks import apply_masks_, magnitude_masks, rewind_, zero_counts, zero_pruned_
from reglab.pruning.schedule import lottery_round

__all__ = ["MemberPruning"]

# The re-initialisation control builds fresh weights under a seed of the global generator
# (as its single run); shards run their epoch ends in threads, so one builds at a time.
_FRESH_WEIGHTS_LOCK = threading.Lock()


class MemberPruning(MemberUnit):
    """Stacked masks and the pruning schedule of a population (magnitude, lottery tickets or fixed masks).

    Args:
        units: each member's single-run unit, by original member index (`MagnitudePruning`,
            `LotteryTicket` or `FixedMask`; the schedule, names and scope are the population's,
            the amounts, fresh initialisations and fixed masks each member's own).
        params, buffers: the population's stacked state at the start (the lottery's
            rewind point for `rewind_step` 0).

    Each member's settings object is read from the population (`run.techniques[member].pruning`),
    where it moves with its member between shards.

    Example:
        >>> pruning = MemberPruning([t.pruning for t in techniques], state.params, state.buffers)
        >>> grads = pruning.mask_gradients(names, grads)       # in the step, after autograd
        >>> pruning.after_step(state)                          # after the optimizer step
        >>> quantities.update(pruning.epoch_quantities(state)) # after evaluation: the round
    """

    name = "pruning"
    slots = ("gradient_transform", "weight_transform")
    # Masks act first on gradients: a pruned weight has no gradient for SAM, clipping or the trajectory.
    slot_order = {"gradient_transform": 0}

    def transform_gradients(self, gradients: dict[str, torch.Tensor], step: MemberStep) -> dict[str, torch.Tensor]:
        names = list(gradients)
        return dict(zip(names, self.mask_gradients(names, [gradients[name] for name in names])))

    def transform_weights(self, step: MemberStep) -> None:
        self.after_step(step)

    def __init__(self, units: Sequence[Any], params: Mapping[str, torch.Tensor], buffers: Mapping[str, torch.Tensor]) -> None:
        first = units[0]
        self.names = list(first.names)
        self.sizes = [params[name][0].numel() for name in self.names]
        self.scope = first.scope
        self.amounts = [unit.amount for unit in units]
        self.lottery = isinstance(first, LotteryTicket)
        self.remaining = first.remaining if self.lottery else None  # fractions left after each round
        self.epochs = [] if self.lottery else list(first.epochs)
        self.epochs_per_round = first.epochs_per_round if self.lottery else 0
        self.rounds = first.rounds if self.lottery else 0
        self.rewind_step = first.rewind_step if self.lottery else 0
        self.control = first.control if self.lottery else "rewind"
        self.fresh = [unit.fresh_weights for unit in units] if self.lottery else []
        self.masks: dict[str, torch.Tensor] = {}
        self.epoch = 0
        self.steps = 0
        self.rewind: dict[str, torch.Tensor] | None = None
        self.snapshots = self.lottery and self.control == "rewind"  # the reinit control needs no rewind point
        if self.snapshots and self.rewind_step == 0:
            self.rewind = self._snapshot(params, buffers)
        if isinstance(first, FixedMask):  # each member's own mask, from the start
            if any(unit.names != self.names for unit in units):
                raise PopulationUnsupported("fixed masks of different tensors (mask files with and without biases)")
            self.masks = {
                name: torch.stack([unit.masks[name] for unit in units]).to(params[name].device, params[name].dtype)
                for name in self.names
            }

    @staticmethod
    @torch.no_grad()
    def _snapshot(params: Mapping[str, torch.Tensor], buffers: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {name: tensor.detach().clone() for name, tensor in {**params, **buffers}.items()}

    # --- every step ---------------------------------------------------------------------

    def mask_gradients(self, names: Sequence[str], grads: Sequence[torch.Tensor]) -> Sequence[torch.Tensor]:
        """Gradients · mask, in place (what autograd gives the single run's `weight_orig`)."""
        if self.masks:
            pairs = [(grad, self.masks[name]) for name, grad in zip(names, grads) if name in self.masks]
            apply_masks_(*zip(*pairs))
        return grads

    def after_step(self, state: Any) -> None:
        """Weights · mask after the optimizer step; the lottery's rewind point at step k."""
        if self.masks:
            apply_masks_([state.params[name] for name in self.masks], list(self.masks.values()))
        if self.snapshots and self.rewind is None:
            self.steps += 1
            if self.steps == self.rewind_step:
                self.rewind = self._snapshot(state.params, state.buffers)

    # --- epoch end (device) -------------------------------------------------------------

    def epoch_quantities(self, state: Any) -> dict[str, torch.Tensor]:
        """The epoch's pruning round or lottery transition, then the (T, K) zero counts to fetch.

        Runs after the epoch's evaluation (val/test measure the weights before the round)."""
        self.epoch += 1
        quantities: dict[str, torch.Tensor] = {}
        if self.lottery:
            if self.epoch % self.epochs_per_round == 0:
                quantities["pruning/round_zeros"] = zero_counts([state.params[name] for name in self.names])
                next_round = lottery_round(self.epoch, self.epochs_per_round) + 1
                if next_round <= self.rounds:
                    self._next_round(state, next_round)
        else:  # magnitude rounds (a fixed mask has none)
            for _ in range(self.epochs.count(self.epoch)):
                self._prune(state)
                self._zero_pruned(state)
        quantities["pruning/zeros"] = zero_counts([state.params[name] for name in self.names])
        return quantities

    def _prune(self, state: Any, round_index: int = 0) -> None:
        """One magnitude round: `amount` of what remains, or down to `remaining[round − 1]` of all."""
        amounts = torch.tensor([self.amounts[member] for member in state.members], dtype=torch.float64)
        fractions = None
        if self.remaining is not None and round_index >= 1:
            fractions = torch.full((len(state.members),), self.remaining[round_index - 1], dtype=torch.float64)
        weights = [state.params[name] for name in self.names]
        masks = magnitude_masks(weights, [self.masks.get(name) for name in self.names], amounts, self.scope, fractions)
        self.masks = dict(zip(self.names, masks))

    def _zero_pruned(self, state: Any) -> None:
        """Weights, the optimizer's per-entry state (momentum, Adam moments) and the weight
        averages (EMA, SWA) · mask: a pruned entry then stays exactly 0 in all of them, since
        the average of zeros is zero (θ̄ ← d·0 + (1 − d)·0)."""
        zero_pruned_(state.params, self.masks, state.optimizer.state)
        state.units.apply_pruning(self.masks)

    @torch.no_grad()
    def _next_round(self, state: Any, next_round: int) -> None:
        """Prune, set the survivors back to the rewind point (or a fresh init), clear the optimizer,
        restart the schedule: `LotteryTicket._next_round` and the loop's schedule restart."""
        if self.control == "rewind" and self.rewind is None:
            raise RuntimeError(f"pruning.rewind_step={self.rewind_step} was never reached in round 0")
        self._prune(state, next_round)
        target = self.rewind if self.control == "rewind" else self._fresh_weights(state.members, next_round)
        rewind_({**state.params, **state.buffers}, target, self.masks)
        state.optimizer.state.clear()  # momentum / Adam moments (and Adam's step count) restart
        state.optimizer.steps = 0
        schedule = state.schedule
        state.schedule = type(schedule)(*schedule.arguments)
        state.schedule.keep = list(schedule.keep)

    def _fresh_weights(self, members: Sequence[int], round_index: int) -> dict[str, torch.Tensor]:
        with _FRESH_WEIGHTS_LOCK:
            states = [self.fresh[member](round_index) for member in members]
        return {name: torch.stack([member_state[name] for member_state in states]) for name in states[0]}

    # --- members leave and merge --------------------------------------------------------

    def select(self, keep: torch.Tensor, positions: Sequence[int]) -> None:
        """Keep the members at row positions `keep` (see `PopulationState.keep`)."""
        self.masks = {name: mask.index_select(0, keep) for name, mask in self.masks.items()}
        if self.rewind is not None:
            self.rewind = {name: tensor.index_select(0, keep) for name, tensor in self.rewind.items()}

    def absorb(self, others: Sequence["MemberPruning"]) -> None:
        """Take over the members of `others` (shards of the same population, at the same epoch)."""
        self.masks = {name: torch.cat([mask, *(other.masks[name] for other in others)]) for name, mask in self.masks.items()}
        if self.rewind is not None:
            rewinds = [self.rewind, *(other.rewind for other in others)]
            self.rewind = {name: torch.cat([rewind[name] for rewind in rewinds]) for name in self.rewind}

    # --- checkpoints ----------------------------------------------------------------------

    def member_state(self, position: int, member: int, run: Any) -> dict[str, Any]:
        """Row `position`'s masks and rewind point, the round counters and the lottery log."""
        unit = run.techniques[member].pruning
        state: dict[str, Any] = {f"mask/{name}": mask[position] for name, mask in self.masks.items()}
        if self.rewind is not None:
            state.update({f"rewind/{name}": tensor[position] for name, tensor in self.rewind.items()})
        if self.lottery:  # every round's mask so far (the masks file written at the end)
            state.update({f"survival/{name}": last for name, last in unit.masks.last_round.items()})
        state.update(epoch=self.epoch, steps=self.steps, log=list(unit.log) if self.lottery else [])
        state.update(mask_rounds=unit.masks.rounds if self.lottery else 0)
        return state

    @torch.no_grad()
    def load_member_state(self, position: int, member: int, saved: Mapping[str, Any], run: Any) -> None:
        """Take back `member_state` into row `position` (members of one resumed population are
        at the same epoch)."""
        unit = run.techniques[member].pruning
        stacked = {**run.params, **run.buffers}
        self.epoch, self.steps = int(saved["epoch"]), int(saved["steps"])
        if self.lottery:
            survival = {key.partition("/")[2]: value for key, value in saved.items() if key.startswith("survival/")}
            unit.masks = RoundMasks(survival, int(saved.get("mask_rounds", 0)))
        for key, value in saved.items():
            kind, _, name = key.partition("/")
            if kind == "mask":
                if name not in self.masks:
                    self.masks[name] = torch.ones_like(stacked[name], dtype=value.dtype)
                self.masks[name][position].copy_(value)
            elif kind == "rewind":
                if self.rewind is None:
                    self.rewind = {}
                if name not in self.rewind:
                    self.rewind[name] = torch.zeros_like(stacked[name])
                self.rewind[name][position].copy_(value)
        if self.lottery:
            unit.log = [dict(entry) for entry in saved["log"]]

    def scheduled_epochs(self, epochs: int) -> int:
        """How many epochs the schedule has run after `epochs` epochs: a lottery round restarts it."""
        return epochs % self.epochs_per_round if self.lottery else epochs

    # --- host bookkeeping, one member at a time -----------------------------------------

    def epoch_metrics(self, end: MemberEpochEnd) -> dict[str, float]:
        """The single run's `pruning/*` keys of one member; its lottery log (kept by its own
        settings object, with its `rounds_done`)."""
        unit, fetched, position, epoch = end.run.techniques[end.member].pruning, end.fetched, end.position, end.epoch
        if self.lottery and epoch % self.epochs_per_round == 0:
            sparsity = sparsity_from_counts(self.names, fetched["pruning/round_zeros"][position], self.sizes)[0]
            round_index = lottery_round(epoch, self.epochs_per_round)
            unit.log.append(round_entry(round_index, self.epochs_per_round, end.history, end.metrics, sparsity))
            if round_index < self.rounds:  # `epoch_quantities` pruned: row `position` holds the next round's mask
                unit.masks.record(round_index + 1, {name: mask[position] for name, mask in self.masks.items()})
        unit.rounds_done = unit.rounds_done_after(epoch)
        result = sparsity_metric_keys(*sparsity_from_counts(self.names, fetched["pruning/zeros"][position], self.sizes))
        if self.lottery:
            result["pruning/round"] = float(lottery_round(epoch, self.epochs_per_round))
        result["pruning/rounds_done"] = float(unit.rounds_done)
        return result

    def final_summary(self, finish: MemberFinish) -> dict[str, Any]:
        """`sparsity`, `sparsity_per_layer`, `pruning_rounds_done` (and `lottery`) of a finished member,
        measured on the weights it ends with (and the lottery log `LotteryTicket` keeps); a lottery
        member's masks of every round go to `lottery_masks.safetensors` in its run folder."""
        unit = finish.run.techniques[finish.member].pruning
        if self.lottery and finish.folder is not None:
            write_round_masks(finish.folder, unit.masks)
        zeros = [int((finish.weights[name] == 0).sum()) for name in self.names]
        total, per_tensor = sparsity_from_counts(self.names, zeros, self.sizes)
        summary: dict[str, Any] = {}
        if self.lottery:
            unit.log_partial_round(finish.history, total)
            summary["lottery"] = unit.log
        summary.update(sparsity=total, sparsity_per_layer=per_tensor, pruning_rounds_done=unit.rounds_done)
        return summary

    def changed_after_evaluation(self, epoch: int) -> bool:
        """Whether the weights changed after epoch `epoch`'s evaluation (a round ran at its end):
        then a member ending there is evaluated again, as its single run's final evaluation."""
        if self.lottery:
            return epoch % self.epochs_per_round == 0 and lottery_round(epoch, self.epochs_per_round) < self.rounds
        return epoch in self.epochs
