"""Stochastic weight averaging (SWA): the equal-weight mean of epoch-end weights late in training.

From epoch `start` on, the learning rate is held constant (`swa_lr`, or each group's
learning rate when SWA begins) and at the end of every epoch e ≥ start

    θ_SWA = (1/k)·Σ_{i=1..k} θ_{e_i}        (k epoch-end weights collected so far)

At fit end the average replaces the model's weights and batch-norm statistics are
recomputed for it with one pass over the training inputs (`update_bn`). The average
is `reglab.averaging.stacked.average_members_` with K = 1 and w = 1/(k + 1) (a
population runs the same function on its K members); the constant learning rate and
the statistics pass are `torch.optim.swa_utils`' `SWALR` (with `anneal_epochs=0`:
constant at once) and `update_bn`.

While SWA runs, the constant rate is re-applied before every optimizer step, so a
per-step schedule (cosine, onecycle) cannot move it; the epoch's `lr` metric then
reports the SWA rate.

Reference:
    Izmailov, Podoprikhin, Garipov, Vetrov & Wilson 2018, Averaging Weights Leads to
    Wider Optima and Better Generalization (arXiv:1803.05407).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import torch
from torch.optim.swa_utils import SWALR, update_bn

from reglab.averaging.ema import stacked_weights
from reglab.averaging.stacked import average_members_, averaging_weights
from reglab.averaging.weights import input_batches
from reglab.contract.events import Callback, EpochRecord, FitRecord
from reglab.contract.hooks import StepHook

__all__ = ["StochasticWeightAveraging", "install_swa_weights_", "swa_weight"]


def swa_weight(models: int) -> float:
    """w = 1/(k + 1): the weight of the next epoch-end weights after `models` = k averaged ones."""
    return 1.0 / (models + 1)


def install_swa_weights_(averages: Sequence[torch.Tensor], model: torch.nn.Module, inputs: torch.Tensor, batch_size: int) -> None:
    """Copy the SWA parameters (one tensor per `model.parameters()`, in their order and
    shapes) into `model`, then recompute its batch-norm statistics on `inputs` (`update_bn`:
    a pass in training mode, each statistic the mean over the batches).

    Example:
        >>> install_swa_weights_([p[0] for p in swa.averages], model, data.train_x, 256)
    """
    with torch.no_grad():
        for param, average in zip(model.parameters(), averages, strict=True):
            param.copy_(average.to(param.device))
    update_bn(input_batches(inputs, batch_size), model)


class StochasticWeightAveraging(StepHook, Callback):
    """SWA as a step hook (constant learning rate) and a modifier callback (average, install).

    Args:
        start_epoch: first epoch whose end weights enter the average (`regularization.swa_start`).
        swa_lr: the constant learning rate during SWA (`regularization.swa_lr`); None keeps
            each group's learning rate at the moment SWA begins.
        bn_batch_size: batch size of the batch-norm statistics pass at fit end.

    Metric keys:

    | key              | where        | meaning                                           |
    |------------------|--------------|---------------------------------------------------|
    | `swa/models`     | per epoch    | epoch-end weights averaged so far (0 before start)|
    | `lr`             | per epoch    | overridden during SWA with the constant SWA rate  |
    | `final_weights`  | run summary  | `swa` once the average replaced the weights       |
    | `swa/models`     | run summary  | epoch-end weights in the final average            |
    | `swa/start`      | run summary  | the first averaged epoch                          |

    Example:
        >>> swa = StochasticWeightAveraging(start_epoch=15, swa_lr=0.01, bn_batch_size=256)
        >>> reglab.train({..., "regularization": {"swa_start": 15, "swa_lr": 0.01}})   # built from the config
    """

    name = "swa"
    kind = "modifier"

    def __init__(self, start_epoch: int, swa_lr: float | None = None, bn_batch_size: int = 256) -> None:
        self.start_epoch = start_epoch
        self.swa_lr = swa_lr
        self.bn_batch_size = bn_batch_size
        self.averages: list[torch.Tensor] = []  # (1, ...) per parameter
        self.models = 0
        self.scheduler: SWALR | None = None
        self.constant_lrs: list[float] = []
        self.epoch = 0

    def _start(self, model: torch.nn.Module) -> None:
        self.averages = [tensor.clone() for tensor in stacked_weights(model, buffers=False)]
        self.models = 0

    def on_fit_start(self, record: FitRecord) -> None:
        self._start(record.model)

    def state_dict(self) -> dict[str, Any]:
        """The average, the epoch-end weights in it and the constant SWA rates once begun."""
        state: dict[str, Any] = {"models": self.models, "constant_lrs": list(self.constant_lrs)}
        state.update({f"average/{index}": tensor[0] for index, tensor in enumerate(self.averages)})
        return state

    @torch.no_grad()
    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.models = int(state["models"])
        self.constant_lrs = [float(lr) for lr in state["constant_lrs"]]
        for index, tensor in enumerate(self.averages):
            tensor[0].copy_(state[f"average/{index}"])

    def on_epoch_start(self, record: EpochRecord) -> None:
        self.epoch = record.epoch

    def before_step(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> None:
        if self.epoch < self.start_epoch:
            return
        if self.scheduler is None:
            swa_lr = self.swa_lr if self.swa_lr is not None else [group["lr"] for group in optimizer.param_groups]
            self.scheduler = SWALR(optimizer, swa_lr=swa_lr, anneal_epochs=0)
            if not self.constant_lrs:  # a resumed run keeps the rates its SWA began with
                self.constant_lrs = [float(group["lr"]) for group in optimizer.param_groups]
        for group, lr in zip(optimizer.param_groups, self.constant_lrs):
            group["lr"] = lr

    def on_epoch_end(self, record: EpochRecord) -> dict[str, float]:
        if record.epoch < self.start_epoch:
            return {"swa/models": 0.0}
        if not self.averages:
            self._start(record.model)
        current = stacked_weights(record.model, buffers=False)
        average_members_(self.averages, current, averaging_weights([swa_weight(self.models)], current[0].device))
        self.models += 1
        metrics = {"swa/models": float(self.models)}
        if self.constant_lrs:
            metrics["lr"] = self.constant_lrs[0]
        return metrics

    def on_fit_end(self, record: FitRecord) -> Mapping[str, Any]:
        models = self.models
        summary: dict[str, Any] = {"swa/models": models, "swa/start": self.start_epoch}
        if models:
            install_swa_weights_([average[0] for average in self.averages], record.model, record.data.train_x, self.bn_batch_size)
            summary["final_weights"] = "swa"
        return summary
