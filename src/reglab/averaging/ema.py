"""Exponential moving average (EMA) of the weights, evaluated alongside the trained weights.

After every optimizer step:

    θ̄ ← d·θ̄ + (1 − d)·θ        (θ̄ starts as the weights after the first step)

for parameters and buffers (batch-norm running statistics are averaged too). The
averaging is `torch.optim.swa_utils.AveragedModel` with `get_ema_multi_avg_fn(d)`.
Each epoch the average is evaluated on the validation and test splits; at fit end
its weights are copied into the model, so the run's `final_eval` and saved weights
are the EMA's.

Reference:
    Polyak & Juditsky 1992, Acceleration of Stochastic Approximation by Averaging;
    Tarvainen & Valpola 2017, Mean teachers (arXiv:1703.01780) for EMA weights in deep nets.
"""

from __future__ import annotations

from typing import Any, Mapping

import torch
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from reglab.averaging.weights import copy_weights_
from reglab.objective.evaluate import evaluate
from reglab.contract.events import Callback, EpochRecord, FitRecord
from reglab.contract.hooks import StepHook
from reglab.objective.losses import Objective

__all__ = ["WeightEMA", "ema_model"]


def ema_model(model: torch.nn.Module, decay: float) -> AveragedModel:
    """An `AveragedModel` keeping θ̄ ← d·θ̄ + (1−d)·θ of parameters and buffers.

    Its step counter stays on the CPU (the model copy lives on the model's device),
    so the per-step "first update?" test is not a device sync.

    Example:
        >>> average = ema_model(model, 0.99)
        >>> optimizer.step(); average.update_parameters(model)
    """
    return AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True)


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
        >>> FitPlan(..., hooks=[ema], callbacks=[ema])
    """

    resumable = False  # its averages / masks / rewind point are not in the checkpoint yet

    name = "ema"
    kind = "modifier"

    def __init__(self, decay: float, objective: Objective, eval_batch_size: int) -> None:
        self.decay = decay
        self.objective = objective
        self.eval_batch_size = eval_batch_size
        self.average: AveragedModel | None = None

    def _average_of(self, model: torch.nn.Module) -> AveragedModel:
        if self.average is None:
            self.average = ema_model(model, self.decay)
        return self.average

    def on_fit_start(self, record: FitRecord) -> None:
        self.average = ema_model(record.model, self.decay)

    def after_step(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> None:
        self._average_of(model).update_parameters(model)

    def on_epoch_end(self, record: EpochRecord) -> dict[str, float]:
        data, module = record.data, self._average_of(record.model).module
        metrics = evaluate(module, data.val_x, data.val_y, self.objective, self.eval_batch_size, "ema/val")
        metrics.update(evaluate(module, data.test_x, data.test_y, self.objective, self.eval_batch_size, "ema/test"))
        return metrics

    def on_fit_end(self, record: FitRecord) -> Mapping[str, Any]:
        updates = int(self.average.n_averaged) if self.average is not None else 0
        summary: dict[str, Any] = {"ema/decay": self.decay, "ema/updates": updates}
        if updates:
            copy_weights_(self.average.module, record.model, buffers=True)
            summary["final_weights"] = "ema"
        return summary
