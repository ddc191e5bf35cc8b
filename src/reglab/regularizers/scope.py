"""Which parameters a regularizer touches — decided here, once, as a mask over names.

Default rule (timm, optax `masked`): weights are regularized; biases (`*.bias`) and
normalisation-layer parameters are not. Include/exclude name patterns (fnmatch)
adjust the rule.
"""

from __future__ import annotations

from fnmatch import fnmatch
from typing import Iterable

import torch

__all__ = ["parameter_roles", "select_parameters", "matches_any"]


def matches_any(name: str, patterns: Iterable[str]) -> bool:
    """True when `name` matches one of the fnmatch patterns (a bare word matches as a substring)."""
    return any(fnmatch(name, pattern) or (not _is_glob(pattern) and pattern in name) for pattern in patterns)


def _is_glob(pattern: str) -> bool:
    return any(char in pattern for char in "*?[")


def parameter_roles(model: torch.nn.Module) -> dict[str, str]:
    """Name -> role: `weight`, `bias` or `norm` (a normalisation layer's parameter)."""
    from reglab.models import normalization_parameter_names

    norm_names = normalization_parameter_names(model)
    roles: dict[str, str] = {}
    for name, parameter in model.named_parameters():
        if name in norm_names:
            roles[name] = "norm"
        elif name.endswith("bias") or parameter.dim() <= 1:
            roles[name] = "bias"
        else:
            roles[name] = "weight"
    return roles


def select_parameters(
    model: torch.nn.Module,
    scope: str = "weights",
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
) -> dict[str, torch.nn.Parameter]:
    """The parameters a regularizer applies to.

    Args:
        scope: `weights` (weights only) or `all` (every trainable parameter).
        include: name patterns added to the scope (e.g. `"*.bias"`).
        exclude: name patterns removed from it; exclusion wins.

    Example:
        >>> names = list(select_parameters(model, exclude=["head.*"]))
    """
    roles = parameter_roles(model)
    include, exclude = list(include), list(exclude)
    chosen: dict[str, torch.nn.Parameter] = {}
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        in_scope = scope == "all" or roles[name] == "weight" or matches_any(name, include)
        if in_scope and not matches_any(name, exclude):
            chosen[name] = parameter
    return chosen
