"""`build_population`: data, member models, stacked state and per-member units, before the store is touched.

Bad input fails here (ConfigError) with nothing written, as in `reglab.engine.setup`;
configs the engine cannot train raise `PopulationUnsupported`.
"""

from __future__ import annotations

import copy
from typing import Any

import torch

from reglab.config import Config, ConfigError
from reglab.contract.technique import build_member_units
from reglab.contract.units import MemberStart, StepUnits
from reglab.engine.device import resolve_device
from reglab.contract.batches import batch_starts
from reglab.objective.losses import resolve_loss_name
from reglab.population.data import load_population_data
from reglab.population.grouping import population_key
from reglab.population.members import MemberHyperparameters
from reglab.objective.members import make_member_objective
from reglab.population.optim import StackedOptimizer
from reglab.population.order import DataOrder
from reglab.population.schedule import MemberSchedule
from reglab.population.stacked import stack_states
from reglab.population.stacked_cnn import describe_stacked, stacked_forward_of
from reglab.population.streams import member_generator
from reglab.population.state import PopulationState
from reglab.population.techniques import PopulationUnsupported, inspect_techniques
from reglab.regularizers.decay import decay_groups

__all__ = ["ENGINES", "build_population"]

ENGINES = ("stacked", "vmap")


def _check_members(configs: list[Config]) -> None:
    keys = {population_key(config) for config in configs}
    if len(keys) > 1:
        raise PopulationUnsupported("the configs differ in keys a population must share (see reglab.population.grouping)")


def _forward(engine: str, architecture, template: torch.nn.Module, hyper: MemberHyperparameters):
    if engine == "stacked":
        forward = stacked_forward_of(architecture)  # an MLP's or a CNN's
        return lambda params, buffers, x, dropout, training, shared, generators=None, hidden=None: forward(
            architecture, params, buffers, x, dropout, training, shared, generators, hidden
        )
    from reglab.population.vmapped import vmap_forward

    return vmap_forward(template, hyper)


def build_population(
    configs: list[Config], data_order: str, engine: str, data: Any = None, model: Any = None
) -> tuple[PopulationState, list[torch.nn.Module]]:
    """Data, member models, stacked state and per-member units; no store is touched (bad input fails here).

    `model`: a user's module (each member starts from a copy of it) or a function
    config -> module (called per member after its seed is set); it trains through
    `torch.func` (the vmap engine) unless it is a reglab MLP.
    """
    from reglab.engine.setup import user_model
    from reglab.models import build_model

    _check_members(configs)
    if engine not in ENGINES:
        raise ConfigError("population.engine", engine, " | ".join(ENGINES))
    first = configs[0]
    device = resolve_device(first.device)
    population_data = load_population_data(configs, device, data)
    if population_data.task == "regression" and resolve_loss_name(first.loss, "regression") in ("cross_entropy", "nll"):
        raise ConfigError("loss", first.loss, f"mse or bce for the regression dataset {first.data.dataset}")
    models, generators = [], []
    for config in configs:
        torch.manual_seed(config.seed)  # as build_setup: the member's init is its single run's
        if model is None:
            models.append(build_model(config.model, population_data.input_shape, population_data.output_dim).to(device))
        else:
            # a module of the user's: a population of one trains it as given, K members start from copies
            own = copy.deepcopy(model) if isinstance(model, torch.nn.Module) and len(configs) > 1 else model
            models.append(user_model(own, config, device))
        generators.append(member_generator(config.seed, device))
    techniques = [inspect_techniques(config, model, population_data.reference) for config, model in zip(configs, models)]
    try:
        architecture = describe_stacked(models[0])
    except ValueError:
        # a module of the user's own: torch.func over the member module
        architecture, engine = None, "vmap"
    params, buffers = stack_states(models)
    hyper = MemberHyperparameters.from_configs(configs, device)
    decay = decay_groups(models[0], 1.0, first.optimizer.decay_exclude)
    optimizer = StackedOptimizer(
        params, decay.decayed, hyper, first.optimizer.name,
        nesterov=first.optimizer.nesterov, betas=tuple(first.optimizer.betas), eps=first.optimizer.eps,
    )
    steps_per_epoch = len(batch_starts(population_data.train_x.count, first.data.batch_size))
    try:
        schedule = MemberSchedule(configs, first.epochs, steps_per_epoch, device)
    except ValueError as error:
        raise PopulationUnsupported(str(error)) from None
    task, classes, output = population_data.task, population_data.num_classes, first.model.output_activation
    objective = make_member_objective(first.loss, task, classes, output, first.augment.label_smoothing)
    eval_objective = make_member_objective(first.loss, task, classes, output)
    start = MemberStart(configs, models[0], hyper, params, buffers, [t.built for t in techniques], population_data, engine == "stacked")
    units = StepUnits(build_member_units(start), hyper)
    state = PopulationState(
        configs=configs,
        forward=_forward(engine, architecture, models[0], hyper),
        params=params,
        buffers=buffers,
        hyper=hyper,
        data=population_data,
        order=DataOrder([config.seed for config in configs], population_data.train_x.count, data_order, device),  # type: ignore[arg-type]
        objective=objective,
        eval_objective=eval_objective,
        optimizer=optimizer,
        schedule=schedule,
        units=units,
        techniques=techniques,
        epochs=techniques[0].total_epochs or first.epochs,  # lottery rounds: epochs · (rounds + 1)
        batch_size=first.data.batch_size,
        eval_batch_size=first.data.eval_batch_size,
        device=device,
        generators=generators,
        engine=engine,
    )
    return state, models
