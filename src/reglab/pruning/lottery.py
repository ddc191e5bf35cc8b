"""Lottery tickets: iterative magnitude pruning with rewinding (or the re-initialisation control).

    round 0:        train the dense network for E epochs
    end of round r: prune a of the remaining weights (magnitude), set the survivors back
                    to θ_k (their values after k optimizer steps; k = 0: the initial
                    weights), pruned weights to 0, clear the optimizer state
    rounds 1 … R:   train the sparse network E epochs again, the learning-rate schedule
                    restarted (the loop's `Technique.schedule_period`); R rounds + the dense one
                    = E·(R + 1) epochs, sparsity 1 − (1 − a)^R in the last round

With `remaining` [f_1, …, f_R] round r keeps round(f_r · n) of the n ranked weights
instead of pruning a of what remains, so the rounds land exactly on chosen fractions.

`control="reinit"` replaces θ_k by a fresh random initialisation at every round; its
masks come from its own re-initialised training, so they are not the ticket's. The
paper's control (the ticket's own masks M_r, fresh weights) is `pruning.method:
fixed_mask` (`reglab.pruning.fixed_mask`), trained from the masks a lottery run keeps
in its run folder (`lottery_masks.safetensors`, `reglab.pruning.mask_file`).

Metric and summary keys: see `LotteryTicket`.

References:
    Frankle & Carbin (2019). The Lottery Ticket Hypothesis. arXiv:1803.03635.
    Frankle, Dziugaite, Roy & Carbin (2020). Linear Mode Connectivity and the Lottery
    Ticket Hypothesis (rewinding to step k). arXiv:1912.05671.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Literal, Mapping, Sequence

import torch
from torch import nn

from reglab.contract.monitor import best_epoch, default_monitor
from reglab.pruning.mask_file import RoundMasks
from reglab.pruning.masks import (
    pruned_state_dict,
    pruned_tensors,
    refresh_pruned_weights,
)
from reglab.pruning.member_masks import rewind_
from reglab.pruning.schedule import lottery_round

__all__ = ["LotteryTicket", "round_entry", "rewind_weights", "snapshot_weights", "reset_parameters_weights"]

FreshWeights = Callable[[int], Mapping[str, torch.Tensor]]


def snapshot_weights(model: nn.Module) -> dict[str, torch.Tensor]:
    """A detached copy, on the model's device, of the plain state dict (see `pruned_state_dict`)."""
    return {name: tensor.detach().clone() for name, tensor in pruned_state_dict(model).items()}


@torch.no_grad()
def rewind_weights(model: nn.Module, target: Mapping[str, torch.Tensor]) -> None:
    """Load a plain state dict into a (possibly pruned) model, keeping its masks.

    Pruned tensors get `orig ← target · mask` (`rewind_`; survivors take the target's values,
    pruned entries 0); other parameters and buffers (biases, batch-norm statistics)
    take the target's values. Every key of the model's plain state dict must be present.
    """
    pruned = {name: (module, tensor) for name, module, tensor in pruned_tensors(model)}
    plain = {**dict(model.named_parameters()), **dict(model.named_buffers())}
    expected = set(pruned_state_dict(model))
    missing = expected - set(target)
    if missing:
        raise KeyError(f"rewind target lacks {sorted(missing)}")
    tensors = {name: getattr(pruned[name][0], f"{pruned[name][1]}_orig") if name in pruned else plain[name] for name in expected}
    masks = {name: getattr(module, f"{tensor}_mask") for name, (module, tensor) in pruned.items()}
    rewind_(tensors, target, masks)
    refresh_pruned_weights(model)


def reset_parameters_weights(model: nn.Module, seed: int) -> FreshWeights:
    """A fresh-initialisation source for `control="reinit"` on any model: a plain copy of
    `model` whose modules call their own `reset_parameters()` under seed `seed + round`.

    `build_technique` uses the run's `build_model` instead, so `model.init` is honoured.
    """
    pruned_names = {name for name, _, _ in pruned_tensors(model)}
    if pruned_names:
        raise ValueError(f"make the template before pruning (pruned: {sorted(pruned_names)})")
    template = copy.deepcopy(model)

    def fresh(round_index: int) -> dict[str, torch.Tensor]:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed + round_index)
            for module in template.modules():
                if hasattr(module, "reset_parameters"):
                    module.reset_parameters()
        return snapshot_weights(template)

    return fresh


