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

from reglab.averaging.stacked import average_members_, averaging_weights, clone_tensors, concat_rows, select_rows
from reglab.contract.units import MemberStep, MemberUnit

__all__ = ["WeightEMA"]

SPLITS = ("val", "test")


class WeightEMA(MemberUnit):
    """The EMA of every member's weights and buffers, θ̄_k ← d_k·θ̄_k + (1 − d_k)·θ_k after each step.

    Args:
        decays: each member's `regularization.ema_decay`.
        params, buffers: the population's stacked weights at the start (shapes and names).
    """

    name = "ema"
    evaluated = True  # `ema/val/*` and `ema/test/*` every epoch
    slots = ("weight_transform",)

    def transform_weights(self, step: MemberStep) -> None:
        self.after_step(step.params, step.buffers)

    def __init__(self, decays: Sequence[float], params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor]) -> None:
        device = next(iter(params.values())).device
        self.decays = [float(decay) for decay in decays]
        self.params = clone_tensors(params)
        self.buffers = clone_tensors(buffers)
        self.rates = averaging_weights([1.0 - decay for decay in self.decays], device)
        self.updates = 0

    def hold_learning_rates(self, lrs: torch.Tensor) -> torch.Tensor:
        return lrs

    @torch.no_grad()
    def after_step(self, params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor]) -> None:
        rates = self.rates if self.updates else torch.ones_like(self.rates)
        averages = [*(self.params[name] for name in params), *(self.buffers[name] for name in buffers)]
        average_members_(averages, [*params.values(), *buffers.values()], rates)
        self.updates += 1

    def end_epoch(self, params: dict[str, torch.Tensor]) -> None:
        return None

    def metrics(self, state: Any, fetched: dict[str, list[list[float]]], position: int) -> dict[str, float]:
        """The single run's `ema/val/*`, `ema/test/*` of the member at row `position`."""
        metrics = {}
        for split in SPLITS:
            count = getattr(state.data, f"{split}_x").count
            if count:
                metrics[f"ema/{split}/loss"] = fetched[f"ema/{split}/loss"][position][0] / count
                if state.eval_objective.correct is not None:
                    metrics[f"ema/{split}/acc"] = fetched[f"ema/{split}/correct"][position][0] / count
        return metrics

    def install(self, row: int, model: torch.nn.Module, data: Any, batch_size: int, generator: torch.Generator | None) -> dict[str, Any]:
        """Load row `row`'s average (weights and buffers) into `model`; the member's summary entries."""
        summary: dict[str, Any] = {"ema/decay": self.decays[row], "ema/updates": self.updates}
        if self.updates:
            state = {name: tensor[row] for name, tensor in {**self.params, **self.buffers}.items()}
            model.load_state_dict(state)
            summary["final_weights"] = "ema"
        return summary

    def member_state(self, row: int) -> dict[str, Any]:
        """Row `row`'s average and the update count, for the member's checkpoint."""
        state: dict[str, Any] = {"updates": self.updates}
        state.update({f"average/{name}": tensor[row] for name, tensor in {**self.params, **self.buffers}.items()})
        return state

    @torch.no_grad()
    def load_member_state(self, row: int, state: dict[str, Any]) -> None:
        """Take back what `member_state` gave (a resumed member)."""
        self.updates = int(state["updates"])
        for name, tensor in {**self.params, **self.buffers}.items():
            tensor[row].copy_(state[f"average/{name}"])

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
