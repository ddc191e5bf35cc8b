"""The `regularization.*` penalties, L1 modes, max-norm and clipping as one technique family.

Hooks run in this order inside a step:
    flooding (loss transform)  →  penalties (L1/L2, orthogonality, activity)  →  backward
    →  SAM's second pass at perturbed weights  →  L1 subgradient, then clipping (gradients)
    →  optimizer step  →  proximal L1, then max-norm (weights)

Which parameters are regularized is decided once by `select_parameters` with
`regularization.scope/include/exclude`; per-layer multipliers then scale λ₁ and λ₂.
(Weight averaging keys, `ema_decay` and `swa_*`, belong to `reglab.averaging`.)
"""

from __future__ import annotations

from typing import Any

import torch

from reglab.config import ConfigError
from reglab.contract.technique import Technique, register_technique
from reglab.regularizers.activity import ActivityPenaltyHook
from reglab.regularizers.clipping import GradientClipHook
from reglab.regularizers.constraints import MaxNormHook
from reglab.regularizers.flooding import FloodingHook
from reglab.regularizers.orthogonality import OrthogonalityHook
from reglab.regularizers.penalties import PenaltyHook, group_by_multiplier
from reglab.regularizers.proximal import ProximalL1Hook, SubgradientL1Hook
from reglab.regularizers.scope import matches_any, select_parameters
from reglab.regularizers.sharpness import SharpnessAwareHook
from reglab.regularizers.zeros import ZeroFractionMonitor

__all__ = ["build_technique"]


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


@register_technique(order=10)
def build_technique(config: Any, model: torch.nn.Module, data: Any) -> Technique | None:
    """Hooks and callbacks for the `regularization.*` keys; None when none is set.

    Example:
        >>> config = load_config(overrides=["regularization.l1=1e-4", "regularization.l1_mode=proximal"])
        >>> technique = build_technique(config, model, data)
    """
    settings = config.regularization
    wants_weights = settings.l1 > 0 or settings.l2 > 0 or settings.max_norm is not None
    wants_activity = settings.activity_l1 > 0 or settings.activity_l2 > 0
    wants_clipping = settings.grad_clip_norm is not None or settings.grad_clip_value is not None
    wants_weights = wants_weights or settings.orthogonality > 0
    wants_step = settings.flooding > 0 or settings.sam_rho > 0
    if not (wants_weights or wants_activity or wants_clipping or wants_step):
        return None

    technique = Technique()
    if settings.flooding > 0:
        technique.hooks.append(FloodingHook(settings.flooding))
    if wants_weights:
        scoped = _scoped_parameters(config, model)
        if not scoped:
            raise ConfigError(
                "regularization.exclude", settings.exclude, "patterns that leave at least one parameter to regularize"
            )
        groups = group_by_multiplier(scoped, settings.per_layer)
        if settings.l1 > 0 or settings.l2 > 0:
            technique.hooks.append(
                PenaltyHook(
                    scoped,
                    l1=settings.l1,
                    l2=settings.l2,
                    l2_convention=settings.l2_convention,
                    per_layer=settings.per_layer,
                    l1_in_loss=settings.l1_mode == "penalty",
                )
            )
        if settings.orthogonality > 0:
            weights = _weight_matrices(scoped, "regularization.orthogonality", settings.orthogonality)
            technique.hooks.append(OrthogonalityHook(weights, settings.orthogonality, settings.orthogonality_mode))
    if wants_activity:
        from reglab.models import hidden_blocks

        blocks = hidden_blocks(model)
        if not blocks:
            key = "regularization.activity_l1" if settings.activity_l1 > 0 else "regularization.activity_l2"
            raise ConfigError(key, settings.activity_l1 or settings.activity_l2, "0 for a model without hidden layers")
        technique.hooks.append(ActivityPenaltyHook(blocks, l1=settings.activity_l1, l2=settings.activity_l2))
    if settings.sam_rho > 0:
        technique.hooks.append(SharpnessAwareHook([param for param in model.parameters() if param.requires_grad], settings.sam_rho))
    if settings.l1 > 0 and settings.l1_mode == "subgradient":
        technique.hooks.append(SubgradientL1Hook(groups, settings.l1))
    if wants_clipping:
        technique.hooks.append(GradientClipHook(model.parameters(), settings.grad_clip_norm, settings.grad_clip_value))
    if settings.l1 > 0 and settings.l1_mode == "proximal":
        technique.hooks.append(ProximalL1Hook(groups, settings.l1))
    if settings.max_norm is not None:
        technique.hooks.append(MaxNormHook(_weight_matrices(scoped, "regularization.max_norm", settings.max_norm), settings.max_norm))
    if settings.l1 > 0:
        technique.callbacks.append(ZeroFractionMonitor([param for group in groups for param in group.params]))
    return technique
