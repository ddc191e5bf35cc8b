"""Weight-decay parameter groups: which parameters are decayed, which are not.

`optimizer.decay_exclude` lists rules: `bias` (every bias and 1-d parameter),
`norm` (normalisation layers' parameters) and fnmatch name patterns. Coupled
decay (SGD, Adam: λ·w added to the gradient) and decoupled decay (AdamW:
w ← w − lr·λ·w, Loshchilov & Hutter 2019, arXiv:1711.05101) use the same groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import torch

from reglab.regularizers.scope import ROLES, ParameterSelector, parameter_roles

__all__ = ["DecayGroups", "decay_groups"]


@dataclass(frozen=True)
class DecayGroups:
    """Optimizer parameter groups plus the names on each side, for the run log."""

    groups: list[dict]
    decayed: list[str]
    not_decayed: list[str]

    def describe(self) -> str:
        return (
            f"weight decay on {len(self.decayed)} tensors ({', '.join(self.decayed) or '-'}); "
            f"none on {len(self.not_decayed)} ({', '.join(self.not_decayed) or '-'})"
        )


def decay_groups(model: torch.nn.Module, weight_decay: float, exclude: Iterable[str]) -> DecayGroups:
    """Split trainable parameters into a decayed and a non-decayed group.

    Example:
        >>> groups = decay_groups(model, 5e-4, ["bias", "norm"])
        >>> torch.optim.SGD(groups.groups, lr=0.1)
    """
    selector = ParameterSelector(roles=ROLES, exclude=tuple(exclude))  # every role, less the exclusions
    roles = parameter_roles(model)
    decayed, kept = [], []
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        (decayed if selector.chooses(name, roles[name]) else kept).append((name, parameter))
    groups = [{"params": [p for _, p in decayed], "weight_decay": weight_decay, "names": [n for n, _ in decayed]}]
    if kept:
        groups.append({"params": [p for _, p in kept], "weight_decay": 0.0, "names": [n for n, _ in kept]})
    return DecayGroups(groups, [n for n, _ in decayed], [n for n, _ in kept])
