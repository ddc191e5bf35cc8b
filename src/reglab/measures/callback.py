"""The measures of a run as one unit: the same object in a single run and per population member."""

from __future__ import annotations

import copy
from typing import Any, Mapping

import torch

from reglab.contract.events import Callback, EpochRecord, FitRecord
from reglab.measures.compute import compute_measures

__all__ = ["MeasureRecorder", "copy_architecture"]


class MeasureRecorder(Callback):
    """Computes the `measures` section's families on the weights a record carries.

    Reads only `record.state_dict()`, `record.epoch`, `record.data` and `record.config`
    (`record_only`), so a population runs one per member, fed that member's records.
    At `fit_start` it keeps a copy of the initial weights (for `distance`); with
    `measures.every = N` it measures after every N-th epoch into the epoch's row; at
    `fit_end` it measures the weights the run ends with (after early stopping's
    restore or weight averaging) into the summary. When the last epoch was measured and
    the weights did not change since, its values are reused instead of recomputed.

    Args:
        settings: the config's `measures` section.
        seed: the run's seed (the measures' random draws).
        module: a copy of the run's architecture (its weights are never read).
        data: the run's data, used when a record carries none.
        objective: the run's evaluation `Objective`.
        threshold: where a single output's prediction flips (0 for logits, 0.5 for probabilities).
    """

    kind = "observer"
    one_run = True  # one run's state: a population copies it per member
    record_only = True

    def __init__(self, settings: Any, seed: int, module: torch.nn.Module, data: Any, objective: Any,
                 threshold: float = 0.0) -> None:
        self.settings = settings
        self.seed = seed
        self.module = module
        self.data = data
        self.objective = objective
        self.threshold = threshold
        self.initial: dict[str, torch.Tensor] | None = None
        self.last: tuple[dict[str, torch.Tensor], dict[str, float]] | None = None

    def __deepcopy__(self, memo: dict) -> "MeasureRecorder":
        """A copy (for another member of a population) shares the settings, the architecture,
        the data and the objective, which it only reads; only its weights are copied."""
        twin = copy.copy(self)
        twin.initial, twin.last = copy.deepcopy(self.initial, memo), copy.deepcopy(self.last, memo)
        return twin

    def state_dict(self) -> dict[str, Any]:
        """The initial weights (for `distance` after a resume)."""
        return {f"initial/{name}": tensor for name, tensor in (self.initial or {}).items()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        initial = {name[len("initial/"):]: tensor for name, tensor in state.items() if name.startswith("initial/")}
        self.initial = initial or self.initial

    def on_fit_start(self, record: FitRecord) -> None:
        self.initial = {name: tensor.detach().clone() for name, tensor in record.state_dict().items()}
        if record.data is not None:
            self.data = record.data
        self.last = None

    def on_epoch_end(self, record: EpochRecord) -> dict[str, float] | None:
        every = self.settings.every
        if every is None or record.epoch % every != 0:
            return None
        weights = {name: tensor.detach().clone() for name, tensor in record.state_dict().items()}
        values = self.measure(weights)
        self.last = (weights, values)
        return values

    def on_fit_end(self, record: FitRecord) -> dict[str, float]:
        weights = record.state_dict()
        if self.last is not None and _same(self.last[0], weights):
            return dict(self.last[1])
        return self.measure(weights)

    def measure(self, weights: Mapping[str, torch.Tensor]) -> dict[str, float]:
        """`measure/<name>` -> value of the configured families at `weights`; nothing for
        non-finite weights (a diverged run), which no measure is defined on."""
        if not all(bool(torch.isfinite(tensor).all()) for tensor in weights.values() if tensor.is_floating_point()):
            return {}
        return compute_measures(self.settings, self.seed, self.module, weights, self.initial, self.data, self.objective,
                                self.threshold)


def _same(left: Mapping[str, torch.Tensor], right: Mapping[str, torch.Tensor]) -> bool:
    return left.keys() == right.keys() and all(torch.equal(left[name], right[name]) for name in left)


def copy_architecture(model: torch.nn.Module) -> torch.nn.Module:
    """A detached copy of `model` for functional calls (its weights are replaced each time)."""
    return copy.deepcopy(model).eval()
