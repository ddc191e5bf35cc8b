"""The `regularization.*` penalties, L1 modes, max-norm and clipping as one technique family.

Its units (`member_units`, built once for the K members) act in this order inside a step:
    flooding (loss transform)  →  penalties (L1/L2, orthogonality, activity: loss terms)  →  backward
    →  SAM's second pass at perturbed weights  →  L1 subgradient, then clipping (gradients)
    →  optimizer step  →  proximal L1, then max-norm (weights)

Which parameters are regularized is decided once by `select_parameters` with
`regularization.scope/include/exclude`; per-layer multipliers then scale λ₁ and λ₂.
(Weight averaging keys, `ema_decay` and `swa_*`, belong to `reglab.averaging`.)
"""

from __future__ import annotations

import math
from typing import Any

import torch

from reglab.config import ConfigError
from reglab.contract.technique import Technique, register_technique
from reglab.contract.units import MemberStart, MemberUnit
from reglab.regularizers.activity import ActivityPenalty
from reglab.regularizers.clipping import GradientClipping
from reglab.regularizers.constraints import MaxNorm
from reglab.regularizers.flooding import Flooding
from reglab.regularizers.orthogonality import OrthogonalityPenalty
from reglab.regularizers.penalties import WeightPenalties, group_by_multiplier
from reglab.regularizers.proximal import ProximalL1, SubgradientL1
from reglab.regularizers.scope import matches_any, select_parameters
from reglab.regularizers.sharpness import SharpnessAware

__all__ = ["build_technique", "member_units"]


def _listed(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def _scoped_parameters(config: Any, model: torch.nn.Module) -> dict[str, torch.nn.Parameter]:
    """The regularized parameters, with the user's patterns checked against real names."""
    settings = config.regularization
    all_names = [name for name, param in model.named_parameters() if param.requires_grad]
    for pattern in settings.include:
        if not any(matches_any(name, [pattern]) for name in all_names):
            allowed = f"a pattern matching a parameter: {_listed(all_names)}"
            raise ConfigError("regularization.include", pattern, allowed)
    scoped = select_parameters(model, settings.scope, settings.include, settings.exclude)
    for pattern in settings.per_layer:
        if not any(matches_any(name, [pattern]) for name in scoped):
            raise ConfigError(
                "regularization.per_layer",
                pattern,
                f"a pattern matching a regularized parameter: {_listed(list(scoped)) or 'none in scope'}",
            )
    return scoped


def _weight_matrices(scoped: dict[str, torch.nn.Parameter], key: str, value: float) -> list[torch.nn.Parameter]:
    """The scoped parameters with two or more dimensions (layer weights), or a ConfigError."""
    weights = [param for param in scoped.values() if param.dim() >= 2]
    if not weights:
        raise ConfigError(key, value, "0 or null for a scope without weight matrices")
    return weights


def member_units(start: MemberStart) -> list[MemberUnit]:
    """The family's units for K members, in step order; [] when no member asks for any.

    The scope keys (`scope/include/exclude/per_layer`, `l1_mode`, `l2_convention`,
    `orthogonality_mode`) are shared by a population; the strengths are each member's.
    """
    settings, template, hyper = start.configs[0].regularization, start.template, start.hyper
    on = {key: any(value > 0 for value in getattr(hyper, key).tolist())
          for key in ("flooding", "l1", "l2", "orthogonality", "activity_l1", "activity_l2", "sam_rho")}
    capped = {key: any(math.isfinite(value) for value in getattr(hyper, key).tolist())
              for key in ("grad_clip_norm", "grad_clip_value", "max_norm")}
    scoped = select_parameters(template, settings.scope, settings.include, settings.exclude)
    groups = [(group.multiplier, group.names) for group in group_by_multiplier(scoped, settings.per_layer)]
    matrices = [name for name, param in scoped.items() if param.dim() >= 2]
    units: list[MemberUnit] = []
    if on["flooding"]:
        units.append(Flooding())
    if (on["l1"] or on["l2"]) and groups:
        entries = sum(scoped[name].numel() for _, names in groups for name in names)
        units.append(WeightPenalties(groups, entries, settings.l2_convention, l1_in_loss=settings.l1_mode == "penalty"))
    if on["orthogonality"]:
        units.append(OrthogonalityPenalty(matrices, settings.orthogonality_mode))
    if on["activity_l1"] or on["activity_l2"]:
        if not start.hidden_outputs:
            key = "activity_l1" if on["activity_l1"] else "activity_l2"
            value = next(getattr(config.regularization, key) for config in start.configs if getattr(config.regularization, key) > 0)
            raise ConfigError(f"regularization.{key}", value, "0 with your own module or engine vmap (torch.func hides the hidden outputs)")
        units.append(ActivityPenalty())
    if on["sam_rho"]:
        units.append(SharpnessAware())
    if on["l1"] and settings.l1_mode == "subgradient":
        units.append(SubgradientL1(groups))
    if capped["grad_clip_norm"] or capped["grad_clip_value"]:
        units.append(GradientClipping())
    if on["l1"] and settings.l1_mode == "proximal":
        units.append(ProximalL1(groups))
    if capped["max_norm"]:
        units.append(MaxNorm(matrices))
    return units


@register_technique(order=10, units=member_units)
def build_technique(config: Any, model: torch.nn.Module, data: Any) -> Technique | None:
    """Check one member's `regularization.*` keys against its model: an (empty) technique
    when a key is set, None otherwise (the work is `member_units`').

    Raises:
        ConfigError: a pattern that matches no parameter, a scope without parameters or
            without weight matrices (orthogonality, max-norm), activity penalties on a
            model without hidden layers.

    Example:
        >>> config = load_config(overrides=["regularization.l1=1e-4", "regularization.l1_mode=proximal"])
        >>> technique = build_technique(config, model, data)
    """
    settings = config.regularization
    wants_weights = settings.l1 > 0 or settings.l2 > 0 or settings.max_norm is not None or settings.orthogonality > 0
    wants_activity = settings.activity_l1 > 0 or settings.activity_l2 > 0
    wants_clipping = settings.grad_clip_norm is not None or settings.grad_clip_value is not None
    wants_step = settings.flooding > 0 or settings.sam_rho > 0
    if not (wants_weights or wants_activity or wants_clipping or wants_step):
        return None
    technique = Technique()
    if wants_weights:
        scoped = _scoped_parameters(config, model)
        if not scoped:
            raise ConfigError(
                "regularization.exclude", settings.exclude, "patterns that leave at least one parameter to regularize"
            )
        if settings.orthogonality > 0:
            _weight_matrices(scoped, "regularization.orthogonality", settings.orthogonality)
        if settings.max_norm is not None:
            _weight_matrices(scoped, "regularization.max_norm", settings.max_norm)
    if wants_activity:
        from reglab.models import hidden_blocks

        if not hidden_blocks(model):
            key = "regularization.activity_l1" if settings.activity_l1 > 0 else "regularization.activity_l2"
            raise ConfigError(key, settings.activity_l1 or settings.activity_l2, "0 for a model without hidden layers")
    return technique
