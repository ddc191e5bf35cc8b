"""`RobustnessMonitor`: FGSM and PGD accuracy of the weights a run (or member) ends with.

A record-only unit (`Callback.record_only`): it reads the config and data at fit_start,
and the weights through `record.state_dict()`; it rebuilds the network from
`config.model` and loads them, so one unit serves a single run and every member of
a population. Where the numbers go:

| when                       | into               | keys                                   |
|----------------------------|--------------------|----------------------------------------|
| fit_end (the final weights) | the run summary   | `robust/...` (`reglab.robustness.evaluate`) |
| the planned last epoch, and every `robustness.every` epochs | the epoch's row | the same keys |

The last epoch's row carries them so that `reglab runs list --sort`, `runs export`
and the comparison tables show them like any final metric; fit_end reuses that
measurement when the weights did not change after it (no restore_best, averaging).
"""

from __future__ import annotations

from typing import Any, Mapping

import torch

from reglab.contract.events import Callback, EpochRecord, FitRecord
from reglab.objective.losses import make_objective
from reglab.robustness.evaluate import AttackGrid, robust_metrics

__all__ = ["RobustnessMonitor", "attack_grid"]


def attack_grid(settings: Any) -> AttackGrid:
    """The `AttackGrid` of a `robustness` config section."""
    return AttackGrid(
        eps=tuple(settings.eps),
        norms=tuple(settings.norms),
        attacks=tuple(settings.attacks),
        pgd_steps=settings.pgd_steps,
        pgd_step_fraction=settings.pgd_step_fraction,
        pgd_random_start=settings.pgd_random_start,
    )


class RobustnessMonitor(Callback):
    """`robustness.eps`: accuracy and loss under attack, per radius, norm and attack."""

    kind = "observer"
    one_run = True  # one run's state: a population copies it per member
    record_only = True

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.grid = attack_grid(settings)
        self.config: Any = None
        self.data: Any = None
        self._last: tuple[dict[str, torch.Tensor], dict[str, float]] | None = None  # weights measured, metrics

    def on_fit_start(self, record: FitRecord) -> None:
        self.config, self.data = record.config, record.data
        return None

    def on_epoch_end(self, record: EpochRecord) -> dict[str, float] | None:
        every = self.settings.every
        periodic = every is not None and record.epoch % every == 0
        if not periodic and record.epoch != self.config.epochs:
            return None
        weights = {name: tensor.detach().clone() for name, tensor in record.state_dict().items()}
        metrics = self.measure(weights)
        self._last = (weights, metrics)
        return metrics

    def on_fit_end(self, record: FitRecord) -> dict[str, float]:
        final = record.state_dict()
        if self._last is not None:
            weights, metrics = self._last
            if weights.keys() == final.keys() and all(torch.equal(weights[name], final[name].detach()) for name in weights):
                return dict(metrics)
        return self.measure(final)

    def measure(self, weights: Mapping[str, torch.Tensor]) -> dict[str, float]:
        """The metrics of `weights` loaded into a network rebuilt from the config."""
        from reglab.models import build_model

        config, data = self.config, self.data
        device = next(iter(weights.values())).device
        with torch.random.fork_rng(devices=[]):  # building draws an initialization: keep the run's random stream
            model = build_model(config.model, data.input_shape, data.output_dim)
        model.load_state_dict({name: tensor.detach() for name, tensor in weights.items()})
        model.to(device)
        objective = make_objective(config.loss, data.task, data.num_classes, config.model.output_activation)
        inputs = getattr(data, f"{self.settings.split}_x")[: self.settings.examples].to(device)
        labels = getattr(data, f"{self.settings.split}_y")[: self.settings.examples].to(device)
        generator = torch.Generator(device=device).manual_seed(config.seed)
        return robust_metrics(model, objective, inputs, labels, self.grid, generator)