def round_entry(
    round_index: int,
    epochs_per_round: int,
    history: Sequence[Mapping[str, float]],
    current: Mapping[str, float],
    sparsity: float,
) -> dict[str, Any]:
    """One entry of the summary's `lottery` list: the round's best epoch by the default monitor
    and its last test metric, from the round's rows of `history` and the `current` epoch's
    metrics; `sparsity` is that of the network trained in the round (measured before it is pruned)."""
    first = round_index * epochs_per_round + 1
    rows = [row for row in history if row.get("epoch", 0) >= first] + [current]
    monitor, mode = default_monitor(rows)
    best = best_epoch(rows, monitor, mode)
    last = rows[-1]
    test_key = "test/acc" if "test/acc" in last else "test/loss"
    entry: dict[str, Any] = {
        "round": round_index,
        "sparsity": sparsity,
        "best_epoch": best,
        f"best_{monitor}": next((row[monitor] for row in rows if row.get("epoch") == best), None),
    }
    if test_key in last:
        entry[f"final_{test_key}"] = last[test_key]
    return entry


class LotteryTicket:
    """Iterative magnitude pruning with rewinding to step k: one member's settings and its lottery
    log (the stacked masks, rounds and rewinds are `MemberPruning`'s).

    Metric keys (every epoch), besides `pruning/sparsity`, `pruning/sparsity/<tensor>` and
    `pruning/rounds_done` (table in `MagnitudePruning`):

    | key              | meaning                                        |
    |------------------|------------------------------------------------|
    | `pruning/round`  | the round the epoch trained in (0 = dense)     |

    Summary key `lottery`: one entry per round, {round, sparsity (of the network trained
    in that round), best_epoch, best_<monitor> (val/acc, else val/loss, else train/loss),
    final_test/acc (or final_test/loss)}.

    Args:
        names: plain names of the tensors to prune.
        amount: fraction of the remaining weights pruned at the end of each round.
        rounds: pruning rounds R (training runs R + 1 rounds).
        epochs_per_round: E.
        rewind_step: k, the optimizer step whose weights the survivors rewind to (0 = init).
        control: "rewind" (the ticket) or "reinit" (random re-initialisation control).
        fresh_weights: round -> plain state dict of a fresh initialisation (reinit only).
        scope: "global" (the paper's choice for deep nets) or "layer" ranking.
        remaining: fractions of the ranked weights left after rounds 1 … R (replaces `amount`).

    Attributes:
        masks: `RoundMasks`, every round's mask so far; written to the run folder at the end
            (`lottery_masks.safetensors`) for `pruning.method: fixed_mask`.

    Example:
        >>> ticket = LotteryTicket(list(prunable_parameters(model)), 0.2, rounds=3, epochs_per_round=5)
        >>> reglab.train({..., "pruning.method": "lottery"})   # built from the config

    References:
        Frankle & Carbin 2019 (arXiv:1803.03635); Frankle et al. 2020 (arXiv:1912.05671).
    """


    def __init__(
        self,
        names: Sequence[str],
        amount: float,
        rounds: int,
        epochs_per_round: int,
        rewind_step: int = 0,
        control: Literal["rewind", "reinit"] = "rewind",
        fresh_weights: FreshWeights | None = None,
        scope: Literal["global", "layer"] = "global",
        remaining: Sequence[float] | None = None,
    ) -> None:
        if remaining is not None and len(remaining) != rounds:
            raise ValueError(f"remaining has {len(remaining)} fractions for {rounds} rounds")
        if control == "reinit" and fresh_weights is None:
            raise ValueError("control='reinit' needs fresh_weights (e.g. reset_parameters_weights(model, seed))")
        self.names, self.amount, self.rounds = list(names), amount, rounds
        self.epochs_per_round, self.rewind_step, self.control = epochs_per_round, rewind_step, control
        self.fresh_weights, self.scope = fresh_weights, scope
        self.remaining = None if remaining is None else [float(fraction) for fraction in remaining]
        self.rounds_done = 0
        self.log: list[dict[str, Any]] = []
        self.masks = RoundMasks()

    def fraction_after(self, round_index: int) -> float | None:
        """f_r of `remaining` for round r ≥ 1 (None: the round prunes `amount` of what remains)."""
        return None if self.remaining is None else self.remaining[round_index - 1]

    def log_partial_round(self, history: Sequence[Mapping[str, float]], sparsity: float) -> None:
        """At fit end: when the run ended inside a round (a stop or divergence), log that round;
        `sparsity` is that of the weights the run ends with."""
        done = len(history)
        if done and done % self.epochs_per_round:
            *earlier, last = history
            round_index = lottery_round(done, self.epochs_per_round)
            self.log.append(round_entry(round_index, self.epochs_per_round, earlier, last, sparsity))

    def rounds_done_after(self, epoch: int) -> int:
        """Rounds pruned by the end of epoch `epoch` (one at the end of each round but the last)."""
        return min(epoch // self.epochs_per_round, self.rounds)
