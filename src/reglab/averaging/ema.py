"""Exponential moving average (EMA) of the weights, evaluated alongside the trained weights.

After every optimizer step:

    θ̄ ← d·θ̄ + (1 − d)·θ        (θ̄ starts as the weights after the first step)

for parameters and buffers (batch-norm running statistics are averaged too). The
update is `reglab.averaging.stacked.average_members_` with K = 1 (a population runs
the same function on its K members). The average lives in a copy of the model, so
each epoch it is evaluated on the validation and test splits as the model is; at fit
end its weights are copied into the model, so the run's `final_eval` and saved
weights are the EMA's.

Reference:
    Polyak & Juditsky 1992, Acceleration of Stochastic Approximation by Averaging;
    Tarvainen & Valpola 2017, Mean teachers (arXiv:1703.01780) for EMA weights in deep nets.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any, Mapping

import torch

from reglab.averaging.stacked import average_members_, averaging_weights
from reglab.averaging.weights import copy_weights_
from reglab.objective.evaluate import evaluate
from reglab.contract.events import Callback, EpochRecord, FitRecord
from reglab.contract.hooks import StepHook
from reglab.objective.losses import Objective

__all__ = ["WeightEMA", "stacked_weights"]


def stacked_weights(model: torch.nn.Module, buffers: bool = True) -> list[torch.Tensor]:
    """The model's parameters (and buffers) as (1, ...) views: one run as a population of one.

    Writing into a view writes into the model's own tensor.

    Example:
        >>> [tensor.shape for tensor in stacked_weights(torch.nn.Linear(3, 2))]
        [torch.Size([1, 2, 3]), torch.Size([1, 2])]
    """
    tensors = itertools.chain(model.parameters(), model.buffers()) if buffers else model.parameters()
    return [tensor.detach().unsqueeze(0) for tensor in tensors]


class WeightEMA(StepHook, Callback):
    """Keeps the EMA of the weights (a step hook), evaluates it and installs it at fit end (a modifier).

    Args:
        decay: d in (0, 1) (`regularization.ema_decay`).
        objective: the run's loss and accuracy, to evaluate the average.
        eval_batch_size: batch size of the evaluation passes.

    Metric keys:

    | key              | where        | meaning                                        |
    |------------------|--------------|------------------------------------------------|
    | `ema/val/loss`   | per epoch    | validation loss of the averaged weights        |
    | `ema/val/acc`    | per epoch    | validation accuracy (classification, binary)   |
    | `ema/test/loss`  | per epoch    | test loss of the averaged weights              |
    | `ema/test/acc`   | per epoch    | test accuracy                                  |
    | `final_weights`  | run summary  | `ema` once the average replaced the weights    |
    | `ema/decay`      | run summary  | d                                              |
    | `ema/updates`    | run summary  | optimizer steps averaged                       |

    Example:
        >>> ema = WeightEMA(0.99, objective, eval_batch_size=1024)
        >>> reglab.train({..., "regularization": {"ema_decay": 0.99}})   # built from the config
    """

    name = "ema"
    kind = "modifier"

    def __init__(self, decay: float, objective: Objective, eval_batch_size: int) -> None:
        self.decay = decay
        self.objective = objective
        self.eval_batch_size = eval_batch_size
        self.module: torch.nn.Module | None = None  # a copy of the model holding the average
        self.averages: list[torch.Tensor] = []  # (1, ...) views of its parameters and buffers
        self.updates = 0
        self.rates: tuple[torch.Tensor, torch.Tensor] | None = None  # (first update, later updates)

    def _start(self, model: torch.nn.Module) -> torch.nn.Module:
        self.module = copy.deepcopy(model)
        self.averages = stacked_weights(self.module)
        self.updates = 0
        return self.module

    def _rate(self, device: torch.device) -> torch.Tensor:
        """w = 1 at the first update (the average starts as the weights), then 1 − d."""
        if self.rates is None:
            self.rates = (averaging_weights([1.0], device), averaging_weights([1.0 - self.decay], device))
        return self.rates[self.updates > 0]

    def on_fit_start(self, record: FitRecord) -> None:
        self._start(record.model)

    def state_dict(self) -> dict[str, Any]:
        """The average (parameters and buffers, in model order) and the updates so far."""
        state: dict[str, Any] = {"updates": self.updates}
        state.update({f"average/{index}": tensor[0] for index, tensor in enumerate(self.averages)})
        return state

    @torch.no_grad()
    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.updates = int(state["updates"])
        for index, tensor in enumerate(self.averages):
            tensor[0].copy_(state[f"average/{index}"])

    def after_step(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> None:
        if self.module is None:
            self._start(model)
        current = stacked_weights(model)
        average_members_(self.averages, current, self._rate(current[0].device))
        self.updates += 1

    def on_epoch_end(self, record: EpochRecord) -> dict[str, float]:
        data = record.data
        module = self.module if self.module is not None else self._start(record.model)
        metrics = evaluate(module, data.val_x, data.val_y, self.objective, self.eval_batch_size, "ema/val")
        metrics.update(evaluate(module, data.test_x, data.test_y, self.objective, self.eval_batch_size, "ema/test"))
        return metrics

    def on_fit_end(self, record: FitRecord) -> Mapping[str, Any]:
        summary: dict[str, Any] = {"ema/decay": self.decay, "ema/updates": self.updates}
        if self.updates and self.module is not None:
            copy_weights_(self.module, record.model, buffers=True)
            summary["final_weights"] = "ema"
        return summary
