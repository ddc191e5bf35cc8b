"""Exponential moving average (EMA) of the weights, evaluated alongside the trained weights.

After every optimizer step, for every member k:

    θ̄_k ← d_k·θ̄_k + (1 − d_k)·θ_k        (θ̄ starts as the weights after the first step)

for parameters and buffers (batch-norm running statistics are averaged too), with
`average_members_` on stacked (K, ...) averages kept beside the stacked weights. Each
epoch the averages are evaluated on the validation and test splits (`ema/val/*`,
`ema/test/*`); when a member finishes, its average is loaded into its model, so the
run's `final_eval` and saved weights are the EMA's.

Reference:
    Polyak & Juditsky 1992, Acceleration of Stochastic Approximation by Averaging;
    Tarvainen & Valpola 2017, Mean teachers (arXiv:1703.01780) for EMA weights in deep nets.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch

from reglab.averaging.stacked import average_members_, averaging_weights, clone_tensors, concat_rows, mask_averages_, select_rows
from reglab.contract.units import MemberEpochEnd, MemberFinish, MemberStep, MemberUnit

__all__ = ["WeightEMA"]

SPLITS = ("val", "test")


class WeightEMA(MemberUnit):
    """The EMA of every member's weights and buffers, θ̄_k ← d_k·θ̄_k + (1 − d_k)·θ_k after each step.

    Args:
        decays: each member's `regularization.ema_decay`.
        params, buffers: the population's stacked weights at the start (shapes and names).
    """

    name = "ema"
    state_key = "averaging"  # its part of a member's checkpoint
    slots = ("weight_transform",)
    slot_order = {"epoch_end": 15}  # evaluated before the epoch's pruning round (order 20) prunes it

    def transform_weights(self, step: MemberStep) -> None:
        self.after_step(step.params, step.buffers)

    def __init__(self, decays: Sequence[float], params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor]) -> None:
        device = next(iter(params.values())).device
        self.decays = [float(decay) for decay in decays]
        self.params = clone_tensors(params)
        self.buffers = clone_tensors(buffers)
        self.rates = averaging_weights([1.0 - decay for decay in self.decays], device)
        self.updates = 0

    @torch.no_grad()
    def after_step(self, params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor]) -> None:
        rates = self.rates if self.updates else torch.ones_like(self.rates)
        averages = [*(self.params[name] for name in params), *(self.buffers[name] for name in buffers)]
        average_members_(averages, [*params.values(), *buffers.values()], rates)
        self.updates += 1

    def epoch_quantities(self, run: Any) -> dict[str, torch.Tensor]:
        """The averages evaluated as the members' weights: `ema/val/*` and `ema/test/*` sums."""
        quantities = {}
        for split in SPLITS:
            quantities.update({f"ema/{name}": value for name, value in run.evaluate(split, self.params, self.buffers).items()})
        return quantities

    def epoch_metrics(self, end: MemberEpochEnd) -> dict[str, float]:
        """The single run's `ema/val/*`, `ema/test/*` of one member."""
        metrics = {}
        for split in SPLITS:
            count = getattr(end.run.data, f"{split}_x").count
            if count:
                metrics[f"ema/{split}/loss"] = end.fetched[f"ema/{split}/loss"][end.position][0] / count
                if end.run.eval_objective.correct is not None:
                    metrics[f"ema/{split}/acc"] = end.fetched[f"ema/{split}/correct"][end.position][0] / count
        return metrics

    def apply_pruning(self, masks: dict[str, torch.Tensor]) -> None:
        mask_averages_(self.params, masks)

    def final_weights(self, finish: MemberFinish) -> dict[str, Any]:
        """Load the member's average (weights and buffers) into its model; its summary entries."""
        row = finish.position
        summary: dict[str, Any] = {"ema/decay": self.decays[row], "ema/updates": self.updates}
        if self.updates:
            state = {name: tensor[row] for name, tensor in {**self.params, **self.buffers}.items()}
            finish.model.load_state_dict(state)
            summary["final_weights"] = "ema"
        return summary

    def member_state(self, position: int, member: int, run: Any) -> dict[str, Any]:
        """The member's average and the update count, for its checkpoint."""
        state: dict[str, Any] = {"updates": self.updates}
        state.update({f"average/{name}": tensor[position] for name, tensor in {**self.params, **self.buffers}.items()})
        return state

    @torch.no_grad()
    def load_member_state(self, position: int, member: int, saved: dict[str, Any], run: Any) -> None:
        self.updates = int(saved["updates"])
        for name, tensor in {**self.params, **self.buffers}.items():
            tensor[position].copy_(saved[f"average/{name}"])

    def select(self, index: torch.Tensor, positions: Sequence[int]) -> None:
        self.params, self.buffers = select_rows(self.params, index), select_rows(self.buffers, index)
        self.rates = self.rates.index_select(0, index)
        self.decays = [self.decays[position] for position in positions]

    def absorb(self, others: Sequence["WeightEMA"]) -> None:
        """Take over the members of `others` (shards of one population at the same step)."""
        parts = [self, *others]
        self.params, self.buffers = concat_rows([part.params for part in parts]), concat_rows([part.buffers for part in parts])
        self.rates = torch.cat([part.rates for part in parts])
        self.decays = [decay for part in parts for decay in part.decays]
