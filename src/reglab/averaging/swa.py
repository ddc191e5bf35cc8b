"""Stochastic weight averaging (SWA): the equal-weight mean of epoch-end weights late in training.

From its epoch s_k on, member k's learning rate is held constant (its `swa_lr`, or
its rate of the step SWA begins: `SWALR` with `anneal_epochs=0`) by rewriting its
column of the epoch's learning-rate table, so a per-step schedule (cosine, onecycle)
cannot move it and the epoch's `lr` metric reports the SWA rate. At the end of every
epoch e ≥ s_k

    θ_SWA,k = (1/n)·Σ_{i=1..n} θ_{e_i}        (n epoch-end weights collected so far)

with `average_members_` and w = 1/(n + 1) on stacked (K, ...) averages. When a member
finishes, its average replaces its weights and its batch-norm statistics are
recomputed with one pass over its training inputs (`torch.optim.swa_utils.update_bn`),
dropout drawn from the member's own random stream.

Reference:
    Izmailov, Podoprikhin, Garipov, Vetrov & Wilson 2018, Averaging Weights Leads to
    Wider Optima and Better Generalization (arXiv:1803.05407).
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Sequence

import torch
from torch.optim.swa_utils import update_bn

from reglab.averaging.stacked import average_members_, averaging_weights, clone_tensors, concat_rows, mask_averages_, select_rows
from reglab.averaging.weights import input_batches
from reglab.contract.units import MemberEpochEnd, MemberFinish, MemberUnit

__all__ = ["StochasticWeightAveraging", "install_swa_weights_", "member_stream", "swa_weight"]


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


@contextlib.contextmanager
def member_stream(generator: torch.Generator | None, device: torch.device) -> Iterator[None]:
    """PyTorch's global generator of `device` in the member's stream's state (its single
    run draws there), restored afterwards."""
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        if generator is not None:
            if device.type == "cuda":
                torch.cuda.set_rng_state(generator.get_state(), device)
            else:
                torch.set_rng_state(generator.get_state())
        yield


class StochasticWeightAveraging(MemberUnit):
    """Every member's equal-weight mean of its epoch-end weights from its epoch s_k on.

    Args:
        starts: each member's `regularization.swa_start` (s_k).
        rates: each member's `regularization.swa_lr` (None: the rate of its first SWA step).
        params: the population's stacked weights at the start (shapes and names).
    """

    name = "swa"
    state_key = "averaging"  # its part of a member's checkpoint

    def __init__(self, starts: Sequence[int], rates: Sequence[float | None], params: dict[str, torch.Tensor]) -> None:
        self.device = next(iter(params.values())).device
        self.starts = [int(start) for start in starts]
        self.rates = list(rates)
        self.params = clone_tensors(params)
        self.models = [0] * len(self.starts)
        self.constant = torch.zeros(len(self.starts), device=self.device)  # each member's SWA rate, once begun
        self.epoch = 0

    def _mask(self, values: Sequence[bool]) -> torch.Tensor:
        return torch.tensor(list(values), dtype=torch.bool, device=self.device)

    def start_epoch(self, run: Any, lrs: torch.Tensor) -> torch.Tensor:
        """The next epoch's (steps + 1, K) learning rates with the columns of members in SWA constant."""
        self.epoch += 1
        holding = [self.epoch >= start for start in self.starts]
        if not any(holding):
            return lrs
        starting = [self.epoch == start for start in self.starts]
        if any(starting):
            given = torch.tensor([rate or 0.0 for rate in self.rates], dtype=lrs.dtype, device=self.device)
            chosen = torch.where(self._mask([rate is not None for rate in self.rates]), given, lrs[0])
            self.constant = torch.where(self._mask(starting), chosen, self.constant)
        return torch.where(self._mask(holding), self.constant, lrs)

    @torch.no_grad()
    def end_training(self, run: Any) -> None:
        """The epoch-end weights of the members in SWA enter their averages."""
        holding = [self.epoch >= start for start in self.starts]
        if not any(holding):
            return
        params = run.params
        weights = [swa_weight(models) if held else 0.0 for models, held in zip(self.models, holding)]
        average_members_([self.params[name] for name in params], list(params.values()), averaging_weights(weights, self.device))
        self.models = [models + held for models, held in zip(self.models, holding)]

    def epoch_metrics(self, end: MemberEpochEnd) -> dict[str, float]:
        return {"swa/models": float(self.models[end.position])}

    def apply_pruning(self, masks: dict[str, torch.Tensor]) -> None:
        mask_averages_(self.params, masks)

    def final_weights(self, finish: MemberFinish) -> dict[str, Any]:
        """Load the member's average into its model and recompute its batch-norm statistics as
        the single run does (dropout, if any, drawn from the member's stream); its summary entries."""
        row, run = finish.position, finish.run
        models = self.models[row]
        summary: dict[str, Any] = {"swa/models": models, "swa/start": self.starts[row]}
        if models:
            model = finish.model
            device = next(model.parameters()).device
            with member_stream(run.generators[row] if run.generators else None, device):
                install_swa_weights_([tensor[row] for tensor in self.params.values()], model, finish.splits.train_x, run.batch_size)
            summary["final_weights"] = "swa"
        return summary

    def member_state(self, position: int, member: int, run: Any) -> dict[str, Any]:
        """The member's average, its count and SWA rate, and the epoch, for its checkpoint."""
        state: dict[str, Any] = {"epoch": self.epoch, "models": self.models[position], "constant": self.constant[position]}
        state.update({f"average/{name}": tensor[position] for name, tensor in self.params.items()})
        return state

    @torch.no_grad()
    def load_member_state(self, position: int, member: int, saved: dict[str, Any], run: Any) -> None:
        self.epoch = int(saved["epoch"])
        self.models[position] = int(saved["models"])
        self.constant[position] = saved["constant"].to(self.constant.device)
        for name, tensor in self.params.items():
            tensor[position].copy_(saved[f"average/{name}"])

    def select(self, index: torch.Tensor, positions: Sequence[int]) -> None:
        self.params = select_rows(self.params, index)
        self.constant = self.constant.index_select(0, index)
        self.starts = [self.starts[position] for position in positions]
        self.rates = [self.rates[position] for position in positions]
        self.models = [self.models[position] for position in positions]

    def absorb(self, others: Sequence["StochasticWeightAveraging"]) -> None:
        """Take over the members of `others` (shards of one population at the same epoch)."""
        parts = [self, *others]
        self.params = concat_rows([part.params for part in parts])
        self.constant = torch.cat([part.constant for part in parts])
        for name in ("starts", "rates", "models"):
            setattr(self, name, [value for part in parts for value in getattr(part, name)])
