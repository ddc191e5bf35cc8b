"""`pruning.*` as a technique family: magnitude pruning (one-shot / iterative), lottery tickets,
or training under a lottery run's mask of one round from fresh weights (`fixed_mask`)."""

from __future__ import annotations

from typing import Any

import torch

from reglab.config import ConfigError
from reglab.contract.batches import batch_starts
from reglab.contract.technique import Technique, register_technique
from reglab.contract.units import MemberStart, MemberUnit
from reglab.pruning.magnitude_rounds import MagnitudePruning
from reglab.pruning.fixed_mask import FixedMask, masked_fresh_start
from reglab.pruning.lottery import LotteryTicket, snapshot_weights
from reglab.pruning.magnitude import prunable_parameters
from reglab.pruning.mask_file import read_round_mask
from reglab.pruning import PRUNING_SETTINGS
from reglab.pruning.members import MemberPruning
from reglab.pruning.schedule import lottery_total_epochs, pruning_epochs

__all__ = ["build_technique", "member_units", "model_fresh_weights"]

# Offset between the run's seed and the seeds of the re-initialisation control's draws,
# so round r's fresh weights differ from the run's own initialisation (seed + 0).
_REINIT_SEED_STRIDE = 7919


def model_fresh_weights(config: Any, data: Any, device: torch.device) -> Any:
    """round -> plain state dict of a network built from `config.model` (init scheme
    included) under seed `config.seed + 7919·round`; the global RNG is left untouched."""
    from reglab.models import build_model

    def fresh(round_index: int) -> dict[str, torch.Tensor]:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed + _REINIT_SEED_STRIDE * round_index)
            model = build_model(config.model, data.input_shape, data.output_dim)
        return {name: tensor.to(device) for name, tensor in snapshot_weights(model).items()}

    return fresh


def _check_no_averaging(config: Any) -> None:
    """Lottery rounds refuse weight averaging (EMA/SWA): each round rewinds the weights, and an
    average across rounds would mix networks of different masks. Magnitude rounds and a fixed
    mask keep their averages pruned (see `MemberPruning`)."""
    regularization = config.regularization
    for key in ("ema_decay", "swa_start"):
        value = getattr(regularization, key)
        if value is not None:
            raise ConfigError(f"regularization.{key}", value, "null with pruning.method=lottery (rounds rewind the weights)")


def _check_lottery(config: Any, data: Any) -> None:
    settings, stopping = config.pruning, config.early_stopping
    if stopping.criterion != "none":
        raise ConfigError(
            "early_stopping.criterion", stopping.criterion, "none with pruning.method=lottery (rounds rewind the weights)"
        )
    if stopping.restore_best or stopping.threshold is not None:
        key, value = ("restore_best", True) if stopping.restore_best else ("threshold", stopping.threshold)
        raise ConfigError(f"early_stopping.{key}", value, "unset with pruning.method=lottery (rounds rewind the weights)")
    steps_per_round = config.epochs * len(batch_starts(data.train_x.shape[0], config.data.batch_size))
    if settings.rewind_step > steps_per_round:
        raise ConfigError(
            "pruning.rewind_step", settings.rewind_step, f"0 to {steps_per_round} (the optimizer steps of one round)"
        )


def _fixed_mask(config: Any, model: torch.nn.Module, data: Any) -> FixedMask:
    """Read round `mask_round` of `mask_file`, check it fits the model, start from masked fresh weights."""
    settings = config.pruning
    masks = read_round_mask(settings.mask_file, settings.mask_round)
    weights = dict(model.state_dict())
    wrong = [name for name, mask in masks.items() if name not in weights or weights[name].shape != mask.shape]
    if wrong:
        shapes = ", ".join(f"{name} {tuple(weights[name].shape)}" for name in prunable_parameters(model, True))
        raise ConfigError("pruning.mask_file", settings.mask_file, f"masks for this model's weights ({shapes}); "
                          f"{wrong[0]} does not fit")
    device = next(model.parameters()).device
    fresh = model_fresh_weights(config, data, device)(settings.mask_round)
    if set(fresh) != set(weights) or any(fresh[name].shape != weights[name].shape for name in fresh):
        raise ConfigError("pruning.method", settings.method, "lottery or magnitude with a model of your own "
                          "(fixed_mask draws fresh weights from the model.* keys)")
    masked_fresh_start(model, fresh, masks)
    return FixedMask(list(masks), masks, settings.mask_round)


def member_units(start: MemberStart) -> list[MemberUnit]:
    """The members' stacked masks and schedule, from each member's pruning settings (and
    record); none when the members do not prune (a population key)."""
    members = [next((item for item in built if isinstance(item, PRUNING_SETTINGS)), None) for built in start.built]
    if members[0] is None:
        return []
    return [MemberPruning(members, start.params, start.buffers)]


@register_technique(order=20, units=member_units)
def build_technique(config: Any, model: torch.nn.Module, data: Any) -> Technique | None:
    """The pruning settings `config.pruning` asks for; None for method none.

    Raises:
        ConfigError: a round that can never happen, lottery rounds with weight averaging (EMA/SWA),
            lottery rounds combined with early stopping, a mask file that is missing,
            damaged, lacks the round or does not fit the model.

    Example:
        >>> config = load_config(overrides=["pruning.method=magnitude", "pruning.schedule=iterative",
        ...                                 "pruning.rounds=3", "pruning.amount=0.3"])
        >>> technique = build_technique(config, model, data)
    """
    settings = config.pruning
    if settings.method == "none":
        return None
    names = list(prunable_parameters(model, settings.include_biases))
    if not names:
        raise ConfigError("pruning.method", settings.method, "none for a model without weights to prune")
    if settings.method == "lottery":
        _check_no_averaging(config)
    if settings.method == "fixed_mask":
        fixed = _fixed_mask(config, model, data)
        return Technique(settings=[fixed])
    if settings.method == "magnitude":
        epochs = pruning_epochs(settings.schedule, settings.start_epoch, settings.every, settings.rounds)
        if epochs[-1] > config.epochs:
            key, value = ("pruning.start_epoch", settings.start_epoch) if len(epochs) == 1 else ("pruning.rounds", settings.rounds)
            raise ConfigError(key, value, f"rounds that end by epoch {config.epochs} (the last would be at epoch {epochs[-1]})")
        pruner: Any = MagnitudePruning(names, settings.amount, epochs, settings.scope)
        return Technique(settings=[pruner])
    _check_lottery(config, data)
    device = next(model.parameters()).device
    fresh = model_fresh_weights(config, data, device) if settings.control == "reinit" else None
    pruner = LotteryTicket(
        names,
        settings.amount,
        settings.rounds,
        config.epochs,
        rewind_step=settings.rewind_step,
        control=settings.control,
        fresh_weights=fresh,
        scope=settings.scope,
        remaining=settings.remaining,
    )
    return Technique(
        settings=[pruner],
        total_epochs=lottery_total_epochs(config.epochs, settings.rounds),
        schedule_period=config.epochs,  # every round trains with the whole schedule
    )
