"""Which parameters a technique touches: one selector, `ParameterSelector`, for all of them.

A parameter has a role: `weight` (matrices and kernels), `bias`, or `norm` (a
normalisation layer's parameter). A selector takes the roles it wants, then adds
parameters whose names match `include` and removes those matching `exclude` (name
patterns, fnmatch or a bare substring, or role words); exclusion wins. Every technique
chooses its parameters through it:

| technique                          | selector                                                         |
|------------------------------------|------------------------------------------------------------------|
| penalties, orthogonality, max-norm | `regularization.scope` (weights / all), `.include`, `.exclude`  |
| weight decay                       | every role, less `optimizer.decay_exclude` (roles or patterns)  |
| pruning                            | weights, plus biases with `pruning.include_biases`; never norms |

Default rule (timm, optax `masked`): weights are regularized; biases and
normalisation-layer parameters are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatch
from typing import Iterable

import torch

__all__ = ["ROLES", "ParameterSelector", "parameter_roles", "select_parameters", "matches_any"]

ROLES = ("weight", "bias", "norm")


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


@dataclass(frozen=True)
class ParameterSelector:
    """The parameters a technique touches, by role and name.

    Attributes:
        roles: the roles taken (`weight`, `bias`, `norm`).
        include: name patterns added whatever their role (e.g. `"*.bias"`).
        exclude: name patterns or role words removed; exclusion wins.

    Example:
        >>> ParameterSelector(roles=("weight",), exclude=("head.*",)).select(model)
    """

    roles: tuple[str, ...] = ("weight",)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def chooses(self, name: str, role: str) -> bool:
        """Whether the parameter `name` with `role` is selected."""
        excluded_roles = {rule for rule in self.exclude if rule in ROLES}
        patterns = [rule for rule in self.exclude if rule not in ROLES]
        if role in excluded_roles or matches_any(name, patterns):
            return False
        return role in self.roles or matches_any(name, self.include)

    def select(self, model: torch.nn.Module) -> dict[str, torch.nn.Parameter]:
        """Name -> parameter of the model's trainable parameters this selector takes, in model order."""
        roles = parameter_roles(model)
        return {
            name: parameter
            for name, parameter in model.named_parameters()
            if parameter.requires_grad and self.chooses(name, roles[name])
        }


def select_parameters(
    model: torch.nn.Module,
    scope: str = "weights",
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
) -> dict[str, torch.nn.Parameter]:
    """The parameters a regularizer applies to (`regularization.scope/include/exclude`).

    Args:
        scope: `weights` (weights only) or `all` (every trainable parameter).
        include: name patterns added to the scope (e.g. `"*.bias"`).
        exclude: name patterns removed from it; exclusion wins.

    Example:
        >>> names = list(select_parameters(model, exclude=["head.*"]))
    """
    roles = ROLES if scope == "all" else ("weight",)
    return ParameterSelector(roles, tuple(include), tuple(exclude)).select(model)
