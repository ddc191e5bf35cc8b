"""EMA and SWA for K members: stacked averages of the stacked weights, each member with its own values.

The single run's units (`reglab.averaging.WeightEMA`, `StochasticWeightAveraging`) for
a population. Both keep stacked (K, ...) averages beside the stacked weights and update
them with the single run's own function, `reglab.averaging.average_members_`, given
one weight per member:

| unit | when                         | w_k                                   | averages            |
|------|------------------------------|---------------------------------------|---------------------|
| EMA  | after every optimizer step   | 1 at the first step, then 1 − d_k     | parameters, buffers |
| SWA  | at the end of epoch e ≥ s_k  | 1/(n_k + 1) (n_k averaged so far); 0 before s_k | parameters |

SWA also holds each member's learning rate constant from its epoch s_k on (its
`swa_lr`, or the rate of its first SWA step), by rewriting the member's column of the
epoch's learning-rate table. The EMA average is evaluated on validation and test with
the population's evaluation pass (`ema/val/*`, `ema/test/*`). When a member finishes,
its average is installed in its model as the single run installs it (`install`): EMA
weights and buffers; SWA parameters, then batch-norm statistics recomputed on the
member's training inputs with dropout drawn from the member's own random stream.
Members leaving the population (`select`) take their averages with them.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Sequence

import torch
from reglab.contract.units import MemberStep, MemberUnit

from reglab.averaging import average_members_, averaging_weights, install_swa_weights_, swa_weight
from reglab.config import Config

__all__ = ["MemberEMA", "MemberSWA", "member_averaging"]

SPLITS = ("val", "test")


def _clone(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {name: tensor.detach().clone() for name, tensor in tensors.items()}


def _select(tensors: dict[str, torch.Tensor], index: torch.Tensor) -> dict[str, torch.Tensor]:
    return {name: tensor.index_select(0, index) for name, tensor in tensors.items()}


def _concat(parts: Sequence[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    return {name: torch.cat([part[name] for part in parts]) for name in parts[0]}


@contextlib.contextmanager
def _member_stream(generator: torch.Generator | None, device: torch.device) -> Iterator[None]:
    """PyTorch's global generator of `device` in the member's stream's state (its single
    run draws there), restored afterwards."""
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        if generator is not None:
            if device.type == "cuda":
                torch.cuda.set_rng_state(generator.get_state(), device)
            else:
                torch.set_rng_state(generator.get_state())
        yield


class MemberEMA(MemberUnit):
    """The EMA of every member's weights and buffers, θ̄_k ← d_k·θ̄_k + (1 − d_k)·θ_k after each step.

    Args:
        decays: each member's `regularization.ema_decay`.
        params, buffers: the population's stacked weights at the start (shapes and names).
    """

    name = "ema"
    evaluated = True  # `ema/val/*` and `ema/test/*` every epoch
    order = 30  # reglab.averaging's place in the registry (`reglab.contract.technique`)
    slots = ("weight_transform",)

    def transform_weights(self, step: MemberStep) -> None:
        self.after_step(step.params, step.buffers)

    def __init__(self, decays: Sequence[float], params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor]) -> None:
        device = next(iter(params.values())).device
        self.decays = [float(decay) for decay in decays]
        self.params = _clone(params)
        self.buffers = _clone(buffers)
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
        self.params, self.buffers = _select(self.params, index), _select(self.buffers, index)
        self.rates = self.rates.index_select(0, index)
        self.decays = [self.decays[position] for position in positions]

    def absorb(self, others: Sequence["MemberEMA"]) -> None:
        """Take over the members of `others` (shards of one population at the same step)."""
        parts = [self, *others]
        self.params, self.buffers = _concat([part.params for part in parts]), _concat([part.buffers for part in parts])
        self.rates = torch.cat([part.rates for part in parts])
        self.decays = [decay for part in parts for decay in part.decays]


class MemberSWA(MemberUnit):
    """Every member's equal-weight mean of its epoch-end weights from its epoch s_k on.

    Args:
        starts: each member's `regularization.swa_start` (s_k).
        rates: each member's `regularization.swa_lr` (None: the rate of its first SWA step).
        params: the population's stacked weights at the start (shapes and names).
    """

    name = "swa"
    evaluated = False

    order = 30  # reglab.averaging's place in the registry (`reglab.contract.technique`)
    slots = ("weight_transform",)

    def transform_weights(self, step: MemberStep) -> None:
        self.after_step(step.params, step.buffers)

    def __init__(self, starts: Sequence[int], rates: Sequence[float | None], params: dict[str, torch.Tensor]) -> None:
        self.device = next(iter(params.values())).device
        self.starts = [int(start) for start in starts]
        self.rates = list(rates)
        self.params = _clone(params)
        self.models = [0] * len(self.starts)
        self.constant = torch.zeros(len(self.starts), device=self.device)  # each member's SWA rate, once begun
        self.epoch = 0

    def _mask(self, values: Sequence[bool]) -> torch.Tensor:
        return torch.tensor(list(values), dtype=torch.bool, device=self.device)

    def hold_learning_rates(self, lrs: torch.Tensor) -> torch.Tensor:
        """Start the next epoch: (steps + 1, K) learning rates with the columns of members in SWA constant."""
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

    def after_step(self, params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor]) -> None:
        return None

    @torch.no_grad()
    def end_epoch(self, params: dict[str, torch.Tensor]) -> None:
        """The epoch-end weights of the members in SWA enter their averages."""
        holding = [self.epoch >= start for start in self.starts]
        if not any(holding):
            return
        weights = [swa_weight(models) if held else 0.0 for models, held in zip(self.models, holding)]
        average_members_([self.params[name] for name in params], list(params.values()), averaging_weights(weights, self.device))
        self.models = [models + held for models, held in zip(self.models, holding)]

    def metrics(self, state: Any, fetched: dict[str, list[list[float]]], position: int) -> dict[str, float]:
        return {"swa/models": float(self.models[position])}

    def install(self, row: int, model: torch.nn.Module, data: Any, batch_size: int, generator: torch.Generator | None) -> dict[str, Any]:
        """Load row `row`'s average into `model` and recompute its batch-norm statistics as the
        single run does (dropout, if any, drawn from the member's stream); its summary entries."""
        models = self.models[row]
        summary: dict[str, Any] = {"swa/models": models, "swa/start": self.starts[row]}
        if models:
            device = next(model.parameters()).device
            with _member_stream(generator, device):
                install_swa_weights_([tensor[row] for tensor in self.params.values()], model, data.train_x, batch_size)
            summary["final_weights"] = "swa"
        return summary

    def member_state(self, row: int) -> dict[str, Any]:
        """Row `row`'s average, its count and SWA rate, and the epoch, for the member's checkpoint."""
        state: dict[str, Any] = {"epoch": self.epoch, "models": self.models[row], "constant": self.constant[row]}
        state.update({f"average/{name}": tensor[row] for name, tensor in self.params.items()})
        return state

    @torch.no_grad()
    def load_member_state(self, row: int, state: dict[str, Any]) -> None:
        """Take back what `member_state` gave (a resumed member)."""
        self.epoch = int(state["epoch"])
        self.models[row] = int(state["models"])
        self.constant[row] = state["constant"].to(self.constant.device)
        for name, tensor in self.params.items():
            tensor[row].copy_(state[f"average/{name}"])

    def select(self, index: torch.Tensor, positions: Sequence[int]) -> None:
        self.params = _select(self.params, index)
        self.constant = self.constant.index_select(0, index)
        self.starts = [self.starts[position] for position in positions]
        self.rates = [self.rates[position] for position in positions]
        self.models = [self.models[position] for position in positions]

    def absorb(self, others: Sequence["MemberSWA"]) -> None:
        """Take over the members of `others` (shards of one population at the same epoch)."""
        parts = [self, *others]
        self.params = _concat([part.params for part in parts])
        self.constant = torch.cat([part.constant for part in parts])
        for name in ("starts", "rates", "models"):
            setattr(self, name, [value for part in parts for value in getattr(part, name)])


def member_averaging(configs: Sequence[Config], params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor]) -> MemberEMA | MemberSWA | None:
    """The members' weight averaging (they all average alike: see `population_key`), or None.

    Example:
        >>> averaging = member_averaging(configs, state.params, state.buffers)
    """
    settings = [config.regularization for config in configs]
    if all(setting.ema_decay is not None for setting in settings):
        return MemberEMA([setting.ema_decay for setting in settings], params, buffers)
    if all(setting.swa_start is not None for setting in settings):
        return MemberSWA([setting.swa_start for setting in settings], [setting.swa_lr for setting in settings], params)
    return None
