"""The pieces of one run rebuilt from its config: data, the seeded model, the objective and
the technique units (`build_setup`), for analysis of stored runs; and the user's own
module and data as a run takes them (`user_model`, `user_data_splits`).

Training builds through `reglab.population.build.build_population` (a single run is a
population of one); bad input surfaces there as a ConfigError, before the store is touched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import torch

from reglab.config import Config, ConfigError
from reglab.engine.device import resolve_device
from reglab.objective.losses import Objective, make_objective, resolve_loss_name
from reglab.contract.technique import Technique
from reglab.techniques import build_techniques

__all__ = ["RunSetup", "build_setup"]


@dataclass
class RunSetup:
    config: Config
    device: torch.device
    data: Any
    model: torch.nn.Module
    objective: Objective  # the plain loss, used for evaluation and analysis
    technique: Technique


def _check_loss(config: Config, task: str) -> None:
    name = resolve_loss_name(config.loss, task)
    if task == "regression" and name in ("cross_entropy", "nll"):
        raise ConfigError("loss", config.loss, f"mse or bce for the regression dataset {config.data.dataset}")


def user_data_splits(config: Config, data: Any, device: torch.device) -> Any:
    """A user's data (`reglab.data.user_source` forms) as the run's `DataSplits` on `device`."""
    from reglab.data import DataSplits, load_data, user_source

    source = user_source(data)
    if isinstance(source, DataSplits):
        moved = {name: getattr(source, name).to(device) for name in ("train_x", "train_y", "val_x", "val_y", "test_x", "test_y")}
        return replace(source, **moved)
    return load_data(config.data, config.seed, device, source=source)


def user_model(model: Any, config: Config, device: torch.device) -> torch.nn.Module:
    """A user's module (trained as given) or factory (called with the config, after the seed is set)."""
    built = model if isinstance(model, torch.nn.Module) else model(config)
    if not isinstance(built, torch.nn.Module):
        raise ConfigError("model", type(built).__name__, "an nn.Module or a function config -> nn.Module")
    return built.to(device)


def build_setup(config: Config, model: Any = None, data: Any = None) -> RunSetup:
    """Data on the device, the model its seed initializes, the plain objective and the
    technique units of `config` (bad input raises ConfigError).

    `model` (an `nn.Module`, or a function of the config returning one) and `data` (see
    `reglab.data.user`) replace the config's `model.*` architecture and `data.dataset`.
    """
    from reglab.data import load_data
    from reglab.models import build_model

    device = resolve_device(config.device)
    data = load_data(config.data, config.seed, device) if data is None else user_data_splits(config, data, device)
    _check_loss(config, data.task)
    torch.manual_seed(config.seed)
    if model is None:
        model = build_model(config.model, data.input_shape, data.output_dim).to(device)
    else:
        model = user_model(model, config, device)
    objective = make_objective(config.loss, data.task, data.num_classes, config.model.output_activation)
    return RunSetup(config, device, data, model, objective, build_techniques(config, model, data))
